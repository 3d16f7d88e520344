"""How alike two reports are: normalised body text, character shingles, MinHash fingerprints.

Copies are what evaluators look for: last year's report with a new date, a neighbour's report with the
name changed. Years, dates and other numbers always differ between such copies, so the text is compared
without digits, spaces or punctuation. Similarity is the Jaccard index of the texts' character
5-shingles; a pair of reports is "nearly identical" at :data:`TEXT_THRESHOLD` or above.

Comparing every pair nationally is out of the question (40,000 units × years), so each report gets a
MinHash signature whose bands are stored as integers (:mod:`crawler.fingerprints`): two
reports become a candidate pair only when one band is equal, which an index finds; only candidates are
compared exactly. With :data:`BANDS` × :data:`ROWS` = 16 × 8 the chance that a pair at Jaccard 0.85 is
missed is below 10⁻⁷, and pairs under 0.5 are almost never looked at.

The signature is datasketch's ``MinHash(num_perm=128, seed=20230131, hashfunc=zlib.crc32)`` of its
"affine32" scheme (the stored fingerprints were made with it), computed here with numpy alone: the same
values, bit for bit (tests/test_evaluator.py compares them), without importing datasketch and scipy
(a second at every worker's start) or drawing the 128 permutations again for every report — and the
same whatever datasketch version is installed (before 2.0 its default scheme gave other values).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .model import Report

SHINGLE = 5
NUM_PERM = 128
BANDS, ROWS = 16, 8  # BANDS * ROWS == NUM_PERM
TEXT_THRESHOLD = 0.85  # Jaccard of 5-shingles, digits and punctuation left out
MIN_TEXT = 200  # characters of normalised text below which text similarity is not judged (a bare “无”)
TABLE_PREFIXES = ("t3.", "t4.")

_DROP = re.compile(r"[\s\d０-９\W_]+", re.UNICODE)
_SEED = 20_230_131


def normalize(text: str) -> str:
    """The body text as compared: no digits (years, dates, counts), spaces or punctuation."""
    return _DROP.sub("", text or "")


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The set of ``k``-character substrings of already-normalised text."""
    if len(text) < k:
        return {text} if text else set()
    return {text[i:i + k] for i in range(len(text) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def body_text(text: str) -> str:
    """The report's own words: from its first part heading on (the title, the page's 发布日期/来源 line and
    the preamble every report shares are left out); all of it when no heading is found."""
    from .sections import find_parts

    parts = find_parts(text or "")
    return text[min(p.start for p in parts.values()):] if parts else (text or "")


def text_similarity(a: str, b: str) -> float | None:
    """Exact Jaccard similarity of two body texts; None when either is too short to judge."""
    na, nb = normalize(body_text(a)), normalize(body_text(b))
    if len(na) < MIN_TEXT or len(nb) < MIN_TEXT:
        return None
    return jaccard(shingles(na), shingles(nb))


@dataclass(frozen=True, eq=False)
class MinHash:
    """A MinHash signature: ``hashvalues``, NUM_PERM unsigned 32-bit integers (what is stored and banded)."""

    hashvalues: np.ndarray
    # bands by scope, made once (a worker's copy check and the writer's storing both want them)
    banded: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)


def minhash(text: str) -> MinHash | None:
    """The MinHash signature of a body text (None when it is too short to compare)."""
    norm = normalize(body_text(text))
    if len(norm) < MIN_TEXT:
        return None
    return _minhash(norm)


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for :data:`_SEED`: h → a·h + b mod 2³² (``a`` odd)."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


@lru_cache(maxsize=256)  # a report's signature is wanted by its check, its storing and its peers' re-checks
def _minhash(norm: str) -> MinHash:
    grams = shingles(norm)
    # crc32 of each shingle's UTF-8 (stable, 32-bit), mixed by MurmurHash3's finaliser, then permuted:
    # the column minima are the signature (uint32 arithmetic wraps, as the scheme wants)
    hv = np.fromiter(map(zlib.crc32, map(str.encode, grams)), dtype=np.uint32, count=len(grams))
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s3)
    a, b = _permutations()
    # one row per permutation: the minimum runs along contiguous memory (8× faster than per column)
    permuted = np.multiply.outer(a, hv)
    permuted += b[:, None]
    values = permuted.min(axis=1)
    values.flags.writeable = False
    return MinHash(values)


def bands(m: MinHash, scope: str = "") -> list[int]:
    """One signed 63-bit integer per band (SQLite INTEGER), the band's index and ``scope`` mixed in.

    ``scope`` is where copies are looked for (county and year): boilerplate shared by thousands of
    reports nationally then never meets in the index, so a lookup's cost stays that of one county."""
    banded = getattr(m, "banded", None)
    if banded is not None and scope in banded:
        return list(banded[scope])
    out = []
    # each band is hashed as struct.pack("<H8I", band, *its 8 values & 0xFFFFFFFF)
    raw = np.asarray(m.hashvalues).astype("<u4").tobytes()
    salt = scope.encode("utf-8")
    for b in range(BANDS):
        chunk = struct.pack("<H", b) + raw[b * ROWS * 4:(b + 1) * ROWS * 4]
        out.append(int.from_bytes(hashlib.blake2b(chunk, digest_size=8, key=salt[:64]).digest(), "little",
                                  signed=True) >> 1)
    if banded is not None:
        banded[scope] = list(out)
    return out


def table_cells(report: Report) -> dict[str, object]:
    """Tables 三 and 四 as {key: value} (the cells a copy carries over unchanged)."""
    return {k: c.value for k, c in report.cells.items() if k.startswith(TABLE_PREFIXES)}


def tables_hash(report: Report) -> str | None:
    """A digest of tables 三 and 四's values; None when they are all zero or blank (nothing to copy)."""
    cells = table_cells(report)
    if not any(v for v in cells.values()):
        return None
    payload = ";".join(f"{k}={v}" for k, v in sorted(cells.items()))
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def same_tables(a: Report, b: Report) -> bool:
    """Tables 三 and 四 hold the same values, and not all of them are zero or blank."""
    ca, cb = table_cells(a), table_cells(b)
    return bool(ca) and ca == cb and any(v for v in ca.values())


MIN_TABLE_TOTAL = 10  # applications + cases below which identical tables prove nothing on their own


def table_total(report: Report) -> int:
    """Applications (new + carried in) and review/litigation cases: how much the tables say."""
    keys = ["t3.new.total", "t3.carried_in.total", "t4.review.total", "t4.suit_direct.total", "t4.suit_after_review.total"]
    return int(sum(report.value(k) or 0 for k in keys))


def nonzero_cells(report: Report, limit: int = 6) -> list[str]:
    """A few non-zero cells of tables 三/四 (the evidence that identical tables are not just zeros)."""
    return [k for k, v in table_cells(report).items() if v][:limit]


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"
