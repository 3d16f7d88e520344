"""Obstacles, each on a small site of its own: a 412 JavaScript cookie challenge (加速乐-like), a slow
server, a failing one (503), an old address answering 301 to the consolidated site, and a robots.txt
that disallows everything. The challenged, slow and robots sites are TRS sites (:mod:`demo.sites.trs`
serves their pages); this module serves the challenge itself and the sites that have no pages."""

from __future__ import annotations

import secrets
from typing import Iterator

from aiohttp import web as aioweb

from ..answers import HTML_UTF8, PageMaker, SiteIndex
from ..world import FAILING, REDIRECT, TRS, Column, Item, Site, World, new_unit

SHAPES = (REDIRECT, FAILING)


def place(w: World, site: Site, col: Column, item: Item) -> None:
    raise ValueError(f"site {site.key} ({site.shape}) has no lists")


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    """No pages: the server answers these sites before routing (301 / 503)."""


async def route(web, site: Site, request, idx: SiteIndex):
    return None


def challenge_answer(site: Site, request: aioweb.Request) -> aioweb.Response | None:
    """The 412 challenge for a request without a valid clearance cookie; None lets the request through."""
    uid = request.cookies.get("__jsluid_h")
    cleared = request.cookies.get("__jsl_clearance", "")
    if uid and cleared.rsplit("|", 1)[-1] == clearance(site, uid):
        return None
    headers = {"Content-Type": HTML_UTF8, "Cache-Control": "no-cache, no-store"}
    resp = aioweb.Response(status=412, headers=headers)
    if not uid:
        uid = secrets.token_hex(16)
        resp.set_cookie("__jsluid_h", uid, max_age=31536000, path="/", httponly=True)
    resp.body = challenge(site, uid).encode()
    return resp


def challenge(site: Site, jsluid: str) -> str:
    """The 412 answer of a JavaScript cookie challenge (加速乐-like): an inline script computes
    ``__jsl_clearance`` from the per-visitor ``__jsluid_h`` cookie and reloads the page."""
    name = ",".join(str(ord(c)) for c in "__jsl_clearance")
    key = site.secret
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"Cache-Control\" content=\"no-cache\">"
        "<title></title></head><body>\n<script>\n"
        "(function(){var _k=[" + ",".join(str(ord(c)) for c in key) + "],_u=\"" + jsluid + "\",_s=\"\",_h=0x811c9dc5;"
        "for(var i=0;i<_k.length;i++){_s+=String.fromCharCode(_k[i]);}_s+=_u;"
        "for(var j=0;j<_s.length;j++){_h^=_s.charCodeAt(j);_h=Math.imul(_h,16777619)>>>0;}"
        "var _n=String.fromCharCode(" + name + ");"
        "document.cookie=_n+\"=\"+Math.floor(Date.now()/1000)+\"|0|\"+(\"0000000\"+_h.toString(16)).slice(-8)"
        "+\";max-age=3600;path=/\";location.reload();})();\n"
        "</script>\n<noscript>请开启浏览器的JavaScript功能后刷新本页面。</noscript>\n</body></html>\n"
    )


def clearance(site: Site, jsluid: str) -> str:
    """The hash the challenge script computes (FNV-1a over the site key and the visitor id)."""
    h = 0x811C9DC5
    for ch in (site.secret + jsluid).encode("ascii"):
        h ^= ch
        h = (h * 16777619) & 0xFFFFFFFF
    return f"{h:08x}"





def build(w: World, ip: Iterator[str]) -> None:
    """Obstacles, each on a small site of its own: a 412 challenge, a slow server, a failing one, a 301 to
    a consolidated domain, robots.txt disallowing everything."""
    w.add_site(Site("fengshan", "凤山县人民政府", TRS, next(ip), challenge=True, params={"sitecode": "4199070001"}))
    new_unit(w, "419907000000", "凤山县人民政府", "county", "fengshan", cms="trs")
    w.add_column("fengshan", "fs", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419907000000"], page_size=10)
    w.add_report("fs", "419907000000", 2022)
    w.add_report("fs", "419907000000", 2023)

    w.add_site(Site("ningyuan", "宁远县人民政府", TRS, next(ip), slow=True, params={"sitecode": "4199080001"}))
    new_unit(w, "419908000000", "宁远县人民政府", "county", "ningyuan", cms="trs")
    w.add_column("ningyuan", "ny", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419908000000"], page_size=10)
    w.add_report("ny", "419908000000", 2022)
    w.add_report("ny", "419908000000", 2023)

    w.add_site(Site("dongchuan", "东川县人民政府", FAILING, next(ip), failing=True, params={"sitecode": "4199090001"}))
    new_unit(w, "419909000000", "东川县人民政府", "county", "dongchuan", cms="trs")
    w.add_column("dongchuan", "dc", "/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419909000000"])

    w.add_site(Site("heyang-old", "合阳县人民政府", REDIRECT, next(ip), redirect_to="heyang",
                    params={"sitecode": "4199100001"}))
    w.add_site(Site("heyang", "合阳县人民政府", TRS, next(ip), params={"sitecode": "4199100001"}))
    new_unit(w, "419910000000", "合阳县人民政府", "county", "heyang", registry_site="heyang-old", cms="trs")
    w.add_column("heyang", "hy", "/zwgk/zfxxgk/zfxxgknb/", "政府信息公开年报", ["419910000000"], page_size=10)
    for y in (2021, 2022, 2023):
        w.add_report("hy", "419910000000", y)

    w.add_site(Site("qingyuan-kfq", "清源经济开发区管理委员会", TRS, next(ip), robots_disallow=True,
                    params={"sitecode": "4199010401"}))
    new_unit(w, "419901400000", "清源经济开发区管理委员会", "zone", "qingyuan-kfq", parent="419901000000",
          cms="trs", robots="ignore")
    w.add_column("qingyuan-kfq", "kfq", "/gk/zfxxgknb/", "政府信息公开年报", ["419901400000"], page_size=10)
    for y in (2021, 2022, 2023):
        w.add_report("kfq", "419901400000", y)
