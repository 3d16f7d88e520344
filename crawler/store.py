"""The SQLite store (sqlite-utils only): raw documents, reports, cells in long format, rule results.

Raw documents are content-addressed (SHA-256) and kept, so any report can be re-parsed after a parser
improvement. Writing is idempotent: storing the same document or the same parse twice changes nothing.
Each document's reports, cells and rule results are replaced in one transaction, so a crash leaves
either the old parse or the new one, never half of each.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlite_utils

from parsers import PARSER_VERSION
from parsers.model import Cell, ParseFailure, Report, RuleResult

from . import compact, fetchlog, fingerprints, rawcodec, searchtext
from .transactions import atomic

SCHEMA = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")  # the tables, as data


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def report_status(report: Report) -> str:
    """ok | inconsistent | incomplete | failed | legacy — one word a reader can filter on."""
    if report.error is not None:
        return "failed"
    if report.format == "legacy":
        return "legacy"
    if any(r.status == "fail" and r.severity == "error" and r.rule != "CELLS-MISSING" for r in report.rules):
        return "inconsistent"
    if report.incomplete:
        return "incomplete"
    return "ok"


@lru_cache(maxsize=4096)  # a rule's cell list is the same in every report (a few dozen lists)
def _cells_json(cells: tuple[str, ...]) -> str:
    return json.dumps(list(cells))


_INSERT_CELLS = (f"INSERT INTO cell_values ({', '.join(compact.CELL_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(compact.CELL_COLUMNS))})")


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


class Store:
    """The nianbao database. ``Store(path)`` opens (and creates) it with WAL and foreign keys on."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._texts: dict[str, int] = {}  # rule_texts ids met (crawler.compact.rule_rows checks them)
        self.db = sqlite_utils.Database(self.path)
        conn = self.db.conn
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        # WAL + NORMAL: a crash or power loss can lose the last commits but never corrupts the file, and
        # commits stop waiting for an fsync each (a crawl commits a few times per document)
        conn.execute("PRAGMA synchronous = NORMAL")
        # a national store is gigabytes: the default 2 MB page cache cannot hold even the inner pages of the
        # indexes a report touches, so every write re-read them (CPU per unit grew with the store); bounded
        conn.execute("PRAGMA cache_size = -65536")  # KiB: 64 MB at most, filled only as pages are read
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript(SCHEMA)
        conn.executescript(fingerprints.SCHEMA)  # per-report similarity fingerprints (COPY-* rules)
        rawcodec.ensure(conn)  # raw documents compressed (an older database is migrated once)
        compact.ensure(conn)  # cells and rule results without redundancy (an older database is migrated once)
        searchtext.register(conn)  # the full-text index's triggers segment text with it (browse.views)
        fetchlog.ensure(conn)  # fetch outcomes summarised per unit and night

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested calls join the outermost one (so a caller can make several of the
        store's writes — a report, its source, its queue entry — commit or roll back together)."""
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > 1:
                yield
            else:
                with atomic(self.db.conn):
                    yield
        finally:
            self._depth -= 1

    # ------------------------------------------------------------ raw documents
    def add_document(self, data: bytes, *, name: str | None = None, source: str | None = None,
                     kind: str | None = None, digest: str | None = None) -> str:
        """Keep a raw document (once per content); returns its SHA-256 (``digest`` when the caller
        has it already)."""
        digest = digest or sha256(data)
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO documents (sha256, size, kind, name, source, first_seen) VALUES (?, ?, ?, ?, ?, ?)",
                [digest, len(data), kind, name, source, now()],
            )
            if self.db.execute("SELECT 1 FROM raw WHERE sha256 = ?", [digest]).fetchone() is None:
                content, codec = rawcodec.pack(data)
                self.db.execute("INSERT OR IGNORE INTO raw (sha256, content, codec) VALUES (?, ?, ?)",
                                [digest, content, codec])
        return digest

    def document_bytes(self, digest: str) -> bytes | None:
        """A raw document's bytes as crawled (decompressed: see :mod:`crawler.rawcodec`)."""
        row = self.db.execute("SELECT content, codec FROM raw WHERE sha256 = ?", [digest]).fetchone()
        return rawcodec.unpack(row[0], row[1]) if row else None

    def documents(self) -> Iterator[dict[str, Any]]:
        yield from self.db.query("SELECT sha256, name, source, kind, size FROM documents ORDER BY first_seen, sha256")

    # ------------------------------------------------------------ reports
    @staticmethod
    def report_id(document: str, index: int = 0) -> str:
        return document[:16] + (f"-{index}" if index else "")

    def save_reports(self, document: str, reports: list[Report], *, unit_code: str | None = None,
                     unit_codes: list[str | None] | None = None) -> list[str]:
        """Replace the document's reports, cells and rule results — unless nothing changed.

        ``unit_codes`` gives each report its own unit (a page with several units' reports), else all
        are ``unit_code``'s.

        One transaction: plain statements only, since sqlite-utils' write methods commit on their own
        and a crash between two of them would leave a report without its cells.
        """
        ids = []
        with self.transaction():
            for index, report in enumerate(reports):
                rid = self.report_id(document, index)
                ids.append(rid)
                row = self._report_row(rid, document, report, unit_codes[index] if unit_codes else unit_code)
                old = self.db.execute("SELECT digest FROM reports WHERE id = ?", [rid]).fetchone()
                if old and old[0] == row["digest"]:
                    # the same parse: only the date and the rule results may differ
                    self.db.execute("UPDATE reports SET published = ? WHERE id = ? AND published IS NOT ?",
                                    [row["published"], rid, row["published"]])
                    self._replace_rules_if_changed(rid, report)
                    if not fingerprints.has(self, rid):  # a store from before fingerprints
                        fingerprints.save(self, rid, report, unit_code)
                    continue
                self.db.execute("DELETE FROM cell_values WHERE report = ?", [rid])
                self.db.execute("DELETE FROM rule_checks WHERE report = ?", [rid])
                self._insert("reports", [row], upsert_key="id")
                self.db.conn.executemany(_INSERT_CELLS, self._cell_rows(rid, report.cells.values()))
                self._write_rules(rid, report.rules, report)
                fingerprints.save(self, rid, report, unit_code)
            # a re-parse that finds fewer reports in the document drops the extra ones
            placeholders = ",".join("?" * len(ids)) or "''"
            stale = [r[0] for r in self.db.execute(
                f"SELECT id FROM reports WHERE document = ? AND id NOT IN ({placeholders})", [document, *ids])]
            for rid in stale:
                self.db.execute("DELETE FROM cell_values WHERE report = ?", [rid])
                self.db.execute("DELETE FROM rule_checks WHERE report = ?", [rid])
                self.db.execute("DELETE FROM reports WHERE id = ?", [rid])
        return ids

    def _insert(self, table: str, rows: list[dict[str, Any]], *, upsert_key: str | None = None) -> None:
        """INSERT (or upsert) rows with plain SQL, inside the caller's transaction."""
        if not rows:
            return
        cols = list(rows[0])
        sql = f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
        if upsert_key:
            updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != upsert_key)
            sql += f" ON CONFLICT([{upsert_key}]) DO UPDATE SET {updates}"
        self.db.conn.executemany(sql, [[r.get(c) for c in cols] for r in rows])

    def _replace_rules_if_changed(self, rid: str, report: Report) -> None:
        have = sorted((r["rule"], r["scope"], r["status"], r["message"] or "")
                      for r in self.db.query("SELECT * FROM rule_results WHERE report = ?", [rid]))
        want = sorted((r.rule, r.scope, r.status, r.message) for r in report.rules)
        if have != want:
            self._write_rules(rid, report.rules, report)

    def _write_rules(self, report_id: str, results: list[RuleResult], report: Report | None = None) -> None:
        self.db.execute("DELETE FROM rule_checks WHERE report = ?", [report_id])
        self.db.conn.executemany(
            f"INSERT INTO rule_checks ({', '.join(compact.RULE_COLUMNS)}) VALUES ({', '.join('?' * len(compact.RULE_COLUMNS))})",
            compact.rule_rows(self.db.conn, self._rule_rows(report_id, results), self._texts))
        errors = sum(1 for r in results if r.status == "fail" and r.severity == "error")
        warnings = sum(1 for r in results if r.status == "fail" and r.severity == "warning")
        report = report or self.load_report(report_id)
        if report is not None:
            report.rules = results
        status = report_status(report) if report else None
        self.db.execute("UPDATE reports SET errors_failed = ?, warnings_failed = ?, status = ? WHERE id = ?",
                        [errors, warnings, status, report_id])

    def save_rule_results(self, report_id: str, results: list[RuleResult]) -> None:
        """Replace a stored report's rule results (after a cross-year neighbour arrived)."""
        with self.transaction():
            self._write_rules(report_id, results)

    def _report_row(self, rid: str, document: str, report: Report, unit_code: str | None) -> dict[str, Any]:
        errors = sum(1 for r in report.rules if r.status == "fail" and r.severity == "error")
        warnings = sum(1 for r in report.rules if r.status == "fail" and r.severity == "warning")
        row = {
            "id": rid, "document": document, "source": report.source, "unit_code": unit_code,
            "unit": report.unit, "year": report.year, "title": report.title, "format": report.format,
            "published": report.published.isoformat() if report.published else None, "kind": report.kind,
            "status": report_status(report), "errors_failed": errors, "warnings_failed": warnings,
            "incomplete": int(report.incomplete),
            "error_code": report.error.code if report.error else None,
            "error_message": report.error.message if report.error else None,
            "notes": json.dumps(report.notes, ensure_ascii=False), "text": report.text,
            "parser_version": PARSER_VERSION,
        }
        # the digest covers the parse, not the rule results: those also depend on the unit's other
        # years and are refreshed on their own (so the order documents arrive in does not matter)
        parse = {k: v for k, v in report.to_json().items() if k not in ("rules", "source", "published")}
        # where it was found and when it was published are page metadata, refreshed on their own: a
        # file published on two pages must not flip between them
        stable = {k: v for k, v in row.items()
                  if k not in ("errors_failed", "warnings_failed", "status", "source", "published")}
        payload = json.dumps([stable, parse], ensure_ascii=False, sort_keys=True, default=str)
        row["digest"] = sha256(payload.encode())
        row["parsed_at"] = now()
        return row

    @staticmethod
    def _cell_rows(rid: str, cells) -> list[tuple[Any, ...]]:
        """``cells`` rows in :data:`crawler.compact.CELL_COLUMNS` order."""
        raw_text, pack_at = compact.raw_text, compact.pack_at
        rows = []
        for c in cells:
            # tbl/row_key/col_key, blank and raw (when it is the value's text) are derived (crawler.compact)
            value = _json_value(c.value)
            rows.append((rid, c.key, value, raw_text(value, c.raw), int(c.invalid), pack_at(c.at), int(c.inferred)))
        return rows

    @staticmethod
    def _rule_rows(rid: str, results: list[RuleResult]) -> Iterator[dict[str, Any]]:
        for r in results:
            yield {"report": rid, "rule": r.rule, "scope": r.scope, "status": r.status, "severity": r.severity,
                   "message": r.message, "cells": _cells_json(tuple(r.cells))}

    def load_report(self, rid: str) -> Report | None:
        """A stored report back as a :class:`Report` (cells and rule results included)."""
        row = self.db.execute("SELECT * FROM reports WHERE id = ?", [rid]).fetchone()
        if row is None:
            return None
        rec = dict(zip([d[0] for d in self.db.execute("SELECT * FROM reports LIMIT 0").description], row))
        report = Report(
            source=rec["source"], format=rec["format"], unit=rec["unit"], year=rec["year"], title=rec["title"],
            published=date.fromisoformat(rec["published"]) if rec["published"] else None, kind=rec["kind"],
            text=rec["text"] or "", notes=json.loads(rec["notes"] or "[]"),
        )
        if rec["error_code"]:
            report.error = ParseFailure(rec["error_code"], rec["error_message"] or "")
        for c in self.db.query("SELECT * FROM cells WHERE report = ?", [rid]):
            value = c["value"]
            if isinstance(value, float):
                value = Decimal(str(value))
            report.cells[c["key"]] = Cell(c["key"], value, c["raw"] or "", json.loads(c["at"] or "{}"), invalid=bool(c["invalid"]),
                                           inferred=bool(c.get("inferred")))
        from parsers.schema import all_keys
        if report.format in ("2021", "2019"):
            report.missing = [k for k in all_keys(report.format) if k not in report.cells]
        for r in self.db.query("SELECT * FROM rule_results WHERE report = ?", [rid]):
            report.rules.append(RuleResult(r["rule"], r["scope"], r["status"], r["severity"], r["message"] or "",
                                           cells=json.loads(r["cells"] or "[]")))
        return report

    def find_report(self, *, unit: str | None, year: int | None, unit_code: str | None = None) -> str | None:
        """The id of a unit's parsed report for a year (by registry code when known, else by name)."""
        if year is None or not (unit or unit_code):
            return None
        if unit_code:
            row = self.db.execute(
                "SELECT id FROM reports WHERE unit_code = ? AND year = ? AND status != 'failed' ORDER BY published DESC, id LIMIT 1",
                [unit_code, year]).fetchone()
            if row:
                return row[0]
        row = self.db.execute(
            "SELECT id FROM reports WHERE unit = ? AND year = ? AND status != 'failed' AND (? IS NULL OR unit_code IS NULL) "
            "ORDER BY published DESC, id LIMIT 1", [unit, year, unit_code]).fetchone()
        return row[0] if row else None

    # ------------------------------------------------------------ crawl bookkeeping
    def start_run(self, units: int | None = None) -> int:
        """A new crawl run; a run left ``running`` by a crash is what the next check reports."""
        with self.transaction():
            cur = self.db.execute("INSERT INTO runs (started, status, units) VALUES (?, 'running', ?)", [now(), units])
        return cur.lastrowid

    def finish_run(self, run: int, status: str, stats: dict[str, Any]) -> None:
        with self.transaction():
            self.db.execute("UPDATE runs SET finished = ?, status = ?, stats = ? WHERE id = ?",
                            [now(), status, json.dumps(stats, ensure_ascii=False, default=str), run])

    def record_fetch(self, run: int | None, fetch: dict[str, Any]) -> None:
        self.record_fetches(run, [fetch])

    def record_fetches(self, run: int | None, fetches: list[dict[str, Any]]) -> None:
        """Fetch outcomes (each dict may carry its own ``at``); one transaction for all of them. Each
        counts in its unit's summary for the night; unchanged documents get no row of their own
        (:mod:`crawler.fetchlog`)."""
        if not fetches:
            return
        cols = ("run", "at", "unit_code", "url", "kind", "status", "outcome", "error", "redirected_from", "bytes",
                "browser")
        stamp = now()
        fetches = [{**f, "at": f.get("at") or stamp} for f in fetches]
        with self.transaction():
            kept = fetchlog.record(self.db.conn, run, fetches)
            self._insert("fetches", [{c: f.get(c) for c in cols} | {"run": run, "browser": int(bool(f.get("browser")))}
                                     for f in kept])

    # ------------------------------------------------------------ the parse queue
    def enqueue(self, url: str, digest: str, item: dict[str, Any], run: int | None = None) -> None:
        """A stored raw document waits for the parse stage (``crawler.parsestage``)."""
        with self.transaction():
            self.db.execute("INSERT INTO queue (url, sha256, item, run, queued_at) VALUES (?, ?, ?, ?, ?)",
                            [url, digest, json.dumps(item, ensure_ascii=False, default=str), run, now()])

    def queued(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Queue entries in arrival order (``item`` decoded)."""
        rows = self.db.execute("SELECT id, url, sha256, item, run FROM queue WHERE id > ? ORDER BY id LIMIT ?",
                               [after, limit]).fetchall()
        return [{"id": r[0], "url": r[1], "sha256": r[2], "item": json.loads(r[3]), "run": r[4]} for r in rows]

    def dequeue(self, entry_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM queue WHERE id = ?", [entry_id])

    def queue_size(self) -> int:
        return self.db.execute("SELECT count(*) FROM queue").fetchone()[0]

    def is_parsed(self, digest: str) -> bool:
        """Whether a document has its reports stored (a re-publication of it needs no new parse)."""
        return self.db.execute("SELECT 1 FROM reports WHERE document = ? LIMIT 1", [digest]).fetchone() is not None

    def is_queued(self, url: str, digest: str) -> bool:
        return self.db.execute("SELECT 1 FROM queue WHERE url = ? AND sha256 = ? LIMIT 1", [url, digest]).fetchone() is not None

    def source(self, url: str) -> dict[str, Any] | None:
        cur = self.db.conn.execute("SELECT * FROM sources WHERE url = ?", [url])
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None

    def validators(self, url: str) -> dict[str, Any] | None:
        """What a conditional GET for ``url`` sends: the stored document's digest, ETag, Last-Modified."""
        row = self.db.conn.execute("SELECT sha256, etag, last_modified FROM sources WHERE url = ?", [url]).fetchone()
        return {"sha256": row[0], "etag": row[1], "last_modified": row[2]} if row else None

    def source_digest(self, url: str) -> str | None:
        """The SHA-256 of what was last stored from ``url`` (the crawl asks this for every document)."""
        row = self.db.conn.execute("SELECT sha256 FROM sources WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def save_source(self, url: str, fields: dict[str, Any]) -> None:
        """Remember where a document came from (and its validators for the next conditional GET)."""
        with self.transaction():
            old = self.source(url)
            row = {**(old or {"first_seen": now()}), **{k: v for k, v in fields.items() if v is not None},
                   "url": url, "last_seen": now()}
            self._insert("sources", [row], upsert_key="url")

    def sync_units(self, registry) -> None:
        """Mirror the registry into the ``units`` table (for joins, facets and alerts)."""
        rows = []
        for u in registry.units:
            county = registry.county_of(u)
            rows.append({"code": u.code, "name": u.name, "level": u.level, "parent": u.parent,
                         "county_code": county.code, "county": county.name, "site": u.site or u.home,
                         "columns": json.dumps(u.columns, ensure_ascii=False),
                         "recipients": json.dumps(u.recipients, ensure_ascii=False),
                         "deadline": u.deadline, "active_from": u.active_from})
        with self.transaction():
            self._insert("units", rows, upsert_key="code")

    def reports_of(self, *, unit: str | None, year: int, unit_code: str | None = None) -> list[str]:
        """Every parsed report of a unit for a year (a PDF and a DOCX of the same report are two)."""
        if unit_code:
            ids = [r[0] for r in self.db.execute(
                "SELECT id FROM reports WHERE unit_code = ? AND year = ? AND status != 'failed' ORDER BY id",
                [unit_code, year])]
            if ids:
                return ids
        return [r[0] for r in self.db.execute(
            "SELECT id FROM reports WHERE unit = ? AND year = ? AND status != 'failed' AND (? IS NULL OR unit_code IS NULL) "
            "ORDER BY id", [unit, year, unit_code])]

    def report_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM reports ORDER BY id")]

    def counts(self) -> dict[str, int]:
        return {t: self.db[t].count for t in ("documents", "reports", "cells", "rule_results", "sources", "fetches")}
