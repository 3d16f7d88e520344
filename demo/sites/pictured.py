"""A county whose reports show their tables as pictures (枝江县): TRS static lists and articles, but each
report's 表二/表三/表四 is a PNG screenshot pasted in the article body (``./W0….png`` beside the page),
drawn from the report's own numbers (:mod:`demo.pictures`). The body also has a 16-pixel print icon,
which is not a table. Reading these needs the pictures fetched, kept raw and read by OCR with the page.

OCR costs seconds per picture, so the default world has no such site (its crawl budgets stay as they
are): :func:`trial_world` is a small world of its own (tests/test_crawl_pictures.py).
"""

from __future__ import annotations

import base64
from typing import Iterator

from ..answers import PageMaker, Resp, SiteIndex
from ..content import cached, spec_key
from ..pictures import pictured_body, pictured_tables
from ..world import Column, Item, Site, World, new_unit
from . import trs

PICTURED = "pictured"
SHAPES = (PICTURED,)
ICON = "/images/print.gif"
# a 16×16 one-colour GIF: the print icon in the article body
_ICON_GIF = base64.b64decode("R0lGODlhEAAQAIAAAAAAAP///yH5BAEAAAAALAAAAAAQABAAAAIOhI+py+0Po5y02ouzPgUAOw==")


def place(w: World, site: Site, col: Column, item: Item) -> None:
    """TRS addresses; a report's body gets its tables as pictures ``W0<date><id>_<n>.png`` beside it."""
    trs.place(w, site, col, item)
    spec = item.spec
    if spec is None or item.kind != "html":
        return
    base = item.path.rsplit("/", 1)[0]
    names = [f"W0{item.path.rsplit('_', 1)[0].rsplit('/t', 1)[1]}{item.id}_{n}.png" for n in (1, 2, 3)]
    item.ext["pictures"] = [f"{base}/{name}" for name in names]
    item.body = lambda: pictured_body(spec, [f"./{name}" for name in names], icon=ICON)


def index(web, site: Site, idx: SiteIndex, page: PageMaker) -> None:
    """The TRS pages, each report's pictures, and the icon."""
    trs.index(web, site, idx, page)
    st = idx.static
    st[ICON] = lambda: Resp(body=_ICON_GIF, content_type="image/gif", last_modified=site.modified)
    for col in site.columns.values():
        for item in col.items:
            pictures = item.ext.get("pictures") or []
            makers = pictured_tables(item.spec) if pictures else []
            for n, (path, make) in enumerate(zip(pictures, makers), 1):
                key = f"picture:{spec_key(item.spec)}:{n}"
                st[path] = (lambda it=item, k=key, m=make: Resp(body=cached(k, m), content_type="image/png",
                                                               last_modified=it.published))


async def route(web, site: Site, request, idx: SiteIndex):
    return None


def build(w: World, ip: Iterator[str]) -> None:
    """Nothing in the default world (see the module's docstring)."""


def trial_world(*, seed: int = 0) -> World:
    """枝江县 on 127.0.4.1: its 2022 report (one number changed, so that 表三 does not add up) and its
    2023 report, both with their tables as pictures."""
    w = World(seed=seed)
    code = "419951000000"
    s = w.add_site(Site("zhijiang", "枝江县人民政府", PICTURED, "127.0.4.1", params={"sitecode": code[:6] + "0001"}))
    new_unit(w, code, s.name, "county", s.key, cms="trs")
    w.add_column(s.key, "zjx", "/zfxxgk/zfxxgknb/", "政府信息公开年报", [code], page_size=10)
    w.add_report("zjx", code, 2022, inconsistent=True)
    w.add_report("zjx", code, 2023)
    return w

