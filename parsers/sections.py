"""The six parts of a report's body, found by their headings (一、总体情况 … 六、其他需要报告的事项).

Real headings vary: “五、存在的主要问题及改进情况” is also “…及整改措施”, “…及改进措施”,
“五、政府信息公开工作存在的主要问题及改进情况”; part 四 is also “因政府信息公开申请提起行政复议、行政诉讼
的情况”; a heading may carry a markdown mark (OCR) or a year (“三、收到和处理政府信息公开申请情况（2022年度）”).
A heading is a short line of its own, or — in a page flattened into one line — the numbered heading
inside the text (“…取得了成效。二、主动公开政府信息情况 第二十条…”). The preamble's list of the parts
(“本报告包括总体情况、主动公开政府信息情况…”) has no numerals and is never taken for headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMERALS = "一二三四五六"
NAMES = {
    1: "总体情况",
    2: "主动公开政府信息情况",
    3: "收到和处理政府信息公开申请情况",
    4: "政府信息公开行政复议、行政诉讼情况",
    5: "存在的主要问题及改进情况",
    6: "其他需要报告的事项",
}
_CORE = {
    1: r"(?:总体情况|基本情况|概述)",
    2: r"主动公开政府信息(?:的)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况",
    4: r"(?:政府信息公开|因政府信息公开(?:申请)?(?:提起|引起|引发)?)?(?:的)?行政复议[、和及与]?(?:提起)?行政诉讼(?:的|案件)?(?:情况)?",
    5: r"(?:政府信息公开(?:工作)?)?(?:存在的|存在)?(?:主要)?问题(?:及|和|与|以及)(?:其)?(?:改进|整改)(?:情况|措施|举措|工作)?",
    6: r"其他需要报告的(?:事项|情况)",
}
_NUM = r"(?:[{n}]|{d})\s*[、.．,，]?\s*"
_LINE_MAX = 44


@dataclass
class Part:
    number: int
    heading: str  # as written
    start: int  # offset of the heading in the text
    body_start: int  # offset just after the heading
    end: int = -1  # offset where the next part starts (or the end of the text)

    def body(self, text: str) -> str:
        return text[self.body_start:self.end]


def _line_pattern(n: int) -> re.Pattern[str]:
    num = _NUM.format(n=NUMERALS[n - 1], d=n)
    return re.compile(rf"^[\W_]*(?:{num})?(?:第[{NUMERALS[n - 1]}]部分\s*)?{_CORE[n]}[^\n。]{{0,16}}$", re.M)


def _inline_pattern(n: int) -> re.Pattern[str]:
    return re.compile(rf"{NUMERALS[n - 1]}\s*、\s*{_CORE[n]}")


_LINE = {n: _line_pattern(n) for n in NAMES}
_INLINE = {n: _inline_pattern(n) for n in NAMES}


def find_parts(text: str) -> dict[int, Part]:
    """The parts whose heading is found, in order (a later part's heading comes after an earlier one's)."""
    found: dict[int, Part] = {}
    pos = 0
    for n in NAMES:
        m = _first(text, n, pos)
        if m is None:
            continue
        found[n] = Part(n, m.group(0).strip(), m.start(), m.end())
        pos = m.end()
    ordered = sorted(found.values(), key=lambda p: p.start)
    for a, b in zip(ordered, ordered[1:]):
        a.end = b.start
    if ordered:
        ordered[-1].end = len(text)
    return found


def _first(text: str, n: int, pos: int) -> re.Match[str] | None:
    for m in _LINE[n].finditer(text, pos):
        if len(m.group(0).strip()) <= _LINE_MAX:
            return m
    return _INLINE[n].search(text, pos)


def body(text: str, parts: dict[int, Part], n: int) -> str | None:
    """Part ``n``'s text without its heading, or None when its heading was not found."""
    part = parts.get(n)
    return part.body(text) if part else None


def before(text: str, parts: dict[int, Part], n: int) -> str:
    """The text before part ``n`` (the preamble and the parts above it); all of it when ``n`` is not found."""
    part = parts.get(n)
    return text[: part.start] if part else text
