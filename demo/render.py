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
from parsers.tables import GridCell, Table, tables
from parsers.tables import grid as grid_of

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
class _Block:
    kind: str  # title | heading | para | table | sign
    text: str = ""
    table: Table | None = None


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


def _blocks(spec: ReportSpec) -> list[_Block]:
    """The document in reading order."""
    _check(spec)
    blocks = [_Block("title", title(spec))]
    blocks += [_Block("para", p) for p in spec.paragraphs.get("0", _default_preamble(spec))]
    drawn = tables(spec.format, lambda key: GridCell(spec.cells.get(key) or ""), spec.omit_rows)
    by_section = {"2": drawn["t2"], "3": drawn["t3"], "4": drawn["t4"]}
    for number, heading in SECTIONS.items():
        blocks.append(_Block("heading", heading))
        blocks += [_Block("para", p) for p in spec.paragraphs.get(number, _default_text(spec, number))]
        if number in by_section:
            blocks.append(_Block("table", table=by_section[number]))
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


def _html_table(table: Table) -> str:
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


def _docx_table(doc, table: Table) -> None:
    placed = grid_of(table)
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
