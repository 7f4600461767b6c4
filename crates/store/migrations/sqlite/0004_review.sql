-- Insurance programmes a regency runs or records: who pays, which BPJS segment, whether it is subsidised
-- (a household with an ASN/TNI/Polri member must leave subsidised programmes). Seeded with the sponsors
-- seen in BPJS Ketenagakerjaan exports; editable as data.
CREATE TABLE programmes (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    segment         TEXT NOT NULL CHECK (segment IN ('bpu', 'pu')),
    sponsor         TEXT NOT NULL,
    subsidised      BOOLEAN NOT NULL,
    monthly_premium BIGINT NOT NULL CHECK (monthly_premium >= 0),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    row_version     BIGINT NOT NULL DEFAULT 1
);
INSERT INTO programmes (code, name, segment, sponsor, subsidised, monthly_premium, created_at, updated_at) VALUES
    ('bpu_apbd_kab', 'BPU pekerja rentan (APBD Kabupaten)', 'bpu', 'apbd_kabupaten', 1, 16800, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('bpu_apbd_prov', 'BPU pekerja rentan (APBD Provinsi)', 'bpu', 'apbd_provinsi', 1, 16800, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('bpu_apbdes', 'BPU pekerja rentan (APBDes/Dana Desa)', 'bpu', 'apbdes', 1, 16800, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('bpu_csr', 'BPU pekerja rentan (CSR)', 'bpu', 'csr', 1, 16800, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('bpu_mandiri', 'BPU mandiri', 'bpu', 'self', 0, 16800, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('pu_perangkat_desa', 'PU perangkat desa (APBDes)', 'pu', 'apbdes', 0, 0, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'),
    ('pu_employer', 'PU pemberi kerja', 'pu', 'employer', 0, 0, '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z');

-- A person's membership of a programme. `paid_through` is the first day of the last month paid.
CREATE TABLE enrolments (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id      BIGINT NOT NULL REFERENCES persons(id),
    programme_code TEXT NOT NULL REFERENCES programmes(code),
    kpj            TEXT UNIQUE,
    start_date     TEXT,
    end_date       TEXT,
    end_reason     TEXT,
    paid_through   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    row_version    BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX enrolments_person ON enrolments(person_id);

-- A duplicate registry person merged into another keeps its row (history) and points at the survivor.
ALTER TABLE persons ADD COLUMN merged_into BIGINT REFERENCES persons(id);

-- A change someone must approve. `intent` says what is wanted; `changes` the field-level changes it
-- expands to (recomputed when applied, then kept so the proposal can be reverted).
CREATE TABLE proposals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'rejected', 'reverted')),
    band         TEXT NOT NULL CHECK (band IN ('auto', 'review', 'manual')),
    village_code TEXT REFERENCES regions(code),
    person_id    BIGINT REFERENCES persons(id),
    staged_id    BIGINT REFERENCES staged_records(id),
    reverts_id   BIGINT REFERENCES proposals(id),
    summary      TEXT NOT NULL,
    intent       TEXT NOT NULL,
    changes      TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    reason       TEXT,
    row_version  BIGINT NOT NULL DEFAULT 1
);
-- One proposal of a kind per staged record: re-running proposal generation adds nothing twice.
CREATE UNIQUE INDEX proposals_source ON proposals(staged_id, kind);
CREATE INDEX proposals_village_status ON proposals(village_code, status);
CREATE INDEX proposals_status_band ON proposals(status, band, kind);
CREATE INDEX proposals_person ON proposals(person_id);

-- A benefit claim; death proposals open candidates, the claims workflow completes them.
CREATE TABLE claims (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    BIGINT NOT NULL REFERENCES persons(id),
    enrolment_id BIGINT REFERENCES enrolments(id),
    kind         TEXT NOT NULL CHECK (kind IN ('jkm', 'jkk')),
    event_date   TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    row_version  BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX claims_person ON claims(person_id);

-- Append-only, hash-chained: hash = sha256 of the entry's fields and the previous hash. Text columns
-- only, so the hashed bytes are exactly the stored bytes on both backends.
CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    BIGINT,
    village_code TEXT,
    person_id    BIGINT,
    before_value TEXT,
    after_value  TEXT,
    reason       TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log(person_id);
CREATE INDEX audit_log_village ON audit_log(village_code);
CREATE INDEX audit_log_actor ON audit_log(actor);

-- The chain's head; updating it first serialises appenders on both backends.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
