-- A family card becomes a row a proposal can create (pecah KK: part of a household leaves under a new
-- number, the old card kept as history): an id and the bookkeeping columns every changeable table has.
CREATE TABLE household_kk_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households(id),
    no_kk        TEXT NOT NULL UNIQUE,
    valid_from   TEXT,
    valid_to     TEXT,
    created_at   TEXT NOT NULL DEFAULT '',
    updated_at   TEXT NOT NULL DEFAULT '',
    row_version  BIGINT NOT NULL DEFAULT 1,
    UNIQUE (household_id, no_kk)
);
INSERT INTO household_kk_new (household_id, no_kk, valid_from, valid_to)
    SELECT household_id, no_kk, valid_from, valid_to FROM household_kk;
DROP TABLE household_kk;
ALTER TABLE household_kk_new RENAME TO household_kk;
CREATE UNIQUE INDEX household_kk_current ON household_kk(household_id) WHERE valid_to IS NULL;
