"""Parse benchmark: prints figures, asserts nothing.

    .venv/bin/python bench/parse.py [--seconds 3] [--pdfs 4] [--only text,html,pdf] [--cold]

Times are CPU time of this process (``time.process_time``), not wall time: the machine is shared, and a
loaded core would otherwise show up as a slow parser. The parsers cache what recurs across reports
(labels, cell texts); the same documents parsed again would hit those caches more than a crawl's
different reports do, so ``--cold`` empties them before every document (the worst case).

1. Text and HTML reports parsed per CPU-second on one core (the five seeds, the real 2019 page, and
   rendered HTML reports), layout + extraction + rules; text includes glued extracts (the real
   pingtan dumps and the seeds' tables flattened with their cells' digits glued together), whose
   runs are split by the tables' arithmetic.
2. For the same PDFs (reports rendered through LibreOffice): nianbao's whole parse time divided by
   pdfplumber's own ``extract_tables()`` over every page — the goal is ≤ 1.2.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from demo.render import ReportSpec, render_html, render_pdf  # noqa: E402
from parsers import parse_document, schema  # noqa: E402
from parsers.rules import check  # noqa: E402

SHARED = Path(os.environ.get("NIANBAO_SHARED", ROOT.parent / "shared"))


def one_core() -> None:
    """Pin to one CPU so the figure is per core."""
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass


def seed_specs() -> list[ReportSpec]:
    specs = []
    for path in sorted((SHARED / "seeds").glob("*.txt")):
        r = parse_document(path.read_bytes(), str(path))
        if r.error is None:
            specs.append(ReportSpec(unit=r.unit, year=r.year, format=r.format,
                                    cells={k: c.raw for k, c in r.cells.items()}))
    return specs


def glued_texts(specs: list[ReportSpec]) -> list[tuple[str, bytes]]:
    """The real archive-crawler dumps, and each seed's tables as such a dump (cells glued)."""
    from tests.glued_text import flattened_report

    docs = [(p.name, p.read_bytes()) for p in sorted((SHARED / "real" / "reports").glob("pingtan-*.txt"))]
    for i, spec in enumerate(specs):
        if spec.format != "2021":
            continue
        cells = {k: int(v) for k, v in spec.cells.items() if k.startswith(("t3.", "t4.")) and (v or "").isdigit()}
        if len(cells) == sum(1 for k in schema.all_keys("2021") if k.startswith(("t3.", "t4."))):  # all counts
            docs.append((f"glued{i}.txt", flattened_report(cells, unit=spec.unit, year=spec.year).encode()))
    return docs


def parser_caches() -> list:
    """The ``cache_clear`` of every functools cache in the parsers' modules."""
    return [obj.cache_clear for name, mod in list(sys.modules.items()) if name.split(".")[0] == "parsers"
            for obj in vars(mod).values() if callable(getattr(obj, "cache_clear", None))]


def throughput(docs: list[tuple[str, bytes]], seconds: float, cold: bool = False) -> float:
    """Reports parsed and checked per CPU-second, over at least ``seconds`` of CPU time."""
    clears = parser_caches() if cold else []
    n, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        for name, data in docs:
            for clear in clears:
                clear()
            report = parse_document(data, name, name=name)
            check(report)
            n += 1
    return n / (time.process_time() - start)


def pdfplumber_tables(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()


def timed(fn, *args, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t = time.process_time()
        fn(*args)
        runs.append(time.process_time() - t)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=3.0, help="time per throughput figure")
    ap.add_argument("--pdfs", type=int, default=4, help="how many rendered PDFs to compare")
    ap.add_argument("--cold", action="store_true", help="empty the parsers' caches before every document")
    ap.add_argument("--only", default="text,html,pdf", help="comma-separated figures to measure: text, html, pdf")
    args = ap.parse_args()
    only = set(args.only.split(","))
    one_core()
    specs = seed_specs()

    texts = [(p.name, p.read_bytes()) for p in sorted((SHARED / "seeds").glob("*.txt"))]
    glued = glued_texts(specs)
    if "text" in only:
        print(f"glued text reports parsed+checked per CPU-second (1 core): {throughput(glued, args.seconds, args.cold):8.1f}  ({len(glued)} documents)")
    texts += glued
    htmls = [(f"r{i}.html", render_html(s)) for i, s in enumerate(specs)]
    real = SHARED / "real" / "reports" / "shanghai-bgt-2019.html"
    if real.exists():
        htmls.append((real.name, real.read_bytes()))
    if "text" in only:
        print(f"text reports parsed+checked per CPU-second (1 core): {throughput(texts, args.seconds, args.cold):8.1f}  ({len(texts)} documents; goal ≥ 200)")
    if "html" in only:
        print(f"HTML reports parsed+checked per CPU-second (1 core): {throughput(htmls, args.seconds, args.cold):8.1f}  ({len(htmls)} documents; goal ≥ 200)")
    if "pdf" not in only:
        return

    pdfs = [render_pdf(s) for s in (specs * 2)[: args.pdfs]]
    ratios = []
    for i, data in enumerate(pdfs):
        ours = timed(lambda d: parse_document(d, "x.pdf", name="x.pdf"), data)
        base = timed(pdfplumber_tables, data)
        ratios.append(ours / base)
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = len(pdf.pages)
        print(f"PDF {i + 1} ({pages} pages): nianbao {ours * 1000:7.1f} CPU-ms, pdfplumber extract_tables {base * 1000:7.1f} CPU-ms, ratio {ours / base:.2f}")
    print(f"PDF parse time / pdfplumber extract_tables time: median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}; goal ≤ 1.2)")


if __name__ == "__main__":
    main()
