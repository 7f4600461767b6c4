-- Religion and highest education completed, as Dukcapil's code tables and OpenSID's export carry them
-- (stored codes of jaring_domain::Religion / Education; NULL when no source said), and the mother's
-- name (nama ibu kandung), which tells namesakes apart.
ALTER TABLE persons ADD COLUMN religion TEXT;
ALTER TABLE persons ADD COLUMN education TEXT;
ALTER TABLE persons ADD COLUMN mother_name TEXT NOT NULL DEFAULT '';
