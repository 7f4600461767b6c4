-- A photo of the document a report rests on (the village's death letter, a certificate), kept with its
-- proposal in the database, so a backup holds it too: base64 text, at most 3 MiB before encoding.
CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    proposal_id  BIGINT NOT NULL REFERENCES proposals(id),
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_proposal ON attachments(proposal_id);
-- Seen where its proposal is seen.
ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY scoped_read ON attachments FOR SELECT TO jaring_scoped
    USING (EXISTS (SELECT 1 FROM proposals p WHERE p.id = attachments.proposal_id));
GRANT SELECT ON attachments TO jaring_scoped;
