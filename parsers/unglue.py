"""The extractor's part that reads glued digit runs (:mod:`parsers.glued`) into cells.

Mixed into :class:`parsers.extract.Extractor`: rows whose value pieces are one run of digits are split
by their table's arithmetic, the cells marked inferred, and runs with no unique split noted and left
unread (missing, never blank).
"""

from __future__ import annotations

import re

from . import glued, schema
from .model import Cell, Piece, Report


class Unglue:
    """Splitting glued runs of 表二/三/四 (needs ``self.report``)."""

    report: Report
    _glued3: list[tuple[str, list[str], glued.Run, str]]

    def _t3_unglue(self, seen: dict[str, int]) -> None:
        """Split the rows whose cells were glued together, by the table's arithmetic (:mod:`parsers.glued`)."""
        cols = self._glued3[0][1]
        open_rows: dict[str, list[tuple[int, ...]]] = {}
        info: dict[str, tuple[glued.Run, str, list[str]]] = {}
        for key, row_cols, run, label in self._glued3:
            decision, cands = glued.decide(run, len(row_cols), _t3_groups(row_cols, key))
            if decision.values is not None:
                self._put_split("t3", key, row_cols, decision.values, run, decision.by)
            elif cands and row_cols == cols:
                open_rows[key] = cands
                # the candidates already satisfy the row's own total when any split did
                info[key] = (run, label, [f"T3-ROW-TOTAL/{key}"] if decision.adds_up else [])
            else:
                self._unglue_note("表三", label, run, len(row_cols), decision.candidates)
        if not open_rows:
            return
        known: dict[tuple[str, int], int | None] = {}
        for k, cell in self.report.cells.items():
            _, row, col = k.split(".")
            if k.startswith("t3.") and col in cols and not cell.invalid:
                known[(row, cols.index(col))] = cell.value
        rows_2021 = {"other_no_correction", "other_no_fee", "other_other"}
        have = {row for row, _ in known} | set(open_rows)
        results = schema.T3_RESULT_ROWS_2021 if have & rows_2021 else schema.T3_RESULT_ROWS_2019
        identities = []
        for col in schema.T3_COLUMNS:
            j = cols.index(col)
            identities.append(glued.Identity(f"T3-BALANCE/{col}", (("new", j), ("carried_in", j)),
                                             (("handled_total", j), ("carried_out", j)), ("handled_total", j)))
            identities.append(glued.Identity(f"T3-HANDLED-SUM/{col}", tuple((r, j) for r in results),
                                             (("handled_total", j),), ("handled_total", j)))
        for key, (values, tags) in glued.joint(open_rows, known, identities).items():
            run, label, by = info[key]
            if values is None:
                self._unglue_note("表三", label, run, len(cols), len(open_rows[key]))
            else:
                self._put_split("t3", key, cols, values, run, by + tags)

    def _put_split(self, table: str, row: str, cols: list[str], values: tuple[int, ...], run: glued.Run,
                   by: list[str]) -> None:
        """The cells of a split run: inferred, the run as their raw text, the constraints used in ``at``."""
        for col, value in zip(cols, values):
            key = f"{table}.{row}.{col}"
            if col == "subtotal" or key in self.report.cells:
                continue
            self.report.cells[key] = Cell(key, value, run.raw, {**run.at, "by": list(by)}, inferred=True)

    def _unglue_note(self, table: str, label: str, run: glued.Run, n: int, candidates: int) -> None:
        how = (f"有 {candidates} 种拆分均符合合计" if candidates > 1 else "没有一种拆分符合合计" if candidates == 0
               else "无法确定")
        self.report.notes.append(f"{table}“{label}”一行的数字“{run.raw}”无法唯一拆分为 {n} 个单元格（{how}），未读取")


    def _t2_unglue(self, row_key: str, cols: list[str], values: list[Piece]) -> bool:
        """Digits glued together in a 表二 row. 表二 has no arithmetic, so only a split the digits allow
        on their own (“000” for three cells) is read; any other run is noted and left unread."""
        run_text = " ".join(v.text for v in values if v.text)
        if sum(1 for v in values if v.text.strip()) != 1 or not re.fullmatch(r"[\d\s.,]+(?:万?元)?", run_text):
            return False  # cells the document did separate are never split
        run = glued.glued_run(values, len(cols))
        if run is None and glued.as_run(values) is not None:
            return False  # fewer digits than cells
        free = glued.splits(run, len(cols), limit=1) if run is not None else None
        if run is not None and free is not None and len(free) == 1:
            self._put_split("t2", row_key, cols, free[0], run, [])
        else:
            self.report.notes.append(f"表二“{schema.T2_ROW_NAMES.get(row_key, row_key)}”一行的数字“{run_text}”"
                                     f"无法唯一拆分为 {len(cols)} 个单元格，未读取")
        return True


    def _t4_unglue(self, run: glued.Run, groups: list[str]) -> None:
        """A glued 表四 run (all three groups, or one): each group's four parts add up to its 总计."""
        constraints = [(tuple(range(5 * k, 5 * k + 4)), 5 * k + 4, f"T4-TOTAL/{g}") for k, g in enumerate(groups)]
        decision, _ = glued.decide(run, 5 * len(groups), constraints)
        if decision.values is None:
            label = "表四" if len(groups) > 1 else schema.T4_GROUP_NAMES[groups[0]]
            self._unglue_note("表四", label, run, 5 * len(groups), decision.candidates)
            return
        for k, g in enumerate(groups):
            self._put_split("t4", g, schema.T4_RESULTS, decision.values[5 * k:5 * k + 5], run, decision.by)


def _t3_groups(cols: list[str], row: str) -> list[glued.Group]:
    """A 表三 row's own arithmetic: applicants add up to 总计 (and the organisations to a 小计)."""
    total = cols.index("total")
    groups: list[glued.Group] = [(tuple(i for i, c in enumerate(cols) if c in schema.T3_APPLICANTS), total,
                                  f"T3-ROW-TOTAL/{row}")]
    if "subtotal" in cols:
        orgs = tuple(i for i, c in enumerate(cols) if c in schema.T3_APPLICANTS and c != "natural")
        groups.append((orgs, cols.index("subtotal"), f"T3-SUBTOTAL/{row}"))
    return groups
