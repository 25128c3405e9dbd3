-- Indexes for every foreign key a hot path filters or joins on, so that each request
-- costs what the couple's own rows cost, not what the whole database holds (#10).
-- Also the child side of foreign keys that deletes of steps and exercise items check.

-- Progress: a plan's reports in time order; last activity: newest report of a couple.
CREATE INDEX reports_plan_idx ON reports (plan_id, occurred_at);
CREATE INDEX reports_couple_created_idx ON reports (couple_id, created_at);
CREATE INDEX reports_author_idx ON reports (author_id, occurred_at);
CREATE INDEX reports_item_idx ON reports (item_id);

-- The plan tree (every plan read, the agenda, posting a report).
CREATE INDEX step_exercises_plan_idx ON step_exercises (plan_id, step_id, position);
CREATE INDEX consents_plan_idx ON consents (plan_id);
CREATE INDEX consents_user_idx ON consents (user_id);
CREATE INDEX consent_events_step_idx ON consent_events (step_id);
CREATE INDEX consent_events_couple_idx ON consent_events (couple_id, id);

-- The agenda's "check-in due" and the summary's last activity.
CREATE INDEX check_ins_author_idx ON check_ins (author_id, created_at);
CREATE INDEX check_ins_couple_created_idx ON check_ins (couple_id, created_at);

-- The summary refresh: open incidents and withdrawals of a couple.
CREATE INDEX incidents_couple_status_idx ON incidents (couple_id, status);
CREATE INDEX incidents_plan_idx ON incidents (plan_id);
CREATE INDEX incidents_step_idx ON incidents (step_id);
CREATE INDEX incidents_report_idx ON incidents (report_id);
CREATE INDEX withdrawals_couple_idx ON withdrawals (couple_id, id);

-- Decisions of a couple (timeline) and the steps they name.
CREATE INDEX decisions_couple_idx ON decisions (couple_id, id);
CREATE INDEX decisions_step_idx ON decisions (step_id);
CREATE INDEX decisions_to_step_idx ON decisions (to_step_id);

-- Acknowledgements by user, summaries and care teams by practice.
CREATE INDEX agreement_acknowledgements_user_idx ON agreement_acknowledgements (user_id);
CREATE INDEX couple_summaries_practice_idx ON couple_summaries (practice_id);
CREATE INDEX couple_clinicians_practice_idx ON couple_clinicians (practice_id);

-- Cancelling a user's pending reminders.
CREATE INDEX outbox_user_idx ON outbox (user_id, status);
