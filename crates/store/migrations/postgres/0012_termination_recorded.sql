-- The day a membership's end was recorded: a death reported months late still belongs in the next
-- terminations file for BPJS, which is filed by this day as well as by the end date.
ALTER TABLE enrolments ADD COLUMN end_recorded_on DATE;
UPDATE enrolments SET end_recorded_on = (updated_at AT TIME ZONE 'Asia/Makassar')::date WHERE end_date IS NOT NULL;
