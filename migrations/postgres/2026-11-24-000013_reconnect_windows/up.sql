-- Reconnect windows (#13, part 5): a recurring, agreed time for closeness without
-- performance, the occurrences called off, the partners' check-ins after each, and a
-- reminder kind (its own preference switch, on by default, and an outbox kind).

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

ALTER TABLE notification_preferences ADD COLUMN reconnect_window BOOLEAN NOT NULL DEFAULT TRUE;

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge', 'reconnect_window'));
