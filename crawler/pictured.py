"""An article whose tables are pictures: the page and its pictures are read together, in whatever order
their queue entries arrive.

The crawl fetches the images inside an article's body as it fetches attachments
(:func:`pages.article.attachments`: in the content area, not file-type icons or spacers), each its own
raw document and queue entry. A page that *reads its pictures* — it holds no report table itself and
links no document (PDF, Word …) that would — is parsed with the stored bytes of its pictures
(:mod:`parsers.pictures` reads each by OCR in place, every cell with the engine's confidence):

- by whichever entry of the group (the page and its pictures) is handled last, once every picture the
  page shows has been stored; the others only keep their source rows (``page_waiting``, ``picture_kept``);
- a picture stored later (a new version, a fetch that failed before) reads the page again;
- a page whose pictures do not all arrive (a failed fetch, a killed crawl) waits in ``picture_waits``
  and is parsed with the pictures it has once the stage has emptied the queue (:func:`sweep`).

The report is the page's (its document is the page): ``nianbao reparse`` re-reads the stored pictures
with it (:func:`page_pictures`). Each step is written in the stage's transaction with the entry's removal
from the queue, so a kill at any point leaves the group either waiting or read.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parsers import sniff
from pages.text import is_file_url, is_image_url

from .items import PAGE, source_fields
from .store import Store, now

if TYPE_CHECKING:
    from .parsestage import ParseStage, Prepared

log = logging.getLogger(__name__)

# A table, even of two rows, is larger than this; icons, bullets and spacers are smaller.
MIN_WIDTH, MIN_HEIGHT = 120, 40

@dataclass
class Group:
    """A page that reads its pictures: the page's stored document and item, and the pictures it shows."""

    page_url: str
    page_digest: str
    page_item: dict[str, Any]
    pictures: list[str]


def page_fields(attachments: list[Any]) -> dict[str, Any]:
    """What :func:`crawler.parsestage.page_info` adds: the body's pictures (by URL, in page order) and how
    many other files the page links."""
    pictures = [a.url for a in attachments if is_image_url(a.url) or not is_file_url(a.url)]
    return {"pictures": pictures, "documents": len(attachments) - len(pictures)}


def reads_pictures(info: dict[str, Any]) -> bool:
    """Whether a page's report is its text with its pictures: it has pictures, and neither a table of its
    own nor a linked document holds the report."""
    return bool(info.get("pictures")) and not info.get("has_report_table") and not info.get("documents")


def is_table_picture(data: bytes) -> bool:
    """Whether stored bytes are a raster image large enough to be a table (not an icon or a spacer)."""
    if sniff(data) != "image":
        return False
    try:
        from PIL import Image
    except ImportError:  # without Pillow there is no OCR either: let the parser say so
        return True
    try:
        with Image.open(io.BytesIO(data)) as im:
            width, height = im.size
    except Exception:
        return False
    return width >= MIN_WIDTH and height >= MIN_HEIGHT


def group_of(stage: ParseStage, entry: dict[str, Any], item: dict[str, Any]) -> Group | None:
    """The picture group a queue entry belongs to (its item holds the page's metadata), or None."""
    if item["role"] == PAGE:
        if not reads_pictures(item):
            return None
        return Group(item["url"], entry["sha256"], dict(item), list(item["pictures"]))
    page_url = item.get("page_url")
    info = stage._page(page_url)
    if info is None or not reads_pictures(info):
        return None
    if item["url"] not in info["pictures"] and item.get("requested_url") not in info["pictures"]:
        return None
    digest = stage.store.source_digest(page_url)
    if digest is None:
        return None
    page_item = {**{k: item.get(k) for k in ("unit_code",)}, **info, "url": page_url, "role": PAGE,
                 "page_url": page_url, "filename": None, "etag": None, "last_modified": None,
                 "content_type": None, "meta": {}}
    return Group(page_url, digest, page_item, list(info["pictures"]))


def prepare(stage: ParseStage, entry: dict[str, Any], item: dict[str, Any], group: Group) -> Prepared:
    """The CPU part for an entry of a group: the page read with its pictures when this entry is the
    group's last one queued and every picture is stored; otherwise nothing to parse yet."""
    from .parsestage import Prepared

    own = (entry["url"], source_fields(item, entry["sha256"]))
    p = Prepared({**entry, "sha256": group.page_digest}, group.page_item, None, pictured=group, own=own)
    store = stage.store
    urls = [group.page_url, *group.pictures]
    later = store.db.execute(
        f"SELECT 1 FROM queue WHERE id > ? AND url IN ({','.join('?' * len(urls))}) LIMIT 1",
        [entry["id"], *urls]).fetchone()
    if later is not None:
        return p  # a later entry of the group reads it
    stored = {url: store.source_digest(url) for url in group.pictures}
    if not all(stored.values()):
        return p  # a picture is still to come (or failed: sweep() reads the page with the rest)
    p.report = read(stage, group, stored)
    stage._check(p)
    return p


def read(stage: ParseStage, group: Group, stored: dict[str, str | None]):
    """Parse the page with the stored pictures that may be tables."""
    store = stage.store
    images = {}
    for url, digest in stored.items():
        data = store.document_bytes(digest) if digest else None
        if data is not None and is_table_picture(data):
            images[url] = data
    body = store.document_bytes(group.page_digest) or b""
    return stage._parse(group.page_item, body, images=images or None)


def write(stage: ParseStage, p: Prepared) -> str:
    """The writing part of a group's entry (inside the stage's transaction, its dequeue done)."""
    store, group = stage.store, p.pictured
    url, fields = p.own
    store.save_source(url, fields)
    if p.report is None:
        if url != group.page_url:
            return "picture_kept"
        store.db.execute("INSERT OR REPLACE INTO picture_waits (page_url, sha256, item, since) VALUES (?, ?, ?, ?)",
                         [group.page_url, group.page_digest, json.dumps(group.page_item, ensure_ascii=False,
                                                                        default=str), now()])
        return "page_waiting"
    store.db.execute("DELETE FROM picture_waits WHERE page_url = ?", [group.page_url])
    return stage._store(p.report, group.page_item, group.page_digest, p)


def sweep(stage: ParseStage) -> None:
    """Pages still waiting when the queue is empty: read with the pictures they have (a picture's fetch
    failed, or the crawl was killed before it); a picture stored later reads the page again."""
    store = stage.store
    for page_url, digest, item_json in store.db.execute("SELECT page_url, sha256, item FROM picture_waits").fetchall():
        item = json.loads(item_json)
        try:
            if store.source_digest(page_url) != digest:  # the page changed since: its new version is read
                with store.transaction():
                    store.db.execute("DELETE FROM picture_waits WHERE page_url = ?", [page_url])
                continue
            group = Group(page_url, digest, item, list(item.get("pictures") or []))
            stored = {url: d for url in group.pictures if (d := store.source_digest(url))}
            report = read(stage, group, stored)
            with store.transaction():
                store.db.execute("DELETE FROM picture_waits WHERE page_url = ?", [page_url])
                outcome = stage._store(report, item, digest)
            stage.stats[outcome] += 1
        except Exception:
            log.exception("parse stage: the page %s could not be read with its pictures", page_url)
            stage.stats["error"] += 1


def page_pictures(store: Store, digest: str) -> dict[str, bytes] | None:
    """For ``nianbao reparse``: the stored pictures of a page whose report was read from them."""
    if not store.db.execute("SELECT 1 FROM reports WHERE document = ? AND kind = 'html+ocr'", [digest]).fetchone():
        return None
    images = {}
    for (page_url,) in store.db.execute("SELECT url FROM sources WHERE sha256 = ? AND role = ?", [digest, PAGE]).fetchall():
        for url, pic in store.db.execute("SELECT url, sha256 FROM sources WHERE page_url = ? AND role != ? "
                                         "AND sha256 IS NOT NULL", [page_url, PAGE]).fetchall():
            data = store.document_bytes(pic)
            if data is not None and is_table_picture(data):
                images[url] = data
    return images or None


def read_with_page(store: Store, digest: str) -> bool:
    """For ``nianbao reparse``: whether a stored image is a picture its page's report was read from (it is
    re-read with the page, never alone)."""
    return store.db.execute(
        "SELECT 1 FROM sources s JOIN sources pg ON pg.url = s.page_url AND pg.role = ? "
        "JOIN reports r ON r.document = pg.sha256 AND r.kind = 'html+ocr' "
        "WHERE s.sha256 = ? AND s.role != ? LIMIT 1", [PAGE, digest, PAGE]).fetchone() is not None
