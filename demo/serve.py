"""``python -m demo.web`` / ``python -m demo``: serve the nianbao demo government web until Ctrl-C."""

from __future__ import annotations

import argparse
import threading

from .sites import build_world
from .web import DemoWeb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.web", description="Serve the nianbao demo government web.")
    ap.add_argument("--registry", metavar="PATH", help="write the registry YAML of the served world here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=int, default=0, help="add N tiny generated sites (benchmark)")
    ap.add_argument("--slow-seconds", type=float, default=3.0, help="delay of the slow site")
    ap.add_argument("--port", type=int, default=0, help="port for every site (default: a free one)")
    ap.add_argument("--no-prerender", action="store_true", help="render PDFs/DOCs on first request instead")
    args = ap.parse_args(argv)
    world = build_world(seed=args.seed, scale=args.scale)
    print(f"rendering documents and starting {len(world.sites)} sites …", flush=True)
    webapp = DemoWeb(world, slow_seconds=args.slow_seconds, port=args.port, prerender=not args.no_prerender)
    webapp.start()
    for s in world.sites.values():
        if s.scale:
            continue
        flags = [f for f, on in (("slow", s.slow), ("412-challenge", s.challenge), ("failing", s.failing),
                                 ("robots-disallow", s.robots_disallow), ("hidden-column", s.hidden),
                                 (s.params.get("gate"), s.params.get("gate")))
                 if on]
        if s.redirect_to:
            flags.append(f"301→{s.redirect_to}")
        print(f"  {s.key:13} {s.shape:8} {webapp.url(s.key, '/'):28} {s.name} {' '.join(flags)}")
    if args.scale:
        print(f"  … and {args.scale} generated sites on 127.1.x.y:{webapp.port}")
    if args.registry:
        with open(args.registry, "w", encoding="utf-8") as f:
            f.write(webapp.registry_yaml())
        print(f"registry written to {args.registry}")
    exp = webapp.expected()
    print(f"{len(exp)} reports to find, {len(webapp.forbidden())} list entries to drop; Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        webapp.stop()
    return 0
