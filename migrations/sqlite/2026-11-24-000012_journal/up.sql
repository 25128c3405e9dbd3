-- Journal with prompts (issue 13, part 3) and the weekly talk check-in kind (part 6).

-- The prompt library: built-in prompts (practice_id NULL, stable ids, read-only, the same
-- in every practice) and each practice's own (archived, never deleted: entries and
-- assignments keep pointing at them).
CREATE TABLE journal_prompts (
    id TEXT PRIMARY KEY,
    practice_id TEXT REFERENCES practices (id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
-- The library list: built-ins and one practice's prompts, in id order.
CREATE INDEX journal_prompts_practice_idx ON journal_prompts (practice_id, id);

INSERT INTO journal_prompts (id, practice_id, title, text, created_by, created_at, archived_at) VALUES
('01930000-0000-7000-8000-000000000001', NULL, 'Naming what was lost',
 'What has changed between you, or in your body, that you have not yet said out loud? Name it as plainly as you can, without fixing it.', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000002', NULL, 'What closeness feels like now',
 'Think of a moment in the last few days when you felt close to your partner. Where were you, what happened, and what made it feel close?', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000003', NULL, 'A small win this week',
 'What went a little better this week than you expected? Write down one small win, however ordinary it seems.', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000004', NULL, 'What I miss, what we still have',
 'Write about one thing you miss, and one thing the two of you still share that matters to you.', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000005', NULL, 'When I feel safe with you',
 'When do you feel most at ease with your partner? What helps you feel that way, and what gets in the way?', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000006', NULL, 'Something I would like us to try',
 'Is there something small you would like the two of you to try next? What would make it easier to ask for it?', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000007', NULL, 'A few lines to my body',
 'Write a few lines to your body as it is today: what you are thankful for, what is hard, and what you hope for.', NULL, '2026-11-24 00:00:00', NULL),
('01930000-0000-7000-8000-000000000008', NULL, 'Thanks I did not say',
 'Name something your partner did recently that you appreciated but did not mention. What did it mean to you?', NULL, '2026-11-24 00:00:00', NULL);

-- A clinician's assignment of a prompt to a couple (partner_id NULL: both partners) or
-- to one partner. Removed, never deleted: entries that answered it keep its id.
CREATE TABLE journal_prompt_assignments (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    prompt_id TEXT NOT NULL REFERENCES journal_prompts (id),
    partner_id TEXT REFERENCES users (id),
    assigned_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    removed_at TIMESTAMP
);
-- A couple's assignments (list, agenda), in id order.
CREATE INDEX journal_prompt_assignments_couple_idx ON journal_prompt_assignments (couple_id, id);

-- A partner's journal entry. visibility: private (author only), clinician (author and
-- clinicians), shared (both partners and clinicians).
CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    practice_id TEXT NOT NULL REFERENCES practices (id),
    couple_id TEXT NOT NULL REFERENCES couples (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    prompt_id TEXT REFERENCES journal_prompts (id),
    assignment_id TEXT REFERENCES journal_prompt_assignments (id),
    text TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'clinician', 'shared')),
    created_at TIMESTAMP NOT NULL
);
-- A couple's journal, newest first (list, timeline, export, progress).
CREATE INDEX journal_entries_couple_idx ON journal_entries (couple_id, id);
-- Whether a partner answered an assignment (the agenda).
CREATE INDEX journal_entries_assignment_idx ON journal_entries (assignment_id, author_id);

-- Milestones an entry links to (the same couple's).
CREATE TABLE journal_entry_milestones (
    entry_id TEXT NOT NULL REFERENCES journal_entries (id),
    milestone_id TEXT NOT NULL REFERENCES milestones (id),
    PRIMARY KEY (entry_id, milestone_id)
);
CREATE INDEX journal_entry_milestones_milestone_idx ON journal_entry_milestones (milestone_id);

-- The weekly talk: a check-in kind with its own three segments. A weekly talk keeps the
-- daily columns empty ('' and stress 0); its reads never show them.
ALTER TABLE check_ins ADD COLUMN kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'weekly_talk'));
ALTER TABLE check_ins ADD COLUMN gratitude TEXT;
ALTER TABLE check_ins ADD COLUMN frustrations TEXT;
ALTER TABLE check_ins ADD COLUMN next_steps TEXT;
-- "Is today's daily check-in due?" reads a partner's latest daily one.
CREATE INDEX check_ins_author_kind_idx ON check_ins (author_id, kind, created_at);
