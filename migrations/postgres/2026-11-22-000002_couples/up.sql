-- Couples, their partners (client users) and their clinicians, plus the per-couple
-- summary row that the caseload reads instead of scanning reports.

CREATE TABLE couples (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    label TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'discharged')),
    partner_a_id TEXT NOT NULL UNIQUE REFERENCES users (id),
    partner_b_id TEXT NOT NULL UNIQUE REFERENCES users (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    discharged_at TIMESTAMP,
    CHECK (partner_a_id <> partner_b_id)
);
CREATE INDEX couples_practice_idx ON couples (practice_id, id);

CREATE TABLE couple_clinicians (
    couple_id TEXT NOT NULL REFERENCES couples (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    practice_id TEXT NOT NULL REFERENCES practices (id),
    assigned_by TEXT NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (couple_id, user_id)
);
CREATE INDEX couple_clinicians_user_idx ON couple_clinicians (user_id, couple_id);

-- Kept in the same transaction as every write that changes what it summarises.
CREATE TABLE couple_summaries (
    couple_id TEXT PRIMARY KEY REFERENCES couples (id),
    practice_id TEXT NOT NULL REFERENCES practices (id),
    open_incidents INTEGER NOT NULL DEFAULT 0,
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    pause_cause TEXT,
    recommendation TEXT,
    last_activity_at TIMESTAMP,
    agreement_review_due_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
