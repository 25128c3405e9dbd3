DROP INDEX check_ins_author_kind_idx;
ALTER TABLE check_ins DROP COLUMN next_steps;
ALTER TABLE check_ins DROP COLUMN frustrations;
ALTER TABLE check_ins DROP COLUMN gratitude;
ALTER TABLE check_ins DROP COLUMN kind;
DROP TABLE journal_entry_milestones;
DROP TABLE journal_entries;
DROP TABLE journal_prompt_assignments;
DROP TABLE journal_prompts;
