"""Small inline SVG charts for the plugin's pages: no JavaScript, nothing fetched, readable offline.

Only what a reader would rather look at than read: a unit's applications per year (bars) and the
share of each county's units on time, late and missing (stacked horizontal bars).
"""

from __future__ import annotations

from html import escape
from typing import Any

COLORS = {"bar": "#3b6ea8", "highlight": "#c0392b", "on_time": "#4c9a5b", "late": "#e6a23c",
          "missing": "#c0392b", "other": "#9aa5b1", "axis": "#555", "grid": "#ddd"}


def bar_chart(points: list[tuple[str, float | None]], *, title: str, highlight: str | None = None,
              width: int = 520, height: int = 220) -> str:
    """Vertical bars, one per (label, value); a None value is drawn as “无数据” without a bar."""
    left, right, top, bottom = 48, 12, 28, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points if v is not None]
    top_value = _nice_max(max(values) if values else 0)
    step = plot_w / max(len(points), 1)
    bar_w = min(48.0, step * 0.6)
    out = [_svg_open(title, width, height),
           f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        v = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{COLORS["grid"]}"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{COLORS["axis"]}">{_num(v)}</text>')
    for i, (label, value) in enumerate(points):
        cx = left + step * (i + 0.5)
        out.append(f'<text x="{cx:.1f}" y="{height - 10}" text-anchor="middle">{escape(label)}</text>')
        if value is None:
            out.append(f'<text x="{cx:.1f}" y="{top + plot_h - 4}" text-anchor="middle" fill="{COLORS["axis"]}">无数据</text>')
            continue
        h = plot_h * (value / top_value) if top_value else 0
        color = COLORS["highlight"] if highlight is not None and label == highlight else COLORS["bar"]
        y = top + plot_h - h
        out.append(f'<rect class="bar" data-label="{escape(label)}" data-value="{_num(value)}" x="{cx - bar_w / 2:.1f}" '
                   f'y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                   f'<title>{escape(label)}：{_num(value)}</title></rect>')
        out.append(f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_num(value)}</text>')
    out.append("</svg>")
    return "".join(out)


SHARE_PARTS = [("on_time", "按时"), ("late", "逾期"), ("missing", "缺报"), ("other", "其他（无法访问、无法解析）")]


def share_chart(counties: list[dict[str, Any]], *, title: str, width: int = 640) -> str:
    """One stacked bar per county: the shares of its due units on time, late, missing and other."""
    label_w, right, top, row_h = 120, 60, 48, 26
    height = top + row_h * max(len(counties), 1) + 10
    plot_w = width - label_w - right
    out = [_svg_open(title, width, height),
           f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    x = 0
    for part, name in SHARE_PARTS:  # legend
        out.append(f'<rect x="{x}" y="26" width="10" height="10" fill="{COLORS[part]}"/>'
                   f'<text x="{x + 14}" y="35">{escape(name)}</text>')
        x += 14 + 13 * len(name) + 12
    for i, c in enumerate(counties):
        y = top + i * row_h
        due = c.get("due") or 0
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(str(c.get("county") or "（未知县区）"))}</text>')
        if not due:
            out.append(f'<text x="{label_w}" y="{y + 15}" fill="{COLORS["axis"]}">无应报单位</text>')
            continue
        counts = {"on_time": c.get("on_time") or 0, "late": c.get("late") or 0, "missing": c.get("missing") or 0}
        counts["other"] = max(due - sum(counts.values()), 0)
        x0 = float(label_w)
        for part, name in SHARE_PARTS:
            w = plot_w * counts[part] / due
            if w <= 0:
                continue
            pct = 100 * counts[part] / due
            out.append(f'<rect class="share share-{part}" data-county="{escape(str(c.get("county")))}" '
                       f'data-pct="{pct:.1f}" x="{x0:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                       f'fill="{COLORS[part]}"><title>{escape(str(c.get("county")))} {escape(name)}：'
                       f'{counts[part]}/{due}（{pct:.1f}%）</title></rect>')
            x0 += w
        out.append(f'<text x="{label_w + plot_w + 6}" y="{y + 15}">{due} 个</text>')
    out.append("</svg>")
    return "".join(out)


def _svg_open(title: str, width: int, height: int) -> str:
    return (f'<svg class="nb-chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-size="11">'
            f'<title>{escape(title)}</title>')


def _nice_max(value: float) -> float:
    """A round axis maximum ≥ value (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for m in (1, 2, 5, 10):
        if value <= m * magnitude:
            return m * magnitude
    return 10 * magnitude


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
