\set n random(0, 9999)
SELECT c.id AS couple, c.practice_id AS practice, c.partner_a_id AS author, p.id AS plan, p.current_step_id AS step FROM users u JOIN couples c ON c.partner_a_id = u.id JOIN plans p ON p.couple_id = c.id AND p.status = 'active' WHERE u.email = 'partnera' || :n || '@bench.tandem.localhost' LIMIT 1 \gset
SELECT id, practice_id, couple_id, title, goal, status, hold_cause, current_step_id, version, created_by, created_at, updated_at, activated_at, completed_at FROM plans WHERE id = :plan LIMIT 1;
SELECT id, practice_id, plan_id, position, title, description, target_per_week, min_sessions, target_suds, setback_suds, window_days, status, activated_at, created_at, updated_at FROM plan_steps WHERE plan_id = :plan ORDER BY position ASC;
SELECT id, practice_id, plan_id, step_id, position, exercise_id, title, category, instructions, duration_minutes, intensity, check_in_prompts, exit_strategy, tags, created_at FROM step_exercises WHERE plan_id = :plan ORDER BY step_id ASC, position ASC;
SELECT step_id, user_id, practice_id, plan_id, answer, note, updated_at FROM consents WHERE plan_id = :plan;
SELECT id, practice_id, label, status, partner_a_id, partner_b_id, created_by, created_at, updated_at, discharged_at FROM couples WHERE id = :couple LIMIT 1;
BEGIN;
SELECT id, practice_id, couple_id, title, goal, status, hold_cause, current_step_id, version, created_by, created_at, updated_at, activated_at, completed_at FROM plans WHERE id = :plan LIMIT 1;
INSERT INTO reports (id, practice_id, couple_id, plan_id, step_id, item_id, author_id, occurred_at, outcome, distress_before, distress_peak, distress_after, comfort, closeness, boundary_crossed, note, visibility, created_at) VALUES (gen_random_uuid()::text, :practice, :couple, :plan, :step, DEFAULT, :author, date_trunc('second', now() AT TIME ZONE 'utc'), 'completed', 30, 40, 20, 7, 7, false, 'Bench attempt', 'clinician_only', now() AT TIME ZONE 'utc');
INSERT INTO audit_events (id, practice_id, occurred_at, actor_id, actor_role, action, resource_type, resource_id, couple_id, outcome, request_id) VALUES (gen_random_uuid()::text, :practice, now() AT TIME ZONE 'utc', :author, 'client', 'report.create', 'report', gen_random_uuid()::text, :couple, 'success', gen_random_uuid()::text);
SELECT COUNT(*) FROM incidents WHERE couple_id = :couple AND status = 'open';
SELECT id FROM withdrawals WHERE couple_id = :couple LIMIT 1;
SELECT id, practice_id, couple_id, title, goal, status, hold_cause, current_step_id, version, created_by, created_at, updated_at, activated_at, completed_at FROM plans WHERE couple_id = :couple AND status = ANY('{active,on_hold}'::text[]) LIMIT 1;
SELECT max(created_at) FROM reports WHERE couple_id = :couple LIMIT 1;
SELECT max(created_at) FROM check_ins WHERE couple_id = :couple LIMIT 1;
SELECT id, practice_id, couple_id, version, partner_a_terms, partner_b_terms, review_by, created_by, created_at FROM safety_agreements WHERE couple_id = :couple ORDER BY version DESC;
SELECT agreement_id, user_id, acknowledged_at FROM agreement_acknowledgements WHERE agreement_id = ANY(ARRAY(SELECT id FROM safety_agreements WHERE couple_id = :couple ORDER BY version DESC LIMIT 1)) ORDER BY acknowledged_at ASC;
SELECT id, practice_id, plan_id, position, title, description, target_per_week, min_sessions, target_suds, setback_suds, window_days, status, activated_at, created_at, updated_at FROM plan_steps WHERE plan_id = :plan ORDER BY position ASC;
SELECT step_id, user_id, practice_id, plan_id, answer, note, updated_at FROM consents WHERE plan_id = :plan;
SELECT id, practice_id, couple_id, plan_id, step_id, item_id, author_id, occurred_at, outcome, distress_before, distress_peak, distress_after, comfort, closeness, boundary_crossed, note, visibility, created_at FROM reports WHERE step_id = :step AND occurred_at >= (now() AT TIME ZONE 'utc') - interval '59 days' ORDER BY occurred_at ASC;
UPDATE couple_summaries SET open_incidents = 0, withdrawn = false, pause_cause = NULL, recommendation = 'step_back', last_activity_at = now() AT TIME ZONE 'utc', rising_distress = false, diverging = false, updated_at = now() AT TIME ZONE 'utc' WHERE couple_id = :couple;
COMMIT;
