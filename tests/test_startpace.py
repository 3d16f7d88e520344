"""Start requests are paced (crawler/startpace.py): a unit's column is read only while fewer than
``NIANBAO_START_WINDOW`` other columns are, and the crawl still finds every report."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from demo.sites import build_world
from demo.web import DemoWeb

from .conftest import ROOT


@pytest.fixture(scope="module")
def web():
    world = build_world(scale=5)
    for site in world.sites.values():
        site.slow = site.scale  # every answer takes a moment: pages asked for together overlap on the server
    w = DemoWeb(world, prerender=False, slow_seconds=0.3).start()
    yield w
    w.stop()


def generated_registry(web, path: Path) -> set[str]:
    """The registry of the generated (plain TRS) sites' units only; returns their codes."""
    world = web.world
    keep = {u.code for u in world.units.values() if world.sites[u.registry_site or u.site].scale}
    data = yaml.safe_load(web.registry_yaml())
    data["units"] = [u for u in data["units"] if str(u["code"]) in keep]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return keep


def test_one_column_at_a_time_finds_every_report(web, tmp_path):
    codes = generated_registry(web, tmp_path / "registry.yaml")
    db = tmp_path / "nianbao.db"
    start = len(web.requests)
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", "crawl", "--registry", str(tmp_path / "registry.yaml"), "--db", str(db),
         "--quiet", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "NIANBAO_PARSE=off",
         "-s", "NIANBAO_START_WINDOW=1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    requests = list(web.requests[start:])

    columns = {(web.world.sites[c.site].key, c.path) for u in codes for c in map(web.world.column, web.world.units[u].columns)}
    lists = sorted((r for r in requests if (r.site, r.path_qs) in columns), key=lambda r: r.time)
    assert len(lists) == len(columns) > 5
    # each column's list page is asked for only after the one before it was answered
    for before, after in zip(lists, lists[1:]):
        assert after.time >= before.time + before.duration, (before.path_qs, after.path_qs)

    expected = {e.page_url for e in web.expected() if e.unit_code in codes}
    conn = sqlite3.connect(db)
    try:
        stored = {url for (url,) in conn.execute("SELECT url FROM sources")}
    finally:
        conn.close()
    assert expected and expected <= stored
