"""Datasette plugin: nianbao's own pages and links into them.

Pages (under ``/-/nianbao``):
- ``/report/{id}`` — a report as its three tables in the official layout, failing cells highlighted,
  the failing rules' messages beside, links to the source page, the document and the raw document;
- ``/unit/{code}`` — a unit's report years (timeliness, status, key figures) with a chart;
- ``/counties?year=Y`` — the share of each county's units on time, late and missing, as a chart;
- ``/raw/{sha256}`` — the raw document as crawled, with its content type and file name;
- ``/county/{code}/{year}`` — a county's annual scorecard (年度考核), printable (:mod:`browse.scorecard`).
- ``/ack/{alert id}`` — POST only, for a signed-in actor: settle an alert from the report page (browse.acks).

``render_cell`` turns report ids, unit codes and document hashes in tables, views and canned queries
into links to these pages, and shows status words in Chinese.

Loaded with ``--plugins-dir`` (see :mod:`browse.serve`); the database name comes from the plugin
config ``plugins.nianbao.database`` in the metadata.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from browse.acks import VERDICTS, ack_post, report_alerts
from browse.charts import bar_chart, share_chart
from browse.metadata import PLUGIN, ROUTE, STATUS_NAMES, TIMELINESS_NAMES, vega_fragment
from browse.report import counties_context, report_context, unit_context
from browse.scorecard import county_context
from crawler.rawcodec import unpack
from crawler.searchtext import match_query, register

REPORT_COLUMNS = {"report", "报告"}  # columns holding a report id, wherever they are
UNIT_CODE_COLUMNS = {"unit_code", "单位代码"}
KIND_TYPES = {"html": "text/html", "text": "text/plain; charset=utf-8", "pdf": "application/pdf",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "doc": "application/msword", "wps": "application/vnd.ms-works", "xls": "application/vnd.ms-excel",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip"}


@hookimpl(trylast=True)  # after Datasette's own, so that its escape_fts is replaced by ours
def prepare_connection(conn):
    """Search per Chinese character: ``?_search=柳溪`` becomes the phrase ``"柳 溪"`` over the index of
    per-character text (crawler.searchtext), so two-character names are found."""
    register(conn)
    conn.create_function("escape_fts", 1, match_query)


def _database_name(datasette) -> str:
    config = datasette.plugin_config(PLUGIN) or {}
    return config.get("database") or "nianbao"


async def _database(datasette, request):
    name = _database_name(datasette)
    await datasette.ensure_permissions(request.actor, [("view-database", name), "view-instance"])
    try:
        return name, datasette.get_database(name)
    except KeyError:
        raise NotFound(f"没有数据库 {name}")


async def report_page(datasette, request):
    name, db = await _database(datasette, request)
    rid = request.url_vars["id"]
    ctx = await db.execute_fn(lambda conn: report_context(conn, rid))
    if ctx is None:
        raise NotFound(f"没有编号为 {rid} 的报告")
    alerts = await db.execute_fn(lambda conn: report_alerts(conn, ctx["report"]))
    ctx.update(database=name, route=ROUTE, chart=Markup(ctx["chart"]) if ctx["chart"] else None,
               alerts=alerts, verdicts=VERDICTS, actor=request.actor)
    return Response.html(await datasette.render_template("nianbao_report.html", ctx, request=request))


async def ack_page(datasette, request):
    name, _ = await _database(datasette, request)
    return await ack_post(datasette, request, name)


async def unit_page(datasette, request):
    name, db = await _database(datasette, request)
    code = request.url_vars["code"]
    ctx = await db.execute_fn(lambda conn: unit_context(conn, code))
    if ctx is None:
        raise NotFound(f"名录中没有代码为 {code} 的单位")
    ctx.update(database=name, route=ROUTE, chart=Markup(ctx["chart"]) if ctx["chart"] else None,
               vega=vega_fragment("bar", "年度", "本年新收申请"))
    return Response.html(await datasette.render_template("nianbao_unit.html", ctx, request=request))


async def counties_page(datasette, request):
    name, db = await _database(datasette, request)
    year_arg = request.args.get("year")
    year = int(year_arg) if year_arg and year_arg.isdigit() else None
    ctx = await db.execute_fn(lambda conn: counties_context(conn, year))
    chart = share_chart(ctx["counties"], title=f"{ctx['year']} 年度各县区应报单位：按时、逾期、缺报所占比例") \
        if ctx["counties"] else None
    ctx.update(database=name, route=ROUTE, chart=Markup(chart) if chart else None)
    return Response.html(await datasette.render_template("nianbao_counties.html", ctx, request=request))


async def county_page(datasette, request):
    name, db = await _database(datasette, request)
    code, year = request.url_vars["code"], int(request.url_vars["year"])
    try:
        ctx = await db.execute_fn(lambda conn: county_context(conn, code, year))
    except ValueError as exc:  # NIANBAO_SCORE_WEIGHTS is wrong: say which setting
        return Response.html(f"<p>{escape(str(exc))}</p>", status=500)
    if ctx is None:
        raise NotFound(f"名录中没有代码为 {code} 的县区")
    card = ctx["card"]
    share = share_chart([{**card, "county": ctx["county"]}], title=f"{year} 年度应报单位：按时、逾期、缺报所占比例") \
        if card else None
    trend = bar_chart(ctx["history"], title="历年考核得分", highlight=str(year)) if len(ctx["history"]) > 1 else None
    ctx.update(database=name, route=ROUTE, share=Markup(share) if share else None, trend=Markup(trend) if trend else None)
    return Response.html(await datasette.render_template("nianbao_county.html", ctx, request=request))


async def raw_document(datasette, request):
    name, db = await _database(datasette, request)
    await datasette.ensure_permissions(request.actor, [("view-table", (name, "raw"))])
    digest = request.url_vars["sha256"]
    res = await db.execute("SELECT d.name, d.kind, r.content, r.codec FROM raw r JOIN documents d ON d.sha256 = r.sha256 "
                           "WHERE r.sha256 = ?", [digest])
    row = res.first()
    if row is None:
        raise NotFound(f"没有原始文档 {digest}")
    filename = (row["name"] or digest).rsplit("/", 1)[-1] or digest
    kind = row["kind"] or ""
    content_type = KIND_TYPES.get(kind) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if kind == "html" and not filename.lower().endswith((".htm", ".html", ".shtml")):
        filename += ".html"
    return Response(
        unpack(row["content"], row["codec"]), content_type=content_type,
        headers={
            "content-disposition": f"inline; filename*=UTF-8''{quote(filename)}",
            # a crawled page shown from our origin must not run its scripts here
            "content-security-policy": "sandbox",
            "x-content-type-options": "nosniff",
        },
    )


@hookimpl
def register_routes():
    prefix = ROUTE.replace("-", r"\-")
    return [
        (rf"^{prefix}/report/(?P<id>[^/]+)$", report_page),
        (rf"^{prefix}/unit/(?P<code>[^/]+)$", unit_page),
        (rf"^{prefix}/counties$", counties_page),
        (rf"^{prefix}/raw/(?P<sha256>[0-9a-f]{{64}})$", raw_document),
        (rf"^{prefix}/county/(?P<code>[^/]+)/(?P<year>\d{{4}})$", county_page),
        (rf"^{prefix}/ack/(?P<id>[0-9]+)$", ack_page),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != _database_name(datasette) or value is None or value == "":
        return None
    text = str(value)
    if table == "county_scorecard" and column == "county" and row is not None:
        try:
            code, year = row["county_code"], row["year"]
        except (IndexError, KeyError):
            code = year = None
        if code and year:
            return Markup(f'<a href="{ROUTE}/county/{quote(str(code))}/{int(year)}" title="年度考核（可打印）">{escape(text)}</a>')
    if column in REPORT_COLUMNS or (column == "id" and table in ("reports", "report_overview")):
        return Markup(f'<a href="{ROUTE}/report/{quote(text)}" title="查看报告页">{escape(text)}</a>')
    if column in UNIT_CODE_COLUMNS or (column == "code" and table == "units"):
        return Markup(f'<a href="{ROUTE}/unit/{quote(text)}" title="单位历年情况">{escape(text)}</a>')
    if column == "document" and table in ("reports", "report_overview"):
        return Markup(f'<a href="{ROUTE}/raw/{quote(text)}" title="原始文档">{escape(text[:16])}…</a>')
    if column == "status" and table in ("reports", "report_overview") and text in STATUS_NAMES:
        return Markup(f'<span title="{escape(text)}">{escape(STATUS_NAMES[text])}</span>')
    if (column == "timeliness" or (column == "status" and table == "expected_reports")) and text in TIMELINESS_NAMES:
        return Markup(f'<span title="{escape(text)}">{escape(TIMELINESS_NAMES[text])}</span>')
    if column in ("发布情况", "校验结果"):
        names = TIMELINESS_NAMES if column == "发布情况" else STATUS_NAMES
        if text in names:
            return Markup(f'<span title="{escape(text)}">{escape(names[text])}</span>')
    return None


@hookimpl
def menu_links(datasette, actor):
    name = _database_name(datasette)
    return [
        {"href": f"/{name}/report_overview", "label": "报告一览"},
        {"href": f"/{name}/inconsistent", "label": "数字不平"},
        {"href": f"/{name}/missing", "label": "缺报"},
        {"href": f"/{name}/late", "label": "逾期发布"},
        {"href": f"/{name}/county_overview", "label": "县区概况"},
        {"href": f"{ROUTE}/counties", "label": "各县区逾期、缺报比例图"},
        {"href": f"/{name}/county_scorecard", "label": "年度考核"},
    ]
