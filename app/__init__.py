"""The application shell, on top of every other layer: the ``nianbao`` command group (:mod:`app.cli`,
with the alert verbs in :mod:`app.alerts_cli` and the browsing verbs in :mod:`app.browse_cli`), the
nightly schedule (:mod:`app.schedule`), the demo runner (:mod:`app.demo`) and the terminal view of a
parsed report (:mod:`app.view`). Nothing below imports it.
"""
