-- Row-level security exists on PostgreSQL only (see postgres/0008_row_security.sql). An embedded SQLite
-- file serves one installation whose every query already filters by the user's region; this version
-- number is kept so both backends count migrations alike.
SELECT 1;
