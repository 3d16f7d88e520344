"""Part 2 of ``bench/crawl.py``: a simulated large night (``build_world(scale=N)`` crawled by ``nianbao crawl``),
its figures, a second unchanged night, and the extrapolation to the national scale."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import national  # bench/national.py, beside this file


def run(b, args, work: Path, small: dict[str, Any] | None) -> None:
    """Part 2 of bench/crawl.py (``b``, that module, lends its helpers): one simulated night, then the
    extrapolation to the national scale."""
    n = args.sites
    print(f"== 2. a simulated night: build_world(scale={n}) ==")
    web, took = b.start_web(n, prerender=args.full_world)
    try:
        registry = work / "night-registry.yaml"
        units, sites, codes = b.write_registry(web, registry, generated_only=not args.full_world)
        levels: dict[str, int] = {}
        for code in codes:
            lv = web.world.units[code].level
            levels[lv] = levels.get(lv, 0) + 1
        print(f"demo web: {len(web.world.sites)} sites up in {took:.1f} s (world built, listeners open); "
              f"registry: {units} units ({', '.join(f'{k} {v}' for k, v in sorted(levels.items()))}) on {sites} sites"
              + ("" if args.full_world else " — generated TRS sites only"))
        profile = work / "night.prof" if args.profile else None
        c = b.crawl_nianbao(web, registry, work, "night", profile=profile)
        exp = {(e.unit_code, e.year) for e in web.expected() if e.unit_code in codes and not e.superseded}
        national.checkpoint(work / "night.db")
        sizes = national.table_sizes(work / "night.db")
        if not args.skip_second_night:
            print("(the second, unchanged night runs now; the first night's figures follow it)")
            national.second_night(b, web, registry, work / "night.db", work)
    finally:
        web.stop()
    d = c.db
    st = c.stats
    reports = d.get("reports", {})
    found = d.get("report_keys", set()) & exp
    print(f"crawl exit {c.run.rc} ({d.get('status')}); log {c.run.log}" + (" — PROFILED: timings inflated" if profile else ""))
    print(f"units {units} · sites {sites} · pages (server answers, robots.txt incl.) {c.pages} · "
          f"{c.pages / max(units, 1):.2f} pages/unit · {st.get('downloader/response_bytes', 0) / 1e6:.0f} MB downloaded")
    print(f"fetch outcomes {d.get('fetches')} · documents stored {d.get('documents')} · reports {sum(reports.values())} "
          f"{reports} · ground truth {len(exp)} (unit, year) reports, {len(found)} found")
    print(f"wall {b.dur(c.run.wall)} (process) · engine {b.dur(c.engine)} (spider open → close) · "
          f"{c.rate:.1f} pages/s, {units / c.engine:.1f} units/s (engine) · {c.wall_rate:.1f} pages/s (wall)")
    parsed = {k.split("/")[-1]: v for k, v in st.items() if k.startswith("nianbao/parsed/")}
    if st.get("nianbao/parse_stage_seconds"):
        print(f"parse stage: {parsed} in {b.dur(float(st['nianbao/parse_stage_seconds']))} (its process's life, "
              f"beside the crawl and after it) · queue left {d.get('queue', '?')}")
    print(f"CPU of the crawl and its parse stage {c.run.cpu:.0f} s ({c.run.cpu / c.run.wall:.0%} of one core over the wall time; "
          f"{1000 * c.run.cpu / max(c.pages, 1):.1f} ms/page) · server CPU {c.run.server_cpu:.0f} s")
    print(f"peak RSS: {b.mb(c.run.maxrss_kb)} largest process (its VmHWM) · {b.mb(c.run.tree_peak_kb)} "
          f"whole process tree (summed, sampled every 0.25 s: the crawl, its Playwright drivers, parse workers) · "
          f"(Scrapy's memusage/max says {st.get('memusage/max', 0) / 2**20:.0f} MB: ru_maxrss, which a child inherits "
          f"from the process it was forked from, here this benchmark at {b._self_rss_mb():.0f} MB) · "
          f"DB {d.get('size', 0) / 1e6:.1f} MB")
    national.print_sizes("DB after the night", None, sizes)
    if profile and profile.exists():
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(str(profile), stream=buf).sort_stats("cumulative").print_stats(25)
        print("profile of the crawl's main thread (cumulative; parse threads not included):")
        print("\n".join(buf.getvalue().splitlines()[:60]))
        buf = io.StringIO()
        pstats.Stats(str(profile), stream=buf).sort_stats("tottime").print_stats(20)
        print("profile (own time):")
        print("\n".join(buf.getvalue().splitlines()[:45]))
    extrapolate(b, args, c, units, sites, small)


def extrapolate(b, args, c, units: int, sites: int, small: dict[str, Any] | None) -> None:
    import crawler.settings as project

    nat_units = b.NATIONAL_COUNTIES + b.NATIONAL_TOWNSHIPS
    k = nat_units / max(units, 1)
    ppu = c.pages / max(units, 1)
    print()
    print(f"-- extrapolation to the national scale: {b.NATIONAL_COUNTIES:,} counties + {b.NATIONAL_TOWNSHIPS:,} townships "
          f"= {nat_units:,} units ({k:.1f}× this night), one machine like this one ({os.cpu_count()} cores) --")
    print(f"a) by units, at the pages/unit and speed measured here ({ppu:.1f} pages/unit, {c.rate:.0f} pages/s "
          f"crawling, loopback): {nat_units * ppu:,.0f} pages fetched in ≈ {b.dur(c.engine * k)}, everything parsed "
          f"and checked in ≈ {b.dur(c.run.wall * k)} (wall, parse stage included); CPU ≈ {b.dur(c.run.cpu * k)}. "
          "This is the CPU floor: the machine's own cost, no network wait.")
    real = args.real_pages_per_unit
    cpu_page = c.run.cpu / max(c.pages, 1)
    pages_real = nat_units * real
    print(f"b) real columns are longer than the demo's (years of reports, paging, PDF attachments): ASSUMING "
          f"{real} requests/unit (--real-pages-per-unit), {pages_real:,.0f} pages → CPU floor ≈ "
          f"{b.dur(pages_real / c.rate)} at the measured rate, crawl CPU ≈ {b.dur(pages_real * cpu_page)} "
          "(HTML only here: PDFs, OCR and LibreOffice conversions cost seconds each and are not in this figure)")
    conc, per = project.CONCURRENT_REQUESTS, project.CONCURRENT_REQUESTS_PER_DOMAIN
    delay = project.DOWNLOAD_DELAY
    print(f"c) on the real network the politeness caps decide: at most {conc} requests in flight "
          f"(CONCURRENT_REQUESTS) → ≤ {conc}/L pages/s for a mean latency L; per site {per} at a time, "
          f"DOWNLOAD_DELAY {delay} s and AutoThrottle (delay ≈ L/{project.AUTOTHROTTLE_TARGET_CONCURRENCY:g}, "
          f"≤ {project.AUTOTHROTTLE_MAX_DELAY:g} s) → ≈ min({1 / delay:g}, {per}/L) pages/s per site. "
          "The night lasts max(total pages / global rate, the slowest site's pages / its rate):")
    site_pages = real * 21  # a county portal carrying its own column and ~20 townships' (demo: 1–2)
    for lat in (0.5, 1.0, 2.0, 5.0):
        rate = min(c.rate, conc / lat)
        site_rate = min(1 / delay, per / lat)
        print(f"   L = {lat:>3} s: ≤ {rate:6.1f} pages/s → {b.dur(pages_real / rate):>8} for {pages_real:,.0f} pages; "
              f"a portal with 21 units × {real} pages takes {b.dur(site_pages / site_rate)} on its own")
    print("   (a site answering in 10–30 s, or retrying timeouts, holds its slot far longer: the real night's tail "
          "is its slowest sites, not this machine's pages/s.)")
    if small and small.get("units") and small["units"] < units:
        slope = (c.run.maxrss_kb - small["maxrss_kb"]) / (units - small["units"])
        nat = c.run.maxrss_kb + slope * (nat_units - units)
        print(f"d) memory: peak RSS {b.mb(small['maxrss_kb'])} at {small['units']} units (part 1), "
              f"{b.mb(c.run.maxrss_kb)} at {units} → {slope:.1f} KB/unit, linear → ≈ {b.mb(nat)} at {nat_units:,} units "
              f"(one process); DB ≈ {c.db.get('size', 0) / max(units, 1) * nat_units / 1e9:.1f} GB at the demo's "
              "document sizes")
        print("   (peak RSS also follows the backlog of documents waiting in the pipeline, not only the unit count: "
              "a rough guide)")
        per_small = small["engine"] / small["units"] * 1000
        per_big = c.engine / max(units, 1) * 1000
        print(f"e) cost per unit: {per_small:.0f} ms at {small['units']} units (part 1), {per_big:.0f} ms at {units} "
              f"units — {'roughly constant between these sizes (a superlinear cost shows at larger N: try --sites 3000)' if per_big < 1.25 * per_small else 'GROWING with the registry: something is superlinear, and (a)-(c) are optimistic'}")
    else:
        print(f"d) memory: peak RSS {b.mb(c.run.maxrss_kb)} at {units} units; proportional upper bound "
              f"≈ {b.mb(c.run.maxrss_kb * k)} at {nat_units:,} units (run part 1 too for a slope); "
              f"DB ≈ {c.db.get('size', 0) / max(units, 1) * nat_units / 1e9:.1f} GB")
