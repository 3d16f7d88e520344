"""Glued digit runs: table rows whose cells lost their separators (“640020470” for 64·0·0·2·0·4·70).

Archive crawlers and text converters join a row's cells with nothing, or with spaces that do not sit
between cells (“230 000023”). Such a run is split with the table's own arithmetic: the applicant
columns of a 表三 row add up to its 总计, the column identities (T3-BALANCE, T3-HANDLED-SUM) hold
across rows, each 表四 group's four parts add up to its 总计. Digits stay in order; spaces are not
trusted; a boundary between two pieces (a tab, a table cell) is. A multi-digit count never starts
with 0. A split is taken only when it is the only one that satisfies the constraints. The constraints
that decided it are returned as rule instances (``"T3-ROW-TOTAL/new"``): such an instance has no
evidence left besides the split itself and is reported not_assessable, not as a pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Piece

_RUN = re.compile(r"^[\d\s]+$")
MAX_CANDIDATES = 400  # a row with more splits than this under its own constraints is left unread
MAX_SOLUTIONS = 1000  # joint (cross-row) solutions looked at before giving up
MAX_PART = 7  # digits of one count: no cell of these tables counts ten million

# A constraint on one row's parts: sum(parts[addends]) == parts[total], tagged with its rule instance.
Group = tuple[tuple[int, ...], int, str]


@dataclass
class Run:
    """The digits of a row's value pieces, with the boundaries the document itself guarantees."""

    digits: str
    cuts: frozenset[int]  # positions in ``digits`` where a part must end (a piece boundary)
    raw: str  # the pieces' text as written: the cells' raw and the notes quote it
    at: dict


def as_run(values: Sequence[Piece]) -> Run | None:
    """The value pieces as one glued run; None unless they are digits and spaces only (an empty piece
    inside the row means a real grid with a blank cell, not a glued run)."""
    digits, cuts, raws, at = "", set(), [], None
    texts = [p.text.strip() for p in values]
    while texts and not texts[-1]:
        texts.pop()
    for p, text in zip(values, texts):
        if not text:
            if digits:
                return None
            continue
        if not _RUN.match(text):
            return None
        if digits:
            cuts.add(len(digits))
        digits += re.sub(r"\s+", "", text)
        raws.append(text)
        at = at or dict(p.at)
    if not digits:
        return None
    return Run(digits, frozenset(cuts), " ".join(raws), at or {})


def glued_run(values: Sequence[Piece], n: int) -> Run | None:
    """The row's values as a glued run of ``n`` cells: one piece holding at least ``n`` digits.

    Several pieces are cells the document did separate: a row that has fewer of them than columns
    lost cells rather than glued them, and is not split (that would be a guess).
    """
    if sum(1 for p in values if p.text.strip()) != 1:
        return None
    run = as_run(values)
    return run if run is not None and len(run.digits) >= n else None


def splits(run: Run, n: int, groups: Sequence[Group] = (), *, limit: int = MAX_CANDIDATES) -> list[tuple[int, ...]] | None:
    """Every split of ``run`` into ``n`` counts that satisfies ``groups``; None when there are more
    than ``limit``.

    Parts are assigned right to left because a group's total stands right of its addends: once the
    total is known, an addend larger than what is left of it cuts the branch, so rows of 3- and
    4-digit counts take milliseconds.
    """
    digits, size = run.digits, len(run.digits)
    if size < n or size > n * MAX_PART:
        return []
    members = [set(a) | {t} for a, t, _ in groups]
    lowest = [min(m) for m in members]
    mine = [[g for g in range(len(groups)) if i in members[g]] for i in range(n)]
    addend_sets = [set(a) for a, _, _ in groups]
    left_of = [set(range(i)) for i in range(n)]
    # What each position checks, worked out once: per group, its addends right of the position.
    above = [[tuple(a for a in addends if a > i) for addends, _, _ in groups] for i in range(n)]
    # the state a position is reached in: each open group's total (once assigned) and sum so far
    state_of = [[(t, above[i][g]) for g, (_, t, _) in enumerate(groups) if lowest[g] <= i] for i in range(n)]
    # its groups whose total stands here or to the right: (addends right of here, total, here an addend, closes)
    fits_of = [[(above[i][g], t, i in addend_sets[g], i == lowest[g]) for g in mine[i] for t in (groups[g][1],) if t >= i]
               for i in range(n)]
    # the groups it is an addend of whose total is assigned already: it cannot exceed what is left
    rooms_of = [[(t, above[i][g]) for g in mine[i] for t in (groups[g][1],) if i in addend_sets[g] and t > i]
                for i in range(n)]
    # ... and whose addends are all the parts left of it (see below)
    lefts_of = [[(t, above[i][g]) for g in mine[i] for t in (groups[g][1],)
                 if i and t >= i and i in addend_sets[g] and left_of[i] <= addend_sets[g]] for i in range(n)]
    parts = [0] * n
    out: list[tuple[int, ...]] = []
    dead: set = set()  # states (position, digits left, open sums) already known to lead nowhere

    def go(i: int, end: int) -> bool:
        if i < 0:
            out.append(tuple(parts))
            return len(out) <= limit
        key = (i, end, tuple((parts[t] if t > i else -1, sum(parts[a] for a in right)) for t, right in state_of[i]))
        if key in dead:
            return True
        before = len(out)
        if not _go(i, end):
            return False
        if len(out) == before:
            dead.add(key)
        return True

    def _go(i: int, end: int) -> bool:
        starts = range(end - 1, max(i, end - MAX_PART) - 1, -1) if i else ([0] if end <= MAX_PART else [])
        # the parts right of ``i`` are fixed while it is chosen: their sums are taken once
        fits = [(sum(parts[a] for a in right), t, addend, closes) for right, t, addend, closes in fits_of[i]]
        rooms = [parts[t] - sum(parts[a] for a in right) for t, right in rooms_of[i]]
        room = min(rooms) if rooms else None  # what is left of the smallest assigned total over it
        lefts = [(t, sum(parts[a] for a in right)) for t, right in lefts_of[i]]
        for start in starts:
            if any(start < c < end for c in run.cuts):
                break  # a part never spans a boundary the document gives
            if end - start > 1 and digits[start] == "0":
                continue
            parts[i] = value = int(digits[start:end])
            if room is not None and value > room:
                break  # longer parts only grow
            if not _fits(fits, value) or not _left_can_add_up(lefts, value, i, start):
                continue
            if not go(i - 1, start):
                return False
        return True

    def _fits(fits: list[tuple[int, int, bool, bool]], value: int) -> bool:
        """Each group's addends so far add up to its total at its leftmost member, and stay under it before."""
        for right, t, addend, closes in fits:
            s = right + value if addend else right
            if (s != parts[t]) if closes else (s > parts[t]):
                return False
        return True

    def _left_can_add_up(lefts: list[tuple[int, int]], value: int, i: int, start: int) -> bool:
        """When the parts left of ``i`` (``start`` digits) are all addends of one group whose total is
        known, they must make up exactly what is left of it: none can have more digits than that,
        and together they cannot exceed the largest sum those digits can make."""
        for t, right in lefts:
            rest = parts[t] - (right + value)
            if rest < 0 or start > i * len(str(rest)) or rest > 10 ** (start - i + 1) - 1 + 9 * (i - 1):
                return False
        return True

    if not go(n - 1, size):
        return None
    return out


@dataclass
class Decision:
    """How one run was read: its values (None when not uniquely), the constraints that decided it."""

    values: tuple[int, ...] | None
    by: list[str] = field(default_factory=list)
    candidates: int = 0  # splits left when it stays unread (0: none fits the constraints)
    adds_up: bool = False  # the open candidates satisfy the row's own constraints (some split did)


def decide(run: Run, n: int, groups: Sequence[Group]) -> tuple[Decision, list[tuple[int, ...]] | None]:
    """Split one run by its own row's constraints. Returns the decision and, when it stays open, the
    candidates a cross-row search may still narrow down (None: too many to try)."""
    free = splits(run, n, limit=1)
    if free is not None and len(free) == 1:
        return Decision(free[0]), None  # only one way to read the digits at all: no arithmetic used
    cands = splits(run, n, groups) if groups else free
    if cands is not None and len(cands) == 1:
        return Decision(cands[0], by=_necessary(run, n, groups, cands[0])), None
    if cands == [] and (free := splits(run, n)):
        return Decision(None, candidates=len(free)), free  # the row does not add up under any split
    return Decision(None, candidates=len(cands) if cands is not None else MAX_CANDIDATES + 1,
                    adds_up=bool(cands)), cands


def _necessary(run: Run, n: int, groups: Sequence[Group], chosen: tuple[int, ...]) -> list[str]:
    """The groups without which the split would not be unique (all of them when none alone is)."""
    if len(groups) == 1:
        return [groups[0][2]]
    needed = []
    for g in range(len(groups)):
        rest = [x for k, x in enumerate(groups) if k != g]
        alt = splits(run, n, rest, limit=2)
        if alt is None or len(alt) != 1:
            needed.append(groups[g][2])
    return needed or [g[2] for g in groups]


# ---------------------------------------------------------------- several rows at once
@dataclass(frozen=True)
class Identity:
    """``sum(left) == sum(right)`` over cells named (row, column); ``result`` blank → unusable."""

    tag: str
    left: tuple[tuple[str, int], ...]
    right: tuple[tuple[str, int], ...]
    result: tuple[str, int]


def joint(open_rows: dict[str, list[tuple[int, ...]]], known: dict[tuple[str, int], int | None],
          identities: Sequence[Identity]) -> dict[str, tuple[tuple[int, ...] | None, list[str]]]:
    """Choose one candidate per open row so that the identities hold.

    ``known`` holds the values of cells read directly (None for a blank); an identity that needs a
    cell neither known nor in an open row, or whose result is blank, is not used. A row is decided
    when every solution gives it the same split; the identities it depends on are returned with it.
    """
    usable: list[Identity] = []
    for ident in identities:
        cells = ident.left + ident.right
        if not any(r in open_rows for r, _ in cells):
            continue
        if any(c[0] not in open_rows and c not in known for c in cells):
            continue
        if ident.result[0] not in open_rows and known.get(ident.result) is None:
            continue
        usable.append(ident)
    solutions = _solve(open_rows, known, usable)
    out: dict[str, tuple[tuple[int, ...] | None, list[str]]] = {}
    for r in open_rows:
        picks = {sol[r] for sol in solutions} if solutions is not None else set()
        if len(picks) != 1:
            out[r] = (None, [])
            continue
        mine = [i for i in usable if any(x == r for x, _ in i.left + i.right)]
        needed = []
        for ident in mine:  # an identity the split does not depend on stays a real check
            rest = _solve(open_rows, known, [i for i in usable if i is not ident])
            if rest is None or len({sol[r] for sol in rest}) != 1:
                needed.append(ident.tag)
        if not needed:  # several would do alone: every one that rules out some split took part
            for ident in mine:
                alone = _solve(open_rows, known, [ident])
                if alone is not None and len({sol[r] for sol in alone}) < len(open_rows[r]):
                    needed.append(ident.tag)
        out[r] = (picks.pop(), needed or [i.tag for i in mine])
    return out


def _solve(open_rows: dict[str, list[tuple[int, ...]]], known: dict[tuple[str, int], int | None],
           usable: Sequence[Identity]) -> list[dict[str, tuple[int, ...]]] | None:
    """Every choice of candidates under which the identities hold; None when too many."""
    rows = list(open_rows)
    last = {ident: max(rows.index(r) for r, _ in ident.left + ident.right if r in open_rows) for ident in usable}
    check_at = [[ident for ident in usable if last[ident] == k] for k in range(len(rows))]
    chosen: dict[str, tuple[int, ...]] = {}
    solutions: list[dict[str, tuple[int, ...]]] = []

    def value(cell: tuple[str, int]) -> int:
        r, c = cell
        return chosen[r][c] if r in chosen else (known.get(cell) or 0)

    def holds(ident: Identity) -> bool:
        return sum(value(c) for c in ident.left) == sum(value(c) for c in ident.right)

    def go(k: int) -> bool:
        if k == len(rows):
            solutions.append(dict(chosen))
            return len(solutions) <= MAX_SOLUTIONS
        for cand in open_rows[rows[k]]:
            chosen[rows[k]] = cand
            if all(holds(i) for i in check_at[k]) and not go(k + 1):
                return False
        chosen.pop(rows[k], None)
        return True

    return solutions if go(0) else None
