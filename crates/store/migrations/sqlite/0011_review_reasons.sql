-- Why a synchronised pair is not in the auto band (codes of jaring_linkage::Reason), for the reviewer.
ALTER TABLE match_candidates ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
