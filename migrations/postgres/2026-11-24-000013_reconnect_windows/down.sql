DELETE FROM outbox WHERE kind = 'reconnect_window';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('invitation', 'password_reset', 'clinician_alert', 'exercise_reminder', 'daily_check_in', 'agreement_review', 'inactivity_nudge'));
ALTER TABLE notification_preferences DROP COLUMN reconnect_window;
DROP TABLE reconnect_check_ins;
DROP TABLE reconnect_skips;
DROP TABLE reconnect_windows;
