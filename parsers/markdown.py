"""Markdown tables in text extracts: what PDF-to-Markdown converters and LLM-based extractors write.

A pipe table (``| 规章 | 0 | 0 | 0 |``) becomes a table row of cells like any other; the separator
line under a header is dropped. Converters name the header cells themselves (数据1, 数据2 …, Column1)
and put the last rows of a long table under the header of the next one: headers carry no meaning here,
since the extractor maps rows by their labels and values by column order. HTML tables inside Markdown
are sniffed as HTML and read by :mod:`parsers.html`.
"""

from __future__ import annotations

import re

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*(?::?-{2,}:?\s*)?\|?\s*$")
_SPLIT = re.compile(r"(?<!\\)\|")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_BREAK = re.compile(r"<br\s*/?>", re.I)


def is_pipe_row(line: str) -> bool:
    """A line of a Markdown pipe table (its header, separator or a body row)."""
    return bool(_PIPE_ROW.match(line)) and line.count("|") >= 3


def is_separator(line: str) -> bool:
    """The ``|---|:---:|`` line under a pipe table's header."""
    return bool(_SEPARATOR.match(line))


def pipe_cells(line: str) -> list[str]:
    """The cells of a pipe-table row, without emphasis marks and with escaped pipes restored."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [_EMPHASIS.sub("", _BREAK.sub(" ", c)).replace("\\|", "|").strip() for c in _SPLIT.split(inner)]
