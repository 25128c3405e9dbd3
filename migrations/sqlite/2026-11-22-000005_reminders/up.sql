-- Reminder preferences and the email outbox: every email is a row written in the same
-- transaction as the change that causes it (or by a scheduler tick, deduplicated).

CREATE TABLE notification_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    practice_id TEXT NOT NULL REFERENCES practices (id),
    exercise_reminders BOOLEAN NOT NULL,
    daily_check_in BOOLEAN NOT NULL,
    agreement_review BOOLEAN NOT NULL,
    inactivity_nudge BOOLEAN NOT NULL,
    preferred_time TEXT NOT NULL,
    days TEXT NOT NULL,
    quiet_start TEXT,
    quiet_end TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge')),
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
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_practice_idx ON outbox (practice_id, id);
