"""Text as the full-text index sees it: Chinese one character per token.

SQLite's trigram tokenizer finds nothing for a two-character term (柳溪, 青禾), and most unit and place
names are searched by two characters. So the index (``reports_fts``, :mod:`browse.views`) uses the
unicode61 tokenizer over text with a space around every CJK character: each character is a token, a
search term becomes the phrase of its characters (``柳溪`` → ``"柳 溪"``), and a phrase matches exactly
where the characters stand next to each other in the text — a substring search for Chinese of any
length, word search for Latin letters and numbers (``申请210件`` → ``"申 请 210 件"``).

:func:`register` puts ``nianbao_chars()`` (used by the index's triggers) on a connection; the store
registers it on every connection it opens, so whatever the store writes is indexed at once.
"""

from __future__ import annotations

import re
import sqlite3

# CJK radicals, punctuation, kana, unified ideographs (+ extension A), compatibility ideographs, and
# the supplementary ideograph planes
_CJK = re.compile(r"([\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff])")
_BITS = re.compile(r'\s+|(".*?")')


def chars(text: str | None) -> str | None:
    """``"柳溪镇2023年"`` → ``" 柳  溪  镇 2023 年 "`` (what the index stores)."""
    if text is None:
        return None
    return _CJK.sub(r" \1 ", str(text))


def match_query(query: str) -> str:
    """A search box's words as an FTS5 query over :func:`chars` text: each word (or "quoted phrase")
    becomes the phrase of its tokens; words are ANDed. Never raises on odd input (quotes, operators)."""
    if query.count('"') % 2:
        query += '"'
    phrases = []
    for bit in _BITS.split(query):
        if not bit or bit == '""':
            continue
        tokens = " ".join((chars(bit.strip('"')) or "").split())
        if tokens:
            phrases.append('"' + tokens.replace('"', '""') + '"')
    return " ".join(phrases) or '""'


def register(conn: sqlite3.Connection) -> None:
    """``nianbao_chars(text)`` on ``conn`` (deterministic: the index's delete triggers rely on it)."""
    conn.create_function("nianbao_chars", 1, chars, deterministic=True)
