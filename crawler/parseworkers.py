"""The parse stage's workers: the CPU part (page metadata, parse, rules) on every core, one writer.

``ParseStage.run`` hands each batch of queue entries to worker processes, partitioned by unit: all of
a unit's entries go to the same worker, in queue order, so the rules that compare a report with the
unit's last year (X-CARRY) see it, and a page's attachments meet the page's metadata in that worker's
cache. Workers only read the database; the stage's own process writes each batch's results, in queue
order, in one transaction with the entries' removal from the queue — so a kill at any point (of a
worker or of the stage) leaves every entry done or still queued, as with one process.
With a single worker (two cores) the stage's process prepares a third of the units itself, when it
collects a batch: writing alone leaves its core mostly idle while the worker is the bottleneck.

A worker's view of its units' reports (:class:`UnitView`) is the store's rows plus the reports it
prepared itself that the writer may not have committed yet: what one process writing each report
before parsing the next would have seen.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import logging
import multiprocessing
import os
import signal
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from parsers.model import Cell, Report, RuleResult

from .store import Store

log = logging.getLogger(__name__)

# Reports a worker remembers after preparing them: far more than can be in flight (a few batches),
# so the writer has committed a report long before its worker forgets it.
_MEMORY = 512


def quiet_gc() -> None:
    """Collect garbage less often in a long-lived stage process (``NIANBAO_PARSE_GC=default`` leaves it).

    A report is a few hundred small objects that live until written, so the default thresholds run a
    young collection every few documents and a full one, walking every remembered report and the
    imported modules, every few hundred: about a tenth of the stage's CPU on HTML reports. What
    start-up made (modules, the registry) is frozen out of collection; cycles are still collected.
    The setting is the whole process's and freezing is for good: call it only in a process that exists
    to empty the queue (the stage's ``main``, a worker's start), never in one that
    runs on afterwards (a crawl parsing inline, a test session, the scheduler).
    """
    if os.environ.get("NIANBAO_PARSE_GC", "").strip() == "default":
        return
    gc.collect()  # garbage left by start-up is collected, not frozen with it
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def default_workers() -> int:
    """Cores − 1 (one is the crawl's), at least 1; ``NIANBAO_PARSE_WORKERS`` overrides."""
    env = os.environ.get("NIANBAO_PARSE_WORKERS", "").strip()
    if env:
        return max(0, int(env))
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def partition_key(entry: dict[str, Any]) -> str:
    """Entries of one unit share a key (without a unit code, the page they belong to does)."""
    item = entry["item"]
    return item.get("unit_code") or item.get("page_url") or item.get("url") or ""


class UnitView:
    """What :func:`crawler.ingest.check_report` and ``recheck_next_year`` ask of a store — last year's
    report, next year's reports, writing rule results — answered from the store's committed rows
    overlaid with this worker's own prepared reports; rule results are collected, not written."""

    def __init__(self, store: Store):
        self.store = store
        self.mine: OrderedDict[str, tuple[str | None, Report]] = OrderedDict()  # report id → (unit code, report)
        # the remembered reports by (year, unit code) and (year, unit name): a lookup reads its unit's
        # few, not all _MEMORY of them (each check asks three to five times)
        self._by_code: dict[tuple[int | None, str | None], set[str]] = {}
        self._by_name: dict[tuple[int | None, str | None], set[str]] = {}
        self._keys: dict[str, tuple[tuple, tuple]] = {}  # report id → its two index keys
        self.rechecked: list[tuple[str, list[RuleResult]]] = []

    @property
    def db(self):
        """The store's connection, read only here: the evaluator's checks look up the registry unit and its
        county's reports (crawler.fingerprints); what a worker prepares is written by the stage's writer."""
        return self.store.db

    def remember(self, rid: str, unit_code: str | None, report: Report) -> None:
        if rid in self.mine:
            self._unindex(rid)
        self.mine[rid] = (unit_code, report)
        self.mine.move_to_end(rid)
        # indexed under what the report says now (its year and unit are final once it is checked; a
        # lookup still tests the report itself)
        self._keys[rid] = keys = ((report.year, unit_code), (report.year, report.unit))
        self._by_code.setdefault(keys[0], set()).add(rid)
        self._by_name.setdefault(keys[1], set()).add(rid)
        while len(self.mine) > _MEMORY:
            self._unindex(next(iter(self.mine)))
            self.mine.popitem(last=False)

    def _unindex(self, rid: str) -> None:
        for index, key in zip((self._by_code, self._by_name), self._keys.pop(rid)):
            ids = index.get(key)
            if ids is not None:
                ids.discard(rid)
                if not ids:
                    del index[key]

    # the Store methods the rules' context uses
    def load_report(self, rid: str) -> Report | None:
        if rid in self.mine:
            return self.mine[rid][1]
        return self.store.load_report(rid)

    def find_report(self, *, unit: str | None, year: int | None, unit_code: str | None = None) -> str | None:
        if year is None or not (unit or unit_code):
            return None
        # as Store.find_report: by code first, then by name among reports without a code; latest date first
        for by_code in ((True, False) if unit_code else (False,)):
            ids = self._candidates(unit, year, unit_code, by_code)
            if ids:
                return min(ids, key=lambda c: (c[1] is None, _neg(c[1]), c[0]))[0]
        return None

    def reports_of(self, *, unit: str | None, year: int, unit_code: str | None = None) -> list[str]:
        if unit_code:
            ids = self._candidates(unit, year, unit_code, True)
            if ids:
                return sorted(i for i, _ in ids)
        return sorted(i for i, _ in self._candidates(unit, year, unit_code, False))

    def save_rule_results(self, rid: str, results: list[RuleResult]) -> None:
        self.rechecked.append((rid, results))
        if rid in self.mine:
            self.mine[rid][1].rules = results

    def _candidates(self, unit, year, unit_code, by_code: bool) -> list[tuple[str, str | None]]:
        """(id, published) of the unit's non-failed reports of ``year``, the store's and this worker's."""
        if by_code:
            rows = self.store.db.execute(
                "SELECT id, published, unit_code FROM reports WHERE unit_code = ? AND year = ? AND status != 'failed'",
                [unit_code, year]).fetchall()
        elif unit_code:
            # a coded unit's name matches only reports stored without a code: their own small index, not
            # every 城关镇人民政府 of the country
            rows = self.store.db.execute(
                "SELECT id, published, unit_code FROM reports WHERE unit = ? AND year = ? AND unit_code IS NULL "
                "AND status != 'failed'", [unit, year]).fetchall()
        else:
            rows = self.store.db.execute(
                "SELECT id, published, unit_code FROM reports WHERE unit = ? AND year = ? AND status != 'failed'",
                [unit, year]).fetchall()
        found = {rid: published for rid, published, _ in rows if rid not in self.mine}
        index, key = (self._by_code, (year, unit_code)) if by_code else (self._by_name, (year, unit))
        for rid in index.get(key, ()):
            code, report = self.mine[rid]
            if report.error is not None or report.year != year:
                continue
            if (code == unit_code) if by_code else (report.unit == unit and (unit_code is None or code is None)):
                found[rid] = report.published.isoformat() if report.published else None
        return list(found.items())


def _neg(published: str | None) -> tuple:
    """A sort key putting later dates first (ISO dates compare as strings)."""
    return tuple(-ord(ch) for ch in published or "")


# ==================================================================== the worker processes

_stage = None  # the worker process's own ParseStage (its own read connection)


def _die_with_parent() -> None:
    """A worker must not outlive its stage (a SIGKILL of the stage leaves no orphan parsing on)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _init(db: str, registry) -> None:
    global _stage
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the stage's to handle
    from .parsestage import ParseStage

    _stage = ParseStage(Store(db), registry, workers=0, sync_units=False)
    quiet_gc()


def _prepare_many(entries: list[dict[str, Any]]) -> list[tuple[bool, Any]]:
    """In a worker: prepare each entry; (True, Prepared) or (False, the traceback) per entry. Reports
    travel to the writer packed (:class:`_Packed`)."""
    out = prepare_each(_stage, entries)
    for ok, prepared in out:
        if ok and isinstance(getattr(prepared, "report", None), Report):
            prepared.report = _Packed(prepared.report)
    return out


# ==================================================================== reports on the wire

_CELL_FIELDS = tuple(f.name for f in dataclasses.fields(Cell))
_RULE_FIELDS = tuple(f.name for f in dataclasses.fields(RuleResult))


class _Packed:
    """A report on its way from a worker to the writer: its ~200 cells and ~60 rule results pickled as
    tuples of their fields, not as an object each (pickle rebuilds an object through ``__reduce_ex__``
    and a ``__dict__`` per instance, most of the writer's cost of receiving a report). Unpickled, it is
    the :class:`Report` again, equal to the one sent."""

    __slots__ = ("report",)

    def __init__(self, report: Report):
        self.report = report

    def __reduce__(self):
        r = self.report
        state = dict(r.__dict__)
        state["cells"] = (list(r.cells), _flat(r.cells.values(), _CELL_FIELDS))
        state["rules"] = _flat(r.rules, _RULE_FIELDS)
        state["others"] = [_Packed(o) if isinstance(o, Report) else o for o in r.others]
        return _unpack_report, (type(r), state)


def _flat(objects: Iterable[Any], names: tuple[str, ...]) -> list[Any]:
    """Dataclass instances as tuples of their fields' values (an instance with anything else in its
    ``__dict__`` travels as it is)."""
    out: list[Any] = []
    for obj in objects:
        d = obj.__dict__
        out.append(tuple(d.values()) if tuple(d) == names else obj)
    return out


def _unflat(rows: list[Any], cls: type, names: tuple[str, ...]) -> list[Any]:
    out = []
    for row in rows:
        if type(row) is tuple:
            obj = cls.__new__(cls)
            obj.__dict__.update(zip(names, row))
            row = obj
        out.append(row)
    return out


def _unpack_report(cls: type, state: dict[str, Any]) -> Report:
    keys, cells = state["cells"]
    state["cells"] = dict(zip(keys, _unflat(cells, Cell, _CELL_FIELDS)))
    state["rules"] = _unflat(state["rules"], RuleResult, _RULE_FIELDS)
    report = cls.__new__(cls)
    report.__dict__.update(state)
    return report


def prepare_each(stage, entries: list[dict[str, Any]]) -> list[tuple[bool, Any]]:
    """``stage.prepare`` each entry; (True, Prepared) or (False, the traceback) per entry."""
    out: list[tuple[bool, Any]] = []
    for entry in entries:
        try:
            out.append((True, stage.prepare(entry)))
        except Exception:
            out.append((False, traceback.format_exc()))
    return out


class _Here:
    """A share of a batch prepared in the writer's own process, when the writer asks for its result
    (so the workers go on with the next batches meanwhile); a Future's ``result`` to ``collect``."""

    def __init__(self, prepare: Callable[[list[dict[str, Any]]], list[tuple[bool, Any]]], part: list[dict[str, Any]]):
        self.prepare, self.part = prepare, part
        self.done: list[tuple[bool, Any]] | None = None

    def result(self) -> list[tuple[bool, Any]]:
        if self.done is None:
            self.done = self.prepare(self.part)
        return self.done


class WorkerPool:
    """``n`` worker processes, one per partition; each runs its tasks in submission order.

    With ``here`` (a function preparing a list of entries in the calling process, as
    :func:`prepare_each`), the caller takes a share of the units too: a third of them beside a single
    worker. On two cores the writer alone keeps one core a third busy and the worker is the
    bottleneck once the crawl is done; with more workers the writer has its own writing to do."""

    def __init__(self, n: int, db: str, registry, *,
                 here: Callable[[list[dict[str, Any]]], list[tuple[bool, Any]]] | None = None):
        ctx = multiprocessing.get_context("spawn")  # no fork of a process holding SQLite or a reactor
        self.executors = [ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init,
                                              initargs=(db, registry)) for _ in range(n)]
        self.here = here if n == 1 else None
        # partitions: two per worker and one for the caller (a unit's partition never changes)
        self.slots = 2 * n + 1 if self.here is not None else n

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        for ex in self.executors:
            ex.shutdown(wait=exc[0] is None, cancel_futures=True)

    def submit(self, entries: list[dict[str, Any]]) -> list[tuple[list[dict[str, Any]], Future | _Here]]:
        """Send a batch out, one task per worker that has entries in it."""
        parts: dict[int, list[dict[str, Any]]] = {}
        n = len(self.executors)
        for entry in entries:
            slot = _slot(partition_key(entry), self.slots)
            parts.setdefault(slot % n if slot < 2 * n or self.here is None else -1, []).append(entry)
        return [(part, _Here(self.here, part) if i < 0 else self.executors[i].submit(_prepare_many, part))
                for i, part in parts.items()]

    @staticmethod
    def collect(entries: list[dict[str, Any]], tasks: Iterable[tuple[list[dict[str, Any]], Future | _Here]]
                ) -> list[tuple[dict[str, Any], bool, Any]]:
        """The batch's results in queue order: (entry, ok, Prepared or traceback). A worker that died
        raises here (its entries stay queued for the next stage)."""
        by_id: dict[int, tuple[bool, Any]] = {}
        # the caller's own share first: the workers prepare theirs meanwhile
        for part, future in sorted(tasks, key=lambda task: not isinstance(task[1], _Here)):
            for entry, result in zip(part, future.result()):
                by_id[entry["id"]] = result
        return [(e, *by_id[e["id"]]) for e in entries]


def _slot(key: str, n: int) -> int:
    import zlib

    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % n
