-- Accounts are scoped to their practice: the same email may hold an account in two
-- practices, so creating one never reveals that a person is known to another practice.
-- SQLite cannot drop a UNIQUE column constraint, so the table is rebuilt (the documented
-- twelve steps), with foreign keys off for the swap and checked before committing.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE users_new (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('staff', 'client')),
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    is_clinician BOOLEAN NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
    password_hash TEXT,
    time_zone TEXT NOT NULL DEFAULT 'UTC',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP,
    UNIQUE (practice_id, email),
    CHECK (kind = 'staff' OR (is_admin = 0 AND is_clinician = 0)),
    CHECK (kind = 'client' OR is_admin OR is_clinician)
);
INSERT INTO users_new (id, practice_id, email, display_name, kind, is_admin, is_clinician, status, password_hash,
                       time_zone, created_at, updated_at, last_login_at)
SELECT id, practice_id, email, display_name, kind, is_admin, is_clinician, status, password_hash,
       time_zone, created_at, updated_at, last_login_at
FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_practice_idx ON users (practice_id, id);
CREATE INDEX users_email_idx ON users (email);
COMMIT;
PRAGMA foreign_keys = ON;
