"""Click commands ``serve`` and ``export``, registered on ``nianbao`` (app.cli.main).

    nianbao serve --db nianbao.db --port 8001
    nianbao export --db nianbao.db --xlsx nianbao.xlsx --csv exports/
"""

from __future__ import annotations

import sys

import click

DEFAULT_DB = "nianbao.db"

_db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True), default=DEFAULT_DB,
                          show_default=True, help="The nianbao SQLite database.")


@click.command()
@_db_option
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to be reachable from other machines).")
def serve(db_path: str, port: int, host: str) -> None:
    """Browse the store in Datasette, read-only, with Chinese titles, canned queries and report pages.

    Creates the readable views and the full-text index first (idempotent; safe while a crawl runs),
    then runs Datasette until interrupted. Canned queries: 缺报 /DB/missing, 数字不平 /DB/inconsistent,
    逾期发布 /DB/late, 单位历年 /DB/unit_history?unit=CODE, 县区概况 /DB/county_overview. A report's
    page: /-/nianbao/report/ID.

    Example: nianbao serve --db nianbao.db --port 8001
    """
    from browse.serve import serve as run

    click.echo(f"Datasette: http://{host}:{port}/  （Ctrl-C 停止）", err=True)
    sys.exit(run(db_path, port=port, host=host))


@click.command()
@_db_option
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), default=None,
              help="Write an Excel workbook: sheets 县区概况, 报告一览, 全部单元格.")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), default=None,
              help="Write county_overview.csv, reports.csv and cells.csv (UTF-8 with BOM) into this folder.")
def export(db_path: str, xlsx_path: str | None, csv_dir: str | None) -> None:
    """Export the county overview, the report list and all cells for Excel.

    Reads the store without writing to it. Give --xlsx, --csv or both.

    Example: nianbao export --db nianbao.db --xlsx nianbao.xlsx --csv exports/
    """
    from browse.export import export_csv, export_xlsx

    if not xlsx_path and not csv_dir:
        raise click.UsageError("give --xlsx FILE, --csv DIR or both")
    if xlsx_path:
        counts = export_xlsx(db_path, xlsx_path)
        click.echo(f"写入 {xlsx_path}：县区概况 {counts['county']} 行，报告 {counts['reports']} 行，"
                   f"单元格 {counts['cells']} 行")
    if csv_dir:
        files = export_csv(db_path, csv_dir)
        click.echo("写入 " + "、".join(str(p) for p in files.values()))
