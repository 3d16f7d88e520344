"""The report model every parser ends in, and the row stream every parser starts from.

A parser turns a document into a :class:`Layout` — a list of :class:`Row` in reading order, each a list
of :class:`Piece` (one table cell or one paragraph) with its provenance. The extractor
(:mod:`parsers.extract`) turns the rows into a :class:`Report`: canonical cells with raw text and
provenance. Formats differ only in how they make rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

Number = int | Decimal


@dataclass
class Piece:
    """One cell of a table row, or one paragraph of text, as the document has it.

    ``at`` is where it is: ``{"line": 12}`` for text, ``{"table": 1, "row": 4, "col": 2}`` for HTML and
    DOCX, ``{"page": 2, "bbox": [x0, top, x1, bottom]}`` for PDF and OCR. ``span`` marks a copy that a
    rowspan/colspan (or a merged cell) put into a grid position it does not own: its text still labels
    the row, but it is never read as a value.
    """

    text: str
    at: dict[str, Any]
    span: bool = False


@dataclass
class Row:
    """A line of text or a table row. ``table`` is the table's index, or None for running text."""

    pieces: list[Piece]
    table: int | None = None

    @property
    def text(self) -> str:
        return " ".join([p.text for p in self.pieces if not p.span]).strip()


@dataclass
class Layout:
    """What a format parser hands the extractor."""

    rows: list[Row]
    kind: str  # text | html | docx | pdf | ocr | doc
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. <meta> title/date from an HTML page
    notes: list[str] = field(default_factory=list)  # what the parser did (encoding, OCR, conversion)


@dataclass
class Cell:
    """One canonical cell: its value (None when blank or unreadable), the raw text and where it was."""

    key: str
    value: Number | None
    raw: str
    at: dict[str, Any]
    invalid: bool = False  # raw text is neither a number nor a blank marker (e.g. "1O")
    # read by inference: split out of a glued run of digits (raw = the run; ``at["by"]`` names the
    # rule instances the split relied on)
    inferred: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None and not self.invalid

    @property
    def low_confidence(self) -> bool:
        """Read by OCR with a confidence under ``parsers.ocrconf.LOW`` (``at["conf"]``), or read by OCR
        as something that is no number (“¥0” for a 0: the engine's misreading, not the office's text)."""
        if "conf" not in self.at:  # not read by OCR (most cells): no import on every call
            return False
        from .ocrconf import low

        return low(self.at) or (self.invalid and "conf" in self.at)

    def to_json(self) -> dict[str, Any]:
        value: Any = self.value
        if isinstance(value, Decimal):
            value = float(value)
        out: dict[str, Any] = {"value": value, "raw": self.raw, "at": self.at}
        if self.invalid:
            out["invalid"] = True
        if self.inferred:
            out["inferred"] = True
        if self.low_confidence:
            out["low_confidence"] = True
        return out


@dataclass
class RuleResult:
    """One instance of one rule on one report (e.g. T3-BALANCE for the 自然人 column)."""

    rule: str
    scope: str
    status: str  # pass | fail | not_assessable
    severity: str  # error | warning
    message: str
    cells: list[str] = field(default_factory=list)
    expected: str | None = None
    actual: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.rule, "scope": self.scope, "status": self.status, "severity": self.severity,
            "message": self.message, "cells": self.cells,
        }


class ParseFailure(Exception):
    """A document that is not a readable report. ``code`` is stable; ``message`` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class Report:
    """One annual report, in canonical cells."""

    source: str
    format: str | None = None
    unit: str | None = None
    year: int | None = None
    title: str | None = None
    published: date | None = None
    cells: dict[str, Cell] = field(default_factory=dict)
    text: str = ""
    missing: list[str] = field(default_factory=list)  # keys the document does not have at all
    notes: list[str] = field(default_factory=list)
    kind: str | None = None
    rules: list[RuleResult] = field(default_factory=list)
    error: ParseFailure | None = None
    # the further reports of the same document (a county page or 汇总 PDF with several units' reports)
    others: list["Report"] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)

    def value(self, key: str) -> Number | None:
        cell = self.cells.get(key)
        return None if cell is None else cell.value

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        """The inverse of :meth:`to_json` (a parse done in a child process comes back this way)."""
        report = cls(source=data["source"], format=data.get("format"), unit=data.get("unit"), year=data.get("year"),
                     title=data.get("title"), kind=data.get("kind"), text=data.get("text") or "",
                     missing=list(data.get("missing") or []), notes=list(data.get("notes") or []))
        if data.get("published"):
            report.published = date.fromisoformat(data["published"])
        for key, c in (data.get("cells") or {}).items():
            value = c.get("value")
            if isinstance(value, float):
                value = Decimal(str(value))
            report.cells[key] = Cell(key, value, c.get("raw", ""), c.get("at") or {}, invalid=bool(c.get("invalid")),
                                     inferred=bool(c.get("inferred")))
        for r in data.get("rules") or []:
            report.rules.append(RuleResult(r["id"], r["scope"], r["status"], r["severity"], r["message"],
                                           cells=list(r.get("cells") or [])))
        if data.get("error"):
            report.error = ParseFailure(data["error"]["code"], data["error"]["message"])
        report.others = [cls.from_json(o) for o in data.get("others") or []]
        return report

    def to_json(self, *, with_text: bool = False, with_others: bool = False) -> dict[str, Any]:
        out = self._json()
        if with_text:
            out["text"] = self.text
        if with_others and self.others:
            out["others"] = [o.to_json(with_text=with_text) for o in self.others]
        return out

    def _json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "unit": self.unit,
            "year": self.year,
            "title": self.title,
            "format": self.format,
            "published": self.published.isoformat() if self.published else None,
            "kind": self.kind,
            "incomplete": self.incomplete,
            "missing": self.missing,
            "cells": {k: c.to_json() for k, c in self.cells.items()},
            "rules": [r.to_json() for r in self.rules],
            "notes": self.notes,
            "error": self.error.to_json() if self.error else None,
        }
