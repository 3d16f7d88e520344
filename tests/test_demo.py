"""`nianbao demo --exit-after-run`, and Datasette on the database that real crawl filled.

The demo runs the whole loop as production does — demo web → crawl → check → alerts by SMTP into a
mailbox file. Then the real Datasette serves that database: each canned query returns the units the
demo web's ground truth says, and writes are refused.
"""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from email import message_from_bytes, policy

import pytest

from demo.sites import build_world
from demo.web import DemoWeb

from .conftest import ROOT


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "app.cli", "demo", "--dir", str(workdir), "--exit-after-run"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    return workdir, proc


@pytest.fixture(scope="module")
def truth():
    """The demo world's ground truth (unit codes and years do not depend on ports)."""
    import yaml

    with DemoWeb(build_world(today=date.today()), prerender=False) as web:
        names = {u["code"]: u["name"] for u in yaml.safe_load(web.registry_yaml())["units"]}
        return {"expected": web.expected(), "missing": set(web.missing()), "unreachable": set(web.unreachable()),
                "undeterminable": set(web.undeterminable()), "names": names}


def test_demo_runs_the_loop_and_mails_the_alert(demo_run, truth):
    workdir, proc = demo_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "演示完成" in proc.stdout
    box = [message_from_bytes(m.as_bytes(), policy=policy.default) for m in mailbox.mbox(str(workdir / "mailbox.mbox"))]
    assert box
    text = "\n".join(m.get_body(preferencelist=("plain",)).get_content() for m in box)
    # the inconsistent reports of the ground truth, with their arithmetic
    assert "相差" in text and "逾期未发布" in text
    html = "\n".join(m.get_body(preferencelist=("html",)).get_content() for m in box)
    assert "<table" in html or "<ul" in html


def test_demo_prints_the_few_problems_it_plants_not_noise(demo_run):
    """The world reaches last year by the real clock: the check shows last year's planted problems, and the
    older gaps as one line of history — well under 60 lines."""
    from demo.recent import PLANTED, planted_year

    _, proc = demo_run
    out = proc.stdout
    check = out[out.index("2. 核查"):out.index("3. 发送")].splitlines()
    assert len(check) < 60, "\n".join(check)
    rows = [line for line in check if line.startswith("│") and f"│ {planted_year(date.today())} │" in line]
    kinds = {k for k in ("逾期未发布", "数字不符", "逾期发布") if any(k in r for r in rows)}
    assert kinds == {"逾期未发布", "数字不符", "逾期发布"}
    assert all(any(name in r for name in ("清源县教育局", "大河镇", "青山乡")) for r in rows)
    assert len(PLANTED) == 3 and "历史问题" in "\n".join(check)


@pytest.fixture(scope="module")
def served(demo_run):
    from browse.serve import DatasetteServer

    workdir, proc = demo_run
    assert proc.returncode == 0
    with DatasetteServer(workdir / "nianbao.db") as server:
        yield server


def query(server, name: str, **params) -> list[dict]:
    url = f"{server.url}/nianbao/{name}.json?" + urllib.parse.urlencode({**params, "_shape": "array", "_size": "max"})
    with urllib.request.urlopen(url, timeout=20) as r:
        return json.loads(r.read())


def test_last_years_missing_report_is_the_planted_one(served, truth):
    from demo.recent import PLANTED, planted_year

    got = {r["单位代码"] for r in query(served, "missing", year=str(planted_year(date.today())))}
    assert got == {code for code, what in PLANTED.items() if what == "missing"}


def test_missing_query_matches_the_ground_truth(served, truth):
    got = {(r["单位代码"], r["年度"]) for r in query(served, "missing") if r["年度"] <= 2023}
    # units on the failing site are "unreachable", never "missing"; nor are units whose column could not
    # be read to its end (a trap, a column no page links to: column_not_found, told to the operators)
    want = {(u, y) for u, y in truth["missing"] if u not in truth["unreachable"] | truth["undeterminable"]}
    assert got == want
    assert not {u for u, _ in got} & truth["unreachable"]


def test_inconsistent_query_matches_the_ground_truth(served, truth):
    rows = query(served, "inconsistent")
    got = {(r["单位"], r["年度"]) for r in rows}
    want = {(truth["names"][e.unit_code], e.year) for e in truth["expected"] if e.inconsistent}
    assert got == want
    assert all("相差" in json.dumps(r, ensure_ascii=False) for r in rows)


def test_late_query_lists_the_late_report(served, truth):
    late = query(served, "late")
    assert late and all(r["逾期天数"] > 0 for r in late)


def test_county_overview_and_unit_history(served, truth):
    overview = query(served, "county_overview", year="2022")
    assert overview and {r["年度"] for r in overview} == {2022}
    unit = truth["expected"][0].unit_code
    history = query(served, "unit_history", unit=unit)
    assert {r["年度"] for r in history} >= {e.year for e in truth["expected"] if e.unit_code == unit}


def test_write_through_sql_endpoint_refused(served):
    url = f"{served.url}/nianbao.json?" + urllib.parse.urlencode({"sql": "DELETE FROM reports"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=20)
    assert err.value.code in (400, 403)
    with urllib.request.urlopen(f"{served.url}/nianbao.json?sql=select+count(*)+as+n+from+reports&_shape=array") as r:
        assert json.loads(r.read())[0]["n"] > 100
