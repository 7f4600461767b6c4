-- The role reading web requests run as (see 0008_row_security.sql). Cluster-wide, so it may already
-- exist (another schema, another database, a restore); run before the policies that name it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jaring_scoped') THEN
        CREATE ROLE jaring_scoped NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'jaring needs the role jaring_scoped; as a superuser run: CREATE ROLE jaring_scoped NOLOGIN; GRANT jaring_scoped TO %;', current_user;
END $$;
