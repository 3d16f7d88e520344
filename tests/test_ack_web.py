"""Settling a finding from the report page, through the real Datasette server with authentication: only a
signed-in actor's POST (with Datasette's CSRF token) writes; the verdict shows on the page and in the
open-alerts query; everything else stays read-only."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest
from itsdangerous import URLSafeSerializer

from alerts.config import AlertConfig
from alerts.testing import World, at
from crawler.registry import Unit
from demo.render import render_html

from .reports import seed_spec

SECRET = "nianbao-test-secret"
COUNTY = Unit("410823000000", "武陟县人民政府", "county", recipients=["gk@wz.example"])
DEPT = Unit("410823-zfb", "武陟县人民政府办公室", "department", parent=COUNTY.code)
BROKEN = {"t3.handled_total.natural": "25", "t3.handled_total.total": "25",
          "t3.unavailable_not_held.natural": "15", "t3.unavailable_not_held.total": "15"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(url: str, *, data: dict | None = None, cookies: dict | None = None) -> tuple[int, str, object]:
    req = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data is not None else None)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with OPENER.open(req, timeout=20) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace"), e.headers


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from browse.serve import DatasetteServer

    path = tmp_path_factory.mktemp("ackweb") / "nianbao.db"
    world = World(path, [COUNTY, DEPT], AlertConfig(first_year=2022))
    spec = seed_spec("000")
    spec.unit, spec.year, spec.published = DEPT.name, 2022, date(2023, 1, 20)
    spec.cells = {**spec.cells, **BROKEN}
    rid = world.publish(render_html(spec), DEPT.code, page="http://wz.example/zfb/2022.html", year=2022)
    world.night(at(2023, 2, 1), ok=[COUNTY.code, DEPT.code])
    world.check(at(2023, 2, 1, 3))
    alert = world.store.db.execute("SELECT id FROM alerts WHERE kind = 'inconsistent'").fetchone()[0]
    world.close()
    old = os.environ.get("DATASETTE_SECRET")
    os.environ["DATASETTE_SECRET"] = SECRET  # Datasette signs actor cookies with it
    try:
        with DatasetteServer(path) as server:
            yield server, rid, alert
    finally:
        if old is None:
            os.environ.pop("DATASETTE_SECRET", None)
        else:
            os.environ["DATASETTE_SECRET"] = old


def signed_in(actor_id: str) -> dict[str, str]:
    return {"ds_actor": URLSafeSerializer(SECRET, "actor").dumps({"a": {"id": actor_id}})}


def test_a_signed_in_actor_settles_an_alert_from_the_report_page(served):
    server, rid, alert = served
    page_url = f"{server.url}/-/nianbao/report/{rid}"
    # anonymous: the alert is listed, no form
    status, page, _ = call(page_url)
    assert status == 200 and f'data-alert="{alert}"' in page and "数字不符" in page
    assert 'class="nb-ack"' not in page
    # anonymous POST and GET are refused, nothing is written
    assert call(f"{server.url}/-/nianbao/ack/{alert}", data={"verdict": "误报"})[0] == 403
    assert call(f"{server.url}/-/nianbao/ack/{alert}")[0] == 405

    cookies = signed_in("张三")
    status, page, headers = call(page_url, cookies=cookies)
    assert status == 200 and 'class="nb-ack"' in page
    token = re.search(r'name="csrftoken" value="([^"]+)"', page).group(1)
    csrf_cookie = next(m.group(1) for c in headers.get_all("Set-Cookie") if (m := re.match(r"ds_csrftoken=([^;]+)", c)))
    # without the CSRF token: refused
    assert call(f"{server.url}/-/nianbao/ack/{alert}", data={"verdict": "误报"}, cookies=cookies)[0] == 403
    status, _, headers = call(f"{server.url}/-/nianbao/ack/{alert}", cookies={**cookies, "ds_csrftoken": csrf_cookie},
                              data={"verdict": "误报", "note": "表三为扫描件，已人工核对", "csrftoken": token,
                                    "back": f"/-/nianbao/report/{rid}"})
    assert status == 302 and headers["Location"] == f"/-/nianbao/report/{rid}#alerts"

    status, page, _ = call(page_url)
    assert 'data-action="ack"' in page and "张三：误报——表三为扫描件，已人工核对" in page
    rows = json.loads(call(f"{server.url}/nianbao/open_alerts.json?_shape=array&county=")[1])
    row = next(r for r in rows if r["编号"] == alert)
    assert (row["核实结论"], row["核实人"], row["类型"]) == ("误报", "张三", "数字不符")
    # the SQL endpoint stays read-only for the signed-in actor too
    status, body, _ = call(f"{server.url}/nianbao.json?" + urllib.parse.urlencode({"sql": "DELETE FROM alert_events"}),
                           cookies=cookies)
    assert status in (400, 403)


def test_history_query_lists_nothing_before_a_first_check_has_history(served):
    server, _, _ = served
    status, body, _ = call(f"{server.url}/nianbao/history.json?_shape=array&county=")
    assert status == 200 and json.loads(body) == []
