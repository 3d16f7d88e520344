"""Part 3 of bench/crawl.py: a challenged host's pages/s after its one browser solve, against an open host's.

Two demo hosts alike but for a 200 cookie-shell challenge (demo.sites.challenged.twin_world: the same
units, columns and HTML reports) are crawled by ``nianbao crawl`` one at a time, alternately, ``--rounds``
times. From the server's own request log: the challenged host's plain-HTTP requests after the solve's
last browser request, over the time from that moment to the last answer; the open host's requests over
the time from its first request to its last answer. The goal is challenged ≥ 0.8× open. Prints figures,
asserts nothing.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any, Callable


def _rate(records: list, start: float) -> tuple[int, float]:
    after = [r for r in records if r.time >= start and not r.browser]
    if not after:
        return 0, 0.0
    span = max(r.time + r.duration for r in after) - start
    return len(after), span


def challenge_figure(args, work: Path, crawl_nianbao: Callable[..., Any]) -> None:
    from demo.sites.challenged import twin_world
    from demo.web import DemoWeb

    print("== 3. a challenged host after its solve vs an open host: the same pages, plain HTTP ==")
    web = DemoWeb(twin_world(units=args.challenge_units)).start()
    try:
        import yaml

        full = yaml.safe_load(web.registry_yaml())
        registries = {}
        for key in ("twin-open", "twin-gated"):
            path = work / f"{key}.yaml"
            units = [u for u in full["units"] if web.world.units[str(u["code"])].site == key]
            path.write_text(yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False), encoding="utf-8")
            registries[key] = path
        print(f"two hosts of {args.challenge_units} units each, "
              f"{sum(1 for _ in web.world.items()) // 2} HTML reports each; {args.rounds} rounds, alternating")
        print(f"{'round':>5} {'host':11} {'requests':>8} {'browser':>7} {'solve':>7} {'after':>7} {'span':>7} {'pages/s':>8}")
        ratios = []
        for i in range(1, args.rounds + 1):
            rates = {}
            for key in ("twin-gated", "twin-open"):
                c = crawl_nianbao(web, registries[key], work, f"{key}-{i}")
                records = sorted((r for r in c.requests if r.site == key and r.path_qs != "/robots.txt"),
                                 key=lambda r: r.time)
                browser = [r for r in records if r.browser]
                if browser:
                    solve_end = max(r.time + r.duration for r in browser)
                    solve = solve_end - min(r.time for r in records)
                else:
                    solve_end, solve = (records[0].time if records else 0.0), 0.0
                n, span = _rate(records, solve_end)
                rates[key] = n / span if span else 0.0
                flag = "" if c.run.rc == 0 else f"  exit {c.run.rc}, see {c.run.log}"
                print(f"{i:>5} {key:11} {len(records):>8} {len(browser):>7} {solve:>6.2f}s {n:>7} {span:>6.2f}s "
                      f"{rates[key]:>8.1f}{flag}")
            if rates.get("twin-open"):
                ratios.append(rates["twin-gated"] / rates["twin-open"])
        if ratios:
            print(f"challenged host after the solve / open host, pages/s: median {statistics.median(ratios):.2f}× "
                  f"(min {min(ratios):.2f}×, max {max(ratios):.2f}×) over {len(ratios)} rounds — goal ≥ 0.80×")
        print()
    finally:
        web.stop()
