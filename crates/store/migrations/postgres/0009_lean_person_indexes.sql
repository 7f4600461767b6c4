-- `persons_village (village_code, life_status)` is a prefix of `persons_coverage (village_code,
-- life_status, birth_date, ...)`: every query it served, the covering index serves as well. Keeping both
-- cost every insert, update and registry load one more B-tree for nothing.
DROP INDEX IF EXISTS persons_village;
