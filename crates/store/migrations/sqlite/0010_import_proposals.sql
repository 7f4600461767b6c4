-- Registry rows whose changes to a known person wait for review (one write path, #17).
ALTER TABLE imports ADD COLUMN proposed INTEGER NOT NULL DEFAULT 0;
