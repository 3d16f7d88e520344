"""List-page adapters on saved pages: entries, further pages, sub-columns, caps; and column discovery."""

from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from spiders.adapters import ADAPTERS, DEFAULT_MAX_PAGES, GENERIC, adapter_for
from spiders.adapters.hanweb import HanwebAdapter
from spiders.adapters.json_api import JsonApiAdapter
from spiders.adapters.query import QueryAdapter
from spiders.adapters.trs import TrsAdapter
from spiders.adapters.trs_table import TrsTableAdapter
from spiders.adapters.vsb import VsbAdapter
from spiders.discover import find_report_columns, find_unit_columns

from .utils import FIXTURES, REAL_PAGES, file_response

TRS_URL = "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/index.html"
REAL_LIST_URL = "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index.html"
HANWEB_URL = "http://www.zjcx.gov.cn/col/col33718/index.html"
VSB_URL = "http://www.ruyang.gov.cn/xxgk/zfxxgknb.htm"
JSON_PAGE_URL = "http://www.wenxian.gov.cn/zwgk/nb/list.html"
QUERY_URL = "http://www.qinyang.gov.cn/iList.jsp?node_id=12&cat_id=34&cur_page=1"
JSON_HEADERS = {"Content-Type": "application/json;charset=UTF-8"}


def trs_page(name="nb_index.html", url=TRS_URL, meta=None):
    return file_response(FIXTURES / "trs" / name, url, request=Request(url, meta=meta or {}))


def real_list(url=REAL_LIST_URL, meta=None):
    return file_response(REAL_PAGES / "kevin3691_renmin__list.jsp", url, request=Request(url, meta=meta or {}))


# --- TRS -----------------------------------------------------------------------------------------

def test_trs_entries():
    page = TrsAdapter().parse_list(trs_page())
    assert len(page.entries) == 8
    first = page.entries[0]
    assert first.url == "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/202303/t20230331_2712456.html"
    assert first.title == "武陟县2022年政府信息公开工作年度报告"
    assert first.date == "2023-03-31"


def test_trs_title_from_title_attribute_not_truncated_text():
    titles = [e.title for e in TrsAdapter().parse_list(trs_page()).entries]
    assert "关于做好2022年度政府信息公开工作年度报告编制发布工作的通知" in titles


def test_trs_next_page_from_create_page_html():
    [request] = TrsAdapter().parse_list(trs_page()).next_requests
    assert request.url == "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.html"
    assert request.method == "GET"
    assert request.callback is None
    assert request.meta["list_page"] == 2
    assert request.meta["adapter"] == "trs"


def test_trs_next_page_from_a_directory_url():
    url = "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    [request] = TrsAdapter().parse_list(trs_page(url=url)).next_requests
    assert request.url == "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.html"


def test_trs_last_page_has_no_next():
    url = "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/index_2.html"
    page = TrsAdapter().parse_list(trs_page("nb_index_2.html", url, {"list_page": 3}))
    assert len(page.entries) == 3
    assert page.next_requests == []


def test_trs_sub_columns():
    assert TrsAdapter().parse_list(trs_page()).columns == [
        "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/xzfnb/",
        "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/bmnb/",
        "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/xzjdnb/",
    ]


GBK_URL = "http://www.xiuwu.gov.cn/xxgk/zfxxgknb/index.shtml"


def test_gbk_page_without_charset_is_decoded():
    page = TrsAdapter().parse_list(file_response(FIXTURES / "trs" / "gbk_list.shtml", GBK_URL))
    assert page.entries[0].title == "修武县2022年政府信息公开工作年度报告"
    assert page.entries[0].date == "2023-03-28"


def test_gbk_page_read_as_cp1252_is_redecoded():
    """Where Scrapy falls back to cp1252 for an undeclared charset, the adapter decodes by detection."""
    body = (FIXTURES / "trs" / "gbk_list.shtml").read_bytes()
    response = HtmlResponse(GBK_URL, body=body, encoding="cp1252", request=Request(GBK_URL))
    assert TrsAdapter().parse_list(response).entries[1].title == "周庄镇2022年政府信息公开工作年度报告"


def test_trs_item_written_by_script():
    entries = TrsAdapter().parse_list(file_response(FIXTURES / "trs" / "gbk_list.shtml", GBK_URL)).entries
    scripted = [e for e in entries if "七贤镇" in e.title]
    assert [(e.url, e.title, e.date) for e in scripted] == [
        ("http://www.xiuwu.gov.cn/xxgk/zfxxgknb/202301/t20230129_549733.shtml",
         "七贤镇2022年政府信息公开工作年度报告", "2023-01-29"),
    ]


def test_trs_count_page_variables_and_shtml():
    [request] = TrsAdapter().parse_list(file_response(FIXTURES / "trs" / "gbk_list.shtml", GBK_URL)).next_requests
    assert request.url == "http://www.xiuwu.gov.cn/xxgk/zfxxgknb/index_1.shtml"


def test_stops_when_a_page_brings_no_new_entry():
    """A site that serves the same page for every index_N must not be followed."""
    first = TrsAdapter().parse_list(trs_page())
    seen = first.next_requests[0].meta["list_seen"]
    again = TrsAdapter().parse_list(trs_page(url=TRS_URL.replace("index", "index_1"), meta={"list_page": 2, "list_seen": seen}))
    assert again.next_requests == []


def test_page_cap_from_meta():
    assert TrsAdapter().parse_list(trs_page(meta={"max_list_pages": 1})).next_requests == []


def test_default_page_cap_beats_the_page_count():
    """The real list claims 56 pages: page 50 (index_49.html) is the last one asked for."""
    assert DEFAULT_MAX_PAGES == 50
    before = TrsTableAdapter().parse_list(real_list(REAL_LIST_URL.replace("index", "index_48")))
    assert [r.url for r in before.next_requests] == ["http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_49.html"]
    at_cap = TrsTableAdapter().parse_list(real_list(REAL_LIST_URL.replace("index", "index_49")))
    assert at_cap.next_requests == []


# --- TRS xxgk table (the real saved list page) -----------------------------------------------------

def test_real_table_list_entry():
    [entry] = TrsTableAdapter().parse_list(real_list()).entries
    assert entry.url == "http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200805_1353179.html"
    assert entry.title == "邯郸市教育局关于印发《邯郸市学校安全工作目标管理考核办法》的通知"
    assert entry.date == "2020-08-05"
    assert entry.publisher == "邯郸市教育局"


def test_real_table_list_next_page_from_count_page_script():
    [request] = TrsTableAdapter().parse_list(real_list()).next_requests
    assert request.url == "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_1.html"
    assert request.meta["list_page"] == 2


def test_real_table_list_detected_and_hinted():
    assert adapter_for(real_list()).name == "trs_table"
    assert adapter_for(real_list(), hint="trs").name == "trs_table"


# --- Hanweb ----------------------------------------------------------------------------------------

def hanweb_page():
    return file_response(FIXTURES / "hanweb" / "col_index.html", HANWEB_URL)


def test_hanweb_entries_from_datastore():
    entries = HanwebAdapter().parse_list(hanweb_page()).entries
    assert len(entries) == 15
    assert (entries[0].url, entries[0].title, entries[0].date) == (
        "http://www.zjcx.gov.cn/art/2023/3/30/art_33718_11828167.html",
        "长兴县人民政府2022年度政府信息公开工作年度报告",
        "2023-03-30",
    )


def test_hanweb_next_page_is_a_post_to_dataproxy():
    [request] = HanwebAdapter().parse_list(hanweb_page()).next_requests
    assert request.method == "POST"
    assert request.url == "http://www.zjcx.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15"
    assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
    assert request.headers[b"Referer"] == HANWEB_URL.encode()
    assert request.meta["adapter"] == "hanweb"
    assert request.meta["list_page"] == 2


def test_hanweb_post_body_has_the_pages_ids():
    [request] = HanwebAdapter().parse_list(hanweb_page()).next_requests
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert form == {
        "col": "1", "appid": "1", "webid": "2905", "path": "/", "columnid": "33718", "unitid": "115837",
        "permissiontype": "0", "sourceContentType": "1", "webname": "长兴县人民政府",
    }


def test_hanweb_dataproxy_answer_is_parsed_by_the_same_adapter():
    [request] = HanwebAdapter().parse_list(hanweb_page()).next_requests
    answer = file_response(FIXTURES / "hanweb" / "dataproxy_16_30.xml", request.url, request=request)
    adapter = adapter_for(answer, hint="trs")  # meta["adapter"] wins over a wrong hint
    page = adapter.parse_list(answer)
    assert adapter.name == "hanweb"
    assert len(page.entries) == 15
    assert page.entries[0].title == "水口乡人民政府2022年度政府信息公开工作年度报告"
    [following] = page.next_requests
    assert following.url.endswith("/module/web/jpage/dataproxy.jsp?startrecord=31&endrecord=45&perpage=15")
    assert following.body == request.body
    assert following.meta["list_page"] == 3


def test_hanweb_last_answer_stops_at_totalrecord():
    [request] = HanwebAdapter().parse_list(hanweb_page()).next_requests
    second = HanwebAdapter().parse_list(file_response(FIXTURES / "hanweb" / "dataproxy_16_30.xml", request.url, request=request))
    [request3] = second.next_requests
    last = HanwebAdapter().parse_list(file_response(FIXTURES / "hanweb" / "dataproxy_31_45.xml", request3.url, request=request3))
    assert len(last.entries) == 8
    assert last.next_requests == []


def test_hanweb_answer_without_meta_uses_the_post_body():
    [request] = HanwebAdapter().parse_list(hanweb_page()).next_requests
    bare = request.replace(meta={})
    page = HanwebAdapter().parse_list(file_response(FIXTURES / "hanweb" / "dataproxy_16_30.xml", request.url, request=bare))
    assert page.next_requests[0].body == request.body


def test_hanweb_older_proxy_path():
    body = (FIXTURES / "hanweb" / "col_index.html").read_bytes().replace(b"/module/web/jpage/", b"/module/jpage/")
    response = HtmlResponse(HANWEB_URL, body=body, request=Request(HANWEB_URL))
    [request] = HanwebAdapter().parse_list(response).next_requests
    assert urlsplit(request.url).path == "/module/jpage/dataproxy.jsp"


def test_hanweb_sub_columns():
    assert HanwebAdapter().parse_list(hanweb_page()).columns == [
        "http://www.zjcx.gov.cn/col/col33719/index.html",
        "http://www.zjcx.gov.cn/col/col33720/index.html",
        "http://www.zjcx.gov.cn/col/col33721/index.html",
        "http://www.zjcx.gov.cn/col/col33722/index.html",
    ]


# --- VSB -------------------------------------------------------------------------------------------

def vsb_page(name="nb.htm", url=VSB_URL, meta=None):
    return file_response(FIXTURES / "vsb" / name, url, request=Request(url, meta=meta or {}))


def test_vsb_entries():
    entries = VsbAdapter().parse_list(vsb_page()).entries
    assert len(entries) == 10
    assert (entries[2].url, entries[2].title, entries[2].date) == (
        "http://www.ruyang.gov.cn/info/1025/61288.htm", "城关镇2022年政府信息公开工作年度报告", "2023-01-31")


def test_vsb_next_page_from_pager():
    [request] = VsbAdapter().parse_list(vsb_page()).next_requests
    assert request.url == "http://www.ruyang.gov.cn/xxgk/zfxxgknb/2.htm"
    assert request.meta["list_page"] == 2


def test_vsb_last_page_has_no_next():
    page = VsbAdapter().parse_list(vsb_page("nb_1.htm", "http://www.ruyang.gov.cn/xxgk/zfxxgknb/1.htm", {"list_page": 3}))
    assert [e.url for e in page.entries][0] == "http://www.ruyang.gov.cn/info/1025/50211.htm"
    assert page.next_requests == []


def test_vsb_page_count_caps_a_lying_next_link():
    """The pager says 1/3: a 下页 on what meta calls page 3 is not followed."""
    assert VsbAdapter().parse_list(vsb_page(meta={"list_page": 3})).next_requests == []


def test_vsb_sub_columns():
    assert VsbAdapter().parse_list(vsb_page()).columns == [
        "http://www.ruyang.gov.cn/xxgk/zfxxgknb/bmnb.htm",
        "http://www.ruyang.gov.cn/xxgk/zfxxgknb/xzjd.htm",
    ]


# --- JSON API --------------------------------------------------------------------------------------

def json_page():
    return file_response(FIXTURES / "json" / "list.html", JSON_PAGE_URL)


def test_json_page_asks_the_api_found_in_its_script():
    page = JsonApiAdapter().parse_list(json_page())
    assert page.entries == [] and not page.needs_browser
    [request] = page.next_requests
    assert request.url == "http://www.wenxian.gov.cn/api/cms/article/list?columnId=8201&page=1&size=10"
    assert request.meta["adapter"] == "json"
    assert request.meta["list_page"] == 1
    assert request.headers[b"Referer"] == JSON_PAGE_URL.encode()


def json_answer(name, request):
    return file_response(FIXTURES / "json" / name, request.url, request=request, headers=JSON_HEADERS)


def test_json_answer_entries():
    [request] = JsonApiAdapter().parse_list(json_page()).next_requests
    page = adapter_for(json_answer("page1.json", request)).parse_list(json_answer("page1.json", request))
    assert len(page.entries) == 10
    first = page.entries[0]
    assert (first.url, first.title, first.date, first.publisher) == (
        "http://www.wenxian.gov.cn/zwgk/nb/2023/9100.html", "温县人民政府2022年政府信息公开工作年度报告",
        "2023-03-28", "温县人民政府")


def test_json_answer_next_page():
    [request] = JsonApiAdapter().parse_list(json_page()).next_requests
    [following] = JsonApiAdapter().parse_list(json_answer("page1.json", request)).next_requests
    assert following.url == "http://www.wenxian.gov.cn/api/cms/article/list?columnId=8201&page=2&size=10"
    assert following.meta["list_page"] == 2


def test_json_last_page_stops_at_total():
    [request] = JsonApiAdapter().parse_list(json_page()).next_requests
    third = request.replace(url=request.url.replace("page=1", "page=3"),
                            meta={**request.meta, "list_page": 3,
                                  "json_api": {**request.meta["json_api"], "params": {"columnId": "8201", "page": "3", "size": "10"}}})
    page = JsonApiAdapter().parse_list(json_answer("page3.json", third))
    assert len(page.entries) == 3
    assert page.next_requests == []


def test_json_tolerant_keys():
    url = "https://www.wenxian.gov.cn/api/doc/page?channelId=77&pageNo=1&pageSize=10"
    response = file_response(FIXTURES / "json" / "records.json", url, headers=JSON_HEADERS)
    assert adapter_for(response).name == "json"
    entries = JsonApiAdapter().parse_list(response).entries
    assert [(e.url, e.title, e.date, e.publisher) for e in entries] == [
        ("https://www.wenxian.gov.cn/zwgk/nb/2022/8870.html", "祥云镇2021年政府信息公开工作年度报告", "2022-01-27", "祥云镇人民政府"),
        ("https://www.wenxian.gov.cn/zwgk/nb/2021/8203.html", "祥云镇2020年政府信息公开工作年度报告", "2021-01-29", "祥云镇人民政府"),
    ]


def test_script_built_list_without_api_needs_browser():
    response = file_response(FIXTURES / "json" / "scripted.html", "http://www.mengzhou.gov.cn/zwgk/nb/")
    page = adapter_for(response).parse_list(response)
    assert page.entries == []
    assert page.needs_browser


def test_json_hint_on_page_without_api_needs_browser():
    response = file_response(FIXTURES / "json" / "scripted.html", "http://www.mengzhou.gov.cn/zwgk/nb/")
    assert JsonApiAdapter().parse_list(response).needs_browser


# --- query-string paging -----------------------------------------------------------------------------

def test_query_entries():
    entries = QueryAdapter().parse_list(file_response(FIXTURES / "query" / "ilist_1.html", QUERY_URL)).entries
    assert len(entries) == 6
    assert (entries[0].url, entries[0].title, entries[0].date) == (
        "http://www.qinyang.gov.cn/iContent.jsp?node_id=12&cat_id=34&content_id=55021",
        "沁阳市2022年政府信息公开工作年度报告", "2023-03-30")


def test_query_next_page_increments_cur_page():
    [request] = QueryAdapter().parse_list(file_response(FIXTURES / "query" / "ilist_1.html", QUERY_URL)).next_requests
    assert request.url == "http://www.qinyang.gov.cn/iList.jsp?node_id=12&cat_id=34&cur_page=2"
    assert request.meta["list_page"] == 2


def test_query_stops_at_the_count_shown():
    url = QUERY_URL.replace("cur_page=1", "cur_page=3")
    page = QueryAdapter().parse_list(file_response(FIXTURES / "query" / "ilist_3.html", url))
    assert len(page.entries) == 2
    assert page.next_requests == []


# --- choosing an adapter -----------------------------------------------------------------------------

@pytest.mark.parametrize("path, url, name", [
    ("trs/nb_index.html", TRS_URL, "trs"),
    ("trs/gbk_list.shtml", GBK_URL, "trs"),
    ("hanweb/col_index.html", HANWEB_URL, "hanweb"),
    ("vsb/nb.htm", VSB_URL, "vsb"),
    ("json/list.html", JSON_PAGE_URL, "json"),
    ("query/ilist_1.html", QUERY_URL, "query"),
    ("json/scripted.html", "http://www.mengzhou.gov.cn/zwgk/nb/", "generic"),
])
def test_detection(path, url, name):
    assert adapter_for(file_response(FIXTURES / path, url)).name == name


def test_a_wrong_hint_falls_back_to_detection():
    assert adapter_for(trs_page(), hint="vsb").name == "trs"


def test_every_adapter_has_a_distinct_name():
    assert sorted(a.name for a in ADAPTERS) == ["epoint", "gkmlpt", "hanweb", "jpaas", "json", "lonsun", "query",
                                                "trs", "trs_table", "truecms", "vsb"]


def test_generic_keeps_report_links_only():
    response = file_response(FIXTURES / "generic" / "xxgk_home.html", "http://www.wuzhi.gov.cn/zwgk/zfxxgk/")
    assert [e.title for e in GENERIC.parse_list(response).entries] == ["武陟县2022年政府信息公开工作年度报告"]


# --- discovery -----------------------------------------------------------------------------------------

def test_discovers_the_report_column_on_the_real_home_page():
    response = file_response(REAL_PAGES / "kevin3691_renmin__index_a6b88b9.jsp", "http://hdzfxxgk.hd.gov.cn/")
    assert find_report_columns(response) == ["http://hdzfxxgk.hd.gov.cn/zfxxgknb/"]


def test_no_report_column_on_the_real_home_page_at_head():
    response = file_response(REAL_PAGES / "kevin3691_renmin__index.jsp", "http://hdzfxxgk.hd.gov.cn/")
    assert find_report_columns(response) == []


def test_discovery_skips_individual_reports():
    response = file_response(FIXTURES / "generic" / "xxgk_home.html", "http://www.wuzhi.gov.cn/zwgk/zfxxgk/")
    assert find_report_columns(response) == ["http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/"]


def test_unit_columns_by_name():
    response = file_response(FIXTURES / "generic" / "xxgk_home.html", "http://www.wuzhi.gov.cn/zwgk/zfxxgk/")
    names = ["木城街道办事处", "大封镇人民政府", "武陟县教育局", "武陟县人民政府办公室", "嘉应观乡人民政府"]
    assert find_unit_columns(response, names) == {
        "木城街道办事处": "http://www.wuzhi.gov.cn/zwgk/zfxxgk/xzjd/mcjd/",
        "大封镇人民政府": "http://www.wuzhi.gov.cn/zwgk/zfxxgk/xzjd/dfz/",
        "武陟县教育局": "http://www.wuzhi.gov.cn/zwgk/zfxxgk/bmxxgk/jyj/",
        "武陟县人民政府办公室": "http://www.wuzhi.gov.cn/zwgk/zfxxgk/bmxxgk/zfbgs/",
    }


def test_json_endpoint_from_data_attributes():
    response = file_response(FIXTURES / "json" / "data_attr.html", "http://www.boai.gov.cn/zwgk/nb/")
    [request] = adapter_for(response).parse_list(response).next_requests
    assert request.url == "http://www.boai.gov.cn/api/xxgk/nb/list?columnId=3307&page=1&size=15"


def test_trs_create_page_html_with_variables():
    body = (FIXTURES / "trs" / "nb_index.html").read_bytes().replace(
        b'createPageHTML(3, 0, "index", "html");',
        b'var _nPageCount = 3; var _nCurrIndex = 0; var _sPageName = "index"; var _sPageExt = "shtml";\n'
        b"createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt);")
    url = TRS_URL.replace(".html", ".shtml")
    [request] = TrsAdapter().parse_list(HtmlResponse(url, body=body, request=Request(url))).next_requests
    assert request.url == "http://www.wuzhi.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.shtml"
