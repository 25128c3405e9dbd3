-- Scored measures (docs/measures.md): assignments of a questionnaire to one or both
-- partners, once or every N weeks; the partners' scored responses, with critical findings
-- a clinician acknowledges; the caseload summary's measure facts; the reminder switch.

CREATE TABLE measure_assignments (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    measure TEXT NOT NULL CHECK (measure IN ('phq9', 'gad7', 'csi4')),
    -- NULL: both partners.
    partner_id TEXT REFERENCES users (id),
    -- NULL: once.
    every_weeks INTEGER CHECK (every_weeks BETWEEN 1 AND 52),
    starts_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    ended_by TEXT REFERENCES users (id)
);
-- The couple's list, and the scheduler's bulk read of open assignments per couple.
CREATE INDEX measure_assignments_couple_idx ON measure_assignments (couple_id, id);

CREATE TABLE measure_responses (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    assignment_id TEXT NOT NULL REFERENCES measure_assignments (id),
    measure TEXT NOT NULL CHECK (measure IN ('phq9', 'gad7', 'csi4')),
    respondent_id TEXT NOT NULL REFERENCES users (id),
    -- JSON array of the item answers, in item order.
    answers TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 27),
    band TEXT NOT NULL CHECK (band IN ('minimal', 'mild', 'moderate', 'moderately_severe', 'severe', 'satisfied', 'dissatisfied')),
    critical BOOLEAN NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT REFERENCES users (id),
    acknowledgement_note TEXT,
    created_at TIMESTAMP NOT NULL
);
-- Per-couple lists, timeline, export and progress (newest or oldest first by id).
CREATE INDEX measure_responses_couple_idx ON measure_responses (couple_id, id);
-- Each partner's latest answer to an assignment (due, agenda, scheduler).
CREATE INDEX measure_responses_assignment_idx ON measure_responses (assignment_id, respondent_id, created_at);

ALTER TABLE couple_summaries ADD COLUMN critical_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE couple_summaries ADD COLUMN measure_worsened BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE couple_summaries ADD COLUMN measure_due_since TIMESTAMP;
ALTER TABLE notification_preferences ADD COLUMN measure_reminders BOOLEAN NOT NULL DEFAULT 1;

-- The outbox takes the new reminder kind. SQLite cannot alter a CHECK constraint, so the
-- table is rebuilt (no table references the outbox).
CREATE TABLE outbox_new (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    user_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge', 'reconnect_window', 'measure_reminder')),
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
