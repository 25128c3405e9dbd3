//! Table definitions, written to match both migration trees.
// @generated-style: keep in step with migrations/postgres and migrations/sqlite.

diesel::table! {
    practices (id) {
        id -> Text,
        practice_id -> Text,
        name -> Text,
        crisis_notice -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        practice_id -> Text,
        email -> Text,
        display_name -> Text,
        kind -> Text,
        is_admin -> Bool,
        is_clinician -> Bool,
        status -> Text,
        password_hash -> Nullable<Text>,
        time_zone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    session_families (id) {
        id -> Text,
        practice_id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        practice_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        practice_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        practice_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        practice_id -> Text,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        couple_id -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    couples (id) {
        id -> Text,
        practice_id -> Text,
        label -> Text,
        status -> Text,
        partner_a_id -> Text,
        partner_b_id -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        discharged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    couple_clinicians (couple_id, user_id) {
        couple_id -> Text,
        user_id -> Text,
        practice_id -> Text,
        assigned_by -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    couple_summaries (couple_id) {
        couple_id -> Text,
        practice_id -> Text,
        open_incidents -> Integer,
        withdrawn -> Bool,
        pause_cause -> Nullable<Text>,
        recommendation -> Nullable<Text>,
        last_activity_at -> Nullable<Timestamp>,
        agreement_review_due_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        rising_distress -> Bool,
        diverging -> Bool,
        critical_items -> Integer,
        measure_worsened -> Bool,
        measure_due_since -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        plan_id -> Text,
        step_id -> Text,
        item_id -> Nullable<Text>,
        author_id -> Text,
        occurred_at -> Timestamp,
        outcome -> Text,
        distress_before -> Integer,
        distress_peak -> Integer,
        distress_after -> Integer,
        comfort -> Integer,
        closeness -> Integer,
        boundary_crossed -> Bool,
        note -> Nullable<Text>,
        visibility -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    check_ins (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        author_id -> Text,
        felt_good -> Text,
        was_hard -> Text,
        to_adjust -> Text,
        stress -> Integer,
        visibility -> Text,
        created_at -> Timestamp,
        kind -> Text,
        gratitude -> Nullable<Text>,
        frustrations -> Nullable<Text>,
        next_steps -> Nullable<Text>,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        plan_id -> Nullable<Text>,
        step_id -> Nullable<Text>,
        report_id -> Nullable<Text>,
        author_id -> Text,
        description -> Text,
        status -> Text,
        acknowledgement -> Nullable<Text>,
        revision -> Nullable<Text>,
        renewed_consent -> Bool,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        opened_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    withdrawals (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        user_id -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    milestones (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        author_id -> Text,
        title -> Text,
        note -> Nullable<Text>,
        achieved_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        plan_id -> Text,
        step_id -> Text,
        kind -> Text,
        rationale -> Text,
        recommendation_kind -> Text,
        recommendation_etag -> Text,
        to_step_id -> Nullable<Text>,
        decided_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, route, idempotency_key) {
        user_id -> Text,
        route -> Text,
        idempotency_key -> Text,
        practice_id -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    exercises (id) {
        id -> Text,
        practice_id -> Text,
        builtin_key -> Nullable<Text>,
        title -> Text,
        category -> Text,
        instructions -> Text,
        duration_minutes -> Integer,
        intensity -> Integer,
        check_in_prompts -> Text,
        exit_strategy -> Text,
        tags -> Text,
        version -> Integer,
        archived_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    safety_agreements (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        version -> Integer,
        partner_a_terms -> Text,
        partner_b_terms -> Text,
        review_by -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    agreement_acknowledgements (agreement_id, user_id) {
        agreement_id -> Text,
        user_id -> Text,
        practice_id -> Text,
        acknowledged_at -> Timestamp,
    }
}

diesel::table! {
    plans (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        title -> Text,
        goal -> Text,
        status -> Text,
        hold_cause -> Nullable<Text>,
        current_step_id -> Nullable<Text>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        template_id -> Nullable<Text>,
        template_version -> Nullable<Integer>,
    }
}

diesel::table! {
    plan_steps (id) {
        id -> Text,
        practice_id -> Text,
        plan_id -> Text,
        position -> Integer,
        title -> Text,
        description -> Text,
        target_per_week -> Integer,
        min_sessions -> Integer,
        target_suds -> Integer,
        setback_suds -> Integer,
        window_days -> Integer,
        status -> Text,
        activated_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    step_exercises (id) {
        id -> Text,
        practice_id -> Text,
        plan_id -> Text,
        step_id -> Text,
        position -> Integer,
        exercise_id -> Text,
        title -> Text,
        category -> Text,
        instructions -> Text,
        duration_minutes -> Integer,
        intensity -> Integer,
        check_in_prompts -> Text,
        exit_strategy -> Text,
        tags -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consents (step_id, user_id) {
        step_id -> Text,
        user_id -> Text,
        practice_id -> Text,
        plan_id -> Text,
        answer -> Text,
        note -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consent_events (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        plan_id -> Text,
        step_id -> Text,
        user_id -> Text,
        answer -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notification_preferences (user_id) {
        user_id -> Text,
        practice_id -> Text,
        exercise_reminders -> Bool,
        daily_check_in -> Bool,
        agreement_review -> Bool,
        inactivity_nudge -> Bool,
        preferred_time -> Text,
        days -> Text,
        quiet_start -> Nullable<Text>,
        quiet_end -> Nullable<Text>,
        updated_at -> Timestamp,
        measure_reminders -> Bool,
        reconnect_window -> Bool,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        practice_id -> Text,
        user_id -> Nullable<Text>,
        kind -> Text,
        to_address -> Text,
        token -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> practices (practice_id));
diesel::joinable!(plan_steps -> plans (plan_id));
diesel::joinable!(plans -> couples (couple_id));
diesel::table! {
    break_glass_grants (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        user_id -> Text,
        reason -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    plan_templates (id) {
        id -> Text,
        practice_id -> Text,
        version -> Integer,
        title -> Text,
        goal -> Text,
        steps -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    needs_map_items (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        author_id -> Text,
        kind -> Text,
        text -> Text,
        note -> Nullable<Text>,
        visibility -> Text,
        revision -> Integer,
        deleted -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    needs_map_revisions (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        item_id -> Text,
        author_id -> Text,
        revision -> Integer,
        kind -> Text,
        text -> Text,
        note -> Nullable<Text>,
        visibility -> Text,
        deleted -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    compromises (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        proposed_by -> Text,
        text -> Text,
        note -> Nullable<Text>,
        status -> Text,
        proposed_at -> Timestamp,
        agreed_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    compromise_events (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        compromise_id -> Text,
        event -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    comfort_script_versions (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        version -> Integer,
        partner_a_helps -> Text,
        partner_b_helps -> Text,
        words_to_use -> Text,
        words_to_avoid -> Text,
        time_out_signal -> Text,
        coming_back -> Text,
        edited_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    journal_prompts (id) {
        id -> Text,
        practice_id -> Nullable<Text>,
        title -> Text,
        text -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        archived_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    journal_prompt_assignments (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        prompt_id -> Text,
        partner_id -> Nullable<Text>,
        assigned_by -> Text,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    journal_entries (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        author_id -> Text,
        prompt_id -> Nullable<Text>,
        assignment_id -> Nullable<Text>,
        text -> Text,
        visibility -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    journal_entry_milestones (entry_id, milestone_id) {
        entry_id -> Text,
        milestone_id -> Text,
    }
}

diesel::table! {
    measure_assignments (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        measure -> Text,
        partner_id -> Nullable<Text>,
        every_weeks -> Nullable<Integer>,
        starts_at -> Timestamp,
        created_by -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
    }
}

diesel::table! {
    measure_responses (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        assignment_id -> Text,
        measure -> Text,
        respondent_id -> Text,
        answers -> Text,
        score -> Integer,
        band -> Text,
        critical -> Bool,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        acknowledgement_note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reconnect_windows (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        proposed_by -> Text,
        weekday -> Text,
        start_time -> Text,
        duration_minutes -> Integer,
        time_zone -> Text,
        status -> Text,
        created_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reconnect_skips (window_id, occurrence_date) {
        window_id -> Text,
        occurrence_date -> Text,
        practice_id -> Text,
        couple_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reconnect_check_ins (id) {
        id -> Text,
        practice_id -> Text,
        couple_id -> Text,
        window_id -> Text,
        occurrence_date -> Text,
        author_id -> Text,
        closeness -> Integer,
        safety -> Integer,
        note -> Nullable<Text>,
        visibility -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(step_exercises -> plans (plan_id));
diesel::joinable!(step_exercises -> plan_steps (step_id));
diesel::joinable!(agreement_acknowledgements -> safety_agreements (agreement_id));
diesel::joinable!(couple_clinicians -> couples (couple_id));
diesel::joinable!(couple_clinicians -> users (user_id));
diesel::joinable!(couple_summaries -> couples (couple_id));
diesel::joinable!(session_families -> users (user_id));
diesel::joinable!(refresh_tokens -> session_families (family_id));
diesel::joinable!(invitations -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(measure_responses -> measure_assignments (assignment_id));
diesel::joinable!(needs_map_revisions -> needs_map_items (item_id));
diesel::joinable!(compromise_events -> compromises (compromise_id));

diesel::allow_tables_to_appear_in_same_query!(
    practices,
    users,
    session_families,
    refresh_tokens,
    invitations,
    password_resets,
    audit_events,
    couples,
    couple_clinicians,
    couple_summaries,
    exercises,
    safety_agreements,
    agreement_acknowledgements,
    plans,
    plan_steps,
    step_exercises,
    consents,
    consent_events,
    reports,
    check_ins,
    incidents,
    withdrawals,
    milestones,
    decisions,
    idempotency_keys,
    reconnect_windows,
    reconnect_skips,
    reconnect_check_ins,
    notification_preferences,
    measure_assignments,
    measure_responses,
    outbox,
    break_glass_grants,
    plan_templates,
    needs_map_items,
    needs_map_revisions,
    compromises,
    compromise_events,
    comfort_script_versions,
    journal_prompts,
    journal_prompt_assignments,
    journal_entries,
    journal_entry_milestones,
);
