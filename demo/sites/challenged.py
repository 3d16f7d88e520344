"""Portals behind anti-bot challenges of several kinds (docs/portal-shapes.md, "Anti-bot"), each a TRS site
(:mod:`demo.sites.trs` serves its pages) with a *gate* in front, configured by ``site.params``:

- ``gate="cookie200"`` — every page answers **200** with a tiny “请开启JavaScript并刷新该页” page whose script
  computes a cookie and reloads (the C3VK / WZWS shells);
- ``gate="jsl521"`` — 加速乐-like, two rounds of **521**: a script sets ``__jsl_clearance_s`` and reloads, then a
  ``go({...})`` puzzle over the ``__jsluid_s`` visitor cookie sets the real clearance and reloads;
- ``gate="loop302"`` — openresty CT6T-like: a **302 to the same address** that sets the cookie (no script);
- ``gate_paths=[...]`` — only these path areas are gated (two portals on one host, one challenged);
- ``gate_uses=N`` — a clearance serves N requests, then the challenge comes back (an expiring cookie);
- ``referer_guard=True`` — attachments answer 403 without a Referer from the site (VSB-like);
- ``gate_browser=True`` — a clearance passes only with the browser's own navigation headers (``Sec-Fetch-Mode``):
  a stand-in for a clearance bound to the browser's TLS fingerprint, which plain HTTP cannot carry;
- ``gate="never"`` — the 200 cookie shell whose cookie is never accepted (a challenge no browser passes);
- ``viewer_files=True`` — files answer ``application/pdf`` with the HTML of Chromium's PDF viewer (what a
  browser-saved "PDF" is when its bytes were not downloaded).

The cookie is a function of the site's secret and a visitor token (FNV-1a, as :mod:`demo.sites.obstacles`),
so only a client that runs the script (or, for ``loop302``, keeps cookies) gets through.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Iterator

from aiohttp import web as aioweb

from ..answers import HTML_UTF8, SiteIndex
from ..pages import forbidden_download
from ..world import TRS, Site, World, new_unit
from .obstacles import clearance

SHAPES: tuple[str, ...] = ()  # the pages are TRS's; this family only adds the gates and their sites
FILE_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".ofd")
_uses: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def place(w: World, site, col, item) -> None:
    raise ValueError(f"site {site.key}: challenged sites are TRS sites (demo.sites.trs places their items)")


def index(web, site: Site, idx: SiteIndex, page) -> None:
    """No routes of its own."""


async def route(web, site: Site, request, idx: SiteIndex):
    return None


def _js_fnv(key: str) -> str:
    """A JavaScript function of a token: the 8-hex FNV-1a of ``key + token`` (what :func:`clearance` computes)."""
    codes = ",".join(str(ord(c)) for c in key)
    return ("(function(t){var k=[" + codes + "],s=\"\",h=0x811c9dc5;for(var i=0;i<k.length;i++){s+=String"
            ".fromCharCode(k[i]);}s+=t;for(var j=0;j<s.length;j++){h^=s.charCodeAt(j);"
            "h=Math.imul(h,16777619)>>>0;}return (\"0000000\"+h.toString(16)).slice(-8);})")


def _html(status: int, body: str, *, cookies: dict[str, str] | None = None) -> aioweb.Response:
    resp = aioweb.Response(status=status, body=body.encode(), headers={"Content-Type": HTML_UTF8,
                                                                      "Cache-Control": "no-cache, no-store"})
    for name, value in (cookies or {}).items():
        resp.set_cookie(name, value, path="/", httponly=True)
    return resp


def _valid(site: Site, value: str) -> bool:
    """A clearance ``token.hash`` (or ``…|0|hash`` for 加速乐) the site issued, within its uses."""
    token, _, digest = value.rpartition(".")
    if not token or digest != clearance(site, token):
        return False
    cap = site.params.get("gate_uses")
    if cap:
        with _lock:
            n = _uses[(site.key, value)] = _uses.get((site.key, value), 0) + 1
        return n <= int(cap)
    return True


def gate(site: Site, request: aioweb.Request) -> aioweb.StreamResponse | None:
    """The gate's answer for a request that has not passed it; None lets the request through."""
    path = request.path
    areas = site.params.get("gate_paths")
    kind = site.params.get("gate")
    if site.params.get("gate_browser") and "Sec-Fetch-Mode" not in request.headers:
        return _cookie_shell(site)
    if kind and (not areas or any(path.startswith(a) for a in areas)):
        answer = {"cookie200": _cookie200, "jsl521": _jsl521, "loop302": _loop302,
                  "never": _never}[kind](site, request)
        if answer is not None:
            return answer
    if site.params.get("referer_guard") and path.lower().endswith(FILE_SUFFIXES):
        referer = request.headers.get("Referer", "")
        host = request.host
        if f"//{host}/" not in referer:
            return aioweb.Response(status=403, body=forbidden_download().encode(), headers={"Content-Type": HTML_UTF8})
    if site.params.get("viewer_files") and path.lower().endswith(FILE_SUFFIXES):
        return aioweb.Response(status=200, body=VIEWER_PAGE, headers={"Content-Type": "application/pdf"})
    return None


VIEWER_PAGE = (b'<!DOCTYPE html><html><head></head><body style="height: 100%; width: 100%; overflow: hidden; margin:0px; '
               b'background-color: rgb(38, 38, 38);"><embed name="5F1C" style="position:absolute; left: 0; top: 0;" '
               b'width="100%" height="100%" src="about:blank" type="application/pdf" internalid="5F1C"></body></html>')


def _never(site: Site, request: aioweb.Request) -> aioweb.Response:
    return _cookie_shell(site)


def _cookie200(site: Site, request: aioweb.Request) -> aioweb.Response | None:
    if _valid(site, request.cookies.get("wzws_cid", "")):
        return None
    return _cookie_shell(site)


def _cookie_shell(site: Site) -> aioweb.Response:
    token = secrets.token_hex(8) + f"{int(time.time())}"
    return _html(200, (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
        "<div style=\"margin-top:20%;text-align:center\">请开启JavaScript并刷新该页</div>\n<script>"
        "document.cookie=\"wzws_cid=" + token + ".\"+" + _js_fnv(site.secret) + "(\"" + token + "\")+\";path=/\";"
        "setTimeout(function(){location.reload();},50);</script></body></html>\n"))


def _jsl521(site: Site, request: aioweb.Request) -> aioweb.Response | None:
    uid = request.cookies.get("__jsluid_s", "")
    first = request.cookies.get("__jsl_clearance_s", "")
    if uid and _valid(site, first.replace("|0|", ".") if "|0|" in first else ""):
        return None
    new = {} if uid else {"__jsluid_s": (uid := secrets.token_hex(16))}
    if "|-1|" not in first:
        # round one: a throw-away cookie and a reload by location.href
        return _html(521, "<script>document.cookie=\"__jsl_clearance_s=" + str(int(time.time())) + "|-1|"
                     + secrets.token_hex(6) + ";max-age=3600;path=/\";location.href=location.pathname+"
                     "location.search</script>", cookies=new)
    # round two: the go() puzzle over the visitor cookie
    return _html(521, (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><script>"
        "function go(cfg){var u=document.cookie.match(/__jsluid_s=([0-9a-f]+)/);var t=u?u[1]:cfg.tn;"
        "var h=" + _js_fnv(site.secret) + "(t);"
        "document.cookie=cfg.tn+\"=\"+t+\"|0|\"+h+\";max-age=\"+cfg.vt+\";path=/\";"
        "location.href=location.pathname+location.search;}"
        "go({\"tn\":\"__jsl_clearance_s\",\"vt\":\"3600\",\"ha\":\"fnv\"});</script></body></html>"),
        cookies=new)


def _loop302(site: Site, request: aioweb.Request) -> aioweb.Response | None:
    if _valid(site, request.cookies.get("CT6T", "")):
        return None
    token = secrets.token_hex(8)
    resp = aioweb.Response(status=302, headers={"Location": request.raw_path, "Server": "openresty",
                                                "Content-Type": HTML_UTF8})
    resp.set_cookie("CT6T", f"{token}.{clearance(site, token)}", path="/", httponly=True)
    return resp


def pass_cookie(site: Site) -> str | None:
    """A ``Cookie`` header that passes the site's gate (what a client that ran its script would send)."""
    token = "0123456789abcdef"
    cleared = f"{token}.{clearance(site, token)}"
    return {"cookie200": f"wzws_cid={cleared}", "loop302": f"CT6T={cleared}",
            "jsl521": f"__jsluid_s={token}; __jsl_clearance_s={cleared.replace('.', '|0|')}"}.get(site.params.get("gate"))


def gated(site: Site) -> bool:
    return bool(site.params.get("gate") or site.params.get("referer_guard") or site.params.get("viewer_files"))


def _trs_site(w: World, key: str, name: str, ip: str, code: str, **params) -> Site:
    return w.add_site(Site(key, name, TRS, ip, params={"sitecode": code[:6] + "0001", **params}))


def build(w: World, ip: Iterator[str]) -> None:
    """Four hosts: a 200 cookie shell, a two-round 521 (Referer-guarded files behind it), a 302-to-self cookie
    loop, and one host with two portals of which only the department's is gated. Their files are DOCX: the
    default world's PDFs (LibreOffice renders) are budgeted; inline PDFs behind challenges are in
    :func:`trial_world`."""
    s = _trs_site(w, "jiangling", "江陵县人民政府", next(ip), "419941000000", gate="cookie200")
    new_unit(w, "419941000000", s.name, "county", s.key, cms="trs")
    w.add_column(s.key, "jlg", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419941000000"], page_size=10)
    w.add_report("jlg", "419941000000", 2022, kind="docx")
    w.add_report("jlg", "419941000000", 2023)

    s = _trs_site(w, "songzi", "松滋县人民政府", next(ip), "419942000000", gate="jsl521", referer_guard=True)
    new_unit(w, "419942000000", s.name, "county", s.key, cms="trs")
    w.add_column(s.key, "szi", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419942000000"], page_size=10)
    w.add_report("szi", "419942000000", 2022, kind="docx")
    w.add_report("szi", "419942000000", 2023)

    s = _trs_site(w, "gongan", "公安县人民政府", next(ip), "419943000000", gate="loop302")
    new_unit(w, "419943000000", s.name, "county", s.key, cms="trs")
    w.add_column(s.key, "gax", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419943000000"], page_size=10)
    w.add_report("gax", "419943000000", 2022)
    w.add_report("gax", "419943000000", 2023, kind="docx")

    # one host, two portals: the county's (Referer-guarded files, no challenge) and a bureau's under /bm/ (gated)
    s = _trs_site(w, "shishou", "石首县人民政府", next(ip), "419944000000", gate="cookie200", gate_paths=["/bm/"],
                  referer_guard=True)
    new_unit(w, "419944000000", s.name, "county", s.key, cms="trs")
    new_unit(w, "419944901000", "石首县教育局", "department", s.key, parent="419944000000", cms="trs")
    w.add_column(s.key, "ssx", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419944000000"], page_size=10)
    w.add_column(s.key, "ssj", "/bm/jyj/zfxxgknb/", "政府信息公开年报", ["419944901000"], page_size=10)
    w.add_report("ssx", "419944000000", 2022)
    w.add_report("ssx", "419944000000", 2023, kind="docx")
    w.add_report("ssj", "419944901000", 2023, kind="docx")


def trial_world(*, uses: int, seed: int = 0) -> World:
    """Hosts for the challenge tests, apart from the default world: a clearance that serves ``uses`` requests
    before the challenge comes back (an expiring cookie), a challenge no browser passes, and a host whose
    files are the browser's PDF-viewer page, and a challenged host with a Referer-guarded PDF (for requests
    that go through the browser themselves)."""
    w = World(seed=seed)
    ip = iter(f"127.0.2.{i}" for i in range(1, 255))
    for key, name, code, params in (
            ("jianli", "监利县人民政府", "419945000000", {"gate": "cookie200", "gate_uses": uses}),
            ("honghu", "洪湖县人民政府", "419946000000", {"gate": "never"}),
            ("shayang", "沙洋县人民政府", "419947000000", {"viewer_files": True}),
            ("qianjiang", "潜江县人民政府", "419948000000", {"gate": "cookie200", "referer_guard": True}),
            ("tianmen", "天门县人民政府", "419949000000", {"gate": "cookie200", "gate_browser": True})):
        _trs_site(w, key, name, next(ip), code, **params)
        new_unit(w, code, name, "county", key, cms="trs")
        w.add_column(key, key[:3], "/zfxxgk/zfxxgknb/", "政府信息公开年报", [code], page_size=2)
    for year in (2019, 2020, 2021, 2022, 2023):
        w.add_report("jia", "419945000000", year, kind="pdf" if year % 2 else "html")
    for year in (2022, 2023):
        w.add_report("hon", "419946000000", year)
        w.add_report("sha", "419947000000", year, kind="pdf")
    w.add_report("qia", "419948000000", 2023, kind="pdf")
    w.add_report("tia", "419949000000", 2022)
    w.add_report("tia", "419949000000", 2023, kind="pdf")
    return w


def twin_world(*, units: int = 12, years: tuple[int, ...] = (2020, 2021, 2022, 2023), seed: int = 0) -> World:
    """Two hosts alike but for a challenge (bench/crawl.py): ``units`` township units each, their reports as
    HTML pages (no LibreOffice renders), one host behind the 200 cookie shell, the other open."""
    w = World(seed=seed)
    for n, (key, params) in enumerate((("twin-open", {}), ("twin-gated", {"gate": "cookie200"}))):
        county = f"4199{60 + n}000000"
        s = _trs_site(w, key, f"双{n}县人民政府", f"127.0.3.{n + 1}", county, **params)
        new_unit(w, county, s.name, "county", key, cms="trs")
        for i in range(units):
            code = f"4199{60 + n}{101 + i:03d}000"
            new_unit(w, code, f"第{i + 1}镇人民政府", "township", key, parent=county, cms="trs")
            w.add_column(key, f"{key}-{i}", f"/zfxxgk/xz{i}/zfxxgknb/", "政府信息公开年报", [code], page_size=10)
            for year in years:
                w.add_report(f"{key}-{i}", code, year)
    return w
