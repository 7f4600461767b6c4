-- A form or API call carries an id its client made (a hidden field, an Idempotency-Key header): the
-- same submission posted twice (a retry after a timeout, the back button, a double tap) applies once,
-- and the second post is told what the first did.
CREATE TABLE submissions (
    id          TEXT PRIMARY KEY,
    actor       TEXT NOT NULL,
    proposal_id BIGINT REFERENCES proposals(id),
    applied     BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

-- A move between two villages is one proposal, seen and decided by the village it goes to as well.
ALTER TABLE proposals ADD COLUMN village_to TEXT REFERENCES regions(code);
CREATE INDEX proposals_village_to ON proposals(village_to, status);
DROP POLICY scoped_read ON proposals;
CREATE POLICY scoped_read ON proposals FOR SELECT TO jaring_scoped
    USING (jaring_in_scope(village_code) OR (village_to IS NOT NULL AND jaring_in_scope(village_to)));
