-- The day a membership's end was recorded: a death reported months late still belongs in the next
-- terminations file for BPJS, which is filed by this day as well as by the end date.
ALTER TABLE enrolments ADD COLUMN end_recorded_on TEXT;
UPDATE enrolments SET end_recorded_on = substr(updated_at, 1, 10) WHERE end_date IS NOT NULL;
