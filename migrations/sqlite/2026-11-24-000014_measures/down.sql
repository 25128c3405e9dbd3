DELETE FROM outbox WHERE kind = 'measure_reminder';
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
ALTER TABLE notification_preferences DROP COLUMN measure_reminders;
ALTER TABLE couple_summaries DROP COLUMN measure_due_since;
ALTER TABLE couple_summaries DROP COLUMN measure_worsened;
ALTER TABLE couple_summaries DROP COLUMN critical_items;
DROP TABLE measure_responses;
DROP TABLE measure_assignments;
