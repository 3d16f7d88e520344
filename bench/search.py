"""Full-text index benchmark: the per-character index (what `nianbao serve` builds) against the trigram
index it replaced, on the same reports. Prints figures, asserts nothing.

    .venv/bin/python bench/search.py [--reports 2000]

For N reports (the text of real-shaped rendered reports, unit names varied): time to index them through
the triggers while inserting, the index's size, and the time of a 3-character and a longer query; and
how many reports a 2-character query finds in each (the trigram index finds none).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from browse.views import _FTS_SQL, _TRIGGERS  # noqa: E402
from crawler.searchtext import match_query, register  # noqa: E402
from demo.render import ReportSpec, render_html  # noqa: E402
from parsers import parse_document  # noqa: E402

PLACES = "柳溪 青禾 东城 西河 南山 北关 大河 青山 城东 红星 古城 桃园 柳林 西岭 东湖 石门".split()


def reports(n: int) -> list[tuple[str, str, str]]:
    text = parse_document(render_html(ReportSpec("某镇人民政府", 2023, cells={})), "r.html").text or ""
    out = []
    for i in range(n):
        unit = f"{PLACES[i % len(PLACES)]}{'镇乡'[i % 2]}人民政府{i}"
        out.append((f"{unit}2023年政府信息公开工作年度报告", text.replace("某镇人民政府", unit), unit))
    return out


def build(path: Path, rows: list[tuple[str, str, str]], kind: str) -> float:
    conn = sqlite3.connect(path)
    register(conn)
    conn.execute("CREATE TABLE reports (id INTEGER PRIMARY KEY, title TEXT, text TEXT, unit TEXT)")
    if kind == "trigram":
        sqlite_utils.Database(conn)["reports"].enable_fts(["title", "text", "unit"], fts_version="FTS5",
                                                          create_triggers=True, tokenize="trigram")
    else:
        conn.execute(_FTS_SQL)
        for sql in _TRIGGERS.values():
            conn.execute(sql)
    t = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO reports (title, text, unit) VALUES (?, ?, ?)", rows)
    elapsed = time.perf_counter() - t
    conn.execute("VACUUM")
    conn.close()
    return elapsed


def query(path: Path, kind: str, term: str, repeat: int = 20) -> tuple[float, int]:
    conn = sqlite3.connect(path)
    match = f'"{term}"' if kind == "trigram" else match_query(term)
    sql = "SELECT count(*) FROM reports WHERE id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)"
    t = time.perf_counter()
    for _ in range(repeat):
        found = conn.execute(sql, [match]).fetchone()[0]
    conn.close()
    return (time.perf_counter() - t) / repeat, found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    args = ap.parse_args()
    rows = reports(args.reports)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {k: Path(tmp) / f"{k}.db" for k in ("trigram", "chars")}
        took = {k: build(p, rows, k) for k, p in paths.items()}
        size = {k: p.stat().st_size for k, p in paths.items()}
        print(f"{args.reports} reports of {len(rows[0][1])} characters each")
        print(f"insert + index: trigram {took['trigram']:.2f} s, per-character {took['chars']:.2f} s "
              f"(ratio {took['chars'] / took['trigram']:.2f})")
        print(f"file size: trigram {size['trigram'] / 2**20:.1f} MiB, per-character {size['chars'] / 2**20:.1f} MiB "
              f"(ratio {size['chars'] / size['trigram']:.2f})")
        for term in ("柳溪", "柳溪镇", "行政复议", "申请"):
            (tt, nt), (tc, nc) = query(paths["trigram"], "trigram", term), query(paths["chars"], "chars", term)
            print(f"query {term}: trigram {tt * 1000:.2f} ms / {nt} found, per-character {tc * 1000:.2f} ms / {nc} found")


if __name__ == "__main__":
    main()
