-- Reconnect windows (#13, part 5): a recurring, agreed time for closeness without
-- performance, the occurrences called off, the partners' check-ins after each, and a
-- reminder kind (its own preference switch, on by default, and an outbox kind).
-- SQLite cannot change a CHECK constraint, so the outbox is rebuilt (the documented
-- twelve steps), with foreign keys off for the swap.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE reconnect_windows (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    proposed_by TEXT NOT NULL REFERENCES users (id),
    weekday TEXT NOT NULL CHECK (weekday IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')),
    start_time TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 10 AND 240),
    time_zone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'active', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    cancelled_at TIMESTAMP
);
-- A couple's windows newest first (the list); the scheduler's active windows of a page of
-- couples.
CREATE INDEX reconnect_windows_couple_idx ON reconnect_windows (couple_id, id);
CREATE INDEX reconnect_windows_status_idx ON reconnect_windows (couple_id, status);

-- Single occurrences called off. Deliberately no column for who: nobody can be told.
CREATE TABLE reconnect_skips (
    window_id TEXT NOT NULL REFERENCES reconnect_windows (id),
    occurrence_date TEXT NOT NULL,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (window_id, occurrence_date)
);

-- One partner's check-in after one occurrence (at most one each).
CREATE TABLE reconnect_check_ins (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    window_id TEXT NOT NULL REFERENCES reconnect_windows (id),
    occurrence_date TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    closeness INTEGER NOT NULL CHECK (closeness BETWEEN 0 AND 10),
    safety INTEGER NOT NULL CHECK (safety BETWEEN 0 AND 10),
    note TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'clinician', 'shared')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (window_id, author_id, occurrence_date)
);
-- Timeline, export and progress read a couple's check-ins (ids are time-ordered).
CREATE INDEX reconnect_check_ins_couple_idx ON reconnect_check_ins (couple_id, id);

ALTER TABLE notification_preferences ADD COLUMN reconnect_window BOOLEAN NOT NULL DEFAULT 1;

CREATE TABLE outbox_new (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge', 'reconnect_window')),
    to_address TEXT NOT NULL,
    token TEXT,
    dedupe_key TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO outbox_new (id, practice_id, user_id, kind, to_address, token, dedupe_key, status, attempts,
                        next_attempt_at, lease_until, last_error, created_at, sent_at)
SELECT id, practice_id, user_id, kind, to_address, token, dedupe_key, status, attempts,
       next_attempt_at, lease_until, last_error, created_at, sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_practice_idx ON outbox (practice_id, id);
CREATE INDEX outbox_user_idx ON outbox (user_id, status);
COMMIT;
PRAGMA foreign_keys = ON;
