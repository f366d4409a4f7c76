// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    action_plan_period_units (period_id, role, unit_id) {
        period_id -> Uuid,
        unit_id -> Uuid,
        role -> Text,
    }
}

diesel::table! {
    action_plan_periods (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        name -> Text,
        first_year -> Int4,
        last_year -> Int4,
        legal_basis -> Nullable<Text>,
        submission_deadline -> Nullable<Date>,
        matrix -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_plan_realisations (id) {
        id -> Uuid,
        plan_id -> Uuid,
        row_id -> Uuid,
        year -> Int4,
        quarter -> Int2,
        realised_value -> Nullable<Float8>,
        realised_text -> Nullable<Text>,
        percent_achieved -> Nullable<Float8>,
        obstacles -> Nullable<Text>,
        evidence_urls -> Jsonb,
        status -> Text,
        review_comment -> Nullable<Text>,
        recorded_by -> Uuid,
        reviewed_by -> Nullable<Uuid>,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_plan_reviews (id) {
        id -> Uuid,
        plan_id -> Uuid,
        version_number -> Int4,
        reviewer_unit_id -> Uuid,
        reviewer_id -> Uuid,
        decision -> Text,
        comment -> Nullable<Text>,
        row_comments -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    action_plan_rows (id) {
        id -> Uuid,
        plan_id -> Uuid,
        position -> Int4,
        template -> Bool,
        cells -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_plan_versions (plan_id, number) {
        plan_id -> Uuid,
        number -> Int4,
        rows -> Jsonb,
        submitted_by -> Nullable<Uuid>,
        submitted_at -> Timestamptz,
    }
}

diesel::table! {
    action_plans (id) {
        id -> Uuid,
        period_id -> Uuid,
        unit_id -> Uuid,
        status -> Text,
        current_version -> Int4,
        submitted_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        letter_number -> Nullable<Text>,
        letter_date -> Nullable<Date>,
        letter_attachment_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        name -> Text,
        scopes -> Array<Text>,
        channel -> Nullable<Text>,
        secret_hash -> Bytea,
        previous_secret_hash -> Nullable<Bytea>,
        previous_secret_valid_until -> Nullable<Timestamptz>,
        rate_limit_per_minute -> Int4,
        expires_at -> Nullable<Timestamptz>,
        active -> Bool,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    attachments (id) {
        id -> Uuid,
        sha256 -> Text,
        size_bytes -> Int4,
        content_type -> Text,
        file_name -> Nullable<Text>,
        complaint_id -> Nullable<Uuid>,
        uploaded_by -> Nullable<Uuid>,
        uploaded_at -> Timestamptz,
        follow_up_id -> Nullable<Uuid>,
        action_plan_id -> Nullable<Uuid>,
        realisation_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        entity_type -> Text,
        entity_id -> Uuid,
        action -> Text,
        details -> Jsonb,
    }
}

diesel::table! {
    categories (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<Uuid>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    complaint_feedback (id) {
        id -> Uuid,
        complaint_id -> Uuid,
        rating -> Int2,
        satisfied -> Bool,
        comment -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    complaint_reporters (complaint_id) {
        complaint_id -> Uuid,
        nonce -> Bytea,
        ciphertext -> Bytea,
    }
}

diesel::table! {
    complaint_supplements (id) {
        id -> Uuid,
        complaint_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    complaints (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        tracking_code -> Text,
        classification -> Text,
        supervision -> Bool,
        channel -> Text,
        category_id -> Nullable<Uuid>,
        title -> Text,
        body -> Text,
        incident_date -> Date,
        service_date -> Nullable<Date>,
        region_id -> Nullable<Uuid>,
        location -> Nullable<Text>,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        anonymous -> Bool,
        confidential -> Bool,
        source_url -> Nullable<Text>,
        source_platform -> Nullable<Text>,
        source_captured_at -> Nullable<Timestamptz>,
        status -> Text,
        archive_reason -> Nullable<Text>,
        duplicate_of -> Nullable<Uuid>,
        forwarded_to -> Nullable<Text>,
        policy_id -> Uuid,
        verify_by -> Timestamptz,
        first_response_by -> Timestamptz,
        resolve_by -> Timestamptz,
        reporter_reply_by -> Nullable<Timestamptz>,
        verified_at -> Nullable<Timestamptz>,
        reporter_secret_hash -> Bytea,
        created_by -> Nullable<Uuid>,
        search -> Nullable<Tsvector>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        reopen_count -> Int4,
        escalation_level -> Int2,
        closed_reason -> Nullable<Text>,
        finished_at -> Nullable<Timestamptz>,
        first_response_at -> Nullable<Timestamptz>,
        needs_redisposition -> Bool,
    }
}

diesel::table! {
    deadline_policies (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        classification -> Text,
        supervision -> Bool,
        verify_days -> Int4,
        first_response_days -> Int4,
        resolve_days -> Int4,
        reporter_window_days -> Int4,
        regulation -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    dispositions (id) {
        id -> Uuid,
        complaint_id -> Uuid,
        unit_id -> Uuid,
        delegated_to -> Nullable<Uuid>,
        status -> Text,
        instruction -> Text,
        share_contact -> Bool,
        due_at -> Timestamptz,
        return_reason -> Nullable<Text>,
        return_note -> Nullable<Text>,
        escalation_level -> Int2,
        first_answer_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    escalations (id) {
        id -> Uuid,
        complaint_id -> Uuid,
        disposition_id -> Nullable<Uuid>,
        deadline -> Text,
        round -> Int4,
        level -> Int2,
        due_at -> Timestamptz,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    exports (id) {
        id -> Uuid,
        requested_by -> Uuid,
        format -> Text,
        filter -> Jsonb,
        status -> Text,
        attempts -> Int2,
        locked_until -> Nullable<Timestamptz>,
        row_count -> Nullable<Int8>,
        size_bytes -> Nullable<Int8>,
        file_name -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> Uuid,
        disposition_id -> Uuid,
        complaint_id -> Uuid,
        body -> Text,
        visibility -> Text,
        #[sql_name = "final"]
        final_ -> Bool,
        status -> Text,
        rejection_reason -> Nullable<Text>,
        created_by -> Uuid,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    holidays (pemda_id, date) {
        pemda_id -> Uuid,
        date -> Date,
        kind -> Text,
        name -> Text,
        source -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Bytea,
        status -> Int2,
        nonce -> Bytea,
        response -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_attempts (account, address) {
        account -> Text,
        address -> Text,
        failures -> Int4,
        last_failure_at -> Nullable<Timestamptz>,
        last_success_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Uuid,
        kind -> Text,
        recipient_user -> Nullable<Uuid>,
        recipient_sealed -> Nullable<Bytea>,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Int4,
        claim -> Nullable<Uuid>,
        next_attempt_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mail_preferences (user_id) {
        user_id -> Uuid,
        mode -> Text,
        last_digest_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        complaint_id -> Nullable<Uuid>,
        disposition_id -> Nullable<Uuid>,
        follow_up_id -> Nullable<Uuid>,
        message -> Text,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    rate_limit_windows (policy, subject) {
        policy -> Text,
        subject -> Text,
        window_start -> Timestamptz,
        hits -> Int4,
    }
}

diesel::table! {
    ranking_weights (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        level -> Text,
        follow_up -> Int4,
        on_time -> Int4,
        satisfaction -> Int4,
        reasoning -> Text,
        valid_from -> Date,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    regions (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        kind -> Text,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<Uuid>,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    reporter_access_log (id) {
        id -> Uuid,
        complaint_id -> Uuid,
        user_id -> Uuid,
        accessed_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    tracking_sequences (pemda_id, year) {
        pemda_id -> Uuid,
        year -> Int4,
        last_value -> Int8,
    }
}

diesel::table! {
    units (id) {
        id -> Uuid,
        kind -> Text,
        code -> Text,
        name -> Text,
        short_name -> Nullable<Text>,
        parent_id -> Nullable<Uuid>,
        active -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        inspectorate -> Bool,
        pemda_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        nip -> Nullable<Text>,
        phone -> Nullable<Text>,
        unit_id -> Uuid,
        role -> Text,
        active -> Bool,
        password_hash -> Text,
        password_changed_at -> Timestamptz,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        delivery_id -> Uuid,
        attempt -> Int4,
        attempted_at -> Timestamptz,
        response_status -> Nullable<Int4>,
        duration_ms -> Int4,
        error -> Nullable<Text>,
        succeeded -> Bool,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        endpoint_id -> Uuid,
        change_id -> Int8,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Int4,
        claim -> Nullable<Uuid>,
        next_attempt_at -> Nullable<Timestamptz>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_response_status -> Nullable<Int4>,
        last_duration_ms -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Uuid,
        pemda_id -> Uuid,
        url -> Text,
        description -> Text,
        event_types -> Array<Text>,
        secret_sealed -> Bytea,
        previous_secret_sealed -> Nullable<Bytea>,
        previous_secret_valid_until -> Nullable<Timestamptz>,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        cursor_txid -> Int8,
        cursor_row -> Int8,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(action_plan_period_units -> action_plan_periods (period_id));
diesel::joinable!(action_plan_period_units -> units (unit_id));
diesel::joinable!(action_plan_periods -> units (pemda_id));
diesel::joinable!(action_plan_realisations -> action_plan_rows (row_id));
diesel::joinable!(action_plan_realisations -> action_plans (plan_id));
diesel::joinable!(action_plan_reviews -> action_plans (plan_id));
diesel::joinable!(action_plan_reviews -> units (reviewer_unit_id));
diesel::joinable!(action_plan_reviews -> users (reviewer_id));
diesel::joinable!(action_plan_rows -> action_plans (plan_id));
diesel::joinable!(action_plan_versions -> action_plans (plan_id));
diesel::joinable!(action_plan_versions -> users (submitted_by));
diesel::joinable!(action_plans -> action_plan_periods (period_id));
diesel::joinable!(action_plans -> attachments (letter_attachment_id));
diesel::joinable!(action_plans -> units (unit_id));
diesel::joinable!(action_plans -> users (created_by));
diesel::joinable!(api_clients -> units (pemda_id));
diesel::joinable!(api_clients -> users (created_by));
diesel::joinable!(attachments -> complaints (complaint_id));
diesel::joinable!(attachments -> follow_ups (follow_up_id));
diesel::joinable!(attachments -> users (uploaded_by));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(categories -> units (pemda_id));
diesel::joinable!(complaint_feedback -> complaints (complaint_id));
diesel::joinable!(complaint_reporters -> complaints (complaint_id));
diesel::joinable!(complaint_supplements -> complaints (complaint_id));
diesel::joinable!(complaints -> categories (category_id));
diesel::joinable!(complaints -> deadline_policies (policy_id));
diesel::joinable!(complaints -> regions (region_id));
diesel::joinable!(complaints -> units (pemda_id));
diesel::joinable!(complaints -> users (created_by));
diesel::joinable!(deadline_policies -> units (pemda_id));
diesel::joinable!(deadline_policies -> users (created_by));
diesel::joinable!(dispositions -> complaints (complaint_id));
diesel::joinable!(dispositions -> users (created_by));
diesel::joinable!(escalations -> complaints (complaint_id));
diesel::joinable!(escalations -> dispositions (disposition_id));
diesel::joinable!(follow_ups -> complaints (complaint_id));
diesel::joinable!(follow_ups -> dispositions (disposition_id));
diesel::joinable!(holidays -> units (pemda_id));
diesel::joinable!(mail_preferences -> users (user_id));
diesel::joinable!(notifications -> complaints (complaint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(notifications -> dispositions (disposition_id));
diesel::joinable!(notifications -> follow_ups (follow_up_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(exports -> users (requested_by));
diesel::joinable!(ranking_weights -> units (pemda_id));
diesel::joinable!(ranking_weights -> users (created_by));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(regions -> units (pemda_id));
diesel::joinable!(reporter_access_log -> complaints (complaint_id));
diesel::joinable!(reporter_access_log -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tracking_sequences -> units (pemda_id));
diesel::joinable!(users -> units (unit_id));

diesel::allow_tables_to_appear_in_same_query!(
    action_plan_period_units,
    action_plan_periods,
    action_plan_realisations,
    action_plan_reviews,
    action_plan_rows,
    action_plan_versions,
    action_plans,
    api_clients,
    attachments,
    audit_events,
    categories,
    complaint_feedback,
    complaint_reporters,
    complaint_supplements,
    complaints,
    deadline_policies,
    dispositions,
    escalations,
    exports,
    follow_ups,
    holidays,
    idempotency_keys,
    login_attempts,
    mail_outbox,
    mail_preferences,
    notifications,
    rate_limit_windows,
    ranking_weights,
    refresh_tokens,
    regions,
    reporter_access_log,
    sessions,
    tracking_sequences,
    units,
    users,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
);
