-- What partners report and clinicians decide: attempts, daily check-ins, incidents,
-- withdrawals, milestones, decisions, idempotency keys, and the summary's window flags.

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES plan_steps (id),
    item_id TEXT REFERENCES step_exercises (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    occurred_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('completed', 'partial', 'skipped', 'paused')),
    distress_before INTEGER NOT NULL CHECK (distress_before BETWEEN 0 AND 100),
    distress_peak INTEGER NOT NULL CHECK (distress_peak BETWEEN 0 AND 100),
    distress_after INTEGER NOT NULL CHECK (distress_after BETWEEN 0 AND 100),
    comfort INTEGER NOT NULL CHECK (comfort BETWEEN 0 AND 10),
    closeness INTEGER NOT NULL CHECK (closeness BETWEEN 0 AND 10),
    boundary_crossed BOOLEAN NOT NULL,
    note TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('clinician_only', 'shared_with_partner')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX reports_couple_idx ON reports (couple_id, id);
CREATE INDEX reports_step_idx ON reports (step_id, occurred_at);

CREATE TABLE check_ins (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    felt_good TEXT NOT NULL,
    was_hard TEXT NOT NULL,
    to_adjust TEXT NOT NULL,
    stress INTEGER NOT NULL CHECK (stress BETWEEN 0 AND 10),
    visibility TEXT NOT NULL CHECK (visibility IN ('clinician_only', 'shared_with_partner')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX check_ins_couple_idx ON check_ins (couple_id, id);

CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    plan_id TEXT REFERENCES plans (id),
    step_id TEXT REFERENCES plan_steps (id),
    report_id TEXT REFERENCES reports (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    acknowledgement TEXT,
    revision TEXT,
    renewed_consent BOOLEAN NOT NULL DEFAULT 0,
    resolution TEXT,
    resolved_by TEXT REFERENCES users (id),
    opened_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX incidents_couple_idx ON incidents (couple_id, id);

CREATE TABLE withdrawals (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE milestones (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    note TEXT,
    achieved_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_couple_idx ON milestones (couple_id, id);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES plan_steps (id),
    kind TEXT NOT NULL CHECK (kind IN ('advance', 'hold', 'step_back')),
    rationale TEXT NOT NULL,
    recommendation_kind TEXT NOT NULL CHECK (recommendation_kind IN ('pause', 'step_back', 'advance', 'hold')),
    recommendation_etag TEXT NOT NULL,
    to_step_id TEXT REFERENCES plan_steps (id),
    decided_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_plan_idx ON decisions (plan_id, id);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    route TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    request_hash TEXT NOT NULL,
    status INTEGER,
    response TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, route, idempotency_key)
);

ALTER TABLE couple_summaries ADD COLUMN rising_distress BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE couple_summaries ADD COLUMN diverging BOOLEAN NOT NULL DEFAULT 0;
