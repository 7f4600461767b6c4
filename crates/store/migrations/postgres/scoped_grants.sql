-- What the role `jaring_scoped` may do in this schema: read, and append to the audit log. Re-run after
-- a restore, which leaves privileges out.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'jaring_scoped', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT jaring_scoped TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'jaring''s database user must be a member of the role jaring_scoped; as a superuser run: GRANT jaring_scoped TO %;', current_user;
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO jaring_scoped', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO jaring_scoped', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO jaring_scoped', current_schema());
END $$;
-- Reads may leave a trace: the audit log is appended to (never changed) by scoped connections too.
GRANT INSERT ON audit_log TO jaring_scoped;
GRANT UPDATE ON audit_head TO jaring_scoped;
