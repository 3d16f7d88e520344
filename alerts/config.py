"""Settings of the alert machinery, the clock, and small helpers shared by its modules.

Every function that depends on the time takes ``now`` (an aware datetime) as a parameter, so tests run
on a controlled clock and a replay can be run "as of" a past night. Deadlines are calendar dates in
China: a deadline has passed once the date in Asia/Shanghai is after it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
DEFAULT_DATASETTE_URL = "http://127.0.0.1:8001"


class ConfigError(ValueError):
    """A setting that is missing or wrong; the message names the setting."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(now: datetime | None) -> datetime:
    """``now`` as an aware datetime (naive values are taken as UTC); the real clock when None."""
    if now is None:
        return utcnow()
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


def china_date(moment: datetime) -> date:
    """The calendar date in China at ``moment``."""
    return aware(moment).astimezone(CHINA).date()


def iso(moment: datetime) -> str:
    """How times are stored: UTC ISO 8601 to the second (sorts as text)."""
    return aware(moment).astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_time(text: str | None) -> datetime | None:
    """A stored time back (naive texts are UTC, as ``crawler.store.now`` writes them)."""
    if not text:
        return None
    try:
        return aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def china_time(text: str | datetime | None) -> str:
    """A stored time as a reader in China writes it: ``2023-02-01 02:13``."""
    moment = parse_time(text) if isinstance(text, str) or text is None else aware(text)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else "—"


def deadline_end(deadline: date) -> datetime:
    """The first moment after a deadline day (00:00 of the next day in China)."""
    return datetime.combine(deadline + timedelta(days=1), datetime.min.time(), CHINA)


@dataclass
class AlertConfig:
    """What ``nianbao check`` and ``nianbao alerts send`` need to decide and to write.

    ``first_year``: the first report year expected of every unit (a unit's ``active_from`` may be later).
    ``unreachable_nights``: failed nights in a row before a site-unreachable alert.
    ``remind_days``: how often an open alert is repeated in the digest.
    ``network_down_ratio`` / ``network_down_min_units``: a run in which at least that share (and that
    many) of the units crawled failed is our own network failing, not theirs: one alert, and those
    failures count for nobody.
    ``run_stale_hours``: a crawl run still ``running`` after this long has died.
    ``alert_window_days``: a report year whose deadline passed longer ago than this is history the first
    time it is judged (listed once, never alerted; see :mod:`alerts.baseline`); late publications older
    than this are not alerted either.
    ``operators``: who gets the alerts about the monitor itself (network down, a crawl that died); when
    empty, every recipient does.
    """

    first_year: int = 2019
    unreachable_nights: int = 3
    remind_days: int = 7
    network_down_ratio: float = 0.8
    network_down_min_units: int = 3
    run_stale_hours: float = 12.0
    health_runs: int = 60
    alert_window_days: int = 365
    datasette_url: str = DEFAULT_DATASETTE_URL
    operators: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> AlertConfig:
        """Defaults, then ``NIANBAO_*`` variables, then explicit overrides (None means "not given")."""
        env = os.environ if env is None else env
        cfg = cls()
        cfg.datasette_url = (env.get("NIANBAO_DATASETTE_URL") or DEFAULT_DATASETTE_URL).rstrip("/")
        cfg.operators = split_list(env.get("NIANBAO_OPERATORS", ""))
        for name, var, kind in (("first_year", "NIANBAO_FIRST_YEAR", int),
                                ("unreachable_nights", "NIANBAO_UNREACHABLE_NIGHTS", int),
                                ("remind_days", "NIANBAO_REMIND_DAYS", int),
                                ("alert_window_days", "NIANBAO_ALERT_WINDOW_DAYS", int)):
            if env.get(var):
                try:
                    setattr(cfg, name, kind(env[var]))
                except ValueError as exc:
                    raise ConfigError(f"{var} 应为整数，而不是 {env[var]!r}") from exc
        for key, value in overrides.items():
            if value is not None:
                setattr(cfg, key, value)
        if cfg.unreachable_nights < 1:
            raise ConfigError("unreachable_nights（NIANBAO_UNREACHABLE_NIGHTS）至少为 1")
        return cfg

    def report_url(self, report_id: str) -> str:
        """The report's row in Datasette."""
        return f"{self.datasette_url.rstrip('/')}/nianbao/reports/{report_id}"


def split_list(text: str) -> list[str]:
    """``"a@x, b@y c@z"`` → ``["a@x", "b@y", "c@z"]``."""
    return [p for p in text.replace(",", " ").replace(";", " ").split() if p]
