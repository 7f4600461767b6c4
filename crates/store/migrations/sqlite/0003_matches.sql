-- The latest synchronisation result of every staged record: which registry person it is (if any), how
-- sure, and why. Re-running sync replaces a kind's candidates.
CREATE TABLE match_candidates (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    staged_id    BIGINT NOT NULL UNIQUE REFERENCES staged_records(id),
    kind         TEXT NOT NULL,
    person_id    BIGINT REFERENCES persons(id),
    probability  DOUBLE PRECISION NOT NULL,
    weight       DOUBLE PRECISION NOT NULL,
    band         TEXT NOT NULL CHECK (band IN ('auto', 'review', 'no_match')),
    explanation  TEXT NOT NULL,
    synced_at    TEXT NOT NULL
);
CREATE INDEX match_candidates_kind_band ON match_candidates(kind, band);
CREATE INDEX match_candidates_person ON match_candidates(person_id);
