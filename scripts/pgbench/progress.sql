\set n random(0, 9999)
SELECT c.id AS couple, cc.user_id AS clin, c.practice_id AS practice FROM users u JOIN couples c ON c.partner_a_id = u.id JOIN couple_clinicians cc ON cc.couple_id = c.id WHERE u.email = 'partnera' || :n || '@bench.tandem.localhost' LIMIT 1 \gset
SELECT id, practice_id, label, status, partner_a_id, partner_b_id, created_by, created_at, updated_at, discharged_at FROM couples WHERE id = :couple LIMIT 1;
SELECT COUNT(*) FROM couple_clinicians WHERE couple_id = :couple AND user_id = :clin;
SELECT id, practice_id, couple_id, title, goal, status, hold_cause, current_step_id, version, created_by, created_at, updated_at, activated_at, completed_at FROM plans WHERE couple_id = :couple AND status = ANY('{active,on_hold}'::text[]) LIMIT 1 \gset pl_
SELECT id, practice_id, couple_id, title, goal, status, hold_cause, current_step_id, version, created_by, created_at, updated_at, activated_at, completed_at FROM plans WHERE couple_id = :couple ORDER BY id DESC LIMIT 2;
SELECT id, practice_id, plan_id, position, title, description, target_per_week, min_sessions, target_suds, setback_suds, window_days, status, activated_at, created_at, updated_at FROM plan_steps WHERE plan_id = :pl_id ORDER BY position ASC;
SELECT step_id, user_id, practice_id, plan_id, answer, note, updated_at FROM consents WHERE plan_id = :pl_id;
SELECT step_id, author_id, outcome, distress_after, comfort FROM reports WHERE plan_id = :pl_id ORDER BY occurred_at ASC;
SELECT id, practice_id, couple_id, plan_id, step_id, item_id, author_id, occurred_at, outcome, distress_before, distress_peak, distress_after, comfort, closeness, boundary_crossed, note, visibility, created_at FROM reports WHERE step_id = :pl_current_step_id AND occurred_at >= (now() AT TIME ZONE 'utc') - interval '59 days' ORDER BY occurred_at ASC;
SELECT COUNT(*) FROM incidents WHERE couple_id = :couple AND status = 'open';
BEGIN;
INSERT INTO audit_events (id, practice_id, occurred_at, actor_id, actor_role, action, resource_type, resource_id, couple_id, outcome, request_id) VALUES (gen_random_uuid()::text, :practice, now() AT TIME ZONE 'utc', :clin, 'clinician', 'progress.read', 'couple', :couple, :couple, 'success', gen_random_uuid()::text);
COMMIT;
