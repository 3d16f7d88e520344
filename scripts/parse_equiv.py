"""Parse every document within reach and write a digest of everything the parsers say about it, so two
versions of the code can be compared document by document (a speed change must not change a result).

    python scripts/parse_equiv.py dump OUT.jsonl [--root CHECKOUT] [--db DB …]
    python scripts/parse_equiv.py compare A.jsonl B.jsonl
    python scripts/parse_equiv.py show NAME [--root CHECKOUT] [--db DB …]   # the full results of one

``--root`` is the checkout whose ``parsers``/``pages`` are imported (default: this one), so main's code
and a branch's run the same script. Documents: ../shared (seeds, real reports and list pages), the
test fixtures, the benchmark's rendered reports (bench/parse.py), and every raw document of each
``--db`` (a store: its ``raw`` rows, compressed or not). For each: the layout's rows (texts, spans,
provenance), the report(s) with cells, provenance, notes and text, the rule results (alone and against
the previous report of the same format, for the cross-year rules), and for an HTML page the article
metadata (:func:`pages.article.article_metadata` and :func:`pages.article.parse_article`).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SKIP_KINDS = {"doc", "wps", "image", "xls"}  # LibreOffice / OCR: slow, and no parser changed there is theirs


def _root(argv: list[str]) -> Path:
    if "--root" in argv:
        return Path(argv[argv.index("--root") + 1]).resolve()
    return HERE


def documents(root: Path, dbs: list[str]):
    """(name, bytes, content type, url) of every document within reach."""
    shared = HERE.parent / "shared"
    for sub in ("seeds", "real/reports", "real/listpages"):
        for p in sorted((shared / sub).glob("*")):
            if p.is_file() and p.suffix != ".md":
                yield f"shared/{sub}/{p.name}", p.read_bytes(), None, f"http://example.gov.cn/{p.name}"
    for p in sorted((HERE / "tests").rglob("*")):
        if p.is_file() and p.suffix.lower() in (".html", ".htm", ".shtml", ".txt", ".jsp", ".pdf", ".docx") \
                and p.stat().st_size < 3_000_000:
            yield f"tests/{p.relative_to(HERE / 'tests')}", p.read_bytes(), None, f"http://example.gov.cn/{p.name}"
    from demo.render import ReportSpec, render_html
    from parsers import parse_document
    specs = []
    for p in sorted((shared / "seeds").glob("*.txt")):
        r = parse_document(p.read_bytes(), str(p))
        if r.error is None:
            specs.append(ReportSpec(unit=r.unit, year=r.year, format=r.format, cells={k: c.raw for k, c in r.cells.items()}))
    for i, spec in enumerate(specs):
        yield f"render/r{i}.html", render_html(spec), "text/html", f"http://example.gov.cn/r{i}.html"
        yield f"render/r{i}-gbk.html", render_html(spec, charset=None), None, f"http://example.gov.cn/r{i}g.html"
    try:
        from tests.glued_text import flattened_report
        from parsers import schema
        for i, spec in enumerate(specs):
            cells = {k: int(v) for k, v in spec.cells.items() if k.startswith(("t3.", "t4.")) and (v or "").isdigit()}
            if spec.format == "2021" and len(cells) == sum(1 for k in schema.all_keys("2021") if k.startswith(("t3.", "t4."))):
                yield f"render/glued{i}.txt", flattened_report(cells, unit=spec.unit, year=spec.year).encode(), None, "http://x/g.txt"
    except ImportError:
        pass
    for db in dbs:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        cols = {r[1] for r in conn.execute("PRAGMA table_info(raw)")}
        codec = "codec" if "codec" in cols else "NULL"
        urls = {sha: (url, ct) for sha, url, ct in conn.execute(
            "SELECT s.sha256, s.url, d.content_type FROM sources s LEFT JOIN documents d ON d.sha256 = s.sha256"
            if "content_type" in {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
            else "SELECT sha256, url, NULL FROM sources")}
        for sha, content, c in conn.execute(f"SELECT sha256, content, {codec} FROM raw ORDER BY sha256"):
            if c == "zstd":
                import zstandard
                content = zstandard.ZstdDecompressor().decompress(content)
            url, ct = urls.get(sha, (f"http://example.gov.cn/{sha[:12]}.html", None))
            yield f"{Path(db).name}/{sha[:16]}", content, ct, url


def results(name: str, data: bytes, content_type: str | None, url: str, previous: dict) -> dict | None:
    """Everything the parsers say about one document, as JSON-able sections."""
    from parsers import layout_for, parse_document, sniff
    from parsers.model import ParseFailure
    from parsers.rules import Context, check

    kind = sniff(data, name, content_type)
    if kind in SKIP_KINDS:
        return None
    out: dict = {"kind": kind}
    try:
        layout = layout_for(data, name, content_type)
        out["layout"] = {"kind": layout.kind, "meta": layout.meta, "notes": layout.notes,
                         "rows": [[row.table, [[p.text, p.at, p.span] for p in row.pieces]] for row in layout.rows]}
    except ParseFailure as exc:
        out["layout"] = {"error": [exc.code, str(exc)]}
    report = parse_document(data, url, name=name, content_type=content_type,
                            meta={"title": "页面标题", "published": "2023-01-05"})
    out["report"] = report.to_json(with_text=True, with_others=True)
    rules = []
    for r in [report, *report.others]:
        rules.append([x.to_json() for x in check(r)])
        prev = previous.get(r.format)
        if prev is not None:
            rules.append([x.to_json() for x in check(r, Context(previous=prev))])
        if r.error is None and r.format:
            previous[r.format] = r
    out["rules"] = rules
    if kind == "html":
        from scrapy.http import HtmlResponse

        from pages.article import article_metadata, parse_article
        for label, fn in (("article_metadata", article_metadata), ("parse_article", parse_article)):
            headers = {"Content-Type": content_type} if content_type else {}
            try:
                out[label] = dataclasses.asdict(fn(HtmlResponse(url=url, body=data, headers=headers)))
            except Exception as exc:  # noqa: BLE001 - an exception is a result too
                out[label] = {"exception": repr(exc)}
    return out


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()[:20]


def dump(out: str, root: Path, dbs: list[str]) -> None:
    n = 0
    previous: dict = {}
    with open(out, "w") as f:
        for name, data, ct, url in documents(root, dbs):
            res = results(name, data, ct, url, previous)
            if res is None:
                continue
            f.write(json.dumps({"name": name, **{k: _digest(v) for k, v in res.items()}}, ensure_ascii=False) + "\n")
            n += 1
    print(f"{n} documents digested into {out} (parsers from {root})")


def compare(a: str, b: str) -> int:
    left = {d["name"]: d for d in map(json.loads, open(a))}
    right = {d["name"]: d for d in map(json.loads, open(b))}
    differ = [n for n in left if n in right and left[n] != right[n]]
    only = sorted(set(left) ^ set(right))
    sections: dict[str, int] = {}
    for n in differ:
        for k in left[n]:
            if left[n][k] != right[n].get(k):
                sections[k] = sections.get(k, 0) + 1
    print(f"compared {len(set(left) & set(right))} documents: {len(differ)} differ {sections or ''}; "
          f"{len(only)} in one file only")
    for n in differ[:20]:
        print("  differs:", n)
    for n in only[:20]:
        print("  only in one:", n)
    return 1 if differ or only else 0


def main() -> None:
    root = _root(sys.argv)
    sys.path.insert(0, str(root))  # before anything of the project is imported
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("verb", choices=["dump", "compare", "show"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--root", default=str(HERE))
    ap.add_argument("--db", action="append", default=[])
    a = ap.parse_args()
    if a.verb == "dump":
        dump(a.args[0], root, a.db)
    elif a.verb == "compare":
        sys.exit(compare(*a.args[:2]))
    else:
        previous: dict = {}
        for name, data, ct, url in documents(root, a.db):
            res = results(name, data, ct, url, previous)
            if name == a.args[0]:
                print(json.dumps(res, ensure_ascii=False, indent=1, sort_keys=True, default=str))
                return


if __name__ == "__main__":
    main()
