-- The exercise library, versioned safety agreements, graded-exposure plans with their
-- steps and exercise snapshots, and per-partner consent with its history.
-- JSON values (tags, prompts, agreement terms) are TEXT holding JSON.

CREATE TABLE exercises (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    builtin_key TEXT,
    title TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('connection', 'touch', 'regulation', 'reflection', 'agreements')),
    instructions TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 240),
    intensity INTEGER NOT NULL CHECK (intensity BETWEEN 0 AND 100),
    check_in_prompts TEXT NOT NULL,
    exit_strategy TEXT NOT NULL,
    tags TEXT NOT NULL,
    version INTEGER NOT NULL,
    archived_at TIMESTAMP,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (practice_id, builtin_key)
);
CREATE INDEX exercises_practice_idx ON exercises (practice_id, id);

CREATE TABLE safety_agreements (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    version INTEGER NOT NULL,
    partner_a_terms TEXT NOT NULL,
    partner_b_terms TEXT NOT NULL,
    review_by TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (couple_id, version)
);

CREATE TABLE agreement_acknowledgements (
    agreement_id TEXT NOT NULL REFERENCES safety_agreements (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    practice_id TEXT NOT NULL REFERENCES practices (id),
    acknowledged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (agreement_id, user_id)
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    title TEXT NOT NULL,
    goal TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'on_hold', 'completed', 'archived')),
    hold_cause TEXT CHECK (hold_cause IN ('clinician', 'consent_withdrawn', 'incident_open', 'off_limits', 'withdrawal')),
    current_step_id TEXT,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    activated_at TIMESTAMP,
    completed_at TIMESTAMP
);
CREATE INDEX plans_couple_idx ON plans (couple_id, id);
-- At most one running plan per couple, enforced by the database as well.
CREATE UNIQUE INDEX plans_one_running_idx ON plans (couple_id) WHERE status IN ('active', 'on_hold');

CREATE TABLE plan_steps (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    target_per_week INTEGER NOT NULL CHECK (target_per_week BETWEEN 1 AND 21),
    min_sessions INTEGER NOT NULL,
    target_suds INTEGER NOT NULL,
    setback_suds INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not_started', 'active', 'on_hold', 'completed', 'skipped')),
    activated_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_steps_plan_idx ON plan_steps (plan_id, position);

CREATE TABLE step_exercises (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES plan_steps (id),
    position INTEGER NOT NULL,
    exercise_id TEXT NOT NULL REFERENCES exercises (id),
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    instructions TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    intensity INTEGER NOT NULL,
    check_in_prompts TEXT NOT NULL,
    exit_strategy TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX step_exercises_step_idx ON step_exercises (step_id, position);
CREATE INDEX step_exercises_exercise_idx ON step_exercises (exercise_id);

CREATE TABLE consents (
    step_id TEXT NOT NULL REFERENCES plan_steps (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    practice_id TEXT NOT NULL REFERENCES practices (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    answer TEXT NOT NULL CHECK (answer IN ('not_asked', 'yes', 'tentative_yes', 'soft_no', 'no')),
    note TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (step_id, user_id)
);

CREATE TABLE consent_events (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    step_id TEXT NOT NULL REFERENCES plan_steps (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    answer TEXT NOT NULL CHECK (answer IN ('not_asked', 'yes', 'tentative_yes', 'soft_no', 'no')),
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX consent_events_plan_idx ON consent_events (plan_id, id);
