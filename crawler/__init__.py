"""The crawl and everything around it: settings, items, pipelines, the store, the CLI, the scheduler."""
