ALTER TABLE plans DROP COLUMN template_version;
ALTER TABLE plans DROP COLUMN template_id;
DROP INDEX plan_templates_practice_idx;
DROP TABLE plan_templates;
