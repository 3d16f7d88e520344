"""demo.web: the local demo government web answers like the real CMS shapes, and its ground truth holds.

One web per module (PDFs and DOCs go through LibreOffice once per process); tests that change the world
(publish, set_down) start their own small web on the same cached documents, which takes a fraction of a
second. Requests go through http.client so redirects and status codes are seen as they are.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import shutil
import subprocess
import time
from types import SimpleNamespace
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from crawler import registry as registry_mod
from demo.sites import DROP_ROLES, build_world, challenged, obstacles
from demo.web import DemoWeb


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None,
          timeout: float = 15):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        conn.request(method, path, body=data, headers=headers or {})
        r = conn.getresponse()
        return SimpleNamespace(status=r.status, headers=r.headers, body=r.read(), url=url)
    finally:
        conn.close()


def text(resp) -> str:
    return resp.body.decode("utf-8")


@pytest.fixture(scope="module")
def web():
    w = DemoWeb(build_world(), slow_seconds=1.0).start()
    yield w
    w.stop()


@pytest.fixture
def fresh():
    """A web of its own for tests that change the world (documents come from the process cache)."""
    w = DemoWeb(build_world(), slow_seconds=1.0).start()
    yield w
    w.stop()


def challenge_cookie(web: DemoWeb) -> str:
    site = web.world.sites["fengshan"]
    uid = "0123456789abcdef0123456789abcdef"
    return f"__jsluid_h={uid}; __jsl_clearance=1700000000|0|{obstacles.clearance(site, uid)}"


def site_cookie(web: DemoWeb, key: str) -> str:
    """The cookie that passes a site's challenge: its gate's (demo.sites.challenged), else the 412 one."""
    return challenged.pass_cookie(web.world.sites[key]) or challenge_cookie(web)


# ---------------------------------------------------------------- addresses, robots

def test_each_site_has_its_own_loopback_address(web):
    ips = [s.ip for s in web.world.sites.values()]
    assert len(set(ips)) == len(ips) and all(ip.startswith("127.0.1.") for ip in ips)
    assert web.url("qingyuan", "/x") == f"http://127.0.1.1:{web.port}/x"
    assert web.site_of(web.url("anlan", "/")) == "anlan"


def test_robots_txt_on_every_site(web):
    for key, site in web.world.sites.items():
        if site.failing or site.redirect_to:
            continue
        r = fetch(web.url(key, "/robots.txt"))
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        assert (text(r) == "User-agent: *\nDisallow: /\n") == (key == "qingyuan-kfq")


# ---------------------------------------------------------------- TRS WCM

def test_trs_column_pagination_and_subcolumns(web):
    r = fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb/"))
    assert r.status == 200
    page = text(r)
    assert 'createPageHTML(2, 0, "index", "html");' in page
    assert re.search(r'<li><a href="\./\d{6}/t\d{8}_\d{8}\.html" target="_blank" title="[^"]+">[^<]+</a>'
                     r"<span>\d{4}-\d{2}-\d{2}</span></li>", page)
    assert '<a href="./jxz/">街乡镇</a>' in page and '<a href="./bm/">部门</a>' in page
    second = text(fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb/index_1.html")))
    assert 'createPageHTML(2, 1, "index", "html");' in second
    assert fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb/index_2.html")).status == 404
    group = text(fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb/jxz/")))
    assert '<a href="./dhz/">大河镇</a>' in group
    assert fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb/jxz/dhz/index.html")).status == 200
    assert fetch(web.url("qingyuan", "/zfxxgk/zfxxgknb")).status == 301


def test_trs_article_metadata_and_attachments(web):
    exp = next(e for e in web.expected() if e.kind == "pdf+docx")
    page = text(fetch(exp.page_url))
    assert f'<meta name="ArticleTitle" content="{exp.title}">' in page
    assert re.search(r'<meta name="PubDate" content="\d{4}-\d{2}-\d{2} \d{2}:\d{2}">', page)
    assert '<meta name="ContentSource" content="清源县人民政府办公室">' in page
    assert "索引号：" in page and "发布机构：" in page and "发布日期：" in page and "详见附件" in page
    assert re.search(r'<a href="\./P0\d{20}\.pdf" OLDSRC=', page)
    pdf, docx = (fetch(u) for u in exp.attachments)
    assert pdf.body.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"
    assert docx.body.startswith(b"PK\x03\x04")
    assert exp.attachments[0].rsplit("/", 1)[0] == exp.page_url.rsplit("/", 1)[0]  # beside the article


# ---------------------------------------------------------------- TRS xxgk, GBK without charset

def test_xxgk_table_list_is_gbk_without_charset(web):
    r = fetch(web.url("linhe", "/zfxxgknb/xzf/index.html"))
    assert r.status == 200 and r.headers["Content-Type"] == "text/html"
    assert b"charset" not in r.body.lower()
    with pytest.raises(UnicodeDecodeError):
        r.body.decode("utf-8")
    page = r.body.decode("gbk")
    for th in ("名称", "索引号", "发布机构", "发布日期"):
        assert '<th width' in page and f">{th}</th>" in page
    assert "var countPage=2" in page and "var currentPage=0;" in page
    assert '"index"+"_"+i+"."+"html' in page
    links = re.findall(r'<a href="(http://[^"]+/t\d{8}_\d{7}\.html)"', page)
    assert len(links) == 4 and all(link.startswith(web.url("linhe", "/zfxxgknb/xzf/")) for link in links)
    assert "var currentPage=1;" in fetch(web.url("linhe", "/zfxxgknb/xzf/index_1.html")).body.decode("gbk")
    article = fetch(links[0])
    assert b"charset" not in article.body.lower() and "charset" not in article.headers["Content-Type"]
    a = article.body.decode("gbk")
    assert "<p><strong>索引号</strong>：" in a and "<p><strong>发布机构</strong>：" in a
    assert re.search(r'<meta name="PubDate" content="\d{4}年\d{2}月\d{2}日">', a)


# ---------------------------------------------------------------- Hanweb

def test_hanweb_first_page_inline_then_post_dataproxy(web):
    page = text(fetch(web.url("anlan", "/col/col1229102/index.html")))
    store = re.search(r'<script type="text/xml"><datastore>(.*?)</datastore></script>', page, re.DOTALL).group(1)
    assert "<nextgroup>" in store and "<totalrecord>17</totalrecord>" in store
    first = re.findall(r"<record><!\[CDATA\[\s*<li><a href='(/art/\d{4}/\d+/\d+/art_1229102_\d+\.html)'", store)
    assert len(first) == 15
    assert "var param_4330371 = {col:1,appid:1,webid:27" in page and "totalRecord:17" in page
    form = urlencode({"col": 1, "appid": 1, "webid": 27, "path": "/", "columnid": 1229102, "unitid": 4330371,
                      "permissiontype": 0}).encode()
    r = fetch(web.url("anlan", "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=15"),
              method="POST", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/xml")
    rest = re.findall(r"<li><a href='([^']+)'", text(r))
    assert len(rest) == 2 and not set(rest) & set(first)
    assert "<totalrecord>17</totalrecord>" in text(r)
    # the older path and a whole group at once
    r = fetch(web.url("anlan", "/module/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"),
              method="POST", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert len(re.findall(r"<record>", text(r))) == 17
    pdf = next(e for e in web.expected() if e.site == "anlan" and e.kind == "pdf")
    assert re.search(r"/module/download/downfile\.jsp\?classid=0&filename=[0-9a-f]{32}\.pdf&showname=", pdf.attachments[0])
    assert fetch(pdf.attachments[0]).body.startswith(b"%PDF")


# ---------------------------------------------------------------- VSB

def test_vsb_lists_number_downwards_and_download_needs_referer(web):
    first = text(fetch(web.url("shimen", "/xxgk/zfxxgknb.htm")))
    assert '<span class="p_no_d">1</span>' in first
    assert '<span class="p_next p_fun"><a href="zfxxgknb/2.htm">下页</a></span>' in first
    assert '<span class="p_last p_fun"><a href="zfxxgknb/1.htm">尾页</a></span>' in first
    assert re.search(r'<li id="line_u8_0"><a href="\.\./info/1025/\d{5}\.htm"', first)
    second = text(fetch(web.url("shimen", "/xxgk/zfxxgknb/2.htm")))
    assert re.search(r'<a href="\.\./\.\./info/1025/\d{5}\.htm"', second) and "2/3" in second
    assert fetch(web.url("shimen", "/xxgk/zfxxgknb/1.htm")).status == 200
    exp = next(e for e in web.expected() if e.site == "shimen" and e.kind == "pdf")
    article = text(fetch(exp.page_url))
    assert '<div id="vsb_content"><div class="v_news_content">' in article
    assert re.search(r"来源: 红星镇人民政府 &nbsp;作者: &nbsp;时间:\d{4}-\d{2}-\d{2}", article)
    url = exp.attachments[0]
    assert "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=" in url
    assert fetch(url).status == 403
    assert fetch(url, headers={"Referer": "http://elsewhere.example/"}).status == 403
    ok = fetch(url, headers={"Referer": exp.page_url})
    assert ok.status == 200 and ok.body.startswith(b"%PDF")


# ---------------------------------------------------------------- JSON API, JavaScript-only list

def test_json_platform_api_and_extensionless_articles(web):
    page = text(fetch(web.url("xinan", "/xxgk/nb/qzf.html")))
    assert 'data-api="/api/xxgk/list" data-column-id="1821" data-page-size="10"' in page
    assert 'api + "?columnId=" + columnId + "&page=" + page + "&size=" + size' in page
    assert "<li>" not in page.split('id="xxgkList"')[1].split("</ul>")[0]
    r = fetch(web.url("xinan", "/api/xxgk/list?columnId=1821&page=1&size=10"))
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
    data = json.loads(r.body)
    assert data["total"] == 12 and len(data["data"]) == 10
    assert set(data["data"][0]) >= {"title", "url", "publishDate", "publisher"}
    page2 = json.loads(fetch(web.url("xinan", "/api/xxgk/list?columnId=1821&page=2&size=10")).body)
    assert len(page2["data"]) == 2
    alias = json.loads(fetch(web.url("xinan", "/api/xxgk/list?columnId=1821&pageNo=2&pageSize=10")).body)
    assert alias["data"] == page2["data"]
    url = data["data"][0]["url"]
    assert re.fullmatch(r"/xxgk/content_\d{6}", url) and fetch(web.url("xinan", url)).status == 200


def test_javascript_only_list_has_no_items_in_html(web):
    page = text(fetch(web.url("xinan", "/xxgk/nb/bgjd.html")))
    assert "content_" not in page and '<ul class="xxgk-list" id="xxgkList"></ul>' in page
    payload = re.search(r'var _\$d="([^"]+)"', page).group(1)
    items = json.loads(base64.b64decode(payload[::-1]).decode())  # what the inline script does
    expected = {e.page_url for e in web.expected() if e.unit_code == "419905001000"}
    assert {web.url("xinan", i["u"]) for i in items} == expected


# ---------------------------------------------------------------- query-string paging and the trap

def test_query_string_paging(web):
    base = "/iList.jsp?node_id=12&cat_id=10201"
    page = text(fetch(web.url("yongning", base)))
    assert "共<span>7</span>条" in page and "第<span>1</span>/<span>2</span>页" in page
    assert 'href="iList.jsp?node_id=12&amp;cat_id=10201&amp;cur_page=2">下一页' in page
    assert len(re.findall(r'href="iContent\.jsp\?node_id=12&amp;cat_id=10201&amp;info_id=\d+"', page)) == 4
    second = text(fetch(web.url("yongning", base + "&cur_page=2")))
    assert len(re.findall(r"info_id=\d+", second)) == 3 and "<span>下一页</span>" in second


def test_pagination_trap_answers_forever(web):
    base = "/iList.jsp?node_id=12&cat_id=10203&cur_page="
    seen = set()
    for n in (1, 2, 3, 57, 1000):
        page = text(fetch(web.url("yongning", base + str(n))))
        seen.add(tuple(re.findall(r"info_id=(\d+)", page)))
        assert f"cur_page={n + 1}\">下一页</a>" in page
    assert len(seen) == 1 and len(next(iter(seen))) == 3


# ---------------------------------------------------------------- obstacles

def test_challenge_412_then_cookie(web):
    url = web.url("fengshan", "/zfxxgk/zfxxgknb/")
    r = fetch(url)
    assert r.status == 412
    assert "__jsluid_h=" in r.headers["Set-Cookie"]
    page = text(r)
    assert "document.cookie" in page and "location.reload()" in page and "年度报告" not in page
    bad = fetch(url, headers={"Cookie": "__jsluid_h=abc; __jsl_clearance=1|0|deadbeef"})
    assert bad.status == 412
    good = fetch(url, headers={"Cookie": challenge_cookie(web)})
    assert good.status == 200 and "政府信息公开工作年度报告" in text(good)
    assert fetch(web.url("fengshan", "/robots.txt")).status == 200


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_challenge_script_computes_the_cookie_the_server_accepts(web):
    r = fetch(web.url("fengshan", "/"))
    uid = re.search(r"__jsluid_h=([0-9a-f]+)", r.headers["Set-Cookie"]).group(1)
    script = re.search(r"<script>\n(.*?)\n</script>", text(r), re.DOTALL).group(1)
    js = "var document={cookie:''};var location={reload:function(){}};" + script + ";console.log(document.cookie);"
    out = subprocess.run(["node", "-e", js], check=False, capture_output=True, text=True, timeout=30).stdout.strip()
    clearance = out.split(";")[0].split("=", 1)[1]
    ok = fetch(web.url("fengshan", "/"), headers={"Cookie": f"__jsluid_h={uid}; __jsl_clearance={clearance}"})
    assert ok.status == 200


def test_slow_and_failing_sites(web):
    t = time.monotonic()
    r = fetch(web.url("ningyuan", "/zfxxgk/zfxxgknb/"))
    assert r.status == 200 and time.monotonic() - t >= 0.9
    for path in ("/", "/zfxxgk/zfxxgknb/", "/robots.txt"):
        assert fetch(web.url("dongchuan", path)).status == 503


def test_redirect_to_consolidated_domain(web):
    r = fetch(web.url("heyang-old", "/zwgk/zfxxgk/zfxxgknb/?a=1"))
    assert r.status == 301 and r.headers["Location"] == web.url("heyang", "/zwgk/zfxxgk/zfxxgknb/?a=1")
    assert fetch(r.headers["Location"]).status == 200


def test_conditional_get(web):
    url = web.url("qingyuan", "/zfxxgk/zfxxgknb/jxz/dhz/")
    r = fetch(url)
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"') and lm.endswith("GMT")
    assert fetch(url, headers={"If-None-Match": etag}).status == 304
    assert fetch(url, headers={"If-Modified-Since": lm}).status == 304
    assert fetch(url, headers={"If-None-Match": '"other"'}).status == 200
    assert fetch(url, headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}).status == 200
    pdf = next(e for e in web.expected() if e.kind == "pdf").attachments[0]
    r = fetch(pdf)
    assert r.headers["ETag"] and fetch(pdf, headers={"If-None-Match": r.headers["ETag"]}).status == 304


def test_request_log(web):
    start = len(web.requests)
    fetch(web.url("qingyuan", "/zfxxgk/"), headers={"Referer": "http://x/", "If-None-Match": '"a"',
                                                     "Cookie": "k=v", "User-Agent": "nianbao-test"})
    fetch(web.url("dongchuan", "/"))
    log = web.requests[start:]
    first = next(r for r in log if r.site == "qingyuan")
    assert (first.method, first.path_qs, first.status, first.referer, first.if_none_match, first.cookie,
            first.user_agent) == ("GET", "/zfxxgk/", 200, "http://x/", '"a"', True, "nianbao-test")
    assert any(r.site == "dongchuan" and r.status == 503 for r in log)
    statuses = {r.status for r in web.requests}
    assert {200, 301, 304, 403, 404, 412, 503} <= statuses


# ---------------------------------------------------------------- registry and ground truth

def test_registry_loads(web, tmp_path):
    path = tmp_path / "registry.yaml"
    path.write_text(web.registry_yaml(), encoding="utf-8")
    reg = registry_mod.load(path)
    assert len(reg.units) == len(web.world.units)
    for u in reg.units:
        assert re.fullmatch(r"\d{12}", u.code) and u.recipients[0].endswith("@demo.test")
        if u.parent:
            parent = reg.get(u.parent)
            assert parent.level == "county" and u.code[:6] == parent.code[:6]
    by_name = {u.name: u for u in reg.units}
    assert by_name["北关街道办事处"].render == "browser"
    assert by_name["清源经济开发区管理委员会"].robots == "ignore" and by_name["清源经济开发区管理委员会"].level == "zone"
    assert by_name["安澜县人民政府"].deadline == "02-20"
    assert reg.deadline(by_name["安澜县民政局"], 2023).isoformat() == "2024-02-20"
    home_only = by_name["石门县人民政府"]
    assert home_only.columns == [] and home_only.home == web.url("shimen", "/")
    assert home_only.cms == "auto"
    assert by_name["合阳县人民政府"].columns[0].startswith(web.url("heyang-old", "/"))
    assert {u.cms for u in reg.units} == {"trs", "hanweb", "vsb", "json", "query", "auto", "gkmlpt", "lonsun",
                                          "jpaas", "truecms", "epoint"}
    for u in reg.units:
        for url in u.start_urls:
            r = fetch(url, headers={"Cookie": site_cookie(web, web.world.units[u.code].site)})
            if r.status == 301:
                r = fetch(r.headers["Location"])
            assert r.status == (503 if u.code == "419909000000" else 200), url


def test_expected_pages_and_attachments_answer(web):
    exp = web.expected()
    assert len(exp) == 162 and len({(e.unit_code, e.year) for e in exp}) == 162  # 9 on challenged hosts
    magic = {"pdf": b"%PDF", "docx": b"PK\x03\x04", "doc": b"\xd0\xcf\x11\xe0", "wps": b"\xd0\xcf\x11\xe0"}
    for e in exp:
        cookie = {"Cookie": site_cookie(web, e.site)}
        r = fetch(e.page_url, headers=cookie)
        assert r.status == 200, e.page_url
        if e.page_url in e.attachments:  # a list row linking its report's file: the file is the page
            assert r.body.startswith(b"PK\x03\x04"), e.page_url
            continue
        body = r.body.decode("gbk" if e.site == "linhe" else "utf-8")
        y, m, d = e.published.split("-")
        assert e.title in body and (e.published in body or f"{y}年{m}月{d}日" in body)
        kinds = e.kind.split("+") if e.kind != "html" else []
        assert len(e.attachments) == len(kinds)
        for url, kind in zip(e.attachments, kinds):
            a = fetch(url, headers={"Referer": e.page_url, **cookie})
            assert a.status == 200 and a.body.startswith(magic[kind]), url
        for dup in e.duplicates:
            assert fetch(dup).status == 200
    assert {e.kind for e in exp} == {"html", "pdf", "docx", "doc", "wps", "pdf+docx"}
    assert {e.format for e in exp} == {"2019", "2021", "legacy"}
    assert all(e.format == ("2019" if e.year <= 2020 else "2021") for e in exp if e.format != "legacy")
    assert sum(e.inconsistent for e in exp) == 3 and all(e.broken_key for e in exp if e.inconsistent)
    rendered = {a.key: a.kind for a in web.world.attachments()}  # LibreOffice work per process
    assert list(rendered.values()).count("pdf") <= 6
    assert sum(k in ("doc", "wps") for k in rendered.values()) <= 4


def test_expected_reports_are_linked_from_their_units_columns(web):
    """Follow each shape's own pagination as a crawler would; every report is on its unit's list."""
    found: dict[str, set[str]] = {}
    for col in (c for s in web.world.sites.values() for c in s.columns.values()):
        if web.world.sites[col.site].failing or web.world.sites[col.site].hidden:
            continue  # no report to find there (a hidden column's reports are not in expected())
        links = _crawl_column(web, col)
        for code in col.units:
            found.setdefault(code, set()).update(links)
    for e in web.expected():
        assert {e.page_url, *e.duplicates} & found[e.unit_code], (e.unit_code, e.year, e.page_url)


def _crawl_column(web: DemoWeb, col) -> set[str]:
    site = web.world.sites[col.site]
    url = web.url(col.site, col.path)
    hdr = {"Cookie": site_cookie(web, col.site)}
    links: set[str] = set()
    if site.shape == "trs":
        page = text(fetch(url, headers=hdr))
        pages = int(re.search(r'createPageHTML\((\d+), 0, "index", "html"\)', page).group(1))
        for i in range(pages):
            p = url if i == 0 else urljoin(url, f"index_{i}.html")
            links |= {urljoin(p, h) for h in re.findall(r'<li><a href="([^"]+)"', text(fetch(p, headers=hdr)))}
    elif site.shape == "xxgk":
        page = fetch(url).body.decode("gbk")
        for i in range(int(re.search(r"var countPage=(\d+)", page).group(1))):
            p = fetch(urljoin(url, "index.html" if i == 0 else f"index_{i}.html")).body.decode("gbk")
            links |= set(re.findall(r'<td height="35"><a href="([^"]+)"', p))
    elif site.shape == "hanweb":
        page = text(fetch(url))
        total = int(re.search(r"<totalrecord>(\d+)</totalrecord>", page).group(1))
        hrefs = re.findall(r"<li><a href='([^']+)'", page)
        form = urlencode({"columnid": col.params["columnid"], "unitid": col.params["unitid"]}).encode()
        start = len(hrefs) + 1
        while start <= total:
            r = fetch(urljoin(url, f"/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={start + 14}"
                                   "&perpage=15"), method="POST", data=form,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
            hrefs += re.findall(r"<li><a href='([^']+)'", text(r))
            start += 15
        links = {urljoin(url, h) for h in hrefs}
    elif site.shape == "vsb":
        p = url
        while p:
            page = text(fetch(p))
            links |= {urljoin(p, h) for h in re.findall(r'<li id="line_u8_\d+"><a href="([^"]+)"', page)}
            nxt = re.search(r'<span class="p_next p_fun"><a href="([^"]+)">', page)
            p = urljoin(p, nxt.group(1)) if nxt else None
    elif site.shape == "json" and col.js_only:
        payload = re.search(r'var _\$d="([^"]+)"', text(fetch(url))).group(1)
        links = {urljoin(url, i["u"]) for i in json.loads(base64.b64decode(payload[::-1]).decode())}
    elif site.shape == "json":
        cid = re.search(r'data-column-id="(\d+)"', text(fetch(url))).group(1)
        n = 1
        while True:
            data = json.loads(fetch(urljoin(url, f"/api/xxgk/list?columnId={cid}&page={n}&size=10")).body)
            links |= {urljoin(url, d["url"]) for d in data["data"]}
            if n * 10 >= data["total"]:
                break
            n += 1
    elif site.shape == "query":
        p, seen = url, set()
        while p and p not in seen and len(seen) < 20:  # the trap never ends: stop on repeated content
            seen.add(p)
            page = text(fetch(p)).replace("&amp;", "&")
            new = {urljoin(p, h) for h in re.findall(r'<td class="title"><a href="([^"]+)"', page)}
            if new <= links and links:
                break
            links |= new
            nxt = re.search(r'<a href="([^"]+)">下一页</a>', page)
            p = urljoin(p, nxt.group(1)) if nxt else None
    else:
        links = _crawl_platform_column(web, site, col, url)
    return links


def _crawl_platform_column(web: DemoWeb, site, col, url: str) -> set[str]:
    """The platform families (gkmlpt, Lonsun, jpaas, truecms, Epoint) and the script-only lists, each
    through its own API or script data."""
    links: set[str] = set()
    n = 1
    while n < 30:
        if site.shape == "gkmlpt":
            sid = re.search(r"SID: '(\d+)'", text(fetch(url))).group(1)
            data = json.loads(fetch(urljoin(url, f"/gkmlpt/api/all/{col.params['cat']}?page={n}&sid={sid}")).body)
            got = {a["url"] for a in data["articles"]}
        elif site.shape == "lonsun":
            form = urlencode({"labelName": "publicInfoList", "catId": col.params["cat"], "pageIndex": n}).encode()
            page = text(fetch(urljoin(url, "/site/label/8888"), method="POST", data=form,
                              headers={"Content-Type": "application/x-www-form-urlencoded"}))
            got = {urljoin(url, h) for h in re.findall(r'<a href="([^"]+)"', page)}
        elif site.shape == "jpaas":
            q = urlencode({"webId": site.params["webId"], "pageId": col.params["pageId"],
                           "paramJson": json.dumps({"pageNo": n, "pageSize": "3"})})
            html = json.loads(fetch(urljoin(url, f"/api-gateway/jpaas-publish-server/front/page/build/unit?{q}")).body)
            got = {urljoin(url, h) for h in re.findall(r'href="([^"]+)"', html["data"]["html"]) if "/art/" in h}
        elif site.shape == "truecms":
            q = urlencode({"startrecord": (n - 1) * 20 + 1, "endrecord": n * 20, "perpage": 20,
                           "columnId": col.params["columnId"], "callback": "cb"})
            body = text(fetch(urljoin(url, f"/truecms/messageController/getMessage.do?{q}"), headers={"Referer": url}))
            got = {urljoin(url, h) for h in re.findall(r"href='([^']+)'", json.loads(body[3:-2])["result"])}
        elif site.shape == "epoint":
            body = json.dumps({"categorynum": col.params["categorynum"], "pageIndex": n, "pageSize": 3,
                               "siteGuid": site.params["siteGuid"]}).encode()
            data = json.loads(fetch(urljoin(url, "/EWB-FRONT/rest/lightfrontaction/getgovinfolist"), method="POST",
                                    data=body, headers={"Content-Type": "application/json"}).body)
            got = {urljoin(url, d["infourl"]) for d in data["custom"]["data"]}
        elif site.shape == "scripted" and col.params.get("frame"):
            frame = urljoin(url, "list_frame.html" if n == 1 else f"list_frame_{n}.html")
            r = fetch(frame)
            got = {urljoin(frame, d[1]) for d in json.loads(re.search(r"var docs = (.*);", text(r)).group(1))} \
                if r.status == 200 else set()
        else:  # the fragment API
            page = text(fetch(urljoin(url, f"/portal/ajax/docs.htm?chan={col.params['chan']}&ye={n}")))
            got = {urljoin(url, h) for h in re.findall(r'<a href="([^"]+)"', page)}
        if not got - links:
            break
        links |= got
        n += 1
    return links


def test_forbidden_items_are_listed_but_not_expected(web):
    forbidden = web.forbidden()
    reasons = {f.reason for f in forbidden}
    assert reasons == set(DROP_ROLES)
    expected_pages = {e.page_url for e in web.expected()}
    for f in forbidden:
        assert f.page_url not in expected_pages
        assert fetch(f.page_url).status == 200
    misfiled = next(f for f in forbidden if f.reason == "misfiled")
    assert misfiled.column_units == ["419901902000"] and misfiled.belongs_to == "419901901000"
    original = next(e for e in web.expected() if e.unit_code == "419901901000" and e.year == 2022)
    assert misfiled.page_url in original.duplicates
    assert all(f.belongs_to is None for f in forbidden if f.reason == "foreign")
    titles = {f.title for f in forbidden if f.reason == "notice"}
    assert "关于做好2023年政府信息公开工作年度报告编制和发布工作的通知" in titles
    republished = next(e for e in web.expected() if e.unit_code == "419902902000" and e.year == 2022)
    assert len(republished.duplicates) == 1
    a = fetch(republished.attachments[0]).body
    dup_page = fetch(republished.duplicates[0]).body.decode("gbk")
    dup_att = re.search(r'<a href="\./(P0\d+\.docx)"', dup_page).group(1)
    assert fetch(urljoin(republished.duplicates[0], dup_att)).body == a  # the same file on two pages


def test_missing_years(web):
    missing = set(web.missing())
    assert ("419901100000", 2019) in missing and ("419902200000", 2020) in missing
    assert ("419901200000", 2022) in missing and ("419903100000", 2021) in missing
    assert all(("419909000000", y) in missing for y in range(2019, 2024))  # the failing site's county
    assert web.unreachable() == ["419909000000"]


# ---------------------------------------------------------------- changing the world

def test_publish_adds_a_report_and_changes_the_list(fresh):
    url = fresh.url("qingyuan", "/zfxxgk/zfxxgknb/jxz/qsx/")
    before = fetch(url)
    exp = fresh.publish("qingyuan", "419901200000", 2022)
    assert (exp.unit_code, exp.year, exp.kind, exp.inconsistent) == ("419901200000", 2022, "html", False)
    assert ("419901200000", 2022) not in fresh.missing()
    after = fetch(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status == 200 and exp.page_url.split("/qsx/")[1] in text(after)
    assert fetch(url, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status == 200
    assert fetch(exp.page_url).status == 200
    # a corrected revision of an inconsistent report supersedes it
    fix = fresh.publish("qingyuan", "419901100000", 2023)
    olds = [e for e in fresh.expected() if (e.unit_code, e.year) == ("419901100000", 2023)]
    assert [e.superseded for e in olds if e.inconsistent] == [True] and not fix.superseded


def test_set_down_modes(fresh):
    url = fresh.url("anlan", "/col/col1229102/index.html")
    fresh.set_down("anlan", True)
    with pytest.raises(ConnectionRefusedError):
        fetch(url)
    fresh.set_down("anlan", False)
    assert fetch(url).status == 200
    fresh.set_down("anlan", True, mode="503")
    assert fetch(url).status == 503
    fresh.set_down("anlan", True, mode="reset")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        fetch(url)
    fresh.set_down("anlan", False)
    assert fetch(url).status == 200


def test_scale_sites_on_their_own_addresses(tmp_path):
    with DemoWeb(build_world(scale=40), prerender=False) as big:
        scale = [s for s in big.world.sites.values() if s.scale]
        assert len(scale) == 40 and all(s.ip.startswith("127.1.") for s in scale)
        assert all(a.kind == "html" for s in scale for c in s.columns.values() for a in c.items)
        last = scale[-1]
        exp = [e for e in big.expected() if e.site == last.key]
        assert 1 <= len(exp) <= 9 and all(fetch(e.page_url).status == 200 for e in exp)
        path = tmp_path / "big.yaml"
        path.write_text(big.registry_yaml(), encoding="utf-8")
        assert len(registry_mod.load(path).units) == len(big.world.units)
