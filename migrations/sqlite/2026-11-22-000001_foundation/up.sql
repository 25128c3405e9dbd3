-- The foundation: tenants, people, sessions, one-time tokens and the audit log.
-- Ids are UUIDv7 text made by the application; times are UTC TIMESTAMPs.

CREATE TABLE practices (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    crisis_notice TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (practice_id = id)
);

CREATE TABLE users (
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
CREATE INDEX users_practice_idx ON users (practice_id, id);

CREATE TABLE session_families (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_reason TEXT CHECK (revoked_reason IN ('logout', 'reuse', 'idle', 'deactivated', 'password_reset'))
);
CREATE INDEX session_families_user_idx ON session_families (user_id);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    family_id TEXT NOT NULL REFERENCES session_families (id),
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX invitations_user_idx ON invitations (user_id);

CREATE TABLE password_resets (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Append-only: the API has no route that updates or deletes these rows.
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT CHECK (actor_role IN ('admin', 'clinician', 'client', 'system')),
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    couple_id TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    request_id TEXT
);
CREATE INDEX audit_events_practice_idx ON audit_events (practice_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (practice_id, actor_id, id);
