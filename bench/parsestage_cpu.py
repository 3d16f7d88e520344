"""The parse stage's CPU per document, split by its read side: prints figures, asserts nothing.

    .venv/bin/python bench/parsestage_cpu.py --db queued.db --registry registry.yaml [--gc-freeze] [--root CHECKOUT]

Runs ``crawler.parsestage`` in this process (``--workers 0``) over a copy of ``--db`` (whose queue holds
the documents; the given file is not touched) and sums the CPU time (``time.process_time``, no
profiler: cProfile's overhead is per call and would distort the comparison) of the three read-side
calls per queued document: ``parse_document``, ``pages.article.article_metadata`` (page_info) and
``parsers.rules.check``. Run it for main's checkout (``--root /work/main``, with main's venv) and a
branch's, back to back, on a quiet machine.
The stage tunes the garbage collector itself (``crawler.parseworkers.quiet_gc``); run with
``NIANBAO_PARSE_GC=default`` to see what Python's own thresholds cost. ``--gc-freeze`` does the same
tuning here, for a checkout from before it (``--root``).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import runpy
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(sys.argv[sys.argv.index("--root") + 1] if "--root" in sys.argv else Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT.resolve()))  # the checkout whose code is measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="a store whose queue holds the documents (copied first)")
    ap.add_argument("--registry", required=True)
    ap.add_argument("--gc-freeze", action="store_true")
    ap.add_argument("--root", default=str(ROOT), help="the checkout to measure (default: this one)")
    args = ap.parse_args()

    import crawler.ingest
    import crawler.parsestage  # noqa: F401  (its imports before any timing)
    import pages.article
    import parsers.isolate

    spent: dict[str, list[float]] = {}

    def timed(module, name: str, label: str) -> None:
        fn = getattr(module, name)

        def wrapper(*a, **k):
            start = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                v = spent.setdefault(label, [0, 0.0])
                v[0] += 1
                v[1] += time.process_time() - start
        setattr(module, name, wrapper)

    timed(parsers.isolate, "parse_document", "parse_document")
    timed(pages.article, "article_metadata", "article_metadata")
    timed(crawler.ingest, "check", "rules.check")

    tmp = Path(tempfile.mkdtemp(prefix="parsestage-cpu-"))
    db = tmp / "queued.db"
    with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as src, sqlite3.connect(db) as dst:
        src.backup(dst)  # a consistent copy, WAL included
    (queued,) = sqlite3.connect(db).execute("SELECT count(*) FROM queue").fetchone()
    if args.gc_freeze:
        gc.set_threshold(10_000, 10, 10)
        gc.collect()
        gc.freeze()

    def report() -> None:
        total = time.process_time()
        n = max(queued, 1)
        print(f"{queued} queued documents; whole process {total:.2f} s CPU ({total / n * 1000:.2f} ms/doc)")
        for label, (calls, t) in spent.items():
            print(f"  {label:18s} {calls:6d} calls {t:7.2f} s CPU  {t / n * 1000:6.2f} ms/doc")
        three = sum(t for _, t in spent.values())
        print(f"  {'the three':18s} {'':12s} {three:7.2f} s CPU  {three / n * 1000:6.2f} ms/doc")
        shutil.rmtree(tmp, ignore_errors=True)

    atexit.register(report)
    sys.argv = ["parsestage", "--db", str(db), "--registry", args.registry, "--workers", "0"]
    runpy.run_module("crawler.parsestage", run_name="__main__")


if __name__ == "__main__":
    main()
