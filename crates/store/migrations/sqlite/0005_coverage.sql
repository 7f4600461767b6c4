-- Premium rules, quotas and eligibility rules of programmes (editable as data).
ALTER TABLE programmes ADD COLUMN premium_basis_points BIGINT;
ALTER TABLE programmes ADD COLUMN premium_wage BIGINT;
ALTER TABLE programmes ADD COLUMN quota_per_village BIGINT;
ALTER TABLE programmes ADD COLUMN rule TEXT;
-- PU for village officials: 0.54 % of the NTT minimum wage 2026 (JKK 0.24 % + JKM 0.30 %).
UPDATE programmes SET premium_basis_points = 54, premium_wage = 2455898, monthly_premium = 13262
 WHERE code = 'pu_perangkat_desa';
-- "1 desa 100 pekerja rentan": the NTT circular's minimum per village for village-funded cover.
UPDATE programmes SET quota_per_village = 100 WHERE code = 'bpu_apbdes';

-- Coverage per region and month as computed then, so trends survive later corrections.
CREATE TABLE coverage_snapshots (
    month              TEXT NOT NULL,
    region_code        TEXT NOT NULL REFERENCES regions(code),
    numerator          BIGINT NOT NULL,
    denominator        BIGINT NOT NULL,
    denominator_source TEXT NOT NULL,
    computed_at        TEXT NOT NULL,
    PRIMARY KEY (month, region_code)
);

-- Official denominators (e.g. BPS working population) per region and year, used instead of the count
-- from the registry when present.
CREATE TABLE coverage_denominators (
    region_code TEXT NOT NULL REFERENCES regions(code),
    year        BIGINT NOT NULL,
    value       BIGINT NOT NULL CHECK (value > 0),
    source      TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);
-- Covering indexes for the coverage roll-up: the denominator and the active members are counted from
-- the indexes alone, without reading the rows (5.6 million persons in about a second).
CREATE INDEX enrolments_active ON enrolments(person_id, paid_through, end_date, start_date);
CREATE INDEX persons_coverage ON persons(village_code, life_status, birth_date, civil_servant_status, death_date, merged_into);
