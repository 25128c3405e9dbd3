-- Back to one account per email across the deployment (fails if two practices now share
-- an address, which is the point of the up migration).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE users_old (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    email TEXT NOT NULL UNIQUE,
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
    CHECK (kind = 'staff' OR (is_admin = 0 AND is_clinician = 0)),
    CHECK (kind = 'client' OR is_admin OR is_clinician)
);
INSERT INTO users_old (id, practice_id, email, display_name, kind, is_admin, is_clinician, status, password_hash,
                       time_zone, created_at, updated_at, last_login_at)
SELECT id, practice_id, email, display_name, kind, is_admin, is_clinician, status, password_hash,
       time_zone, created_at, updated_at, last_login_at
FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_practice_idx ON users (practice_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
