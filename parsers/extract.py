"""From rows to a report: find the three tables by their labels and read every canonical cell.

Works the same for every format: the parsers only make rows (:class:`parsers.model.Layout`). Rows are
matched by their labels, never by their position, because real documents shift, split, merge and
transpose (docs/domain.md §5). Values are read in order after a row's last label, so a stray empty
cell or a merged label column does not move a number into the wrong column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date

from . import glued, runon, schema
from .model import Cell, Layout, ParseFailure, Piece, Report, Row
from .numbers import BLANK_MARKERS, _read, normalize, read_number, split_trailing_number, text_cache
from .unglue import Unglue

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"</?[a-zA-Z][^>]{0,40}>")
_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_ENUM = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）]?[.、．]?)+")
# Column headings of table 三: a row holding one of these is a heading row, not data.
_T3_HEADING_WORDS = re.compile(r"自然人|商业企业|科研机构|申请人情况|法人或其他组织|法律服务机构")

_TITLE = re.compile(
    r"(?:^(?:名称|标题|题目|文章标题)[:：])?(?P<pre>.*?)(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<post>.*?)"
    r"(?:政府)?信息公开(?:工作)?\s*(?:年\s*度?\s*报\s*告|年\s*报)"
)


# The end every title has (the last part of _TITLE): a line without it is no title. Its literal start is
# found quickly, where _TITLE's lazy prefix is tried at every position of every line naming 信息公开.
_TITLE_END = re.compile(r"信息公开(?:工作)?\s*(?:年\s*度?\s*报\s*告|年\s*报)")


def title_match(text: str) -> re.Match[str] | None:
    """``_TITLE.search(text)``; most lines lack the literal 信息公开 every title holds, and the
    pattern's lazy prefix would otherwise be tried at every position."""
    return _TITLE.search(text) if "信息公开" in text and _TITLE_END.search(text) else None


_UNIT_SUFFIX = re.compile(r"(政府|办公室|办公厅|局|委员会|委|镇|乡|街道|办事处|管委会|管理委员会|集聚区|开发区|中心|院|所|站|队|厅|部|署|会|区|县|市)$")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_DATE_LABEL = re.compile(r"发布(?:日期|时间)|成文日期|时间[:：]")
_YUAN_HEADING = re.compile(r"(单位[:：]?元|[(（]元[)）])")
_STAT_PERIOD = re.compile(r"统计(?:期限|时限|时间)[^。]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")

SECTION_PATTERNS = {
    2: re.compile(r"^\W*(?:[二2]\s*[、.．]?)?\s*主动公开政府信息(?:的)?情况"),
    3: re.compile(r"^\W*(?:[三3]\s*[、.．]?)?\s*收到和处理政府信息公开申请(?:的)?情况"),
    4: re.compile(r"^\W*(?:[四4]\s*[、.．]?)?\s*.{0,14}行政复议.{0,6}行政诉讼"),
    5: re.compile(r"^\W*(?:[五5]\s*[、.．]?)?\s*.{0,8}存在的主要问题"),
}


@text_cache  # the same labels recur in every report
def clean(text: str) -> str:
    """Text of a piece without OCR/markdown noise: HTML tags, bookmarks, heading marks, NBSP."""
    text = _BOOKMARK.sub("", _TAGS.sub("", text))
    text = normalize(text)
    return text.lstrip("#").strip() if text.startswith("#") else text


@text_cache
def label_key(text: str) -> str:
    """A label as matched: normalised, no spaces, no quotes."""
    t = normalize(text)
    t = _SPACES.sub("", t)
    return t.replace("“", "").replace("”", "").replace('"', "").replace("'", "")


@text_cache
def strip_enum(label: str) -> str:
    """“(三)1.属于国家秘密” → “属于国家秘密”; keeps “3.其他” recognisable via the row patterns."""
    return _ENUM.sub("", label)


@text_cache
def is_label(text: str) -> bool:
    """Chinese text that is not a value: “26件”, “251000元” and “无” are values, not labels."""
    if not _CJK.search(text):
        return False
    reading = read_number(text, amount=True, signed=True)
    return reading.invalid


@dataclass
class _Split:
    labels: list[Piece]
    values: list[Piece]


def split_row(row: Row) -> _Split:
    """Label pieces (up to the last one holding Chinese text) and the value pieces after them."""
    pieces = []
    last = -1
    for i, p in enumerate(row.pieces):
        text = clean(p.text)
        if text != p.text:  # a piece whose text needs no cleaning is kept as it is (pieces are never changed)
            p = Piece(text, p.at, p.span)
        pieces.append(p)
        if text and is_label(text):  # an empty text is no label
            last = i
    labels = [p for p in pieces[: last + 1] if p.text]
    values = [p for p in pieces[last + 1:] if not p.span]
    return _Split(labels, values)


def fit(values: list[Piece], n: int) -> list[Piece] | None:
    """Trim the empty pieces a flattened table leaves at either end until ``n`` remain.

    Trailing empties go first (a text extract ends rows with tabs), then leading ones (a shifted
    column). None when the row still does not have exactly ``n`` values.
    """
    vals = list(values)
    while len(vals) > n and vals[-1].text == "":
        vals.pop()
    while len(vals) > n and vals[0].text == "":
        vals.pop(0)
    return vals if len(vals) == n else None


class Extractor(Unglue):
    """Reads one report out of a layout."""

    def __init__(self, layout: Layout, source: str):
        self.layout = layout
        self.rows = layout.rows
        self.report = Report(source=source, kind=layout.kind, notes=list(layout.notes))
        self.sections: dict[int, int] = {}
        self._glued3: list[tuple[str, list[str], glued.Run, str]] = []
        self.another_table = False
        # each row's text and its clean() form, read by several steps: made once
        self._texts = [row.text for row in self.rows]
        self._clean = [clean(t) for t in self._texts]

    # ------------------------------------------------------------ entry
    def run(self) -> Report:
        r = self.report
        r.text = "\n".join(c for row, t, c in zip(self.rows, self._texts, self._clean) if row.table is None and t)
        self._metadata()
        self._find_sections()
        t3_found = self._table3()
        if not t3_found:
            legacy = r.year is not None and r.year <= 2018
            if legacy and r.title:
                r.format = schema.FORMAT_LEGACY
                r.notes.append("2018 年及以前的报告：自由格式，只存储不校验")
                return r
            if self._title_lines > 1:
                raise ParseFailure("not_a_report", f"不是年度报告本身：页面列出了 {self._title_lines} 个年报标题（列表页）")
            if r.title:
                raise ParseFailure("table_not_found", "未找到表三：收到和处理政府信息公开申请情况")
            raise ParseFailure("not_a_report", "不是政府信息公开工作年度报告：未找到报告标题，也未找到表三（收到和处理政府信息公开申请情况）")
        self._table2()
        self._table4()
        self._detect_format()
        self._finish_cells()
        return r

    # ------------------------------------------------------------ metadata
    def _metadata(self) -> None:
        r = self.report
        meta = self.layout.meta
        # article pages put navigation before the title, so look well down the page
        head = [c for row, t, c in zip(self.rows[:300], self._texts, self._clean) if row.table is None and t]
        self._title_lines = len(distinct_titles(head))
        title_line = None
        for i, line in enumerate(head):
            if len(line) > 80:
                continue
            m = title_match(label_key(line))
            if m and title_line is None:
                title_line = i
                r.year = int(m.group("year"))
                unit = (m.group("pre") or m.group("post") or "").strip("：:()（）《》 ")
                r.title = re.sub(r"^(?:名称|标题|题目|文章标题)[:：]", "", label_key(line))
                if unit and (bare := _NOT_UNIT.sub("", unit)) != unit and bare:
                    # a breadcrumb or a path before the title (首页>政务公开>…, …/80576_…)
                    unit, r.title = bare, r.title[r.title.index(bare + m.group("year")):]
                if not unit and i > 0 and len(head[i - 1]) <= 30 and _UNIT_SUFFIX.search(label_key(head[i - 1])):
                    # the title broken over two lines: unit, then “2022年政府信息公开工作年度报告”
                    unit = label_key(head[i - 1])
                    r.title = unit + r.title
                r.unit = unit or None
                break
        if title_line is None and meta.get("title"):
            m = title_match(label_key(meta["title"]))
            if m:
                r.title = label_key(meta["title"])
                r.year = int(m.group("year"))
                r.unit = (m.group("pre") or m.group("post") or "").strip() or None
        if r.year is None:
            m = _STAT_PERIOD.search(r.text)
            if m:
                r.year = int(m.group(1))
        r.published = self._published(head)

    def _published(self, head: list[str]) -> date | None:
        meta = self.layout.meta
        candidates: list[str] = []
        if meta.get("published"):
            candidates.append(str(meta["published"]))
        for line in head[:60]:
            if _DATE_LABEL.search(line):
                candidates.append(line)
        # a signature date in the last lines of the text (after 六、其他需要报告的事项)
        n = len(self.rows)
        tail = [self._clean[i] for i in range(max(0, n - 8), n) if self.rows[i].table is None and self._texts[i]]
        candidates += [t for t in reversed(tail) if len(t) <= 30]
        for text in candidates:
            m = _DATE.search(normalize(text))
            if m:
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    continue
        return None

    def _find_sections(self) -> None:
        for i, cleaned in enumerate(self._clean):
            text = label_key(cleaned)
            if not text or len(text) > 40:
                continue
            for n, pattern in SECTION_PATTERNS.items():
                if n not in self.sections and pattern.search(text):
                    # a heading of a later section must come after the earlier ones
                    if all(i > j for k, j in self.sections.items() if k < n):
                        self.sections[n] = i
                    break
                if n == 3 and 4 in self.sections and pattern.search(text):
                    self.another_table = True  # a second report's table 三: parsers.multi looks further

    def _region(self, n: int, fallback: tuple[int, int]) -> tuple[int, int]:
        start = self.sections.get(n)
        if start is None:
            return fallback
        ends = [j for k, j in self.sections.items() if k > n and j > start]
        return start + 1, (min(ends) if ends else len(self.rows))

    # ------------------------------------------------------------ cells
    def _put(self, key: str, piece: Piece, *, amount_in_yuan: bool = False) -> None:
        if key in self.report.cells:
            return
        amount = key in schema.AMOUNT_KEYS
        signed = key.endswith(schema.SIGNED_SUFFIX)
        text = piece.text
        value, invalid, _ = _read(text, amount, signed, amount_in_yuan)  # read_number without its Reading
        self.report.cells[key] = Cell(key, value, text, piece.at, invalid)

    # ------------------------------------------------------------ table 三
    def _t3_columns(self, rows: list[Row]) -> list[str]:
        """Column keys in order, from the heading rows (an extra 小计 column is placed where it is)."""
        for row in rows:
            texts = [label_key(clean(p.text)) for p in row.pieces if not p.span]
            keys = [schema.first_match(schema.T3_COLUMN_LABELS, t) for t in texts if t]
            if "commercial" in keys:
                sub = [k for k in keys if k in ("commercial", "research", "nonprofit", "legal", "other_org", "subtotal")]
                if len(sub) >= 5 and len(set(sub)) == len(sub):
                    cols = ["natural", *sub, "total"]
                    if "natural" in keys and keys.index("natural") > keys.index("commercial"):
                        cols = [*sub[:sub.index("other_org") + 1], "natural", "total"]  # unusual order kept
                    return cols
        return list(schema.T3_COLUMNS)

    def _t3_row_key(self, split: _Split) -> str | None:
        if not split.labels:
            return None
        own = label_key(split.labels[-1].text)
        full = "".join(label_key(p.text) for p in split.labels)
        if _T3_HEADING_WORDS.search(full):
            return None
        for text in (own, strip_enum(own)):
            key = schema.first_match(schema.T3_ROW_LABELS, text)
            if key:
                return key
        return schema.first_match(schema.T3_ROW_LABELS, full)

    def _table3(self) -> bool:
        start, end = self._region(3, (0, len(self.rows)))
        rows = self.rows[start:end]
        cols = self._t3_columns(rows)
        ncols = len(cols)
        seen: dict[str, int] = {}
        first_row = None
        pending: tuple[str, int] | None = None
        for i, row in enumerate(rows):
            split = split_row(row)
            if pending and not split.labels and split.values:
                key, _ = pending
                values = fit(split.values, ncols)
                if values is not None:
                    self._t3_store(key, cols, values)
                elif (run := glued.glued_run(split.values, ncols)) is not None:
                    self._glued3.append((key, cols, run, schema.T3_ROW_NAMES.get(key, key)))
                pending = None
                continue
            key = self._t3_row_key(split)
            if key is None:
                continue
            if key == "handled_total" and not seen:
                continue  # a bare 总计 heading above the data
            if key in seen:
                # another table 三 (a second report in the same document) ends this one
                if len(seen) >= 10:
                    self.another_table = True  # parsers.multi looks for each report's start
                    break
                continue
            seen[key] = start + i
            if first_row is None:
                first_row = start + i
            if not split.values or all(v.text == "" for v in split.values) and len(split.values) < ncols:
                if not split.values:
                    pending = (key, i)
                    continue
            values = fit(split.values, ncols)
            if values is None:
                values = self._t3_salvage(split.values, ncols)
            if values is None and (run := glued.glued_run(split.values, ncols)) is not None:
                self._glued3.append((key, cols, run, label_key(split.labels[-1].text)))
                continue
            if values is None:
                self.report.notes.append(f"表三“{label_key(split.labels[-1].text)}”一行有 {len(split.values)} 个数值单元格，应为 {ncols} 个")
                continue
            self._t3_store(key, cols, values)
        if len(seen) < 3:
            self.report.cells = {k: v for k, v in self.report.cells.items() if not k.startswith("t3.")}
            return False
        self._t3_end = max(seen.values())
        self._t3_start = first_row
        if self._glued3:
            self._t3_unglue(seen)
        return True

    @staticmethod
    def _t3_salvage(values: list[Piece], n: int) -> list[Piece] | None:
        """A row with fewer values than columns in a text extract lost its trailing blanks: keep them."""
        nonempty = [v for v in values if v.text != ""]
        if len(nonempty) == n:
            return nonempty
        return None

    def _t3_store(self, row_key: str, cols: list[str], values: list[Piece]) -> None:
        for col, piece in zip(cols, values):
            if col == "subtotal":
                continue
            self._put(f"t3.{row_key}.{col}", piece)

    # ------------------------------------------------------------ table 二
    def _table2(self) -> None:
        t3_start = getattr(self, "_t3_start", len(self.rows))
        fallback_start = self.sections.get(2, -1) + 1
        start, end = self._region(2, (fallback_start, min(t3_start, self.sections.get(3, t3_start))))
        end = min(end, t3_start)
        heading: list[str] = []
        yuan = False
        pending: tuple[str, list[str]] | None = None
        for row in self.rows[start:end]:
            pieces = [p if (t := clean(p.text)) == p.text else Piece(t, p.at, p.span) for p in row.pieces]  # as split_row
            texts = [label_key(p.text) if not p.span else "" for p in pieces]
            cols = [schema.first_match(schema.T2_COLUMNS, t) for t in texts if t and t != "信息内容"]
            if any(cols) and not any(schema.first_match(schema.T2_ROWS, strip_enum(t)) for t in texts if t):
                heading = [c for c in cols if c]
                joined = "".join(texts)
                yuan = bool(_YUAN_HEADING.search(joined)) and "万元" not in joined
                continue
            label_index = next((i for i, t in enumerate(texts) if t and is_label(t)), None)
            if label_index is None:
                if pending:
                    vals = [p for p in pieces if not p.span and p.text != ""]
                    self._t2_store(*pending, vals, yuan)
                    pending = None
                continue
            own = strip_enum(texts[label_index])
            own_key = schema.first_match(schema.T2_ROWS, own)
            if own_key is None:
                # “行政处罚 0” in one cell (OCR): a label with its number
                sp = split_trailing_number(pieces[label_index].text)
                if sp and schema.first_match(schema.T2_ROWS, label_key(sp[0])):
                    own_key = schema.first_match(schema.T2_ROWS, label_key(sp[0]))
                    pieces[label_index] = Piece(sp[1], pieces[label_index].at)
                    label_index -= 1
                else:
                    continue
            values = []
            for p in pieces[label_index + 1:]:
                if p.span:
                    continue
                if is_label(p.text):
                    sp = split_trailing_number(p.text)
                    if sp:
                        values.append(Piece(sp[1], p.at))
                    continue
                values.append(p)
            expected = heading if heading else []
            if not any(v.text for v in values):
                pending = (own_key, expected)
                continue
            self._t2_store(own_key, expected, values, yuan)
            pending = None

    def _t2_store(self, row_key: str, heading: list[str], values: list[Piece], yuan: bool) -> None:
        layouts = [heading] + [schema.T2_LAYOUT[f].get(row_key, []) for f in (schema.FORMAT_2021, schema.FORMAT_2019)]
        if heading in layouts[1:] and len(values) < len(heading) and self._t2_unglue(row_key, heading, values):
            return
        for cols in layouts:
            if not cols:
                continue
            fitted = fit(values, len(cols))
            if fitted is not None:
                for col, piece in zip(cols, fitted):
                    self._put(f"t2.{row_key}.{col}", piece, amount_in_yuan=yuan and col == "amount")
                return
        self.report.notes.append(f"表二“{schema.T2_ROW_NAMES.get(row_key, row_key)}”一行的数值个数（{len(values)}）与表头不符")

    # ------------------------------------------------------------ table 四
    def _table4(self) -> None:
        t3_end = getattr(self, "_t3_end", 0)
        start, end = self._region(4, (t3_end + 1, self.sections.get(5, len(self.rows))))
        start = max(start, t3_end + 1)
        values: list[Piece] = []
        grouped: dict[str, list[Piece]] = {}
        glued_groups: dict[str, glued.Run] = {}
        for row in self.rows[start:end]:
            split = split_row(row)
            numeric = [v for v in split.values if v.text and v.text not in BLANK_MARKERS]
            # An all-blank row counts only from a real grid (15 empty <td>); in a text extract a
            # run of tabs after a heading is no data.
            if not split.values or not numeric and (self.layout.kind == "text" or split.labels or len(split.values) < 5):
                continue
            if split.labels:
                label = "".join(label_key(p.text) for p in split.labels)
                group = ("suit_after_review" if "复议后" in label else "suit_direct" if "直接起诉" in label
                         else "review" if "行政复议" in label else None)
                if group and len(split.values) >= 5 and not re.search(r"结果维持|结果纠正", label):
                    fitted = fit(split.values, 5)
                    if fitted:
                        grouped[group] = fitted
                elif group and not re.search(r"结果维持|结果纠正", label) and (run := glued.glued_run(split.values, 5)):
                    glued_groups[group] = run
                elif re.search(r"结果维持", label) and glued.glued_run(split.values, 15) is not None:
                    values.extend(split.values)  # the heading and the data flattened into one line
                    break
                continue
            values.extend(split.values)
            if len([v for v in values if v.text != ""]) >= 15 and len(values) >= 15:
                break
        if grouped or glued_groups:
            for group, vals in grouped.items():
                for res, piece in zip(schema.T4_RESULTS, vals):
                    self._put(f"t4.{group}.{res}", piece)
            for group, run in glued_groups.items():
                self._t4_unglue(run, [group])
            return
        fitted = fit(values, 15)
        if fitted is None and len(values) > 15:
            fitted = values[:15]
        if fitted is None and (run := glued.glued_run(values, 15)) is not None:
            self._t4_unglue(run, schema.T4_GROUPS)
            return
        if fitted is None:
            if values:
                self.report.notes.append(f"表四数据行有 {len(values)} 个单元格，应为 15 个")
            return
        for key, piece in zip(schema.T4_KEYS, fitted):
            self._put(key, piece)

    # ------------------------------------------------------------ format and completeness
    def _detect_format(self) -> None:
        keys = self.report.cells.keys()
        if any(k.split(".")[-1] in ("issued", "repealed", "in_force") for k in keys if k.startswith("t2.")):
            fmt = schema.FORMAT_2021
        elif any(k.startswith(("t2.other_services", "t2.procurement")) or k.split(".")[-1] in ("made", "published", "total_public", "prev_items")
                 for k in keys if k.startswith("t2.")):
            fmt = schema.FORMAT_2019
        elif any(k.startswith(("t3.other_no_correction", "t3.other_no_fee", "t3.other_other")) for k in keys):
            fmt = schema.FORMAT_2021
        elif any(k.startswith("t3.other.") for k in keys):
            fmt = schema.FORMAT_2019
        elif self.report.year is not None and self.report.year <= 2020:
            fmt = schema.FORMAT_2019
        else:
            fmt = schema.FORMAT_2021
        self.report.format = fmt

    def _finish_cells(self) -> None:
        r = self.report
        expected, order = _expected_keys(r.format or schema.FORMAT_2021)
        stray = [k for k in r.cells if k not in order]
        for k in stray:  # a 2019 row label met in a 2021 report (or the reverse) is noted, not kept
            r.notes.append(f"单元格 {k} 不属于 {r.format} 格式，未采用")
            del r.cells[k]
        r.missing = [k for k in expected if k not in r.cells]
        cells = r.cells
        # in the format's order (the keys are distinct: the order of ``expected`` is that of sorting by it)
        r.cells = {k: cells[k] for k in expected if k in cells}


@lru_cache(maxsize=8)
def _expected_keys(fmt: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """A format's canonical keys in order, and each key's place (made once per format)."""
    expected = tuple(schema.all_keys(fmt))
    assert len(set(expected)) == len(expected)
    return expected, {k: i for i, k in enumerate(expected)}


_NOT_UNIT = re.compile(r"^.*[^\u4e00-\u9fff()（）]")  # a path, a breadcrumb arrow, “标题:” before the unit


def distinct_titles(lines: list[str]) -> list[tuple[str, int]]:
    """The different reports the title-like lines name, as (unit, year).

    A crawler's header (标题:), a breadcrumb, the page title and the body's own heading all repeat one
    report's title — with or without 度, with a path before it — and count once; a list page names
    several units or years.
    """
    found: list[tuple[str, int]] = []
    for line in lines:
        if len(line) > 80:
            continue
        m = title_match(label_key(line))
        if not m:
            continue
        unit = _NOT_UNIT.sub("", (m.group("pre") or m.group("post") or "").strip("：:()（）《》 "))
        year = int(m.group("year"))
        unit = unit.removesuffix("人民政府")  # 甲县人民政府 and 甲县 name one report; 甲县教育局 another
        same = next((i for i, (u, y) in enumerate(found) if y == year and (not u or not unit or u == unit)), None)
        if same is None:
            found.append((unit, year))
        elif unit and not found[same][0]:
            found[same] = (unit, year)
    return found


def extract(layout: Layout, source: str) -> Report:
    """Read the report in ``layout``; raises :class:`ParseFailure` when it is not a readable report."""
    rows = runon.expand(layout.rows)  # a report flattened into one line: its tables cut back into rows
    if rows is not layout.rows:
        layout = Layout(rows=rows, kind=layout.kind, meta=layout.meta, notes=layout.notes)
    return Extractor(layout, source).run()
