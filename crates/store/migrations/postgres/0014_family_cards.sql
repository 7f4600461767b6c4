-- A family card becomes a row a proposal can create (pecah KK: part of a household leaves under a new
-- number, the old card kept as history): an id and the bookkeeping columns every changeable table has.
ALTER TABLE household_kk ADD COLUMN id BIGSERIAL UNIQUE;
ALTER TABLE household_kk ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE household_kk ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE household_kk ADD COLUMN row_version BIGINT NOT NULL DEFAULT 1;
