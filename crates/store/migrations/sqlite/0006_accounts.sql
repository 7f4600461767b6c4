-- People who sign in: a role bound to a region (PRODUCT.md §2). Passwords as Argon2id PHC strings.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT NOT NULL UNIQUE,
    full_name            TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('operator_desa', 'operator_kecamatan',
                             'admin_kabupaten', 'petugas_bpjs', 'auditor')),
    region_code          TEXT NOT NULL REFERENCES regions(code),
    password_hash        TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    disabled             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    password_changed_at  BIGINT NOT NULL,
    last_login_at        BIGINT
);

-- Browser sessions. Only the SHA-256 of the cookie's secret is kept, so a copy of the database
-- cannot be used to sign in; times are Unix seconds.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Bearer tokens for machine clients of the JSON API, hashed like sessions.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
