-- The couple's toolkit: each partner's needs map (desires and boundaries, every change
-- kept as a revision), compromises between the partners (with their events, which never
-- name who withdrew), and the co-written comfort script (every version kept).

CREATE TABLE needs_map_items (
    -- A random (not time-ordered) id: an item shared later must not tell the other
    -- partner when it was first written privately.
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('desire', 'boundary')),
    text TEXT NOT NULL,
    note TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'clinician', 'shared')),
    revision INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The needs map reads a couple's live items.
CREATE INDEX needs_map_items_couple_idx ON needs_map_items (couple_id, deleted);

CREATE TABLE needs_map_revisions (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    item_id TEXT NOT NULL REFERENCES needs_map_items (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('desire', 'boundary')),
    text TEXT NOT NULL,
    note TEXT,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'clinician', 'shared')),
    deleted BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (item_id, revision)
);
-- The timeline and the export read a couple's revisions in id order.
CREATE INDEX needs_map_revisions_couple_idx ON needs_map_revisions (couple_id, id);

CREATE TABLE compromises (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    proposed_by TEXT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'withdrawn')),
    proposed_at TIMESTAMP NOT NULL,
    agreed_at TIMESTAMP,
    -- Deliberately no withdrawn_by: who withdrew is never shown (the audit log has it).
    withdrawn_at TIMESTAMP
);
CREATE INDEX compromises_couple_idx ON compromises (couple_id, id);

CREATE TABLE compromise_events (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    compromise_id TEXT NOT NULL REFERENCES compromises (id),
    event TEXT NOT NULL CHECK (event IN ('proposed', 'agreed', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (compromise_id, event)
);
CREATE INDEX compromise_events_couple_idx ON compromise_events (couple_id, id);

CREATE TABLE comfort_script_versions (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    version INTEGER NOT NULL,
    partner_a_helps TEXT NOT NULL,
    partner_b_helps TEXT NOT NULL,
    words_to_use TEXT NOT NULL,
    words_to_avoid TEXT NOT NULL,
    time_out_signal TEXT NOT NULL,
    coming_back TEXT NOT NULL,
    edited_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    -- Two partners writing from the same version: the second insert conflicts (412).
    UNIQUE (couple_id, version)
);
-- The versions list pages a couple's versions newest first by id.
CREATE INDEX comfort_script_versions_couple_idx ON comfort_script_versions (couple_id, id);
