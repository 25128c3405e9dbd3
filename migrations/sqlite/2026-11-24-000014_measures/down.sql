ALTER TABLE notification_preferences DROP COLUMN measure_reminders;
ALTER TABLE couple_summaries DROP COLUMN measure_due_since;
ALTER TABLE couple_summaries DROP COLUMN measure_worsened;
ALTER TABLE couple_summaries DROP COLUMN critical_items;
DROP TABLE measure_responses;
DROP TABLE measure_assignments;
