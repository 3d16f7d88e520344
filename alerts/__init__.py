"""Deadlines and alerts: who was due when, what is missing or wrong, and the email digest.

- :mod:`alerts.health` — per-unit health from the fetch log (last success, failed nights, network down)
- :mod:`alerts.expected` — the ``expected_reports`` table: which reports each unit owes, and their status
- :mod:`alerts.runs` — crawl runs that did not finish, scheduled nights that were missed
- :mod:`alerts.check` — ``nianbao check``: the above → findings → :mod:`alerts.state` (open / remind / close)
- :mod:`alerts.digest` — building the Chinese digest per recipient (text + HTML), apart from sending it
- :mod:`alerts.mailer` / :mod:`alerts.webhooks` — the outbox, SMTP and group webhooks
- :mod:`alerts.notify` — ``nianbao alerts send``: due alerts → digests → outbox → delivery
- :mod:`alerts.testing` — a controlled world and a real SMTP server
"""
