-- A registration spreadsheet uploaded on the import page waits here between its dry run and
-- its commit: found by the SHA-256 of a random token and the user who uploaded it, never by a
-- path, and removed on commit, on discard, or when it is older than an hour.

CREATE TABLE import_staging (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    staged_at TEXT NOT NULL
);
CREATE INDEX import_staging_at ON import_staging (staged_at);
