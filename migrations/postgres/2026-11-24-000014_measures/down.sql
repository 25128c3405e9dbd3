DELETE FROM outbox WHERE kind = 'measure_reminder';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge', 'reconnect_window'));
ALTER TABLE notification_preferences DROP COLUMN measure_reminders;
ALTER TABLE couple_summaries DROP COLUMN measure_due_since;
ALTER TABLE couple_summaries DROP COLUMN measure_worsened;
ALTER TABLE couple_summaries DROP COLUMN critical_items;
DROP TABLE measure_responses;
DROP TABLE measure_assignments;
