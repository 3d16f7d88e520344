"""An article page whose tables are pictures: the page's text, and its pictures read by OCR in place.

Offices paste the three tables into the article as screenshots. The crawl fetches the pictures (they
are the page's attachments); given their bytes, the page's layout gets each picture's OCR'd rows at
the place of its ``<img>``, so the tables sit under their section headings as in any other report.
Every piece keeps its picture (``at["image"]``) and the engine's confidence (``at["conf"]``).
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from .model import Layout, ParseFailure


def _name(src: str) -> str:
    return posixpath.basename(unquote(urlsplit(src).path))


def insert_pictures(layout: Layout, images: dict[str, bytes]) -> Layout:
    """``layout`` (an HTML page's) with the OCR'd rows of each of its pictures found in ``images``
    (keyed by the ``src`` as written, its absolute URL, or its file name)."""
    from .ocr import layout_from_image

    places = layout.meta.get("images") or []
    by_name = {_name(k): v for k, v in images.items()}
    rows = list(layout.rows)
    offset = 1000  # the pictures' tables are numbered apart from the page's own
    done = 0
    for index, src in sorted(places, key=lambda p: p[0], reverse=True):
        data = images.get(src) or next((v for k, v in images.items() if k.endswith(src)), None) or by_name.get(_name(src))
        if data is None:
            continue
        try:
            picture = layout_from_image(data, upright=True)
        except ParseFailure as failure:
            layout.notes.append(f"图片 {src} 无法识别：{failure.message}")
            continue
        for row in picture.rows:
            if row.table is not None:
                row.table += offset * (len(places) - done)
            for piece in row.pieces:
                piece.at["image"] = src
        rows[index:index] = picture.rows
        done += 1
    if done:
        layout.notes.append(f"页面中的 {done} 张图片经 OCR 识别")
    return Layout(rows=rows, kind="html+ocr" if done else layout.kind, meta=layout.meta, notes=layout.notes)
