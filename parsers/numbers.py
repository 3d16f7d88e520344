"""Reading one cell's text as a number, a blank, or neither (docs/domain.md §2 “Cell values”)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from collections.abc import Callable
from functools import lru_cache, update_wrapper, wraps
from typing import TypeVar
from decimal import Decimal, InvalidOperation

from .model import Number

# What clerks write for “nothing here”. They are blanks, never zero.
BLANK_MARKERS = frozenset({"", "—", "——", "-", "--", "－", "/", "／", "无", "空", "\\", "、", "–", "…"})

_UNITS = re.compile(r"(万元|元|件次|件|个|项|条|次|人次|宗|起)$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# Chinese labels sometimes end a cell that also holds its number (“行政处罚 0” in OCR output).
_TRAILING_NUMBER = re.compile(r"^(?P<label>.*?[\u4e00-\u9fff)）])\s*(?P<num>[+-]?\d[\d,，.\s]*\s*(万元|元|件)?)$")


R = TypeVar("R")


_CACHE_SIZE = 4096
_CACHE_TEXT = 120  # longer texts (paragraphs) do not recur


class _TextCache(dict):
    """A pure function of one text, cached: a call is a dict lookup in C (no Python frame on a hit, which
    is nearly every call: a report asks for a thousand of them). Full, it starts again empty."""

    def __init__(self, fn: Callable[[str], R]):
        super().__init__()
        self.fn = fn
        self.cache_clear = self.clear  # on the instance: the class itself is no cache (bench/parse.py --cold)
        update_wrapper(self, fn)

    def __missing__(self, text: str) -> R:
        value = self.fn(text)
        if len(text) <= _CACHE_TEXT:
            if len(self) >= _CACHE_SIZE:
                self.clear()
            self[text] = value
        return value

    __call__ = dict.__getitem__

    # a function: compared, hashed and shown as itself, not as the dict of what it has read
    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__

    def __repr__(self) -> str:
        return f"<text_cache {self.fn!r}>"


def text_cache(fn: Callable[..., R]) -> Callable[..., R]:
    """Cache a pure function of a cell's or label's text (its first argument): labels and cell values
    recur in every report. Long texts (paragraphs) do not recur and are not kept, so the caches stay
    small over a crawl of any length."""
    if fn.__code__.co_argcount == 1:
        return _TextCache(fn)  # type: ignore[return-value]
    cached = lru_cache(maxsize=_CACHE_SIZE)(fn)

    @wraps(fn)
    def wrapper(text: str, *args):
        return cached(text, *args) if len(text) <= _CACHE_TEXT else fn(text, *args)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return wrapper


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets become half-width), no NBSP, trimmed."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return text.strip()
    return _normalize(text)


@text_cache
def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text.replace("\xa0", " ").replace("\u3000", " "))
    return text.strip()


def is_blank(text: str) -> bool:
    return normalize(text) in BLANK_MARKERS


@dataclass
class Reading:
    """A cell's text read as a value. ``invalid`` when it is text that is not a number."""

    value: Number | None
    invalid: bool = False
    yuan: bool = False  # the raw text gave the amount in 元, already converted to 万元


def looks_numeric(text: str) -> bool:
    """Whether a cell reads as a number (blank markers are not numbers)."""
    reading = read_number(text)
    return reading.value is not None


def read_number(text: str, *, amount: bool = False, signed: bool = False,
                amount_in_yuan: bool = False) -> Reading:
    """Read ``text`` as a count (or an amount in 万元 when ``amount``).

    ``amount_in_yuan`` says the column heading gives the unit as 元; a raw “251000元” says so itself.
    """
    value, invalid, yuan = _read(text, amount, signed, amount_in_yuan)
    return Reading(value, invalid, yuan)


@text_cache  # a fresh Reading per call (callers may keep it); the work is shared
def _read(text: str, amount: bool, signed: bool, amount_in_yuan: bool) -> tuple[Number | None, bool, bool]:
    reading = _read_number(text, amount=amount, signed=signed, amount_in_yuan=amount_in_yuan)
    return reading.value, reading.invalid, reading.yuan


def _read_number(text: str, *, amount: bool, signed: bool, amount_in_yuan: bool) -> Reading:
    t = normalize(text)
    if t in BLANK_MARKERS:
        return Reading(None)
    t = t.replace(",", "").replace("，", "").replace(" ", "")
    yuan = False
    m = _UNITS.search(t)
    if m:
        unit = m.group(1)
        t = t[: m.start()]
        if unit == "元":
            yuan = True
        elif unit == "万元":
            amount_in_yuan = False
    if t.startswith("+") and not signed:
        t = t[1:]
    if not _NUMBER.match(t):
        return Reading(None, invalid=True)
    try:
        value = Decimal(t)
    except InvalidOperation:
        return Reading(None, invalid=True)
    if amount:
        if yuan or amount_in_yuan:
            value = value / Decimal(10000)
            yuan = True
        value = value.normalize() if value != value.to_integral_value() else value.quantize(Decimal(1))
        return Reading(value, yuan=yuan)
    if value != value.to_integral_value():
        return Reading(None, invalid=True)
    return Reading(int(value))


def split_trailing_number(text: str) -> tuple[str, str] | None:
    """“行政处罚 0” → ("行政处罚", "0"); None when the text does not end a label with a number."""
    m = _TRAILING_NUMBER.match(normalize(text))
    if not m:
        return None
    return m.group("label").strip(), m.group("num").strip()
