"""Raw documents compressed in the store: ``raw.content`` with ``raw.codec`` saying how.

Crawled HTML is most of a night's new bytes and compresses 5–10× with zstandard; PDFs, DOCX and
images are compressed already and are kept as they are (``codec`` NULL, as every row written before
compression existed). Readers go through :func:`unpack` (``Store.document_bytes``, the Datasette raw
view), so re-parsing, exports and the browser see the bytes as crawled.

An existing database is migrated in place when a :class:`crawler.store.Store` opens it: the column is
added, then the plain rows are compressed in small transactions, each row rewritten only if its
compressed form is smaller and decompresses to the very same bytes. A kill midway leaves some rows
plain (still readable); the next open goes on. The freed pages are reused by later writes
(``VACUUM`` gives them back to the file system).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime, timezone

import zstandard

from .transactions import atomic

log = logging.getLogger(__name__)

ZSTD = "zstd"
# Level 9: documents are small (tens of KB), so the time is well under a millisecond each, and the
# store keeps them for years.
LEVEL = 9
# Keep the plain bytes unless compression saves at least this share (a PDF's streams are deflated
# already: a few percent is not worth a decompression at every read).
MIN_SAVING = 0.10
MIGRATION = "raw_zstd"
_MIGRATE_BATCH = 200

_local = threading.local()  # zstandard (de)compressor objects are not safe to share between threads


def _compressor() -> zstandard.ZstdCompressor:
    c = getattr(_local, "c", None)
    if c is None:
        c = _local.c = zstandard.ZstdCompressor(level=LEVEL)
    return c


def _decompressor() -> zstandard.ZstdDecompressor:
    d = getattr(_local, "d", None)
    if d is None:
        d = _local.d = zstandard.ZstdDecompressor()
    return d


def pack(data: bytes) -> tuple[bytes, str | None]:
    """``(stored bytes, codec)`` for a raw document: zstandard when it saves enough, else as is."""
    if len(data) < 64:
        return data, None
    packed = _compressor().compress(data)
    if len(packed) <= len(data) * (1 - MIN_SAVING):
        return packed, ZSTD
    return data, None


def unpack(content: bytes | None, codec: str | None) -> bytes | None:
    """The document's bytes as crawled, from a ``raw`` row's ``content`` and ``codec``."""
    if content is None or codec is None:
        return content
    if codec == ZSTD:
        # the frame records its size (compress() writes it), so no output size is guessed
        return _decompressor().decompress(content)
    raise ValueError(f"raw document stored with an unknown codec {codec!r}")


def ensure(conn: sqlite3.Connection) -> None:
    """Give ``raw`` its ``codec`` column and compress what older versions stored plain (once)."""
    cols = {r[1] for r in conn.execute("PRAGMA table_info(raw)")}
    if "codec" not in cols:
        with atomic(conn):
            cols = {r[1] for r in conn.execute("PRAGMA table_info(raw)")}  # another process may have won
            if "codec" not in cols:
                conn.execute("ALTER TABLE raw ADD COLUMN codec TEXT")
    conn.execute("CREATE TABLE IF NOT EXISTS store_migrations (name TEXT PRIMARY KEY, done_at TEXT NOT NULL)")
    if conn.execute("SELECT 1 FROM store_migrations WHERE name = ?", [MIGRATION]).fetchone():
        return
    migrate(conn)


def migrate(conn: sqlite3.Connection) -> dict[str, int]:
    """Compress every plain row of ``raw`` in place; returns counts (rows looked at, compressed,
    bytes before and after). Idempotent and resumable: done rows have a codec."""
    counts = {"rows": 0, "compressed": 0, "bytes_before": 0, "bytes_after": 0}
    last = 0
    while True:
        rows = conn.execute("SELECT rowid, sha256, content, codec FROM raw WHERE rowid > ? ORDER BY rowid LIMIT ?",
                            [last, _MIGRATE_BATCH]).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        updates = []
        for rowid, digest, content, codec in rows:
            counts["rows"] += 1
            if codec is not None or content is None:
                continue
            data = bytes(content)
            packed, new_codec = pack(data)
            if new_codec is None:
                continue
            if unpack(packed, new_codec) != data:  # never trade a document for a smaller wrong one
                log.error("raw %s: compressed form does not round-trip; kept plain", digest)
                continue
            updates.append((packed, new_codec, rowid))
            counts["compressed"] += 1
            counts["bytes_before"] += len(data)
            counts["bytes_after"] += len(packed)
        if updates:
            with atomic(conn):
                conn.executemany("UPDATE raw SET content = ?, codec = ? WHERE rowid = ? AND codec IS NULL", updates)
    with atomic(conn):
        conn.execute("INSERT OR IGNORE INTO store_migrations (name, done_at) VALUES (?, ?)",
                     [MIGRATION, datetime.now(timezone.utc).isoformat(timespec="seconds")])
    if counts["compressed"]:
        log.warning("raw documents compressed in place: %d of %d, %.1f MB → %.1f MB", counts["compressed"],
                    counts["rows"], counts["bytes_before"] / 1e6, counts["bytes_after"] / 1e6)
    return counts
