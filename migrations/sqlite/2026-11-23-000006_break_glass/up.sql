-- Break-glass: a clinician outside a couple's care team opens time-limited, read-only
-- access to its clinical record, with a reason the care team can read.
CREATE TABLE break_glass_grants (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX break_glass_grants_couple_user_idx ON break_glass_grants (couple_id, user_id, expires_at);
