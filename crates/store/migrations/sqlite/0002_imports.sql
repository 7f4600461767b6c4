-- Every import attempt that committed: who, when, which file, what it did.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    format      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    rows_total  BIGINT NOT NULL DEFAULT 0,
    inserted    BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    rejected    BIGINT NOT NULL DEFAULT 0,
    warnings    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX imports_sha256 ON imports(sha256);

-- Records of external lists, as read, waiting to be matched to the registry. A row's content hash makes
-- re-importing the same rows a no-op.
CREATE TABLE staged_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id    BIGINT NOT NULL REFERENCES imports(id),
    kind         TEXT NOT NULL,
    source_line  BIGINT NOT NULL,
    record_key   TEXT,
    nik          TEXT,
    nik_raw      TEXT NOT NULL,
    nik_issue    TEXT,
    no_kk        TEXT,
    name         TEXT NOT NULL,
    sex          TEXT,
    birth_date   TEXT,
    village_code TEXT,
    event_date   TEXT,
    attributes   TEXT NOT NULL,
    row_hash     TEXT NOT NULL,
    UNIQUE (kind, row_hash)
);
CREATE INDEX staged_records_nik ON staged_records(kind, nik);
CREATE INDEX staged_records_import ON staged_records(import_id);
