"""A report whose tables are pictures: the article body an office makes by pasting each table as a
screenshot (PNG) between its text, the pictures drawn from the report's own numbers."""

from __future__ import annotations

import html
import io
from collections.abc import Callable

from .render import ReportSpec, _blocks

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def table_png(table, size: int = 26, wrap: int = 14) -> bytes:
    """One report table as a screenshot: ruled cells, merged cells merged, long labels wrapped."""
    from PIL import Image, ImageDraw, ImageFont

    from parsers.tables import grid as _grid

    font = ImageFont.truetype(FONT, size)
    placed = _grid(table)
    ncols = max(c + cell.colspan for _, c, cell in placed)
    nrows = max(r + cell.rowspan for r, _, cell in placed)
    chars = [2] * ncols
    lines = [1] * nrows
    for r, c, cell in placed:
        if cell.colspan == 1:
            chars[c] = max(chars[c], min(len(cell.text), wrap))
        if cell.rowspan == 1:
            lines[r] = max(lines[r], -(-len(cell.text) // wrap))
    xs, ys = [20], [20]
    for n in chars:
        xs.append(xs[-1] + n * size + 24)
    for n in lines:
        ys.append(ys[-1] + n * int(size * 1.4) + 24)
    image = Image.new("L", (xs[-1] + 20, ys[-1] + 20), 255)
    draw = ImageDraw.Draw(image)
    for r, c, cell in placed:
        x0, y0, x1, y1 = xs[c], ys[r], xs[c + cell.colspan], ys[r + cell.rowspan]
        draw.rectangle((x0, y0, x1, y1), outline=0, width=2)
        width = max(1, (x1 - x0 - 24) // size)
        parts = [cell.text[i:i + width] for i in range(0, len(cell.text), width)] or [""]
        top = (y0 + y1 - len(parts) * int(size * 1.4)) / 2
        for k, part in enumerate(parts):
            tw = draw.textlength(part, font=font)
            draw.text(((x0 + x1 - tw) / 2, top + k * int(size * 1.4)), part, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pictured_tables(spec: ReportSpec) -> list[Callable[[], bytes]]:
    """The report's tables (二, 三, 四) as PNG makers, in reading order."""
    return [lambda t=b.table: table_png(t) for b in _blocks(spec) if b.kind == "table"]


def pictured_body(spec: ReportSpec, srcs: list[str], *, icon: str | None = None) -> str:
    """The article body: the report's text with each table an ``<img>`` of ``srcs`` (in order); ``icon``:
    a small print icon in the body too (what a picture reader must leave alone)."""
    parts, n = [], 0
    for block in _blocks(spec):
        if block.kind == "title":
            continue  # the page's heading carries it
        if block.kind == "table":
            parts.append(f'<p style="text-align:center"><img src="{srcs[n]}" width="900" alt=""></p>')
            n += 1
        else:
            parts.append(f"<p>{html.escape(block.text)}</p>")
    if icon:
        parts.append(f'<p><img src="{icon}" width="16" height="16" alt="打印">【打印本页】</p>')
    return "\n".join(parts) + "\n"
