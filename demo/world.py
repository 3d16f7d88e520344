"""The demo world's model: sites, units, columns, items and attachments, and the ground truth.

A :class:`World` is data only: sites (one loopback address each), columns (a unit's list of documents,
or a list shared by several units), items (what a list links to: reports, notices, templates, news, a
foreign or misfiled report) and attachments. Each site family (:mod:`demo.sites`: TRS, xxgk, Hanweb,
VSB, JSON API, query string …) builds its sites, gives items their addresses and serves their pages;
report contents come from :mod:`demo.content`, the HTTP server is :mod:`demo.web`. Document bytes are
rendered lazily and cached per process (module-level cache keyed by content), so PDFs/DOCs go through
LibreOffice once per process whatever the number of worlds or servers.

Ground truth (:meth:`World.expected`, :meth:`World.forbidden`, :meth:`World.missing`) is given as
site-relative paths; :class:`demo.web.DemoWeb` turns them into URLs once its addresses are known.
"""

from __future__ import annotations

import hashlib
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable

from parsers import schema

from .content import (
    _paras,
    break_cells,
    legacy_fragment,
    news_body,
    notice_body,
    office_attachment,
    report_format,
    report_fragment,
    report_paragraphs,
    self_word,
    unit_series,
)
from .model import (  # noqa: F401 - the model, re-exported: families and tests import it from here
    CST,
    DROP_ROLES,
    FAILING,
    FIRST_MODIFIED,
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
    GeneratedReport,
    Item,
    Site,
    Unit,
)
from .render import ReportSpec


class World:
    """Sites, units, columns and items; thread-safe mutation through :meth:`publish`."""

    def __init__(self, seed: int = 0, scale: int = 0):
        self.seed = seed
        self.scale = scale
        self.sites: dict[str, Site] = {}
        self.units: dict[str, Unit] = {}
        self.lock = threading.RLock()
        self.version = 0
        self.rng = random.Random(seed)
        self._ids: set[int] = set()
        self._series: dict[str, dict[int, dict[str, str]]] = {}
        self._columns: dict[str, Column] = {}

    # ------------------------------------------------------------ lookups
    def items(self):
        for site in self.sites.values():
            for col in site.columns.values():
                yield from col.items

    def column(self, key: str) -> Column:
        return self._columns[key]

    def item(self, item_id: int) -> Item:
        for it in self.items():
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def county_of(self, unit: Unit) -> Unit:
        while unit.parent and unit.parent in self.units:
            unit = self.units[unit.parent]
        return unit

    # ------------------------------------------------------------ ground truth
    def expected(self, url: Callable[[str, str], str]) -> list[ExpectedReport]:
        """One entry per report a correct crawl stores; ``url(site, path)`` makes addresses absolute."""
        copies: dict[int, list[Item]] = {}
        for it in self.items():
            if it.duplicate_of is not None:
                copies.setdefault(it.duplicate_of, []).append(it)
        out = []
        latest: dict[tuple[str, int], Item] = {}
        reports = [it for it in self.items() if it.role == REPORT and it.duplicate_of is None]
        for it in reports:
            k = (it.unit_code, it.year)
            if k not in latest or (it.published, it.id) > (latest[k].published, latest[k].id):
                latest[k] = it
        for it in sorted(reports, key=lambda i: (i.unit_code, i.year, i.published)):
            site = self.sites[it.site]
            if site.failing or site.hidden:
                continue
            out.append(ExpectedReport(
                unit_code=it.unit_code, year=it.year, page_url=url(it.site, it.path),
                attachments=[url(it.site, a.path) for a in it.attachments], kind=it.kind,
                inconsistent=it.inconsistent, format=it.format, title=it.title, published=it.date_str,
                site=it.site, duplicates=[url(c.site, c.path) for c in copies.get(it.id, [])],
                broken_key=it.broken_key, superseded=latest[(it.unit_code, it.year)] is not it,
            ))
        return out

    def forbidden(self, url: Callable[[str, str], str]) -> list[ForbiddenItem]:
        out = []
        for it in self.items():
            if it.role in DROP_ROLES:
                col = self.column(it.column)
                out.append(ForbiddenItem(
                    page_url=url(it.site, it.path), title=it.title, reason=it.role, column_units=list(col.units),
                    belongs_to=it.unit_code if it.role == MISFILED else None,
                    attachments=[url(it.site, a.path) for a in it.attachments], site=it.site))
        return out

    def missing(self, years=YEARS) -> list[tuple[str, int]]:
        """(unit, year) pairs with no report anywhere (including units on the failing site)."""
        have = {(it.unit_code, it.year) for it in self.items() if it.role == REPORT
                and not self.sites[it.site].failing}
        return [(code, y) for code in self.units for y in years if (code, y) not in have]

    def unreachable(self) -> list[str]:
        """Units whose every page fails (the failing site)."""
        return [u.code for u in self.units.values() if self.sites[u.site].failing]

    def column_not_found(self) -> list[str]:
        """Units whose reports sit in a column the crawl cannot find or that lists nothing (the hidden
        site): neither found nor missing — the operators must register the column."""
        return [u.code for u in self.units.values() if self.sites[u.site].hidden]

    def undeterminable(self) -> list[str]:
        """Units whose missing years a correct monitor cannot call missing: a column it cannot find or that
        lists nothing (:meth:`column_not_found`), or a pagination trap (page 2 repeats page 1: the paging may
        be ignored, so the end of the list is never seen)."""
        trapped = {code for col in self._columns.values() if col.trap for code in col.units}
        return sorted(set(self.column_not_found()) | trapped)

    # ------------------------------------------------------------ building
    def new_id(self, lo: int, hi: int) -> int:
        while True:
            n = self.rng.randint(lo, hi)
            if n not in self._ids:
                self._ids.add(n)
                return n

    def cells(self, unit: Unit, year: int) -> dict[str, str]:
        series = self._series.get(unit.code)
        if series is None or year not in series:
            # the chain is deterministic, so a longer run repeats the shorter one's years
            series = unit_series(self.seed, unit.code, unit.level, range(2019, max(2024, year + 1)))
            self._series[unit.code] = series
        return series[year]

    def add_site(self, site: Site) -> Site:
        site.secret = site.secret or hashlib.sha1(f"{self.seed}:{site.key}".encode()).hexdigest()[:12]
        self.sites[site.key] = site
        return site

    def add_unit(self, unit: Unit) -> Unit:
        if not unit.recipients:
            unit.recipients = [f"xxgk-{unit.code}@demo.test"]
        if not unit.short:
            unit.short = unit.name.removesuffix("人民政府").removesuffix("办事处").removesuffix("管理委员会")
        self.units[unit.code] = unit
        return unit

    def add_column(self, site: str, key: str, path: str, name: str, units: list[str], **kw) -> Column:
        col = Column(key=key, site=site, path=path, name=name, units=list(units), **kw)
        self.sites[site].columns[key] = col
        self._columns[key] = col
        for code in units:
            if key not in self.units[code].columns:
                self.units[code].columns.append(key)
        return col

    def _when(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, self.rng.randint(8, 17), self.rng.randint(0, 59),
                        tzinfo=CST)

    def _index_no(self, code: str, year: int) -> str:
        return f"{code[:6]}{self.rng.randint(100, 999)}/{year}-{self.rng.randint(1, 40000):05d}"

    def report_title(self, unit: Unit, year: int, style: str = "full") -> str:
        if style == "bare":
            return f"{year}年度政府信息公开工作年度报告"
        if style == "prefixed":
            return f"{unit.county_prefix}{unit.name}{year}年政府信息公开工作年度报告"
        if style == "nianbao":
            return f"{unit.name}{year}年度政府信息公开年报"
        return f"{unit.name}{year}年政府信息公开工作年度报告"

    def add_report(self, column: str, unit_code: str, year: int, *, kind: str = "html", day: date | None = None,
                   inconsistent: bool = False, style: str = "full", legacy: bool = False,
                   copy_text_of: Item | None = None, copy_of: Item | None = None, wrong_year: bool = False,
                   generated: bool = False) -> Item:
        """A unit's report for ``year`` on a column: HTML body, or 详见附件 with attachments.

        What evaluators catch (rules COPY-LAST-YEAR, COPY-OTHER-UNIT, WRONG-YEAR): ``copy_text_of`` takes
        another report's running text word for word (last year's, with only the numbers new);
        ``copy_of`` takes another unit's whole report, tables and text, under this unit's title;
        ``wrong_year`` leaves last year's statistics period and opening in the text. ``generated``: a
        plain report (none of the above) whose spec is made on demand (:class:`GeneratedReport`)."""
        col = self.column(column)
        unit = self.units[unit_code]
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        day = day or self._default_day(unit, year)
        when = self._when(day)
        publisher = self._publisher(unit)
        if legacy:
            item = Item(id=0, site=col.site, column=column, role=REPORT, title=self.report_title(unit, year, style),
                        published=when, publisher=publisher, unit_code=unit_code, year=year,
                        format=schema.FORMAT_LEGACY, kind="html", body=legacy_fragment(unit.name, year, day),
                        index_no=self._index_no(unit.code, year + 1))
            return self._place(col, item)
        if generated:
            if inconsistent or copy_of or copy_text_of or wrong_year or kind != "html":
                raise ValueError("a generated report is a plain HTML one")
            title = self.report_title(unit, year, style)
            spec_unit = unit.name if style != "prefixed" else unit.county_prefix + unit.name
            make = lambda: _generated_spec(self.seed, unit, spec_unit, year, day)  # noqa: E731
            item = GeneratedReport(id=0, site=col.site, column=column, role=REPORT, title=title, published=when,
                                   publisher=publisher, unit_code=unit_code, year=year, format=report_format(year),
                                   kind=kind, index_no=self._index_no(unit.code, year + 1), make_spec=make,
                                   body=lambda: report_fragment(make(), keep=False))
            return self._place(col, item)
        cells = dict(copy_of.spec.cells) if copy_of is not None else self.cells(unit, year)
        broken = None
        if inconsistent:
            cells, broken = break_cells(cells)
        fmt = report_format(year)
        paragraphs = report_paragraphs(self.seed, unit.code, unit.name, unit.level, year, fmt,
                                       cells.get("t3.new.total") or "")
        source = copy_of or copy_text_of
        if source is not None:
            paragraphs = {k: v for k, v in source.spec.paragraphs.items() if k != "6" or fmt == source.spec.format}
        if wrong_year:
            last = report_paragraphs(self.seed, unit.code, unit.name, unit.level, year - 1, fmt, "")
            me = self_word(unit.name, unit.level)
            paragraphs["0"] = [f"本报告中所列数据的统计期限自{year - 1}年1月1日起至{year - 1}年12月31日止。"]
            paragraphs["1"] = [f"{year - 1}年，{me}认真贯彻落实《条例》，扎实推进政务公开。", *last["1"][1:]]
        spec = ReportSpec(unit=unit.name if style != "prefixed" else unit.county_prefix + unit.name, year=year,
                          format=fmt, cells=cells, published=day, paragraphs=paragraphs)
        item = Item(id=0, site=col.site, column=column, role=REPORT, title=self.report_title(unit, year, style),
                    published=when, publisher=publisher, unit_code=unit_code, year=year, format=spec.format,
                    kind=kind, inconsistent=inconsistent, broken_key=broken, spec=spec,
                    index_no=self._index_no(unit.code, year + 1))
        self._fill_report(item)
        return self._place(col, item)

    def _fill_report(self, item: Item) -> None:
        spec = item.spec
        if item.kind == "html":
            item.body = lambda: report_fragment(spec)
            return
        item.body = _paras([f"{item.title}详见附件。"])
        for kind in item.kind.split("+"):
            key, make = office_attachment(spec, kind)
            item.attachments.append(Attachment(path="", filename=f"{item.title}.{kind}", kind=kind, key=key, make=make))

    def _default_day(self, unit: Unit, year: int) -> date:
        if unit.level == "county":
            return date(year + 1, self.rng.choice([1, 2, 3]), self.rng.randint(10, 28))
        return date(year + 1, 1, self.rng.randint(8, 30))

    def _publisher(self, unit: Unit) -> str:
        return unit.name + "办公室" if unit.level == "county" else unit.name

    def add_notice(self, column: str, year: int, day: date | None = None) -> Item:
        col = self.column(column)
        county = self.county_of(self.units[col.units[0]])
        day = day or date(year, 12, self.rng.randint(5, 25))
        item = Item(id=0, site=col.site, column=column, role=NOTICE,
                    title=f"关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知",
                    published=self._when(day), publisher=self._publisher(county), unit_code=None,
                    body=notice_body(county.short, year), index_no=self._index_no(county.code, year),
                    doc_no=f"{county.short[:2]}政办〔{year}〕{self.rng.randint(10, 90)}号")
        return self._place(col, item)

    def add_template(self, column: str, year: int, day: date | None = None) -> Item:
        col = self.column(column)
        county = self.county_of(self.units[col.units[0]])
        day = day or date(year, 12, self.rng.randint(5, 25))
        spec = ReportSpec(unit="XX单位", year=year, format=report_format(year), cells={})
        title = f"{year}年政府信息公开工作年度报告统计表（模板）"
        item = Item(id=0, site=col.site, column=column, role=TEMPLATE, title=title, published=self._when(day),
                    publisher=self._publisher(county), unit_code=None,
                    body=_paras(["请各单位按附件统计表格式填报本单位年度报告数据。"]),
                    index_no=self._index_no(county.code, year))
        key, make = office_attachment(spec, "docx")
        item.attachments.append(Attachment(path="", filename=f"{year}年政府信息公开工作年度报告统计表.docx",
                                           kind="docx", key=key, make=make))
        return self._place(col, item)

    def add_news(self, column: str, title: str, day: date) -> Item:
        col = self.column(column)
        unit = self.units[col.units[0]]
        text = f"{day.month}月{day.day}日，{title.removesuffix('会议')}会议召开，部署推进政府信息公开和年度报告编制工作。"
        item = Item(id=0, site=col.site, column=column, role=NEWS, title=title, published=self._when(day),
                    publisher=self._publisher(unit), unit_code=None, body=news_body(text),
                    index_no=self._index_no(unit.code, day.year))
        return self._place(col, item)

    def add_foreign(self, column: str, unit_name: str, year: int, day: date, level: str = "department") -> Item:
        """A report of a unit not in the registry (a neighbouring county's), filed here."""
        col = self.column(column)
        code = "9" + hashlib.sha1(unit_name.encode()).hexdigest()[:11]
        cells = unit_series(self.seed, code, level, range(2019, year + 1))[year]
        spec = ReportSpec(unit=unit_name, year=year, format=report_format(year), cells=cells, published=day)
        item = Item(id=0, site=col.site, column=column, role=FOREIGN,
                    title=f"{unit_name}{year}年政府信息公开工作年度报告", published=self._when(day),
                    publisher=unit_name, unit_code=None, year=year, format=spec.format, spec=spec,
                    body=lambda: report_fragment(spec), index_no=self._index_no(code, year + 1),
                    foreign_unit=unit_name)
        return self._place(col, item)

    def add_copy(self, original: Item, column: str, day: date, *, role: str = REPORT) -> Item:
        """The same report again: re-published later (role REPORT) or misfiled in another unit's column."""
        col = self.column(column)
        item = Item(id=0, site=col.site, column=column, role=role, title=original.title, published=self._when(day),
                    publisher=original.publisher, unit_code=original.unit_code, year=original.year,
                    format=original.format, kind=original.kind, inconsistent=original.inconsistent,
                    broken_key=original.broken_key, spec=original.spec, body=original.body,
                    index_no=original.index_no, duplicate_of=original.id)
        for a in original.attachments:  # the same bytes under this page's own attachment address
            item.attachments.append(Attachment(path="", filename=a.filename, kind=a.kind, key=a.key, make=a.make))
        return self._place(col, item)

    # ------------------------------------------------------------ addresses per shape
    def _place(self, col: Column, item: Item) -> Item:
        from .sites import family  # the families import this module

        family(self.sites[col.site].shape).place(self, self.sites[col.site], col, item)
        col.items.append(item)
        return item

    # ------------------------------------------------------------ while running
    def publish(self, site: str, unit_code: str, year: int, *, kind: str = "html", inconsistent: bool = False,
                day: date | None = None) -> Item:
        """A new report of a unit on its column of ``site`` (a missing year, or a revision of a year)."""
        with self.lock:
            s = self.sites[site]
            unit = self.units[unit_code]
            cols = [k for k in unit.columns if k in s.columns]
            if not cols:
                raise ValueError(f"unit {unit_code} has no column on site {site}")
            item = self.add_report(cols[0], unit_code, year, kind=kind, inconsistent=inconsistent,
                                   day=day or date.today())
            now = datetime.now(timezone.utc).replace(microsecond=0)
            s.modified = max(now, s.modified + timedelta(seconds=1))
            self.version += 1
        return item

    def attachments(self) -> list[Attachment]:
        return [a for it in self.items() for a in it.attachments]

    def prerender(self, workers: int = 4) -> None:
        """Render every attachment (LibreOffice for PDF/DOC) in parallel, once per process."""
        todo = {a.key: a for a in self.attachments() if not a.rendered}
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda a: a.body(), todo.values()))


# ---------------------------------------------------------------- generated reports

@lru_cache(maxsize=64)
def _series(seed: int, code: str, level: str) -> dict[int, dict[str, str]]:
    # World.cells' chain for report years up to 2023 (a unit's years are asked for together: a small cache)
    return unit_series(seed, code, level, range(2019, 2024))


def _generated_spec(seed: int, unit: Unit, spec_unit: str, year: int, day: date) -> ReportSpec:
    """The spec :meth:`World.add_report` gives a plain report of ``unit`` for ``year`` (same cells, same text)."""
    cells = _series(seed, unit.code, unit.level)[year] if year <= 2023 else \
        unit_series(seed, unit.code, unit.level, range(2019, year + 1))[year]
    fmt = report_format(year)
    paragraphs = report_paragraphs(seed, unit.code, unit.name, unit.level, year, fmt, cells.get("t3.new.total") or "")
    return ReportSpec(unit=spec_unit, year=year, format=fmt, cells=cells, published=day, paragraphs=paragraphs)


# ---------------------------------------------------------------- the default world

def new_unit(world: World, code: str, name: str, level: str, site: str, parent: str | None = None, **kw) -> Unit:
    prefix = world.units[parent].short if parent else ""
    return world.add_unit(Unit(code=code, name=name, level=level, site=site, parent=parent,
                               county_prefix=prefix, **kw))


