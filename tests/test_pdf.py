"""parsers.pdf on real PDFs: DOCX files made here and converted by LibreOffice, plus a few PDFs
written by hand for what LibreOffice does not make (doubly drawn text, no Unicode map, no pages)."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from parsers.model import Layout, ParseFailure, Row
from parsers.pdf import layout_from_pdf

slow = pytest.mark.slow  # LibreOffice makes the documents; OCR reads the scan

# ------------------------------------------------------------------ the report we write

T2_ROWS = [("规章", "0", "0", "0"), ("行政规范性文件", "15", "", "144")]
T3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
# (label cells as the table draws them, values natural … total); "" is a cell the clerk left blank.
T3_ROWS = [
    (("一、本年新收政府信息公开申请数量",), ["26", "1", "", "", "", "", "27"]),
    (("二、上年结转政府信息公开申请数量",), ["3", "", "", "", "", "", "3"]),
    (("三、本年度办理结果", "（一）予以公开"), ["9", "1", "", "", "", "", "10"]),
    (("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), ["2", "", "", "", "", "", "2"]),
    (("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"), ["1", "", "", "", "", "", "1"]),
    (("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"), ["16", "", "", "", "", "", "16"]),
    (("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（五）不予处理", "2.重复申请"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（六）其他处理", "3.其他"), ["", "", "", "", "", "", "0"]),
    (("三、本年度办理结果", "（七）总计"), ["28", "1", "", "", "", "", "29"]),
    (("四、结转下年度继续办理",), ["1", "", "", "", "", "", "1"]),
]
T4_VALUES = ["1", "0", "0", "0", "1", "0", "0", "2", "0", "2", "0", "0", "0", "0", "0"]
PARAGRAPH = ("2023年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
             "全年共受理政府信息公开申请29件，均在法定期限内答复。")


def _document():
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    d = docx.Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    style = d.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    return d


def _shape(table, widths_mm: list[float]) -> None:
    """Fixed column widths, and rows that do not break across pages (so cells are predictable)."""
    from docx.oxml import OxmlElement
    from docx.shared import Mm

    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, widths_mm):
        column.w = Mm(width)
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _fill(table, r, c, text, *, to=None):
    cell = table.cell(r, c) if to is None else table.cell(r, c).merge(table.cell(*to))
    cell.text = text


def build_report_docx(path: Path) -> None:
    d = _document()
    d.add_heading("测试县人民政府办公室2023年政府信息公开工作年度报告", level=1)
    d.add_paragraph("一、总体情况")
    for _ in range(5):  # enough text that table 三 breaks across pages 1 and 2
        d.add_paragraph(PARAGRAPH)
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=7, cols=4)
    t.style = "Table Grid"
    _fill(t, 0, 0, "第二十条第（一）项", to=(0, 3))
    for j, text in enumerate(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]):
        _fill(t, 1, j, text)
    for i, row in enumerate(T2_ROWS, start=2):
        for j, text in enumerate(row):
            _fill(t, i, j, text)
    _fill(t, 4, 0, "第二十条第（五）项", to=(4, 3))
    _fill(t, 5, 0, "信息内容")
    _fill(t, 5, 1, "本年处理决定数量", to=(5, 3))
    _fill(t, 6, 0, "行政许可")
    _fill(t, 6, 1, "20815", to=(6, 3))

    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=2 + len(T3_ROWS), cols=10)
    t.style = "Table Grid"
    _shape(t, [16, 24, 50] + [11.4] * 7)
    _fill(t, 0, 0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", to=(1, 2))
    _fill(t, 0, 3, "申请人情况", to=(0, 9))
    _fill(t, 1, 3, "自然人")
    for j, text in enumerate(T3_COLUMNS[1:6], start=4):
        _fill(t, 1, j, text)
    _fill(t, 1, 9, "总计")
    first = {}  # where each label that spans rows starts
    for i, (labels, _) in enumerate(T3_ROWS, start=2):
        for depth, label in enumerate(labels[:-1]):
            first.setdefault((depth, label), i)
    for (depth, label), start in first.items():
        end = max(i for i, (labels, _) in enumerate(T3_ROWS, start=2) if len(labels) > depth and labels[depth] == label)
        _fill(t, start, depth, label, to=(end, depth))
    for i, (labels, values) in enumerate(T3_ROWS, start=2):
        _fill(t, i, len(labels) - 1, labels[-1], to=(i, 2))
        for j, value in enumerate(values, start=3):
            _fill(t, i, j, value)

    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t = d.add_table(rows=4, cols=15)
    t.style = "Table Grid"
    _shape(t, [11.3] * 15)
    _fill(t, 0, 0, "行政复议", to=(1, 4))
    _fill(t, 0, 5, "行政诉讼", to=(0, 14))
    _fill(t, 1, 5, "未经复议直接起诉", to=(1, 9))
    _fill(t, 1, 10, "复议后起诉", to=(1, 14))
    for block in range(3):
        for j, text in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]):
            _fill(t, 2, block * 5 + j, text)
    for j, value in enumerate(T4_VALUES):
        _fill(t, 3, j, value)
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph("一是公开内容不够全面；二是解读形式较为单一。")
    d.add_paragraph("六、其他需要报告的事项")
    d.add_paragraph("本年度未收取信息处理费。")
    d.save(path)


def build_borderless_docx(path: Path) -> None:
    """A table without rules, as clerks make with tabs and spaces or a table with borders off."""
    d = _document()
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=4, cols=4)  # no style: no borders
    for i, row in enumerate([("", "自然人", "商业企业", "总计"),
                             ("本年新收", "26", "1", "27"),
                             ("上年结转", "3", "", "3"),
                             ("予以公开", "9", "1", "10")]):
        for j, text in enumerate(row):
            t.cell(i, j).text = text
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    d.save(path)


def soffice_pdf(sources: list[Path], outdir: Path, filter_options: str = "") -> list[Path]:
    """Convert with LibreOffice (its own throw-away profile, so runs do not collide)."""
    profile = outdir / f"lo-profile-{time.monotonic_ns()}"
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
               "--convert-to", "pdf" + filter_options, "--outdir", str(outdir), *map(str, sources)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    shutil.rmtree(profile, ignore_errors=True)
    out = [outdir / (s.stem + ".pdf") for s in sources]
    assert all(p.exists() for p in out), command
    return out


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> dict[str, bytes]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path_factory.mktemp("src")
    report, borderless = src / "report.docx", src / "borderless.docx"
    build_report_docx(report)
    build_borderless_docx(borderless)
    plain = tmp_path_factory.mktemp("plain")
    report_pdf, borderless_pdf = soffice_pdf([report, borderless], plain)
    locked = tmp_path_factory.mktemp("locked")
    (locked_pdf,) = soffice_pdf([report], locked, ':writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
                                                  '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
    owner = tmp_path_factory.mktemp("owner")
    (owner_pdf,) = soffice_pdf([report], owner, ':writer_pdf_Export:{"RestrictPermissions":{"type":"boolean","value":"true"},'
                                                 '"PermissionPassword":{"type":"string","value":"owner"},'
                                                '"Printing":{"type":"long","value":"0"},"EnableCopyingOfContent":{"type":"boolean","value":"false"}}')
    return {"report": report_pdf.read_bytes(), "borderless": borderless_pdf.read_bytes(),
            "locked": locked_pdf.read_bytes(), "owner_only": owner_pdf.read_bytes()}


@pytest.fixture(scope="module")
def report(docs) -> Layout:
    return layout_from_pdf(docs["report"])


def find(rows: list[Row], text: str, *, table: bool | None = None) -> int:
    """Index of the first row whose text contains ``text``."""
    for n, row in enumerate(rows):
        if text in row.text.replace("\n", "") and (table is None or (row.table is not None) == table):
            return n
    raise AssertionError(f"no row with {text!r}")


def cells(row: Row) -> list[str]:
    return [p.text.replace("\n", "") for p in row.pieces]


# ------------------------------------------------------------------ text PDFs


@slow
def test_report_reads_as_text_pdf(report):
    assert report.kind == "pdf"
    assert len({p.at["page"] for r in report.rows for p in r.pieces}) >= 2


@slow
def test_rows_come_in_reading_order(report):
    rows = report.rows
    order = [
        find(rows, "测试县人民政府办公室2023年政府信息公开工作年度报告", table=False),
        find(rows, "一、总体情况", table=False),
        find(rows, "二、主动公开政府信息情况", table=False),
        find(rows, "第二十条第（一）项", table=True),
        find(rows, "行政规范性文件", table=True),
        find(rows, "行政许可", table=True),
        find(rows, "三、收到和处理政府信息公开申请情况", table=False),
        find(rows, "申请人情况", table=True),
        find(rows, "一、本年新收政府信息公开申请数量", table=True),
        find(rows, "四、结转下年度继续办理", table=True),
        find(rows, "四、政府信息公开行政复议、行政诉讼情况", table=False),
        find(rows, "未经复议直接起诉", table=True),
        find(rows, "五、存在的主要问题及改进情况", table=False),
        find(rows, "本年度未收取信息处理费。", table=False),
    ]
    assert order == sorted(order)
    tables = [r.table for r in rows if r.table is not None]
    assert tables == sorted(tables) and set(tables) == {1, 2, 3}


@slow
def test_table_two_cells_and_merged_cells(report):
    rows = report.rows
    head = rows[find(rows, "第二十条第（一）项", table=True)]
    assert cells(head) == ["第二十条第（一）项"] * 4
    assert [p.span for p in head.pieces] == [False, True, True, True]
    assert cells(rows[find(rows, "信息内容", table=True)]) == ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    for label, *values in T2_ROWS:
        row = rows[find(rows, label, table=True)]
        assert cells(row) == [label, *values]
        assert not any(p.span for p in row.pieces)
    licensing = rows[find(rows, "行政许可", table=True)]
    assert cells(licensing) == ["行政许可", "20815", "20815", "20815"]
    assert [p.span for p in licensing.pieces] == [False, False, True, True]
    assert licensing.text == "行政许可 20815"  # span copies are not read as values


@slow
def test_table_three_runs_on_across_pages_on_one_grid(report):
    rows = report.rows
    t3 = [r for r in rows if r.table == 2]
    pages = {r.pieces[0].at["page"] for r in t3}
    assert len(pages) >= 2, "the fixture's table 三 should cross a page break"
    assert {len(r.pieces) for r in t3} == {10}
    header = rows[find(rows, "商业企业", table=True)]
    natural = cells(header).index("自然人")
    total = cells(header).index("总计")
    assert (natural, total) == (3, 9)
    for labels, values in T3_ROWS:
        row = rows[find(rows, labels[-1], table=True)]
        assert row.table == 2
        assert cells(row)[natural:total + 1] == values, labels
    # A merged label cell: its text once, span copies in every other row it covers, on both pages
    # (LibreOffice prints the text of a cell cut by the break on one side only).
    results = [r.pieces[0] for r in t3 if r.pieces[0].text.replace("\n", "") == "三、本年度办理结果"]
    assert len(results) == 22 and [p.span for p in results].count(False) == 1
    assert {p.at["page"] for p in results} == {1, 2}
    withheld = [r.pieces[1] for r in t3 if r.pieces[1].text.replace("\n", "") == "（三）不予公开"]
    assert len(withheld) == 8 and [p.span for p in withheld].count(False) == 1
    assert {p.at["page"] for p in withheld} == {1, 2}, "the fixture should break table 三 inside （三）不予公开"


@slow
def test_table_four_is_fifteen_numbers(report):
    rows = report.rows
    data = [r for r in rows if r.table == 3 and all(p.text.isdigit() for p in r.pieces)]
    assert [cells(r) for r in data] == [T4_VALUES]
    first, second = (r for r in rows if r.table == 3 and "行政复议" in cells(r))
    assert cells(first)[:6] == ["行政复议"] * 5 + ["行政诉讼"]
    assert [p.span for p in first.pieces[:6]] == [False, True, True, True, True, False]
    assert cells(second)[:6] == ["行政复议"] * 5 + ["未经复议直接起诉"]
    assert [p.span for p in second.pieces[:6]] == [True] * 5 + [False]


@slow
def test_provenance_is_page_and_bbox(report):
    for row in report.rows:
        for piece in row.pieces:
            assert set(piece.at) == {"page", "bbox"}
            x0, top, x1, bottom = piece.at["bbox"]
            assert 1 <= piece.at["page"] <= 4
            assert 0 <= x0 <= x1 <= 596 and 0 <= top <= bottom <= 842
            assert all(round(v, 1) == v for v in piece.at["bbox"])
    title = report.rows[find(report.rows, "测试县人民政府办公室", table=False)]
    assert title.pieces[0].at["page"] == 1 and title.pieces[0].at["bbox"][1] < 150


@slow
def test_borderless_table_becomes_table_rows(docs):
    layout = layout_from_pdf(docs["borderless"])
    rows = layout.rows
    assert rows[0].table is None and rows[0].text == "三、收到和处理政府信息公开申请情况"
    assert rows[-1].table is None and rows[-1].text == "四、政府信息公开行政复议、行政诉讼情况"
    table = [r for r in rows if r.table is not None]
    assert [cells(r) for r in table] == [["", "自然人", "商业企业", "总计"],
                                         ["本年新收", "26", "1", "27"],
                                         ["上年结转", "3", "", "3"],
                                         ["予以公开", "9", "1", "10"]]
    assert {r.table for r in table} == {1}


@slow
def test_max_pages_reads_only_the_first_pages(docs):
    layout = layout_from_pdf(docs["report"], max_pages=1)
    assert {p.at["page"] for r in layout.rows for p in r.pieces} == {1}
    assert any("只读取了前 1 页" in n for n in layout.notes)


@slow
def test_owner_password_only_still_reads(docs, report):
    layout = layout_from_pdf(docs["owner_only"])
    assert [r.text for r in layout.rows] == [r.text for r in report.rows]


# ------------------------------------------------------------------ broken PDFs


@slow
def test_encrypted_pdf(docs):
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(docs["locked"])
    assert e.value.code == "encrypted"
    assert e.value.message == "PDF 已加密，无法读取"


@slow
@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.2])
def test_truncated_pdf_fails_cleanly_or_reads_what_is_there(docs, fraction):
    data = docs["report"]
    try:
        layout = layout_from_pdf(data[: int(len(data) * fraction)], ocr=False)
    except ParseFailure as e:
        assert e.code in {"corrupt_pdf", "empty", "no_text_layer"}
        assert e.message
    else:
        assert layout.rows


@pytest.mark.parametrize("data", [
    b"",
    b"hello, this is not a pdf",
    bytes(range(256)) * 64,
    b"%PDF-1.7\n" + bytes(range(256)) * 64,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
])
def test_garbage_is_a_parse_failure(data):
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(data)
    assert e.value.code in {"corrupt_pdf", "empty"}


# ------------------------------------------------------------------ hand-written PDFs


def hand_pdf(pages: list[bytes], *, font: bytes = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
             extra: list[bytes] = ()) -> bytes:
    """A minimal valid PDF: one font (object 3), the pages' content streams, a correct xref."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", font, *extra]
    kids = []
    for content in pages:
        data = zlib.compress(content)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_doubly_drawn_text_is_read_once():
    """WPS draws bold text twice, a fraction of a point apart."""
    grid = b"0.5 w 100 600 m 500 600 l 100 625 m 500 625 l 100 650 m 500 650 l S " \
           b"100 600 m 100 650 l 300 600 m 300 650 l 500 600 m 500 650 l S\n"
    text = b""
    for dx in (0, 0.3):
        text += b"BT /F1 12 Tf %.1f 700 Td (Annual report 2023) Tj ET\n" % (100 + dx)
        text += b"BT /F1 12 Tf %.1f 632 Td (Licensing) Tj ET BT /F1 12 Tf %.1f 632 Td (20815) Tj ET\n" % (110 + dx, 310 + dx)
        text += b"BT /F1 12 Tf %.1f 607 Td (Fees) Tj ET BT /F1 12 Tf %.1f 607 Td (2460.9543) Tj ET\n" % (110 + dx, 310 + dx)
    layout = layout_from_pdf(hand_pdf([grid + text]))
    assert [r.text for r in layout.rows] == ["Annual report 2023", "Licensing 20815", "Fees 2460.9543"]
    assert [r.table for r in layout.rows] == [None, 1, 1]
    assert any("重复绘制" in n for n in layout.notes)


def test_cid_garbage_means_no_text_layer():
    """A CID font without a Unicode map: pdfminer reads “(cid:NN)”, which is no text at all."""
    font = b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [4 0 R] >>"
    descendant = (b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun "
                  b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    content = b"BT /F1 12 Tf 100 700 Td <0c1a0d2b0e3c0f4d10111213> Tj ET\n"
    data = hand_pdf([content], font=font, extra=[descendant])
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(data, ocr=False)
    assert e.value.code == "no_text_layer"


def test_pdf_without_pages_is_empty():
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(hand_pdf([]))
    assert e.value.code == "empty"


# ------------------------------------------------------------------ scans


@pytest.fixture(scope="module")
def scanned_page_one(docs) -> bytes:
    """Page 1 of the report as a picture only: what a scanner makes."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(docs["report"])
    image = doc[0].render(scale=200 / 72).to_pil().convert("L")
    doc.close()
    out = io.BytesIO()
    image.save(out, "PDF", resolution=200)
    return out.getvalue()


@slow
def test_scan_without_ocr_is_no_text_layer(scanned_page_one):
    with pytest.raises(ParseFailure) as e:
        layout_from_pdf(scanned_page_one, ocr=False)
    assert e.value.code == "no_text_layer"


@slow
def test_scan_goes_through_ocr(scanned_page_one):
    pytest.importorskip("rapidocr_onnxruntime")
    layout = layout_from_pdf(scanned_page_one)
    assert layout.kind == "ocr"
    rows = layout.rows
    assert find(rows, "二、主动公开政府信息情况", table=False) < find(rows, "第二十条第（一）项", table=True)
    head = rows[find(rows, "第二十条第（一）项", table=True)]
    assert cells(head) == ["第二十条第（一）项"] * 4 and [p.span for p in head.pieces] == [False, True, True, True]
    for label, *values in T2_ROWS:
        assert cells(rows[find(rows, label, table=True)]) == [label, *values]
    assert cells(rows[find(rows, "行政许可", table=True)])[:2] == ["行政许可", "20815"]
    for row in rows:
        for piece in row.pieces:
            assert piece.at["page"] == 1
            x0, top, x1, bottom = piece.at["bbox"]
            assert 0 <= x0 <= x1 <= 596 and 0 <= top <= bottom <= 842  # points, not pixels


# ------------------------------------------------------------------ speed
