-- Region isolation in the database itself (PostgreSQL row-level security).
--
-- Web requests that only read run as the role `jaring_scoped` with the signed-in user's region in the
-- setting `jaring.scope` (see `Database::scoped`). For that role every table holding residents' data
-- shows only the rows of villages inside the scope, whatever the SQL asks for, so a handler that forgets
-- a filter still cannot read another village. The owner role jaring connects as (CLI, writes, jobs) is
-- not subject to these policies: PostgreSQL exempts a table's owner unless FORCE is set.
--
-- The role and its privileges are in scoped_role.sql and scoped_grants.sql (also run by restore);
-- this migration runs them first.

-- The scope: a region code; `53.04` (regency) contains `53.04.01` (kecamatan) contains `53.04.01.2001`.
-- Unset or empty means nothing is visible: a connection that took the role without a scope fails closed.
CREATE FUNCTION jaring_in_scope(code TEXT) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN coalesce(current_setting('jaring.scope', true), '') = '' THEN FALSE
        -- Rows tied to no village (regency-wide audit entries, list records without a village) belong
        -- to the regency: only a regency-wide (or wider) scope reads them.
        WHEN code IS NULL THEN current_setting('jaring.scope', true) ~ '^[0-9]{2}(\.[0-9]{2})?$'
        ELSE code = current_setting('jaring.scope', true)
            OR starts_with(code, current_setting('jaring.scope', true) || '.')
    END
$$;

ALTER TABLE persons ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON persons FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code));

ALTER TABLE households ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON households FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code));

ALTER TABLE household_kk ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON household_kk FOR SELECT TO jaring_scoped
    USING (EXISTS (SELECT 1 FROM households h WHERE h.id = household_kk.household_id));

ALTER TABLE enrolments ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON enrolments FOR SELECT TO jaring_scoped
    USING (EXISTS (SELECT 1 FROM persons p WHERE p.id = enrolments.person_id));

ALTER TABLE claims ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON claims FOR SELECT TO jaring_scoped
    USING (EXISTS (SELECT 1 FROM persons p WHERE p.id = claims.person_id));

ALTER TABLE claim_heirs ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON claim_heirs FOR SELECT TO jaring_scoped
    USING (EXISTS (SELECT 1 FROM claims c WHERE c.id = claim_heirs.claim_id));

ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON proposals FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code));

ALTER TABLE match_candidates ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON match_candidates FOR SELECT TO jaring_scoped
    USING (CASE WHEN person_id IS NULL THEN jaring_in_scope(NULL)
           ELSE EXISTS (SELECT 1 FROM persons p WHERE p.id = match_candidates.person_id) END);

-- A list record is visible in its own village, and wherever it was matched or proposed.
ALTER TABLE staged_records ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON staged_records FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code)
        OR EXISTS (SELECT 1 FROM proposals p WHERE p.staged_id = staged_records.id)
        OR EXISTS (SELECT 1 FROM match_candidates m WHERE m.staged_id = staged_records.id
                   AND m.person_id IS NOT NULL));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON audit_log FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code));
CREATE POLICY scoped_append ON audit_log FOR INSERT TO jaring_scoped
    WITH CHECK (TRUE);
