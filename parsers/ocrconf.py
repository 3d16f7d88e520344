"""How sure the OCR engine was of each cell it read.

The engine scores every text box it recognises (0–1). While a document is parsed the boxes are
collected with their page position (:func:`collecting`, :func:`record`), and afterwards each piece of
the layout gets the lowest score of the boxes inside it as ``at["conf"]`` (:func:`annotate`). A cell
under :data:`LOW` is flagged ``low_confidence``; a rule that would fail on such a cell is not_assessable
instead (a misread 8 for 3 is not the office's error).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .model import Layout

LOW = float(os.environ.get("NIANBAO_OCR_LOW_CONFIDENCE", "0.8"))

_local = threading.local()


@contextmanager
def collecting() -> Iterator[list[tuple[int, tuple[float, float, float, float], float]]]:
    """Collect the OCR boxes recorded in this thread while the block runs."""
    outer = getattr(_local, "boxes", None)
    _local.boxes = boxes = []
    try:
        yield boxes
    finally:
        _local.boxes = outer


def record(page: int, box: tuple[float, float, float, float], score: float) -> None:
    """One recognised box, in page coordinates (as the layout's pieces have them)."""
    boxes = getattr(_local, "boxes", None)
    if boxes is not None:
        boxes.append((page, tuple(box), float(score)))


def annotate(layout: Layout, boxes: list[tuple[int, tuple[float, float, float, float], float]]) -> None:
    """Give each piece holding OCR'd text the lowest score of the boxes whose centre lies in it."""
    if not boxes:
        return
    by_page: dict[int, list[tuple[float, float, float]]] = {}
    for page, (x0, y0, x1, y1), score in boxes:
        by_page.setdefault(page, []).append(((x0 + x1) / 2, (y0 + y1) / 2, score))
    for row in layout.rows:
        for piece in row.pieces:
            at = piece.at
            if not piece.text or "bbox" not in at or at.get("page") not in by_page:
                continue
            x0, y0, x1, y1 = at["bbox"]
            scores = [s for cx, cy, s in by_page[at["page"]] if x0 - 1 <= cx <= x1 + 1 and y0 - 1 <= cy <= y1 + 1]
            if scores:
                at["conf"] = round(min(scores), 3)


def low(at: dict[str, Any]) -> bool:
    """Whether a cell's provenance says the OCR engine was unsure of it."""
    conf = at.get("conf")
    return conf is not None and conf < LOW
