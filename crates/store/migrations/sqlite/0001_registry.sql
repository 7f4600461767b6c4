-- Regions used by this deployment (the national list lives in the binary; this table holds the
-- regency's tree so rows can reference it).
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES regions(code),
    level       TEXT NOT NULL CHECK (level IN ('provinsi', 'kabupaten', 'kecamatan', 'desa')),
    name        TEXT NOT NULL,
    village_kind TEXT CHECK (village_kind IN ('desa', 'kelurahan', 'desa_adat'))
);
CREATE INDEX regions_parent ON regions(parent_code);

-- A household keeps its id when its family-card number changes.
CREATE TABLE households (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    village_code TEXT NOT NULL REFERENCES regions(code),
    address      TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    row_version  BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX households_village ON households(village_code);

-- Every family-card number a household has held; the current one has valid_to NULL.
CREATE TABLE household_kk (
    household_id BIGINT NOT NULL REFERENCES households(id),
    no_kk        TEXT NOT NULL UNIQUE,
    valid_from   TEXT,
    valid_to     TEXT,
    PRIMARY KEY (household_id, no_kk)
);
CREATE UNIQUE INDEX household_kk_current ON household_kk(household_id) WHERE valid_to IS NULL;

CREATE TABLE persons (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    nik                  TEXT UNIQUE CHECK (nik IS NULL OR length(nik) = 16),
    household_id         BIGINT REFERENCES households(id),
    village_code         TEXT NOT NULL REFERENCES regions(code),
    name                 TEXT NOT NULL CHECK (name <> ''),
    sex                  TEXT NOT NULL CHECK (sex IN ('m', 'f')),
    birth_place          TEXT NOT NULL DEFAULT '',
    birth_date           TEXT,
    address              TEXT NOT NULL DEFAULT '',
    relationship         TEXT NOT NULL,
    marital_status       TEXT NOT NULL,
    occupation           TEXT NOT NULL DEFAULT '',
    worker_category      TEXT NOT NULL,
    life_status          TEXT NOT NULL DEFAULT 'alive'
                         CHECK (life_status IN ('alive', 'deceased', 'moved_out', 'missing')),
    death_date           TEXT CHECK (death_date IS NULL OR life_status = 'deceased'),
    civil_servant_status TEXT NOT NULL DEFAULT 'none',
    civil_servant_since  TEXT,
    dtsen_desil          BIGINT CHECK (dtsen_desil BETWEEN 1 AND 10),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    row_version          BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX persons_village ON persons(village_code, life_status);
CREATE INDEX persons_household ON persons(household_id);

-- Deployment facts (the regency this database serves, demo mode, ...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
