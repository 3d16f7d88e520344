-- The store's tables (crawler/store.py opens every database with this; each statement is idempotent).
CREATE TABLE IF NOT EXISTS documents (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    kind TEXT,
    name TEXT,
    source TEXT,
    first_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS raw (
    sha256 TEXT PRIMARY KEY REFERENCES documents(sha256),
    content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    document TEXT NOT NULL REFERENCES documents(sha256),
    source TEXT,
    unit_code TEXT,
    unit TEXT,
    year INTEGER,
    title TEXT,
    format TEXT,
    published TEXT,
    kind TEXT,
    status TEXT NOT NULL,
    errors_failed INTEGER NOT NULL DEFAULT 0,
    warnings_failed INTEGER NOT NULL DEFAULT 0,
    incomplete INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    notes TEXT,
    text TEXT,
    parser_version TEXT,
    digest TEXT,
    parsed_at TEXT
);
-- cells and rule_results: crawler/compact.py (compact tables cell_values, rule_checks; cells and rule_results are views)
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL,
    units INTEGER,
    stats TEXT
);
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY,
    run INTEGER REFERENCES runs(id),
    unit_code TEXT,
    url TEXT NOT NULL,
    kind TEXT,
    status INTEGER,
    outcome TEXT NOT NULL,
    error TEXT,
    redirected_from TEXT,
    bytes INTEGER,
    browser INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY,
    unit_code TEXT,
    role TEXT,
    page_url TEXT,
    sha256 TEXT REFERENCES documents(sha256),
    etag TEXT,
    last_modified TEXT,
    title TEXT,
    year INTEGER,
    published TEXT,
    publisher TEXT,
    filename TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES documents(sha256),
    item TEXT NOT NULL,
    run INTEGER,
    queued_at TEXT NOT NULL
);
-- an article whose tables are pictures, waiting for pictures still to come (crawler/pictured.py)
CREATE TABLE IF NOT EXISTS picture_waits (
    page_url TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    item TEXT NOT NULL,
    since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT,
    county_code TEXT,
    county TEXT,
    site TEXT,
    columns TEXT,
    recipients TEXT,
    deadline TEXT,
    active_from INTEGER
);
CREATE TABLE IF NOT EXISTS expected_reports (
    unit_code TEXT NOT NULL REFERENCES units(code),
    year INTEGER NOT NULL,
    deadline TEXT NOT NULL,
    status TEXT NOT NULL,
    report TEXT REFERENCES reports(id),
    published TEXT,
    page_url TEXT,
    inconsistent INTEGER NOT NULL DEFAULT 0,
    checked_at TEXT,
    PRIMARY KEY (unit_code, year)
);
CREATE INDEX IF NOT EXISTS queue_url ON queue(url);
CREATE INDEX IF NOT EXISTS fetches_unit ON fetches(unit_code, run);
CREATE INDEX IF NOT EXISTS sources_unit ON sources(unit_code, year);
CREATE INDEX IF NOT EXISTS reports_unit_year ON reports(unit, year);
CREATE INDEX IF NOT EXISTS reports_unit_code_year ON reports(unit_code, year);
CREATE INDEX IF NOT EXISTS reports_uncoded_unit_year ON reports(unit, year) WHERE unit_code IS NULL;
CREATE INDEX IF NOT EXISTS reports_document ON reports(document);
-- a unit's county (fingerprints.unit_info, per report): without it every report scanned the whole registry
CREATE INDEX IF NOT EXISTS units_county ON units(county_code, code);
