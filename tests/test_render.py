"""demo.render and parsers.convert: one report rendered as HTML, DOCX, PDF and DOC holds the same cells.

The cells are read back here by position (the layout is the renderer's own), through each format's
merge model: HTML rowspan/colspan, python-docx merged cells, pdfplumber's None for a covered cell.
LibreOffice is a declared dependency, so the conversion tests always run; PDFs and DOCs are rendered
once per module (a LibreOffice call takes a second or two).
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import docx
import lxml.html
import pdfplumber
import pytest

from demo.render import (
    FONT,
    ReportSpec,
    render_doc,
    render_docx,
    render_html,
    render_pdf,
    title,
)
from parsers import schema
from parsers.convert import converter_available, libreoffice_convert
from parsers.model import ParseFailure

# ---------------------------------------------------------------- specs


def _cells(fmt: str, special: dict[str, str | None]) -> dict[str, str | None]:
    """A distinct number in every cell (so a shifted column shows), then the special cases."""
    cells: dict[str, str | None] = {key: str(i + 1) for i, key in enumerate(schema.all_keys(fmt))}
    cells.update(special)
    return cells


SPEC_2021 = ReportSpec(
    unit="武陟县人民政府办公室",
    year=2021,
    cells={
        **_cells("2021", {"t2.fees.amount": "2460.9543", "t3.new.research": None}),
        "t3.new.total": "26",
        "t3.carried_in.research": "",  # printed empty
        "t4.review.pending": None,
    },
    published=date(2022, 1, 20),
)
del SPEC_2021.cells["t3.declined_mass.legal"]  # absent: an empty cell too

SPEC_2019 = ReportSpec(
    unit="上海市人民政府办公厅",
    year=2019,
    format="2019",
    cells=_cells("2019", {
        "t2.procurement.amount": "251000元", "t2.licensing.change": "+4", "t2.coercion.change": "-2",
        "t3.other.natural": "",
    }),
    published=date(2020, 1, 31),
)


def expected(spec: ReportSpec) -> dict[str, str]:
    """Every key of the format (minus omitted rows) with the text the document must show."""
    keys = [k for k in schema.all_keys(spec.format) if k.split(".")[1] not in spec.omit_rows or k[:2] != "t3"]
    return {k: spec.cells.get(k) or "" for k in keys}


# ---------------------------------------------------------------- reading tables back
# A table is read as rows of the cells that *start* in that row, left to right (merged copies dropped).


def html_tables(page: str) -> list[list[list[tuple[tuple[int, int], str]]]]:
    """Each table as a full grid of (origin position, text), rowspan/colspan expanded."""
    tables = []
    for table in lxml.html.fromstring(page).xpath("//table"):
        grid: dict[tuple[int, int], tuple[tuple[int, int], str]] = {}
        for r, tr in enumerate(table.xpath(".//tr")):
            c = 0
            for td in tr.xpath("./td|./th"):
                while (r, c) in grid:
                    c += 1
                rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
                text = td.text_content().replace("\xa0", " ").strip()
                for dr in range(rs):
                    for dc in range(cs):
                        grid[(r + dr, c + dc)] = ((r, c), text)
                c += cs
        n_rows = max(r for r, _ in grid) + 1
        n_cols = max(c for _, c in grid) + 1
        tables.append([[grid[(r, c)] for c in range(n_cols)] for r in range(n_rows)])
    return tables


def docx_tables(data: bytes) -> list[list[list[tuple[tuple[int, int], str]]]]:
    """The same grid from python-docx: a merged cell is one ``<w:tc>`` at every position it covers."""
    tables = []
    for table in docx.Document(io.BytesIO(data)).tables:
        n_cols = len(table.columns)
        grid_cells = table._cells  # table.cell(r, c) rebuilds this list on every call
        origins: list[tuple[object, tuple[int, int]]] = []
        rows = []
        for r in range(len(table.rows)):
            row = []
            for c in range(n_cols):
                cell = grid_cells[r * n_cols + c]
                origin = next((pos for tc, pos in origins if tc is cell._tc), None)
                if origin is None:
                    origin = (r, c)
                    origins.append((cell._tc, origin))
                row.append((origin, cell.text.strip()))
            rows.append(row)
        tables.append(rows)
    return tables


def own_rows(grid: list[list[tuple[tuple[int, int], str]]]) -> list[list[str]]:
    """Rows of the cells that start in them."""
    out = []
    for r, row in enumerate(grid):
        seen: set[tuple[int, int]] = set()
        own = []
        for origin, text in row:
            if origin[0] == r and origin not in seen:
                seen.add(origin)
                own.append(text)
        out.append(own)
    return out


def pdf_tables(data: bytes) -> list[list[list[str]]]:
    """pdfplumber's tables (by ruling lines) as own-cell rows: None marks a covered cell."""
    tables = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                tables.append([[(t or "").replace("\n", "") for t in row if t is not None] for row in table])
    return tables


_T2_LABELS = {**{v: k for k, v in schema.T2_ROW_NAMES.items()}, "规范性文件": "normative"}


def read_cells(spec: ReportSpec, tables: list[list[list[str]]]) -> dict[str, str]:
    """The canonical cells of the renderer's layout, read by position from own-cell rows."""
    assert len(tables) == 3, [t[0] for t in tables]
    t2, t3, t4 = tables
    cells: dict[str, str] = {}
    for row in t2:
        if row and row[0] in _T2_LABELS:
            key = _T2_LABELS[row[0]]
            columns = schema.T2_LAYOUT[spec.format][key]
            assert len(row) == 1 + len(columns), row
            cells.update({f"t2.{key}.{col}": text for col, text in zip(columns, row[1:])})
    keys = [k for k in schema.T3_ROWS[spec.format] if k not in spec.omit_rows]
    assert len(t3) == 3 + len(keys)
    for key, row in zip(keys, t3[3:]):
        cells.update({f"t3.{key}.{col}": text for col, text in zip(schema.T3_COLUMNS, row[-7:])})
    assert len(t4[-1]) == 15
    cells.update(zip(schema.T4_KEYS, t4[-1]))
    return cells


# ---------------------------------------------------------------- fixtures (LibreOffice once each)


@pytest.fixture(scope="module")
def pdf_2021() -> bytes:
    return render_pdf(SPEC_2021)


@pytest.fixture(scope="module")
def pdf_2019() -> bytes:
    return render_pdf(SPEC_2019)


@pytest.fixture(scope="module")
def doc_2021() -> bytes:
    return render_doc(SPEC_2021)


# ---------------------------------------------------------------- HTML


def test_title():
    assert title(SPEC_2021) == "武陟县人民政府办公室2021年政府信息公开工作年度报告"


def _spans(page: str, text: str) -> tuple[int, int]:
    """(rowspan, colspan) of the one cell whose text is ``text``."""
    tds = [td for td in lxml.html.fromstring(page).xpath("//td") if td.text_content().strip() == text]
    assert len(tds) == 1, (text, len(tds))
    return int(tds[0].get("rowspan", 1)), int(tds[0].get("colspan", 1))


def test_html_2021_has_the_official_merges():
    page = render_html(SPEC_2021).decode("utf-8")
    assert _spans(page, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）") == (3, 3)
    assert _spans(page, "申请人情况") == (1, 7)
    assert _spans(page, "自然人") == (2, 1)
    assert _spans(page, "法人或其他组织") == (1, 5)
    assert _spans(page, "一、本年新收政府信息公开申请数量") == (1, 3)
    assert _spans(page, "三、本年度办理结果") == (22, 1)  # (一) … (七)总计
    assert _spans(page, "（一）予以公开") == (1, 2)
    assert _spans(page, "（三）不予公开") == (8, 1)
    assert _spans(page, "（四）无法提供") == (3, 1)
    assert _spans(page, "（五）不予处理") == (5, 1)
    assert _spans(page, "（六）其他处理") == (3, 1)
    assert _spans(page, "（七）总计") == (1, 2)
    assert _spans(page, "四、结转下年度继续办理") == (1, 3)
    # table 二: group titles across the table, single numbers spread to the 4th column
    assert _spans(page, "第二十条第（八）项") == (1, 4)
    assert _spans(page, "本年收费金额（单位：万元）") == (1, 3)
    assert _spans(page, "2460.9543") == (1, 3)
    # table 四
    assert _spans(page, "行政复议") == (1, 5)
    assert _spans(page, "行政诉讼") == (1, 10)
    assert _spans(page, "未经复议直接起诉") == (1, 5)


def test_html_2019_layout():
    page = render_html(SPEC_2019).decode("utf-8")
    assert _spans(page, "三、本年度办理结果") == (20, 1)
    assert _spans(page, "（六）其他处理") == (1, 2)  # one row in 2019
    assert _spans(page, "第二十条第（九）项") == (1, 4)
    assert _spans(page, "251000元") == (1, 2)
    for heading in ("本年新制作数量", "对外公开总数量", "上一年项目数量", "采购总金额"):
        assert heading in page


@pytest.mark.parametrize("spec", [SPEC_2021, SPEC_2019], ids=["2021", "2019"])
def test_html_cells(spec):
    tables = [own_rows(g) for g in html_tables(render_html(spec).decode("utf-8"))]
    assert read_cells(spec, tables) == expected(spec)


def test_html_page_text():
    page = render_html(SPEC_2021).decode("utf-8")
    assert f"<title>{title(SPEC_2021)}</title>" in page
    assert "发布日期：2022-01-20" in page
    assert "2022年1月20日" in page  # signature
    assert "本年度共受理政府信息公开申请26件" in page
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert heading in page
    assert "&nbsp;" in page  # empty cells as offices write them


def test_html_custom_paragraphs():
    spec = ReportSpec("岢曲镇人民政府", 2023, paragraphs={"1": ["2023 年度政府信息公开申请 0 件。"], "6": ["无。"]})
    page = render_html(spec).decode("utf-8")
    assert "2023 年度政府信息公开申请 0 件。" in page
    assert "本年度共受理" not in page


def test_html_gbk_without_charset():
    raw = render_html(SPEC_2021, charset=None)
    assert b"charset" not in raw.lower()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    page = raw.decode("gbk")
    assert title(SPEC_2021) in page
    tables = [own_rows(g) for g in html_tables(page)]
    assert read_cells(SPEC_2021, tables) == expected(SPEC_2021)


def test_html_gbk_declared():
    raw = render_html(SPEC_2021, charset="gbk")
    assert b"charset=gbk" in raw
    assert title(SPEC_2021) in raw.decode("gbk")


def test_omit_rows_keeps_spans_consistent():
    spec = ReportSpec(SPEC_2021.unit, 2021, cells=dict(SPEC_2021.cells),
                      omit_rows={"withheld_state_secret", "other_other"})
    page = render_html(spec).decode("utf-8")
    assert "属于国家秘密" not in page and "3.其他" not in page
    assert _spans(page, "三、本年度办理结果") == (20, 1)
    assert _spans(page, "（三）不予公开") == (7, 1)
    assert _spans(page, "（六）其他处理") == (2, 1)
    grids = html_tables(page)
    # the parent label now sits on the first remaining row of its group
    row = next(r for r in grids[1] if r[-8][1] == "2.其他法律行政法规禁止公开")
    assert row[1][1] == "（三）不予公开"
    tables = [own_rows(g) for g in grids]
    assert read_cells(spec, tables) == expected(spec)
    docx_cells = read_cells(spec, [own_rows(g) for g in docx_tables(render_docx(spec))])
    assert docx_cells == expected(spec)


def test_spec_mistakes_raise():
    with pytest.raises(ValueError):
        render_html(ReportSpec("x", 2021, cells={"t3.other.natural": "1"}))  # a 2019-only row
    with pytest.raises(ValueError):
        render_html(ReportSpec("x", 2019, format="2019", omit_rows={"other_other"}))
    with pytest.raises(ValueError):
        render_html(ReportSpec("x", 2017, format="legacy"))


# ---------------------------------------------------------------- DOCX


@pytest.mark.parametrize("spec", [SPEC_2021, SPEC_2019], ids=["2021", "2019"])
def test_docx_same_tables_as_html(spec):
    html_grids = html_tables(render_html(spec).decode("utf-8"))
    docx_grids = docx_tables(render_docx(spec))
    assert docx_grids == html_grids  # same texts and same merges, position by position
    assert read_cells(spec, [own_rows(g) for g in docx_grids]) == expected(spec)


def test_docx_merged_cells_carry_text_once():
    data = render_docx(SPEC_2021)
    document = docx.Document(io.BytesIO(data))
    t3 = document.tables[1]
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the 勾稽关系 note: 3 rows × 3 columns
    assert t3.cell(5, 0)._tc is t3.cell(26, 0)._tc  # 三、本年度办理结果 over (一)…(七)
    xml = document.element.xml
    for text in ("申请人情况", "三、本年度办理结果", "（三）不予公开", "未经复议直接起诉"):
        assert xml.count(text) == 1, text
    assert "w:vMerge" in t3._tbl.xml and "w:gridSpan" in t3._tbl.xml
    assert all(t.style.name == "Table Grid" for t in document.tables)
    assert f'w:eastAsia="{FONT}"' in document.styles.element.xml
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == title(SPEC_2021)
    assert texts[-2:] == ["武陟县人民政府办公室", "2022年1月20日"]


# ---------------------------------------------------------------- PDF, DOC (LibreOffice)


def test_pdf_text_layer(pdf_2021):
    with pdfplumber.open(io.BytesIO(pdf_2021)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "(cid:" not in text
    flat = "".join(text.split())  # LibreOffice spaces CJK from digits; pdfplumber reads that as a space
    assert title(SPEC_2021) in flat
    assert "本年度共受理政府信息公开申请26件" in flat
    assert "2022年1月20日" in flat


@pytest.mark.parametrize("spec,fixture", [(SPEC_2021, "pdf_2021"), (SPEC_2019, "pdf_2019")], ids=["2021", "2019"])
def test_pdf_tables(spec, fixture, request):
    tables = pdf_tables(request.getfixturevalue(fixture))
    assert read_cells(spec, tables) == expected(spec)
    assert tables[1][0] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"]


def test_doc_converts_back(doc_2021):
    assert doc_2021[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE compound file, i.e. Word 97
    back = libreoffice_convert(doc_2021, "doc", "docx")
    tables = [own_rows(g) for g in docx_tables(back)]
    assert read_cells(SPEC_2021, tables) == expected(SPEC_2021)


def test_wps_extension_is_read_by_content(doc_2021):
    # WPS Office saves .wps as a Word 97 compound file; LibreOffice must not insist on Works.
    back = libreoffice_convert(doc_2021, "wps", "docx")
    tables = [own_rows(g) for g in docx_tables(back)]
    assert read_cells(SPEC_2021, tables) == expected(SPEC_2021)


def test_html_through_libreoffice():
    back = libreoffice_convert(render_html(SPEC_2019), "html", "docx")
    tables = [own_rows(g) for g in docx_tables(back)]
    assert read_cells(SPEC_2019, tables) == expected(SPEC_2019)


def test_concurrent_conversions():
    data = render_docx(SPEC_2019)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: libreoffice_convert(data, "docx", "pdf"), range(2)))
    assert all(r.startswith(b"%PDF") for r in results)


@pytest.mark.parametrize("kind", ["random", "truncated", "pdf"])
def test_garbage_is_conversion_failed(kind, doc_2021):
    # random bytes are refused before LibreOffice (it would import them as text); a cut-off .doc and a
    # broken PDF reach LibreOffice, which produces nothing.
    data, ext = {
        "random": (os.urandom(4096), "doc"),
        "truncated": (doc_2021[: len(doc_2021) // 2], "doc"),
        "pdf": (b"%PDF-1.4\n" + os.urandom(2000), "pdf"),
    }[kind]
    start = time.monotonic()
    with pytest.raises(ParseFailure) as err:
        libreoffice_convert(data, ext, "docx", timeout=60)
    assert err.value.code == "conversion_failed"
    assert "LibreOffice" in err.value.message
    assert time.monotonic() - start < 30


def test_timeout_kills_the_process_group(tmp_path, monkeypatch):
    pid_file = tmp_path / "child.pid"
    fake = tmp_path / "soffice"
    # A converter that hangs in a grandchild: killing only the direct child would leave it running.
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nwait\n")
    fake.chmod(0o755)
    monkeypatch.setenv("NIANBAO_SOFFICE", str(fake))
    start = time.monotonic()
    with pytest.raises(ParseFailure) as err:
        libreoffice_convert(b"x", "doc", "docx", timeout=1)
    assert err.value.code == "conversion_timeout"
    assert time.monotonic() - start < 10
    child = int(pid_file.read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    else:
        pytest.fail("the grandchild survived the timeout")


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for whoever inherited it to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_timeout_with_real_libreoffice():
    with pytest.raises(ParseFailure) as err:
        libreoffice_convert(render_docx(SPEC_2019), "docx", "pdf", timeout=0.2)
    assert err.value.code == "conversion_timeout"


def test_converter_missing(monkeypatch):
    monkeypatch.setenv("NIANBAO_SOFFICE", "/nonexistent/soffice")
    assert not converter_available()
    with pytest.raises(ParseFailure) as err:
        libreoffice_convert(b"x", "doc", "docx")
    assert err.value.code == "converter_missing"
    assert "libreoffice-writer" in err.value.message
