-- Background jobs (synchronisation, coverage snapshots, exports), one table for the web server and the
-- command line: who started what, how far it got, what it found or why it failed.
CREATE TABLE jobs (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL,
    started_by   TEXT NOT NULL,
    schedule_id  BIGINT,
    phase        TEXT NOT NULL DEFAULT '',
    done         BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    result       TEXT,
    error        TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    heartbeat_at TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_status ON jobs(status, id);

-- Recurring jobs the server starts by itself; `next_run_at` is when the next one is due.
CREATE TABLE schedules (
    id            BIGSERIAL PRIMARY KEY,
    job_kind      TEXT NOT NULL UNIQUE,
    cadence       TEXT NOT NULL,
    only_if_new   BOOLEAN NOT NULL DEFAULT FALSE,
    enabled       BOOLEAN NOT NULL DEFAULT FALSE,
    next_run_at   TIMESTAMPTZ NOT NULL,
    last_job_id   BIGINT,
    updated_by    TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Civil-registry events received by the intake endpoint, kept as sent: `(source, event_id)` makes a
-- retried delivery a no-op; a payload that could not be read is kept too (status `rejected`).
CREATE TABLE intake_events (
    id           BIGSERIAL PRIMARY KEY,
    source       TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    status       TEXT NOT NULL,
    payload      TEXT NOT NULL,
    error        TEXT,
    import_id    BIGINT,
    received_at  TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ,
    UNIQUE (source, event_id)
);
CREATE INDEX intake_events_status ON intake_events(status, id);
