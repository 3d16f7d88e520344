"""A readable terminal view of a parsed report: its three tables and its rule results (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from parsers import schema
from parsers.model import Report
from parsers.rules import fmt_num

STATUS_STYLE = {"pass": ("✓", "green"), "fail": ("✗", "red"), "not_assessable": ("?", "yellow")}


def _cell_text(report: Report, key: str, failing: set[str]) -> Text:
    cell = report.cells.get(key)
    if cell is None:
        return Text("缺", style="magenta")
    shown = fmt_num(cell.value) if cell.value is not None else (cell.raw if cell.invalid else "")
    style = "bold red" if key in failing or cell.invalid else ("dim" if cell.value == 0 else "")
    return Text(shown, style=style)


def render_report(console: Console, report: Report) -> None:
    """Print one report: header, tables 二/三/四, then failing and unassessable rules."""
    head = f"[bold]{report.title or report.source}[/bold]"
    console.rule(head)
    if report.error is not None:
        console.print(f"[red]无法解析[/red] {report.source}：{report.error.message} [dim]({report.error.code})[/dim]")
        return
    console.print(f"单位：{report.unit or '—'}　年度：{report.year or '—'}　格式：{report.format}　"
                  f"发布日期：{report.published or '—'}　来源：{report.source}（{report.kind}）")
    if report.format == schema.FORMAT_LEGACY:
        console.print("[yellow]2018 年及以前的自由格式报告：已存储，不校验[/yellow]")
        return
    failing = {k for r in report.rules if r.status == "fail" for k in r.cells}

    t2 = Table(title="二、主动公开政府信息情况", show_lines=False)
    t2.add_column("信息内容")
    layout = schema.T2_LAYOUT[report.format]
    width = max(len(cols) for cols in layout.values())
    for i in range(width):
        t2.add_column(f"{i + 1}", justify="right")
    for row, cols in layout.items():
        t2.add_row(schema.T2_ROW_NAMES[row],
                   *[Text(f"{schema.T2_COLUMN_NAMES[c]} ", style="dim") + _cell_text(report, f"t2.{row}.{c}", failing) for c in cols])
    console.print(t2)

    t3 = Table(title="三、收到和处理政府信息公开申请情况")
    t3.add_column("")
    for col in schema.T3_COLUMNS:
        t3.add_column(schema.T3_COLUMN_NAMES[col], justify="right")
    for row in schema.T3_ROWS[report.format]:
        t3.add_row(schema.T3_ROW_NAMES[row], *[_cell_text(report, f"t3.{row}.{c}", failing) for c in schema.T3_COLUMNS])
    console.print(t3)

    t4 = Table(title="四、政府信息公开行政复议、行政诉讼情况")
    t4.add_column("")
    for res in schema.T4_RESULTS:
        t4.add_column(schema.T4_RESULT_NAMES[res], justify="right")
    for g in schema.T4_GROUPS:
        t4.add_row(schema.T4_GROUP_NAMES[g], *[_cell_text(report, f"t4.{g}.{r}", failing) for r in schema.T4_RESULTS])
    console.print(t4)

    passed = sum(1 for r in report.rules if r.status == "pass")
    console.print(f"规则：{passed} 项通过，"
                  f"{sum(1 for r in report.rules if r.status == 'fail')} 项不通过，"
                  f"{sum(1 for r in report.rules if r.status == 'not_assessable')} 项无法核对")
    for r in report.rules:
        if r.status == "pass":
            continue
        mark, style = STATUS_STYLE[r.status]
        sev = "错误" if r.severity == "error" else "提示"
        console.print(Text(f" {mark} ", style=style) + Text(f"{r.rule} [{sev}] ", style="bold") + Text(r.message))
    for note in report.notes:
        console.print(f"[dim]注：{note}[/dim]")
