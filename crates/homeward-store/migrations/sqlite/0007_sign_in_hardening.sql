-- Sign-in hardening: a TOTP second factor with one-time recovery codes, a temporary lock after
-- repeated failed sign-ins, and sessions that can be listed, revoked and re-confirmed before
-- sensitive actions (bulk export, dossier release).

ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_enabled_at TEXT;
-- The last time step whose code was accepted: a code is accepted once.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;

ALTER TABLE sessions ADD COLUMN confirmed_at TEXT;
ALTER TABLE sessions ADD COLUMN agent TEXT NOT NULL DEFAULT '';

-- Only a SHA-256 of each recovery code is kept; a used code stays, marked with its time.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
