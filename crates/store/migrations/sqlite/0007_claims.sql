-- The claims workflow: candidate → submitted → verified → paid, or rejected; what was computed, the
-- document checklist and the heirs. Amounts in whole Rupiah.
ALTER TABLE claims ADD COLUMN benefit_case TEXT;
ALTER TABLE claims ADD COLUMN wage BIGINT;
ALTER TABLE claims ADD COLUMN days_off BIGINT;
ALTER TABLE claims ADD COLUMN contribution_months BIGINT;
ALTER TABLE claims ADD COLUMN children TEXT;
ALTER TABLE claims ADD COLUMN documents TEXT;
ALTER TABLE claims ADD COLUMN benefit TEXT;
ALTER TABLE claims ADD COLUMN amount BIGINT;
ALTER TABLE claims ADD COLUMN submitted_on TEXT;
ALTER TABLE claims ADD COLUMN verified_on TEXT;
ALTER TABLE claims ADD COLUMN paid_on TEXT;
ALTER TABLE claims ADD COLUMN rejected_on TEXT;
ALTER TABLE claims ADD COLUMN reason TEXT;
UPDATE claims SET benefit_case = CASE kind WHEN 'jkm' THEN 'jkm_death' ELSE 'jkk_death' END;
CREATE INDEX claims_status ON claims(status);

-- Who receives a death benefit: spouse or children (DOMAIN.md §2.4).
CREATE TABLE claim_heirs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id     BIGINT NOT NULL REFERENCES claims(id),
    name         TEXT NOT NULL,
    nik          TEXT,
    relationship TEXT NOT NULL CHECK (relationship IN ('spouse', 'child', 'parent', 'other'))
);
CREATE INDEX claim_heirs_claim ON claim_heirs(claim_id);
