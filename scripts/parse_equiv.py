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


def documents(root: Path, dbs: list[str], fuzz: int = 0):
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
    yield from fuzzed([render_html(spec) for spec in specs], fuzz)
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


_LABELS = ["发布日期：2023-01-0{}", "发布时间: 2022年3月{}日", "索引号：123/2023-0{}", "来源：某县人民政府办公室{}", "成文日期：2021-12-2{}",
           "时间：2020/1/{}", "发 布 机 构：某县{}局", "字号：大 中 小{}"]


def fuzzed(pages: list[bytes], n: int):
    """``n`` variants of rendered report pages, from a fixed seed (the same in every checkout): cells'
    text wrapped in <p>/<span>/<br>/<strong>, comments, rowspans and colspans (valid or not), nested
    tables, labelled metadata lines and rows, pictures, scripts, whitespace, <th> cells, no <meta>."""
    import random

    import lxml.etree
    import lxml.html

    rng = random.Random(14)
    for i in range(n):
        doc = lxml.html.fromstring(rng.choice(pages))
        cells = list(doc.iter("td", "th"))
        for td in rng.sample(cells, min(len(cells), rng.randint(0, 60))):
            op = rng.randrange(15)
            text = td.text_content()
            if op >= 12:  # the text split around one child: <td>a<span>b</span>c</td>, <td>a<br>b</td>
                for c in list(td):
                    td.remove(c)
                cut = sorted(rng.randint(0, len(text)) for _ in range(2))
                td.text = text[: cut[0]] or None
                child = lxml.etree.SubElement(td, rng.choice(["span", "br", "font", "p"]))
                child.text = text[cut[0]: cut[1]] or None if child.tag != "br" else None
                child.tail = text[cut[1]:] + rng.choice(["", "件", " ", "\n"])
                continue
            if op == 0:
                td.set("rowspan", rng.choice(["2", "3", "0", "x", " 2 ", "100000", ""]))
            elif op == 1:
                td.set("colspan", rng.choice(["2", "3", "-1", "abc", "4"]))
            elif op == 2:
                for c in list(td):
                    td.remove(c)
                td.text = None
                p = lxml.etree.SubElement(td, rng.choice(["p", "span", "strong", "div"]))
                p.text = text[: len(text) // 2]
                br = lxml.etree.SubElement(p, "br")
                br.tail = "\n " + text[len(text) // 2:]
            elif op == 3:
                td.insert(0, lxml.etree.Comment("注释：发布日期：2019-01-01"))
            elif op == 4:
                td.tag = "th"
            elif op == 5:
                td.text = (td.text or "") + rng.choice(["\u3000", "\xa0", "  ", "\t", "　元"])
            elif op == 6:
                inner = lxml.html.fromstring("<table><tr><td>内表</td><td>1</td></tr></table>")
                td.append(inner)
            elif op == 7:
                td.getparent().insert(0, lxml.etree.Comment("row comment"))
            elif op == 8:
                img = lxml.etree.SubElement(td, "img")
                img.set("src", f"/pic/{i}.png")
            elif op == 9:
                for c in list(td):
                    td.remove(c)
                td.text = rng.choice(["", "—", "无", "1O", "26件", "251000元", "3.5", "本年新收", text])
            elif op == 10:
                s = lxml.etree.SubElement(td, "script")
                s.text = "var x = '发布日期：2001-01-01';"
            else:
                td.getparent().remove(td)
        body = doc.find(".//body") if doc.find(".//body") is not None else doc
        for _ in range(rng.randint(0, 4)):
            p = lxml.etree.Element(rng.choice(["p", "div", "span", "td"]))
            p.text = rng.choice(_LABELS).format(rng.randint(1, 9))
            body.insert(rng.randrange(len(body) + 1), p)
        if rng.random() < 0.3:
            t = lxml.html.fromstring("<table><tr><td>发布日期</td><td>2022-02-02</td></tr><tr><td>来源:</td><td>某县 【打印】</td></tr></table>")
            body.insert(0, t)
        if rng.random() < 0.5:
            for m in doc.iter("meta"):
                m.getparent().remove(m)
                break
        head = doc.find(".//head")
        for _ in range(rng.randint(0, 4) if head is not None else 0):  # <meta> tags in any case, empty, repeated
            m = lxml.etree.SubElement(head, "meta")
            m.set("name", rng.choice(["PubDate", "pubdate", "PUBDATE", "ArticleTitle", "ContentSource", "publishdate",
                                      "firstpublishedtime", "ＰubDate", "ContentStart"]))
            if rng.random() < 0.8:
                m.set("content", rng.choice(["", " ", "2021-02-0{}".format(rng.randint(1, 9)), "某县人民政府", "无效日期",
                                             "2023年5月6日 10:00"]))
        yield f"fuzz/{i}.html", lxml.html.tostring(doc, encoding="utf-8"), rng.choice([None, "text/html; charset=utf-8"]), \
            f"http://example.gov.cn/fuzz/{i}.html"


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


def dump(out: str, root: Path, dbs: list[str], fuzz: int) -> None:
    n = 0
    previous: dict = {}
    with open(out, "w") as f:
        for name, data, ct, url in documents(root, dbs, fuzz):
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
    ap.add_argument("--fuzz", type=int, default=0, help="also this many varied rendered report pages")
    a = ap.parse_args()
    if a.verb == "dump":
        dump(a.args[0], root, a.db, a.fuzz)
    elif a.verb == "compare":
        sys.exit(compare(*a.args[:2]))
    else:
        previous: dict = {}
        for name, data, ct, url in documents(root, a.db, a.fuzz):
            res = results(name, data, ct, url, previous)
            if name == a.args[0]:
                print(json.dumps(res, ensure_ascii=False, indent=1, sort_keys=True, default=str))
                return


if __name__ == "__main__":
    main()
