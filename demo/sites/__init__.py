"""The demo government web's site families, one module each (as :mod:`spiders.adapters` has one per
list shape), and the default world they make together.

    world = build_world()               # the default world: a dozen county portals, ~30 units
    world = build_world(scale=500)      # …plus 500 tiny TRS sites on 127.1.x.y for a crawl benchmark

A family module defines:

- ``SHAPES``: the :attr:`~demo.world.Site.shape` values it serves;
- ``place(world, site, column, item)``: gives a new item (and its attachments) their addresses;
- ``index(web, site, idx, page)``: the site's static routes (``page(make_text, gbk=, lm=, ctype=)``);
- ``async route(web, site, request, idx)``: dynamic routes (list APIs, download scripts), or None;
- ``build(world, ip)``: the family's sites in the default world, on addresses taken from ``ip``.

A new site shape is one new module here, added to :data:`FAMILIES` (at the end, so that the
addresses of the sites before it stay as they are).
"""

from __future__ import annotations

from datetime import date
from types import ModuleType

from ..world import (  # noqa: F401 - the world's model, re-exported for callers of build_world()
    DROP_ROLES,
    FAILING,
    FOREIGN,
    HANWEB,
    HIDDEN,
    JSONAPI,
    KINDS,
    MISFILED,
    NEWS,
    NOTICE,
    QUERY,
    REDIRECT,
    REPORT,
    SHAPES,
    TEMPLATE,
    TRS,
    VSB,
    XXGK,
    YEARS,
    Attachment,
    Column,
    ExpectedReport,
    ForbiddenItem,
    Item,
    Site,
    Unit,
    World,
)
from . import (
    challenged,
    epoint,
    gkmlpt,
    hanweb,
    hidden,
    jpaas,
    json_api,
    lonsun,
    obstacles,
    pictured,
    query,
    scripted,
    trs,
    truecms,
    vsb,
    xxgk,
)
from .trs import scale_ip  # noqa: F401 - the generated sites' addresses (bench/crawl.py)

FAMILIES: tuple[ModuleType, ...] = (trs, xxgk, hanweb, vsb, json_api, query, obstacles, challenged,
                                    gkmlpt, lonsun, jpaas, truecms, epoint, scripted, hidden, pictured)
_BY_SHAPE = {shape: fam for fam in FAMILIES for shape in fam.SHAPES}


def family(shape: str) -> ModuleType:
    """The module serving sites of ``shape``."""
    try:
        return _BY_SHAPE[shape]
    except KeyError:
        raise ValueError(f"no demo site family serves shape {shape!r}") from None


def build_world(*, seed: int = 0, scale: int = 0, today: date | None = None) -> World:
    """The default demo world (one site per family on 127.0.1.x), plus ``scale`` tiny TRS sites on 127.1.x.y.

    ``today``: carry the world's reports on to last year by that date, with last year's planted problems
    (:mod:`demo.recent`; what ``nianbao demo`` shows). Without it the world ends with report year 2023.
    """
    w = World(seed=seed, scale=scale)
    ip = iter(f"127.0.1.{i}" for i in range(1, 255))
    for fam in FAMILIES:
        fam.build(w, ip)
    if today is not None:
        from ..recent import continue_to

        continue_to(w, today)
    for i in range(scale):
        trs.scale_site(w, i)
    return w
