"""Browsing and exporting the store: Datasette (``nianbao serve``) and Excel/CSV (``nianbao export``).

- :mod:`browse.views` — readable SQL views and full-text search, created by :func:`browse.views.prepare`;
- :mod:`browse.metadata` — Chinese titles and descriptions, facets, canned queries;
- :mod:`browse.serve` — the Datasette process (read-only, plugin and templates);
- :mod:`browse.report` — the report page's content (official layout, failing cells);
- :mod:`browse.plugins` — the Datasette plugin (loaded by file path with ``--plugins-dir``);
- :mod:`browse.export` — xlsx and csv.
"""
