"""A report's alerts on its page, and settling one from there (the same as ``nianbao alerts ack``).

The report page lists the alerts about the report's unit and year with their history (alert_events).
When Datasette runs with authentication, a signed-in actor gets a small form per open alert; it posts
to ``/-/nianbao/ack/{alert id}`` (:func:`ack_post`), the only write the server accepts: POST only, an
authenticated actor only, Datasette's CSRF token checked, written through Datasette's write connection
(``execute_write_fn``) by :func:`alerts.ack.acknowledge`. Everything else stays read-only.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Any

import sqlite_utils

from alerts.ack import VERDICTS, AckError, acknowledge
from alerts.config import china_time
from alerts.state import KINDS

from .metadata import ROUTE


def report_alerts(conn: sqlite3.Connection, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The alerts about ``report`` (its own, and its unit-year's), open ones first, with their events."""
    conn.row_factory = sqlite3.Row
    try:
        alerts = [dict(r) for r in conn.execute(
            "SELECT id, kind, rule, year, report, opened_at, closed_at, reminders, "
            "json_extract(payload, '$.headline') AS headline, json_extract(payload, '$.resolution') AS resolution "
            "FROM alerts WHERE report = ? OR (unit_code = ? AND year = ?) "
            "ORDER BY closed_at IS NOT NULL, id DESC LIMIT 50",
            [report["id"], report.get("unit_code") or "\0", report.get("year") or -1])]
        for a in alerts:
            a["kind_name"] = KINDS.get(a["kind"], (a["kind"],))[0]
            a["opened"] = china_time(a["opened_at"])
            a["closed"] = china_time(a["closed_at"]) if a["closed_at"] else None
            a["events"] = [dict(e, when=china_time(e["at"])) for e in conn.execute(
                "SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id", [a["id"]])]
            last = a["events"][-1] if a["events"] else None
            a["settled"] = last if last and last["action"] == "ack" else None
    except sqlite3.OperationalError:  # no alert tables yet (nianbao check never ran)
        return []
    return alerts


async def ack_post(datasette, request, database: str):
    """POST /-/nianbao/ack/{id}: record a verdict from the report page's form, then go back to the page."""
    from datasette.utils.asgi import Forbidden, Response

    if request.method != "POST":
        return Response.text("只接受 POST", status=405, headers={"Allow": "POST"})
    if not request.actor:
        raise Forbidden("核实需要登录")
    alert_id = int(request.url_vars["id"])
    form = await request.post_vars()
    verdict, note = form.get("verdict", ""), form.get("note", "")
    back = form.get("back", "")
    actor = str(request.actor.get("name") or request.actor.get("id") or "")
    db = datasette.get_database(database)

    def write(conn: sqlite3.Connection) -> dict[str, Any]:
        return acknowledge(sqlite_utils.Database(conn), alert_id, verdict=verdict, actor=actor, note=note,
                           now=datetime.now(timezone.utc))

    try:
        await db.execute_write_fn(write, block=True)
    except AckError as exc:
        datasette.add_message(request, str(exc), datasette.ERROR)
    else:
        datasette.add_message(request, f"问题 {alert_id} 已记录为“{verdict}”（{actor}），不再提醒")
    target = back if back.startswith(f"{ROUTE}/report/") else f"/{database}/open_alerts"
    return Response.redirect(target + "#alerts")


__all__ = ["VERDICTS", "ack_post", "report_alerts"]
