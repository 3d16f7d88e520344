"""The platform families of docs/portal-shapes.md on saved pages built from its snippets: gkmlpt,
Lonsun, Hanweb jpaas, truecms, Epoint EWB, the Hanweb dataproxy add-ons, and the static paging
grammars the generic path follows."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.adapters import GENERIC, adapter_for
from spiders.adapters.hanweb import HanwebAdapter

from .utils import FIXTURES, file_response

JSON_HEADERS = {"Content-Type": "application/json;charset=UTF-8"}


def answer(name: str, request: Request, *, status: int = 200, headers=None) -> TextResponse:
    body = (FIXTURES / name).read_bytes()
    return TextResponse(request.url, body=body, status=status, headers=headers or JSON_HEADERS, request=request,
                        encoding="utf-8")


def parse(response):
    return adapter_for(response).parse_list(response)


# --- gkmlpt --------------------------------------------------------------------------------------

GK_URL = "http://www.nanao.gov.cn/gkmlpt/index#30"


def test_gkmlpt_shell_asks_the_api_for_the_fragments_category():
    shell = file_response(FIXTURES / "gkmlpt" / "shell.html", GK_URL)
    assert adapter_for(shell).name == "gkmlpt"
    page = parse(shell)
    assert page.entries == [] and not page.needs_browser
    [request] = page.next_requests
    assert request.url == "http://www.nanao.gov.cn/gkmlpt/api/all/30?page=1&sid=755041"  # never page 0: it repeats 1
    assert request.meta["adapter"] == "gkmlpt"
    assert request.headers[b"Referer"] == GK_URL.encode()


def test_gkmlpt_category_comes_from_the_request_when_the_response_lost_it():
    """Scrapy asks servers without the #fragment, so a downloaded shell's URL has none: the category is
    the one the request asked for, not the 年报 category TREE names (30), so two units' columns on one
    shell stay apart."""
    for cat in ("30", "77"):
        asked = f"http://www.nanao.gov.cn/gkmlpt/index#{cat}"
        body = (FIXTURES / "gkmlpt" / "shell.html").read_bytes()
        shell = HtmlResponse("http://www.nanao.gov.cn/gkmlpt/index", body=body, encoding="utf-8",
                             request=Request(asked))
        [request] = parse(shell).next_requests
        assert request.url == f"http://www.nanao.gov.cn/gkmlpt/api/all/{cat}?page=1&sid=755041"


def test_gkmlpt_shell_without_fragment_picks_the_report_category_by_name():
    """A column found from a home page loses its #fragment: TREE names the 年报 category."""
    url = "http://www.lw.gov.cn/gzlwwglt/gkmlpt/index"
    page = parse(file_response(FIXTURES / "gkmlpt" / "shell.html", url))
    assert [r.url for r in page.next_requests] == ["http://www.lw.gov.cn/gzlwwglt/gkmlpt/api/all/30?page=1&sid=755041"]
    assert page.columns == ["http://www.nanao.gov.cn/bmnb/"]  # the 部门 年报 category jumps elsewhere


def test_gkmlpt_answer_entries_and_paging():
    [request] = parse(file_response(FIXTURES / "gkmlpt" / "shell.html", GK_URL)).next_requests
    page = parse(answer("gkmlpt/api_page1.json", request))
    assert [(e.url, e.title, e.date, e.publisher) for e in page.entries[:2]] == [
        ("http://www.nanao.gov.cn/gkmlpt/content/0/963/post_963149.html", "南澳县2022年政府信息公开工作年度报告",
         "2023-01-18", "南澳县人民政府办公室"),
        ("http://www.nanao.gov.cn/gkmlpt/content/0/963/post_963150.html", "后宅镇2022年政府信息公开工作年度报告",
         "2023-01-19", "后宅镇人民政府"),
    ]
    assert page.total_pages == 2  # 5 posts, 3 on page 1 (100 on real sites: page 1's count is the page size)
    [following] = page.next_requests
    assert following.url == "http://www.nanao.gov.cn/gkmlpt/api/all/30?page=2&sid=755041"
    last = parse(answer("gkmlpt/api_page1.json", following).replace(body=b'{"total": 5, "articles": '
                                                                         b'[{"title": "\xe5\xb9\xb4\xe6\x8a\xa5", "url": "/gkmlpt/content/0/1/post_1.html"}]}'))
    assert last.next_requests == []


def test_gkmlpt_full_mode_answer_is_one_page():
    request = Request("http://www.dinghu.gov.cn/gkmlpt/api/all/7?page=1&sid=1",
                      meta={"adapter": "gkmlpt", "gkmlpt": {"prefix": "http://www.dinghu.gov.cn", "cat": "7", "sid": "1", "page": 1}})
    page = parse(answer("gkmlpt/api_full.json", request))
    assert len(page.entries) == 2 and page.total_pages == 1 and page.next_requests == []


# --- Lonsun --------------------------------------------------------------------------------------

LS_URL = "http://xsxxgk.huaibei.gov.cn/public/column/4704161?type=4&catId=3827899&action=list&nav=3"


def test_lonsun_post_label_call_from_the_script():
    column = file_response(FIXTURES / "lonsun" / "column_post.html", LS_URL)
    assert adapter_for(column).name == "lonsun"
    [request] = parse(column).next_requests
    assert request.method == "POST"
    assert request.url == "http://xsxxgk.huaibei.gov.cn/site/label/8888?IsAjax=1&dataType=html"
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert form["pageIndex"] == "1" and form["catId"] == "3827899" and form["labelName"] == "publicInfoList"
    assert form["siteId"] == "4704161" and form["file"] == "/xsxxgk/publicInfoList-xs"
    assert request.headers[b"Referer"] == LS_URL.encode()


def test_lonsun_label_answer_entries_and_page_count():
    [request] = parse(file_response(FIXTURES / "lonsun" / "column_post.html", LS_URL)).next_requests
    page = parse(answer("lonsun/label_page1.html", request, headers={"Content-Type": "text/html; charset=utf-8"}))
    assert [(e.url, e.title, e.date) for e in page.entries][0] == (
        "http://xsxxgk.huaibei.gov.cn/public/33/45016421.html", "濉溪县2022年政府信息公开工作年度报告", "2023-01-20")
    assert len(page.entries) == 3 and page.total_pages == 3
    [following] = page.next_requests
    assert {k: v[0] for k, v in parse_qs(following.body.decode()).items()}["pageIndex"] == "2"
    third = following.replace(meta={**following.meta, "list_page": 3,
                                    "lonsun_label": {**following.meta["lonsun_label"], "page": 3}})
    last = parse(answer("lonsun/label_page3.html", third, headers={"Content-Type": "text/html; charset=utf-8"}))
    assert len(last.entries) == 1 and last.next_requests == []


def test_lonsun_get_label_call():
    column = file_response(FIXTURES / "lonsun" / "column_get.html", "https://sthjt.ah.gov.cn/public/column/21691?type=4&action=list")
    [request] = parse(column).next_requests
    assert request.method == "GET"
    query = parse_qs(urlsplit(request.url).query)
    assert urlsplit(request.url).path == "/site/label/8888"
    assert query["pageIndex"] == ["1"] and query["catId"] == ["32710021"] and query["siteId"] == ["6788031"]


def test_lonsun_server_side_page_index():
    url = "http://www.haiyan.gov.cn/public/column/6616411?type=4&catId=7065111&action=list"
    page = parse(file_response(FIXTURES / "lonsun" / "column_static.html", url))
    assert [e.title for e in page.entries] == ["海晏县2022年政府信息公开工作年度报告", "甘子河乡2022年政府信息公开工作年度报告"]
    assert page.total_pages == 2
    [following] = page.next_requests
    assert following.url == url + "&pageIndex=2"
    second = file_response(FIXTURES / "lonsun" / "column_static.html", following.url,
                           request=Request(following.url, meta={**following.meta}))
    assert parse(second).next_requests == []


# --- Hanweb jpaas ----------------------------------------------------------------------------------

JP_URL = "https://www.anji.gov.cn/col/col1229518623/index.html?number=0-C001-003"


def test_jpaas_shell_asks_the_unit_api_with_param_json():
    column = file_response(FIXTURES / "jpaas" / "col_index.html", JP_URL)
    assert adapter_for(column).name == "jpaas"
    [request] = parse(column).next_requests
    parts = urlsplit(request.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/api-gateway/jpaas-publish-server/front/page/build/unit"
    assert query["webId"] == "149" and query["pageId"] == "1229518623" and query["tplSetId"] == "LWYUCb5AkzKrVm7WODRpT"
    assert query["tagId"] == "当前栏目列表a"
    assert json.loads(query["paramJson"]) == {"pageNo": 1, "pageSize": "15"}  # a bare pageNo is ignored by jpaas


def test_jpaas_answer_html_inside_json_and_paging():
    [request] = parse(file_response(FIXTURES / "jpaas" / "col_index.html", JP_URL)).next_requests
    page = parse(answer("jpaas/unit_page1.json", request))
    assert [(e.url, e.date) for e in page.entries][:2] == [
        ("https://www.anji.gov.cn/art/2023/1/20/art_1229518623_59012345.html", "2023-01-20"),
        ("https://www.anji.gov.cn/col/col1229518623/art/2023/art_ca976555783b4889ba7b878208216056.html", "2023-01-21"),
    ]
    assert page.total_pages == 2  # count="16", 15 a page
    [following] = page.next_requests
    assert json.loads(parse_qs(urlsplit(following.url).query)["paramJson"][0]) == {"pageNo": 2, "pageSize": "15"}
    last = parse(answer("jpaas/unit_page2.json", following))
    assert len(last.entries) == 1 and last.next_requests == []


# --- truecms ---------------------------------------------------------------------------------------

TC_URL = "http://www.rugao.gov.cn/rgs/zfxxgknb/zfxxgknb.html"


def test_truecms_asks_jsonp_with_referer_and_perpage_50():
    column = file_response(FIXTURES / "truecms" / "column.html", TC_URL)
    assert adapter_for(column).name == "truecms"
    [request] = parse(column).next_requests
    assert request.url == ("http://www.rugao.gov.cn/truecms/messageController/getMessage.do?startrecord=1&endrecord=50"
                           "&perpage=50&columnId=35867&callback=cb")
    assert request.headers[b"Referer"] == TC_URL.encode()  # without it the site answers 404
    assert 404 in request.meta["handle_httpstatus_list"]


@pytest.mark.parametrize("status, name", [(404, "truecms/answer_empty.js"), (200, "truecms/answer_empty.js")])
def test_truecms_perpage_cap_falls_back_50_20_10(status, name):
    [request] = parse(file_response(FIXTURES / "truecms" / "column.html", TC_URL)).next_requests
    [smaller] = parse(answer(name, request, status=status)).next_requests
    assert "perpage=20" in smaller.url and "endrecord=20" in smaller.url
    [smallest] = parse(answer(name, smaller, status=status)).next_requests
    assert "perpage=10" in smallest.url
    assert parse(answer(name, smallest, status=status)).next_requests == []


def test_truecms_answer_entries_and_paging():
    [request] = parse(file_response(FIXTURES / "truecms" / "column.html", TC_URL)).next_requests
    [smaller] = parse(answer("truecms/answer_empty.js", request, status=404)).next_requests
    page = parse(answer("truecms/answer_1_20.js", smaller, headers={"Content-Type": "application/javascript"}))
    assert [(e.url, e.title, e.date) for e in page.entries][0] == (
        "http://www.rugao.gov.cn/rgs/content/9000.html", "如皋市2022年政府信息公开工作年度报告", "2023-01-10")
    assert page.total_pages == 2  # 23 records, 20 a page
    [following] = page.next_requests
    assert "startrecord=21&endrecord=40&perpage=20" in following.url
    assert following.headers[b"Referer"] == TC_URL.encode()
    last = parse(answer("truecms/answer_21_40.js", following))
    assert len(last.entries) == 1 and last.next_requests == []


# --- Epoint EWB ------------------------------------------------------------------------------------

EP_URL = "http://sthj.xz.gov.cn/dynamic/zwgk/govInfoPub.html?categorynum=003011"


def test_epoint_shell_fetches_web_builder_common_then_posts_json():
    shell = file_response(FIXTURES / "epoint" / "govInfoPub.html", EP_URL)
    assert adapter_for(shell).name == "epoint"
    [js] = parse(shell).next_requests
    assert js.url == "http://sthj.xz.gov.cn/js/webBuilderCommon.js"
    js_answer = answer("epoint/webBuilderCommon.js", js, headers={"Content-Type": "application/javascript"})
    [request] = parse(js_answer).next_requests
    assert request.method == "POST"
    assert request.url == "http://sthj.xz.gov.cn/EWB-FRONT/rest/lightfrontaction/getgovinfolist"
    assert json.loads(request.body) == {"deptcode": "", "categorynum": "003011", "pageIndex": 0, "pageSize": 50,
                                        "siteGuid": "7eb5f7f1-9041-43ad-8e13-8fcb82ea831a"}


def _epoint_first():
    [js] = parse(file_response(FIXTURES / "epoint" / "govInfoPub.html", EP_URL)).next_requests
    [request] = parse(answer("epoint/webBuilderCommon.js", js, headers={"Content-Type": "application/javascript"})).next_requests
    return request


def test_epoint_answer_entries_and_next_index():
    page = parse(answer("epoint/list_0.json", _epoint_first()))
    assert [(e.url, e.title, e.date) for e in page.entries][0] == (
        "http://sthj.xz.gov.cn/xxgk/003011/20230130/3fa1c6b2.html", "徐州市生态环境局2022年政府信息公开工作年度报告",
        "2023-01-30")  # realtitle, not the shortened title
    assert page.total_pages == 2
    [following] = page.next_requests
    assert json.loads(following.body)["pageIndex"] == 1


def test_epoint_one_based_site_repeating_page_zero_goes_on_to_page_two():
    first = _epoint_first()
    [second] = parse(answer("epoint/list_0.json", first)).next_requests
    repeat = parse(answer("epoint/list_0.json", second))  # pageIndex 1 == pageIndex 0 on a 1-based site
    assert repeat.entries == []
    [third] = repeat.next_requests
    assert json.loads(third.body)["pageIndex"] == 2
    assert parse(answer("epoint/list_0.json", third)).next_requests == []  # nothing new on page 2: the end


# --- Hanweb dataproxy add-ons ---------------------------------------------------------------------

HANWEB_URL = "http://www.zjcx.gov.cn/col/col33718/index.html"


def test_hanweb_proxy_url_override():
    body = (FIXTURES / "hanweb" / "col_index.html").read_bytes().replace(
        b"proxyUrl:'/module/web/jpage/dataproxy.jsp'", b"proxyUrl:'/module/jpage/dataproxy_jh.jsp'")
    [request] = HanwebAdapter().parse_list(HtmlResponse(HANWEB_URL, body=body, request=Request(HANWEB_URL))).next_requests
    assert urlsplit(request.url).path == "/module/jpage/dataproxy_jh.jsp"


def test_hanweb_server_ignoring_startrecord_pages_by_page():
    [request] = HanwebAdapter().parse_list(file_response(FIXTURES / "hanweb" / "col_index.html", HANWEB_URL)).next_requests
    first_records = file_response(FIXTURES / "hanweb" / "col_index.html", HANWEB_URL)
    seen = [e.url for e in HanwebAdapter().parse_list(first_records).entries]
    # the server answers records 1–15 again for startrecord=16
    page_one_again = (FIXTURES / "hanweb" / "dataproxy_16_30.xml").read_text(encoding="utf-8")
    import re

    from spiders.adapters.hanweb import records
    inline = records((FIXTURES / "hanweb" / "col_index.html").read_text(encoding="utf-8"))
    body = re.sub(r"<recordset>.*</recordset>", lambda _: "<recordset>" + "".join(
        f"<record><![CDATA[{r}]]></record>" for r in inline) + "</recordset>", page_one_again, flags=re.S)
    again = request.replace(meta={**request.meta, "list_seen": seen})
    page = adapter_for(TextResponse(request.url, body=body.encode(), request=again, encoding="utf-8")).parse_list(
        TextResponse(request.url, body=body.encode(), request=again, encoding="utf-8"))
    assert page.entries == []
    [by_page] = page.next_requests
    assert parse_qs(urlsplit(by_page.url).query) == {"page": ["2"], "perpage": ["15"]}
    assert by_page.body == request.body


def test_hanweb_answer_larger_or_capped_continues_after_the_records_received():
    """groupSize=3 answers 45 records for a 15-record ask; a 300 cap answers fewer: the next range
    starts after what came, not after what was asked."""
    [request] = HanwebAdapter().parse_list(file_response(FIXTURES / "hanweb" / "col_index.html", HANWEB_URL)).next_requests
    text = (FIXTURES / "hanweb" / "dataproxy_16_30.xml").read_text(encoding="utf-8")
    doubled = text.replace("<totalrecord>38<", "<totalrecord>120<").replace("</recordset>", "".join(
        f"<record><![CDATA[<li><a href='/art/2020/1/{i}/art_33718_{i}.html' title='x{i}县年报'>x{i}县年报</a><span>2020-01-0{i % 9 + 1}</span></li>]]></record>"
        for i in range(1, 16)) + "</recordset>")
    response = TextResponse(request.url, body=doubled.encode(), request=request, encoding="utf-8")
    page = HanwebAdapter().parse_list(response)
    assert len(page.entries) == 30
    [following] = page.next_requests
    assert parse_qs(urlsplit(following.url).query)["startrecord"] == ["46"]


# --- static paging grammars through the generic path ------------------------------------------

@pytest.mark.parametrize("name, url, expected", [
    ("a_list.shtml", "http://www.shuyang.gov.cn/xxgk/nb/a_list.shtml", "http://www.shuyang.gov.cn/xxgk/nb/a_list_1.shtml"),
    ("class_dir.html", "http://www.liyang.gov.cn/class/HFLDAALF", "http://www.liyang.gov.cn/class/HFLDAALF/2"),
    ("list_dash.html", "http://www.yiling.gov.cn/list-61891-1.html", "http://www.yiling.gov.cn/list-61891-2.html"),
    ("page_n.html", "http://www.zlt.gov.cn/OpennessContent/showList/784/34502/page_1.html",
     "http://www.zlt.gov.cn/OpennessContent/showList/784/34502/page_2.html"),
    ("page_n_2.html", "http://www.zlt.gov.cn/OpennessContent/showList/784/34502/page_2.html",
     "http://www.zlt.gov.cn/OpennessContent/showList/784/34502/page_3.html"),
    ("jeecms.html", "http://www.yxcj.gov.cn/yxgovfront/newPolicy.jspx?channelId=12&pageNo=1",
     "http://www.yxcj.gov.cn/yxgovfront/newPolicy.jspx?channelId=12&pageNo=2"),
])
def test_static_paging_grammars(name, url, expected):
    response = file_response(FIXTURES / "paging" / name, url)
    page = adapter_for(response).parse_list(response)
    assert page.entries and all("年度报告" in e.title for e in page.entries)
    assert [r.url for r in page.next_requests] == [expected]


def test_generic_numbered_pager_stops_at_the_last_number():
    url = "http://www.zlt.gov.cn/OpennessContent/showList/784/34502/page_3.html"
    body = (FIXTURES / "paging" / "page_n_2.html").read_bytes().replace(
        b'<a href="page_2.html" class="active">2</a> <a href="page_3.html">3</a>',
        b'<a href="page_2.html">2</a> <a href="page_3.html" class="active">3</a>')
    assert GENERIC.parse_list(HtmlResponse(url, body=body, request=Request(url))).next_requests == []


# --- TRS .shtml add-ons ----------------------------------------------------------------------------

@pytest.mark.parametrize("call, url, expected", [
    # createPageHTML('page_div', count, current, name, ext, total): a named list file, .shtml
    ("createPageHTML('page_div', 5, 1, 'a_list', 'shtml', 94);", "http://www.shuyang.gov.cn/xxgk/nb/a_list_1.shtml",
     "http://www.shuyang.gov.cn/xxgk/nb/a_list_2.shtml"),
    ('var countPage = 4; document.write("xxgk_list"+"_"+i+"."+"shtml");', "http://www.shuyang.gov.cn/xxgk/xxgk_list.shtml",
     "http://www.shuyang.gov.cn/xxgk/xxgk_list_1.shtml"),
])
def test_trs_shtml_list_files(call, url, expected):
    from spiders.adapters.trs import TrsAdapter

    body = (FIXTURES / "trs" / "nb_index.html").read_bytes().replace(b'createPageHTML(3, 0, "index", "html");',
                                                                      call.encode())
    [request] = TrsAdapter().parse_list(HtmlResponse(url, body=body, request=Request(url))).next_requests
    assert request.url == expected


def test_trs_shtml_last_page_stops():
    from spiders.adapters.trs import TrsAdapter

    url = "http://www.shuyang.gov.cn/xxgk/nb/a_list_4.shtml"
    body = (FIXTURES / "trs" / "nb_index.html").read_bytes().replace(
        b'createPageHTML(3, 0, "index", "html");', b"createPageHTML('page_div', 5, 4, 'a_list', 'shtml', 94);")
    assert TrsAdapter().parse_list(HtmlResponse(url, body=body, request=Request(url))).next_requests == []
