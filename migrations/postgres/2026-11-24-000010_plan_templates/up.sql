-- A practice's plan templates (the built-in ones live in code and are the same in every
-- practice). A template is read and written whole under one version (its ETag), and a
-- plan drafted from it takes snapshots, so nothing refers to a template's steps: they
-- are one JSON document (TEXT), like an agreement's terms.
CREATE TABLE plan_templates (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    goal TEXT NOT NULL,
    steps TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
-- The practice's list, oldest first by id (cursor paging).
CREATE INDEX plan_templates_practice_idx ON plan_templates (practice_id, id);

-- A plan's provenance: the template (built-in or the practice's) and the version it was
-- drafted from. No foreign key: built-in templates have no row.
ALTER TABLE plans ADD COLUMN template_id TEXT;
ALTER TABLE plans ADD COLUMN template_version INTEGER;
