"""DOCX documents: paragraphs as text rows, tables as grids with merged cells marked as span copies."""

from __future__ import annotations

import io
import zipfile

from .model import Layout, ParseFailure, Piece, Row

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# A real report's DOCX is well under a few MB unpacked; a bomb is not.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200


def check_zip(data: bytes, *, required: str | None = None) -> zipfile.ZipFile:
    """Open a zip after checking that it does not unpack to something huge (a zip bomb)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ParseFailure("corrupt_docx", f"DOCX 文件损坏（不是有效的 zip）：{exc}") from exc
    total = sum(i.file_size for i in zf.infolist())
    if total > MAX_UNPACKED or (total > 20 * 1024 * 1024 and total > MAX_RATIO * max(1, len(data))):
        raise ParseFailure("too_large", f"压缩文件解压后达 {total // (1024 * 1024)} MB，超出上限，疑似 zip 炸弹，已拒绝")
    if required and required not in zf.namelist():
        raise ParseFailure("corrupt_docx", f"DOCX 文件缺少 {required}")
    return zf


def _tc_text(tc) -> str:
    parts = []
    for p in tc.iter(f"{W}p"):
        parts.append("".join(t.text or "" for t in p.iter(f"{W}t")))
    return " ".join(x.strip() for x in parts if x.strip())


def _grid(tbl, index: int) -> list[Row]:
    rows: list[Row] = []
    above: dict[int, Piece] = {}  # grid column → the piece of the cell a vMerge continues
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
        pieces: list[Piece] = []
        col = 0
        trpr = tr.find(f"{W}trPr")
        before = trpr.find(f"{W}gridBefore") if trpr is not None else None
        if before is not None:
            for _ in range(int(before.get(f"{W}val", "0"))):
                pieces.append(Piece("", {"table": index, "row": r + 1, "col": col + 1}))
                col += 1
        for tc in tr.iterchildren(f"{W}tc"):
            tcpr = tc.find(f"{W}tcPr")
            span = 1
            vmerge = None
            if tcpr is not None:
                gs = tcpr.find(f"{W}gridSpan")
                if gs is not None:
                    span = max(1, min(64, int(gs.get(f"{W}val", "1"))))
                vm = tcpr.find(f"{W}vMerge")
                if vm is not None:
                    vmerge = vm.get(f"{W}val", "continue")
            if vmerge == "continue" and col in above:
                origin = above[col]
                for k in range(span):
                    pieces.append(Piece(origin.text, origin.at, span=True))
                col += span
                continue
            origin = Piece(_tc_text(tc), {"table": index, "row": r + 1, "col": col + 1})
            for k in range(span):
                pieces.append(origin if k == 0 else Piece(origin.text, origin.at, span=True))
                above[col + k] = origin
            col += span
        rows.append(Row(pieces, table=index))
    return rows


def layout_from_docx(data: bytes) -> Layout:
    """Rows of a DOCX body in reading order (paragraphs and tables, including inside content controls)."""
    zf = check_zip(data, required="word/document.xml")
    from docx import Document  # imported late: python-docx is only needed for DOCX

    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ParseFailure("corrupt_docx", f"DOCX 无法读取：{exc}") from exc
    finally:
        zf.close()
    rows: list[Row] = []
    tables = 0

    def walk(parent) -> None:
        nonlocal tables
        for child in parent.iterchildren():
            if child.tag == f"{W}p":
                text = "".join(t.text or "" for t in child.iter(f"{W}t")).strip()
                if text:
                    rows.append(Row([Piece(text, {"paragraph": len(rows) + 1})]))
            elif child.tag == f"{W}tbl":
                tables += 1
                rows.extend(_grid(child, tables))
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml"):
                walk(child)

    walk(doc.element.body)
    props = doc.core_properties
    meta = {"title": props.title} if props.title else {}
    return Layout(rows=rows, kind="docx", meta=meta)
