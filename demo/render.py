"""Render an annual report, given its cells, the way an office publishes it: HTML, DOCX, PDF or DOC.

The three tables follow the official layouts (docs/domain.md §2) with the merges real offices print:
group titles across the whole of table 二, the three-row heading of table 三 with its 勾稽关系 note,
row labels of table 三 spanning their sub-items, the two-level heading of table 四. Each table is built
once as rows of cells with rowspan/colspan (as in HTML) and written out by each format, so the same
spec gives the same cells in every format — the property the parser tests rely on.

    spec = ReportSpec(unit="武陟县人民政府办公室", year=2021, cells={"t3.new.natural": "26", ...})
    page = render_html(spec)          # a full article page, UTF-8
    pdf = render_pdf(spec)            # the DOCX printed by LibreOffice
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, Twips

from parsers import schema
from parsers.convert import libreoffice_convert
from parsers.numbers import read_number

FONT = "Noto Sans CJK SC"  # installed with fonts-noto-cjk; a CJK font LibreOffice embeds with a text layer


@dataclass
class ReportSpec:
    """What a report says: its unit, year, format, cells and (optionally) its running text.

    ``cells`` maps canonical keys (parsers.schema) to the raw text as printed ("26", "", "251000元",
    "+4"); a key absent from the dict, or None, is an empty cell. ``paragraphs`` replaces the default
    text of a section, keyed "1".."6" (and "0" for the preamble before 一、总体情况); for sections 二–四
    it is printed above the table. ``omit_rows`` names table-三 rows (e.g. "withheld_law") to leave out
    entirely, to make a report with a missing row.
    """

    unit: str
    year: int
    format: str = schema.FORMAT_2021
    cells: dict[str, str | None] = field(default_factory=dict)
    published: date | None = None
    paragraphs: dict[str, list[str]] = field(default_factory=dict)
    omit_rows: set[str] = field(default_factory=set)


def title(spec: ReportSpec) -> str:
    """The report's title, e.g. ``武陟县人民政府办公室2021年政府信息公开工作年度报告``."""
    return f"{spec.unit}{spec.year}年政府信息公开工作年度报告"


# ---------------------------------------------------------------- the document, format-neutral

@dataclass
class _Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"  # row labels are "left", as offices print them


@dataclass
class _Table:
    rows: list[list[_Cell]]  # HTML-style: a cell covered by a rowspan/colspan is simply not listed
    widths: list[float]  # column widths in cm (A4 portrait leaves 16 cm)


@dataclass
class _Block:
    kind: str  # title | heading | para | table | sign
    text: str = ""
    table: _Table | None = None


SECTIONS = {
    "1": "一、总体情况",
    "2": "二、主动公开政府信息情况",
    "3": "三、收到和处理政府信息公开申请情况",
    "4": "四、政府信息公开行政复议、行政诉讼情况",
    "5": "五、存在的主要问题及改进情况",
    "6": "六、其他需要报告的事项",
}

_FORMAT_NOTICE = {
    schema.FORMAT_2021: "国办公开办函〔2021〕30号",
    schema.FORMAT_2019: "国办公开办函〔2019〕60号",
}


def _check(spec: ReportSpec) -> None:
    """Reject what would silently render a different report than the caller meant."""
    if spec.format not in (schema.FORMAT_2021, schema.FORMAT_2019):
        raise ValueError(f"format must be 2021 or 2019, not {spec.format!r}")
    unknown = set(spec.cells) - set(schema.all_keys(spec.format))
    if unknown:
        raise ValueError(f"keys not in the {spec.format} format: {sorted(unknown)}")
    bad_rows = set(spec.omit_rows) - set(schema.T3_ROWS[spec.format])
    if bad_rows:
        raise ValueError(f"omit_rows not table-三 rows of the {spec.format} format: {sorted(bad_rows)}")


def _value(spec: ReportSpec, key: str) -> _Cell:
    return _Cell(spec.cells.get(key) or "")


def _blocks(spec: ReportSpec) -> list[_Block]:
    """The document in reading order."""
    _check(spec)
    blocks = [_Block("title", title(spec))]
    blocks += [_Block("para", p) for p in spec.paragraphs.get("0", _default_preamble(spec))]
    tables = {"2": _table_2(spec), "3": _table_3(spec), "4": _table_4(spec)}
    for number, heading in SECTIONS.items():
        blocks.append(_Block("heading", heading))
        blocks += [_Block("para", p) for p in spec.paragraphs.get(number, _default_text(spec, number))]
        if number in tables:
            blocks.append(_Block("table", table=tables[number]))
    blocks.append(_Block("sign", spec.unit))
    if spec.published:
        d = spec.published
        blocks.append(_Block("sign", f"{d.year}年{d.month}月{d.day}日"))
    return blocks


def _default_preamble(spec: ReportSpec) -> list[str]:
    return [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
        f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{_FORMAT_NOTICE[spec.format]}）要求编制。"
        f"本报告中所列数据的统计期限自{spec.year}年1月1日起至{spec.year}年12月31日止。"
    ]


def _default_text(spec: ReportSpec, section: str) -> list[str]:
    """Plausible running text. It states the number of applications (which rule TEXT-APPLICATIONS reads)
    only when t3.new.total is a number, and never mentions 行政复议/行政诉讼 (TEXT-LITIGATION)."""
    if section == "1":
        count = read_number(spec.cells.get("t3.new.total") or "").value
        applications = (
            f"本年度共受理政府信息公开申请{count}件，均在法定期限内予以答复。"
            if isinstance(count, int) else "严格按照法定程序和时限办理政府信息公开申请。"
        )
        return [
            f"{spec.year}年，{spec.unit}认真贯彻落实《条例》，坚持“公开为常态、不公开为例外”，"
            "围绕中心工作扎实推进政务公开，政府信息公开工作质量不断提升。",
            "（一）主动公开情况。通过政府门户网站政府信息公开专栏及时公开政策文件、工作动态、财政预决算等信息。",
            f"（二）依申请公开情况。{applications}",
            "（三）政府信息管理情况。落实公开属性源头认定和保密审查制度，做到“先审查、后公开”。",
            "（四）政府信息公开平台建设情况。加强政府网站和政务新媒体管理，及时更新信息公开专栏。",
            "（五）监督保障情况。将政务公开工作纳入年度考核，定期开展自查，确保工作取得实效。",
        ]
    if section == "5":
        return [
            "（一）存在的主要问题。政策解读形式不够丰富，信息公开的及时性有待提高。",
            "（二）改进情况。加强业务培训，规范信息发布审核流程，丰富政策解读形式，提升公开质量。",
        ]
    if section == "6":
        if spec.format == schema.FORMAT_2021:
            return ["本年度未收取政府信息公开信息处理费。无其他需要报告的事项。"]
        return ["无。"]
    return []


def _table_2(spec: ReportSpec) -> _Table:
    """Table 二: a title row per 第二十条 item across the table, its column headings, then its rows.

    Four columns like the official form; a group with fewer numbers lets its last one span the rest.
    """
    if spec.format == schema.FORMAT_2021:
        groups = [
            ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["regulations", "normative"]),
            ("第二十条第（五）项", ["本年处理决定数量"], ["licensing"]),
            ("第二十条第（六）项", ["本年处理决定数量"], ["penalty", "coercion"]),
            ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["fees"]),
        ]
        names = {**schema.T2_ROW_NAMES}
    else:
        three = ["上一年项目数量", "本年增/减", "处理决定数量"]
        groups = [
            ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["regulations", "normative"]),
            ("第二十条第（五）项", three, ["licensing", "other_services"]),
            ("第二十条第（六）项", three, ["penalty", "coercion"]),
            ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["fees"]),
            ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["procurement"]),
        ]
        names = {**schema.T2_ROW_NAMES, "normative": "规范性文件"}  # the 2019 form's wording

    def spread(cells: list[_Cell]) -> list[_Cell]:
        cells[-1].colspan = 4 - len(cells)
        return cells

    rows: list[list[_Cell]] = []
    layout = schema.T2_LAYOUT[spec.format]
    for group, headings, row_keys in groups:
        rows.append([_Cell(group, colspan=4)])
        rows.append([_Cell("信息内容")] + spread([_Cell(h) for h in headings]))
        for row in row_keys:
            values = [_value(spec, f"t2.{row}.{col}") for col in layout[row]]
            rows.append([_Cell(names[row], align="left")] + spread(values))
    return _Table(rows, widths=[4.6, 3.8, 3.8, 3.8])


_RESULTS = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_DECLINED = "（五）不予处理"
_OTHER = "（六）其他处理"

# Each table-三 row's label path: parents first (they span their rows), its own label last.
T3_LABELS: dict[str, tuple[str, ...]] = {
    "new": ("一、本年新收政府信息公开申请数量",),
    "carried_in": ("二、上年结转政府信息公开申请数量",),
    "granted": (_RESULTS, "（一）予以公开"),
    "partly_granted": (_RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "withheld_state_secret": (_RESULTS, _WITHHELD, "1.属于国家秘密"),
    "withheld_law": (_RESULTS, _WITHHELD, "2.其他法律行政法规禁止公开"),
    "withheld_three_safeties": (_RESULTS, _WITHHELD, "3.危及“三安全一稳定”"),
    "withheld_third_party": (_RESULTS, _WITHHELD, "4.保护第三方合法权益"),
    "withheld_internal": (_RESULTS, _WITHHELD, "5.属于三类内部事务信息"),
    "withheld_process": (_RESULTS, _WITHHELD, "6.属于四类过程性信息"),
    "withheld_enforcement": (_RESULTS, _WITHHELD, "7.属于行政执法案卷"),
    "withheld_inquiry": (_RESULTS, _WITHHELD, "8.属于行政查询事项"),
    "unavailable_not_held": (_RESULTS, _UNAVAILABLE, "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": (_RESULTS, _UNAVAILABLE, "2.没有现成信息需要另行制作"),
    "unavailable_unclear": (_RESULTS, _UNAVAILABLE, "3.补正后申请内容仍不明确"),
    "declined_petition": (_RESULTS, _DECLINED, "1.信访举报投诉类申请"),
    "declined_repeat": (_RESULTS, _DECLINED, "2.重复申请"),
    "declined_publication": (_RESULTS, _DECLINED, "3.要求提供公开出版物"),
    "declined_mass": (_RESULTS, _DECLINED, "4.无正当理由大量反复申请"),
    "declined_confirm": (_RESULTS, _DECLINED, "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": (_RESULTS, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_no_fee": (_RESULTS, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": (_RESULTS, _OTHER, "3.其他"),
    "other": (_RESULTS, _OTHER),  # 2019: one row, no sub-items
    "handled_total": (_RESULTS, "（七）总计"),
    "carried_out": ("四、结转下年度继续办理",),
}
_T3_LABEL_COLUMNS = 3


def _table_3(spec: ReportSpec) -> _Table:
    """Table 三: the official three-row heading, then one row per present row key.

    A parent label (三、本年度办理结果, （三）不予公开 …) is printed once, on the first of its rows, with a
    rowspan over the rows present — so leaving a row out keeps the spans consistent.
    """
    rows: list[list[_Cell]] = [
        [_Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         _Cell("申请人情况", colspan=7)],
        [_Cell("自然人", rowspan=2), _Cell("法人或其他组织", colspan=5), _Cell("总计", rowspan=2)],
        [_Cell(schema.T3_COLUMN_NAMES[c]) for c in schema.T3_COLUMNS[1:-1]],
    ]
    keys = [k for k in schema.T3_ROWS[spec.format] if k not in spec.omit_rows]
    paths = [T3_LABELS[k] for k in keys]
    for i, (key, path) in enumerate(zip(keys, paths)):
        row: list[_Cell] = []
        for level, label in enumerate(path[:-1]):
            prefix = path[: level + 1]
            if i > 0 and paths[i - 1][: level + 1] == prefix:
                continue  # covered by the rowspan of the row that printed this parent
            span = 1
            while i + span < len(paths) and paths[i + span][: level + 1] == prefix:
                span += 1
            row.append(_Cell(label, rowspan=span, align="left"))
        row.append(_Cell(path[-1], colspan=_T3_LABEL_COLUMNS - len(path) + 1, align="left"))
        row += [_value(spec, f"t3.{key}.{col}") for col in schema.T3_COLUMNS]
        rows.append(row)
    return _Table(rows, widths=[1.3, 2.0, 4.3] + [1.2] * 7)


def _table_4(spec: ReportSpec) -> _Table:
    """Table 四: 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉), then the 15 numbers."""
    results = [schema.T4_RESULT_NAMES[r] for r in schema.T4_RESULTS]
    rows = [
        [_Cell("行政复议", colspan=5), _Cell("行政诉讼", colspan=10)],
        [_Cell(r, rowspan=2) for r in results]
        + [_Cell("未经复议直接起诉", colspan=5), _Cell("复议后起诉", colspan=5)],
        [_Cell(r) for r in results * 2],
        [_value(spec, key) for key in schema.T4_KEYS],
    ]
    return _Table(rows, widths=[1.06] * 15)


def _grid(table: _Table) -> list[tuple[int, int, _Cell]]:
    """Each cell with the grid row and column of its top-left corner (HTML's table model)."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    return placed


# ---------------------------------------------------------------- HTML

def render_html(spec: ReportSpec, *, charset: str | None = "utf-8") -> bytes:
    """A full article page as a county portal serves it (TRS-style meta tags, 发布日期 line, tables).

    ``charset=None`` writes no charset declaration at all and encodes the page as GBK, like old portals
    whose server sends none either; any other charset is declared in a ``<meta>`` and used to encode.
    """
    esc = html.escape
    t = title(spec)
    if charset is None:
        meta_charset, encoding = "", "gbk"
    elif charset.lower().replace("-", "") == "utf8":
        meta_charset, encoding = f'<meta charset="{charset}">\n', charset
    else:  # the older http-equiv form, as GBK-era pages write it
        meta_charset = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        encoding = charset
    pub = spec.published.isoformat() if spec.published else ""
    head = (
        f"<!DOCTYPE html>\n<html>\n<head>\n{meta_charset}<title>{esc(t)}</title>\n"
        f'<meta name="ArticleTitle" content="{esc(t)}">\n'
        + (f'<meta name="PubDate" content="{pub}">\n' if pub else "")
        + f'<meta name="ContentSource" content="{esc(spec.unit)}">\n</head>\n<body>\n<div class="article">\n'
    )
    out = [head]
    for block in _blocks(spec):
        if block.kind == "title":
            out.append(f'<h1 class="article-title" style="text-align:center">{esc(block.text)}</h1>\n')
            info = f"发布日期：{pub}　" if pub else ""
            out.append(f'<div class="article-info">{info}来源：{esc(spec.unit)}</div>\n<div class="TRS_Editor">\n')
        elif block.kind == "heading":
            out.append(f"<p><strong>{esc(block.text)}</strong></p>\n")
        elif block.kind == "para":
            out.append(f'<p style="text-indent:2em">{esc(block.text)}</p>\n')
        elif block.kind == "sign":
            out.append(f'<p style="text-align:right">{esc(block.text)}</p>\n')
        elif block.kind == "table" and block.table is not None:
            out.append(_html_table(block.table))
    out.append("</div>\n</div>\n</body>\n</html>\n")
    return "".join(out).encode(encoding, errors="xmlcharrefreplace")


def _html_table(table: _Table) -> str:
    rows = []
    for row in table.rows:
        tds = []
        for cell in row:
            attrs = "".join(
                f' {name}="{n}"' for name, n in (("colspan", cell.colspan), ("rowspan", cell.rowspan)) if n > 1
            )
            # An empty cell as real pages have it: the editor's &nbsp; placeholder.
            text = html.escape(cell.text) if cell.text else "&nbsp;"
            align = ' align="center"' if cell.align == "center" else ""
            tds.append(f"<td{attrs}><p{align}>{text}</p></td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" align="center" style="border-collapse:collapse">'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
    )


# ---------------------------------------------------------------- DOCX, PDF, DOC

def render_docx(spec: ReportSpec) -> bytes:
    """The report as a Word document, with merged cells (``a.merge(b)``) where the official tables merge."""
    doc = Document()
    _setup(doc, spec)
    for block in _blocks(spec):
        if block.kind == "table" and block.table is not None:
            _docx_table(doc, block.table)
            continue
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        if block.kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_after = Pt(12)
            _run(p, block.text, size=16, bold=True)
        elif block.kind == "heading":
            fmt.space_before = Pt(6)
            fmt.keep_with_next = True
            fmt.first_line_indent = Pt(24)
            _run(p, block.text, bold=True)
        elif block.kind == "para":
            fmt.first_line_indent = Pt(24)
            _run(p, block.text)
        elif block.kind == "sign":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(p, block.text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def render_pdf(spec: ReportSpec) -> bytes:
    """The DOCX printed to PDF by LibreOffice (a text layer in Noto Sans CJK SC, ruled tables)."""
    return libreoffice_convert(render_docx(spec), "docx", "pdf")


def render_doc(spec: ReportSpec) -> bytes:
    """The DOCX saved as Word 97 (.doc) by LibreOffice."""
    return libreoffice_convert(render_docx(spec), "docx", "doc")


def _setup(doc, spec: ReportSpec) -> None:
    """A4 portrait, one CJK font everywhere, no paragraph spacing by default."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.5)
    # The template's defaults name theme fonts, which win over explicit names at the same level and
    # make LibreOffice fall back to a font without CJK glyphs; replace them at the root.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _set_fonts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    props = doc.core_properties
    props.author = spec.unit
    props.title = ""  # real offices' files rarely carry a useful title; parsers must not lean on it
    props.comments = ""


def _set_fonts(rpr) -> None:
    """Name FONT for every script in an ``<w:rPr>`` and drop theme font references."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), FONT)


def _run(paragraph, text: str, *, size: float | None = None, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    _set_fonts(run._r.get_or_add_rPr())


def _docx_table(doc, table: _Table) -> None:
    placed = _grid(table)
    n_rows = max(r + cell.rowspan for r, _, cell in placed)
    t = doc.add_table(rows=n_rows, cols=len(table.widths))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _set_borders(t)
    for row in t.rows:
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
    n_cols = len(table.widths)
    # The cells of the unmerged grid, taken once: table.cell(r, c) rebuilds this list on every call.
    grid = t._cells
    for i, cm in enumerate(table.widths):
        # Whole twips, so the widths python-docx sums when merging add up exactly.
        width = Twips(round(cm * 567))
        t.columns[i].width = width  # the grid LibreOffice lays out by
        for r in range(n_rows):
            grid[r * n_cols + i].width = width
    for r, c, spec_cell in placed:
        cell = grid[r * n_cols + c]
        if spec_cell.rowspan > 1 or spec_cell.colspan > 1:
            # Each grid position belongs to one merge, so both corners are still untouched cells here.
            # Merging empty cells moves no content, so the text below is written exactly once.
            corner = grid[(r + spec_cell.rowspan - 1) * n_cols + c + spec_cell.colspan - 1]
            cell = cell.merge(corner)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.paragraph_format.keep_with_next = r < n_rows - 1
        if spec_cell.align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if spec_cell.text:
            _run(p, spec_cell.text, size=9)
    doc.add_paragraph()  # offices leave an empty line after a table; it also keeps tables apart


def _set_borders(table) -> None:
    """Explicit single borders on the table itself, besides the "Table Grid" style.

    LibreOffice draws them as ruling lines in the PDF, which is how pdfplumber finds the table.
    """
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "4")
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    # Schema order: tblBorders comes before shd/tblLayout/tblCellMar/tblLook (Word rejects it after).
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                 "w:tblCaption", "w:tblDescription", "w:tblPrChange")
