"""Lists the static HTML does not show: frame and redirect shells, pages whose scripts write rows,
and paging a rendered list through the API call it made (the calls as the page recorder keeps them)."""

import json
from urllib.parse import parse_qs, urlsplit

from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy_playwright.page import PageMethod

from spiders.adapters import adapter_for
from spiders.adapters.base import Entry
from spiders.adapters.captured import CapturedApiAdapter
from spiders.render import api_requests, page_parameter, render_meta, rendered
from spiders.shells import shell_targets, writes_rows

from .utils import FIXTURES, file_response

BASE = "http://www.mouxian.gov.cn/zwgk/nb/index.html"


def test_iframe_shell_follows_same_site_frames_only():
    response = file_response(FIXTURES / "shells" / "iframe.html", BASE)
    assert shell_targets(response) == ["http://www.mouxian.gov.cn/zwgk/nb/nb_list.html"]


def test_frame_on_a_sibling_host_of_the_same_government_site():
    body = (FIXTURES / "shells" / "iframe.html").read_bytes().replace(
        b'src="nb_list.html"', b'src="http://xxgk.mouxian.gov.cn/nb/list.html"')
    response = HtmlResponse(BASE, body=body, request=Request(BASE))
    assert shell_targets(response) == ["http://xxgk.mouxian.gov.cn/nb/list.html"]


def test_script_redirect_shell():
    response = file_response(FIXTURES / "shells" / "redirect.html", "http://www.zjcx.gov.cn/col/col1229139802/index.html")
    # the mobile redirect leaves the site; location.replace is the shell's target
    assert shell_targets(response) == ["http://www.zjcx.gov.cn/col/col1201950/index.html"]


def test_meta_refresh_shell():
    response = file_response(FIXTURES / "shells" / "refresh.html", "http://www.mouxian.gov.cn/zwgk/nb/")
    assert shell_targets(response) == ["http://www.mouxian.gov.cn/zwgk/xxgknb/list.html"]


def test_rows_written_by_document_writeln_need_the_browser():
    frame = file_response(FIXTURES / "shells" / "writeln_frame.html", "http://www.mouxian.gov.cn/zwgk/nb/nb_list.html")
    assert adapter_for(frame).parse_list(frame).entries == []
    assert writes_rows(frame)


def test_a_static_empty_list_with_library_scripts_only_is_not_rendered():
    assert not writes_rows(file_response(FIXTURES / "shells" / "static_empty.html", BASE))


def test_render_meta_records_calls_and_captures():
    meta = render_meta()
    assert meta["playwright"] is True
    assert meta["playwright_page_init_callback"] == "spiders.render.install_recorder"
    assert [m.method if isinstance(m.method, str) else m.method.__name__ for m in meta["playwright_page_methods"]] == [
        "wait_for_load_state", "capture"]


# --- the captured API ---------------------------------------------------------------------------

def call(url, body=None, method="GET", text=""):
    return {"method": method, "url": url, "body": body, "headers": {}, "status": 200, "type": "text/html",
            "text": text, "done": True}


ROWS = ('<li><a href="/portal/doc/301.html">某县2022年政府信息公开工作年度报告</a><em>2023-01-20</em></li>'
        '<li><a href="/portal/doc/302.html">城关镇2022年政府信息公开工作年度报告</a><em>2023-01-21</em></li>')


def test_page_parameter_is_the_number_that_changed_between_two_calls():
    first = call("http://x.gov.cn/portal/ajax/docs.htm?chan=12&ye=1&t=3&_=1701234567890")
    second = call("http://x.gov.cn/portal/ajax/docs.htm?chan=12&ye=2&t=3&_=1701234569012")
    assert page_parameter(first, second) == (("query", "ye", ""), 1, 1)


def test_page_parameter_offsets_and_json_bodies():
    first = call("http://x.gov.cn/api/list", body=json.dumps({"cat": 7, "start": 0, "rows": 10}), method="POST")
    second = call("http://x.gov.cn/api/list", body=json.dumps({"cat": 7, "start": 10, "rows": 10}), method="POST")
    assert page_parameter(first, second) == (("json", "start", ""), 0, 10)


def test_page_parameter_inside_a_json_string_named_like_a_page():
    one = call('http://x.gov.cn/unit?webId=1&paramJson={"pageNo":1,"pageSize":"15"}')
    assert page_parameter(one, None) == (("query", "paramJson", "pageNo"), 1, 1)


def rendered_response(calls, entries_html=ROWS, url="http://x.gov.cn/portal/nb.html"):
    capture = PageMethod("evaluate", "x")
    capture.result = {"bodies": [f'<ul id="list">{entries_html}</ul>'], "calls": calls, "clicked": True}
    request = Request(url, meta={"playwright": True, "playwright_page_methods": [capture], "list_page": 0})
    return HtmlResponse(url, body=b"<html><body>after the click</body></html>", request=request)


def test_rendered_reads_page_one_not_the_page_after_the_click():
    response = rendered(rendered_response([]))
    assert b"after the click" not in response.body
    assert "城关镇2022年" in response.text


def test_api_requests_page_two_of_the_call_that_held_the_rows():
    calls = [call("http://x.gov.cn/portal/visit.do?id=3", text="ok"),
             call("http://x.gov.cn/portal/ajax/docs.htm?chan=12&ye=1", text=ROWS + "<span>共3页</span>"),
             call("http://x.gov.cn/portal/ajax/docs.htm?chan=12&ye=2", text="<li>…</li>")]
    response = rendered(rendered_response(calls))
    entries = adapter_for(response).parse_list(response).entries
    assert len(entries) == 2
    [request] = api_requests(response, entries)
    assert request.url == "http://x.gov.cn/portal/ajax/docs.htm?chan=12&ye=2"
    assert request.meta["adapter"] == "captured_api" and request.meta["playwright"] is False
    assert request.headers[b"Referer"] == b"http://x.gov.cn/portal/nb.html"

    answer = HtmlResponse(request.url, body=(ROWS.replace("30", "40") + "<span>共3页</span>").encode(), request=request,
                          encoding="utf-8")
    page = adapter_for(answer).parse_list(answer)
    assert isinstance(adapter_for(answer), CapturedApiAdapter)
    assert [e.url for e in page.entries] == ["http://x.gov.cn/portal/doc/401.html", "http://x.gov.cn/portal/doc/402.html"]
    assert page.total_pages == 3
    [third] = page.next_requests
    assert parse_qs(urlsplit(third.url).query)["ye"] == ["3"]


def test_api_requests_json_post_answer():
    items = [{"title": e.title, "url": e.url, "date": "2023-01-20"} for e in [
        Entry("http://x.gov.cn/a/1.html", "某县2022年政府信息公开工作年度报告", None)]]
    body = json.dumps({"pageNum": 1, "pageSize": 1, "cat": "nb"})
    calls = [call("http://x.gov.cn/api/list", body=body, method="POST",
                  text=json.dumps({"total": 2, "rows": items}, ensure_ascii=True))]
    html = '<li><a href="/a/1.html">某县2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>'
    response = rendered(rendered_response(calls, html))
    entries = adapter_for(response).parse_list(response).entries
    [request] = api_requests(response, entries)
    assert request.method == "POST" and json.loads(request.body) == {"pageNum": 2, "pageSize": 1, "cat": "nb"}
    answer = TextResponse(request.url, body=json.dumps({"total": 2, "rows": [
        {"title": "某县2021年政府信息公开工作年度报告", "url": "/a/2.html", "date": "2022-01-20"}]}).encode(),
        headers={"Content-Type": "application/json"}, request=request)
    page = adapter_for(answer).parse_list(answer)
    assert [(e.url, e.date) for e in page.entries] == [("http://x.gov.cn/a/2.html", "2022-01-20")]
    assert page.total_pages == 2 and page.next_requests == []


def test_no_api_request_when_the_rows_came_from_no_call():
    response = rendered(rendered_response([call("http://x.gov.cn/portal/visit.do?page=1", text="12")]))
    entries = adapter_for(response).parse_list(response).entries
    assert entries and api_requests(response, entries) == []


# --- the spider: what it does with such pages ----------------------------------------------------

def spider_for(url):
    from scrapy.utils.test import get_crawler

    from crawler.registry import Registry, Unit
    from spiders.reports import ReportSpider

    reg = Registry([Unit(code="419999000000", name="某县人民政府", level="county", columns=[url])])
    crawler = get_crawler(ReportSpider, {"NIANBAO_MAX_LIST_PAGES": 50})
    return ReportSpider.from_crawler(crawler, registry=reg)


def list_response(path, url, **meta):
    return file_response(path, url, request=Request(url, meta={"unit": "419999000000", "kind": "list", **meta}))


def requests_of(output):
    import scrapy
    return [r for r in output if isinstance(r, scrapy.Request)]


def test_spider_follows_a_frame_shell_to_its_list():
    spider = spider_for(BASE)
    [request] = requests_of(spider.parse_list(list_response(FIXTURES / "shells" / "iframe.html", BASE)))
    assert request.url == "http://www.mouxian.gov.cn/zwgk/nb/nb_list.html"
    assert request.callback == spider.parse_list and request.meta["kind"] == "list"


def test_spider_renders_a_frame_whose_rows_scripts_write():
    url = "http://www.mouxian.gov.cn/zwgk/nb/nb_list.html"
    spider = spider_for(url)
    [request] = requests_of(spider.parse_list(list_response(FIXTURES / "shells" / "writeln_frame.html", url)))
    assert request.url == url and request.meta["playwright"] is True
    assert request.meta["playwright_page_init_callback"] == "spiders.render.install_recorder"


def test_spider_fetches_a_file_row_as_the_reports_attachment():
    url = "http://www.mouxian.gov.cn/zwgk/nb/"
    body = ('<html><body><ul><li><a href="./202301/P020230115123456789012.pdf">某县2022年政府信息公开工作年度报告</a>'
            "<span>2023-01-15</span></li></ul></body></html>").encode()
    response = HtmlResponse(url, body=body, encoding="utf-8",
                            request=Request(url, meta={"unit": "419999000000", "kind": "list"}))
    spider = spider_for(url)
    [request] = requests_of(spider.parse_list(response))
    assert request.url == "http://www.mouxian.gov.cn/zwgk/nb/202301/P020230115123456789012.pdf"
    assert request.callback == spider.parse_attachment and request.meta["kind"] == "attachment"
    entry = request.meta["entry"]
    assert (entry["title"], entry["published"], entry["year"], entry["filename"]) == (
        "某县2022年政府信息公开工作年度报告", "2023-01-15", 2022, "某县2022年政府信息公开工作年度报告.pdf")
    assert request.meta["page_url"] == url and request.headers[b"Referer"] == url.encode()
