//! HTTP only: request and response types, thin handlers, and the route table.
//!
//! A handler extracts, parses the request into domain types, calls one service or query function, and maps the result
//! to a response type. Handler names are `<verb>_<resource>`; they become the OpenAPI operation ids.

pub mod action_plans;
pub mod api_clients;
pub mod attachments;
pub mod auth;
pub mod changes;
pub mod complaints;
pub mod dispositions;
pub mod download;
pub mod etag;
pub mod exports;
pub mod extract;
pub mod fallback;
pub mod health;
pub mod idempotency;
pub mod index;
pub mod json_time;
pub mod me;
pub mod notifications;
pub mod oauth;
pub mod open311;
pub mod pagination;
pub mod rate_limit;
pub mod reference;
pub mod reports;
pub mod units;
pub mod users;
pub mod validation;
pub mod webhooks;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route. The same function feeds the server and the OpenAPI generator, so the spec cannot
/// miss a route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(index::get_service_index).service(health::get_health).service(health::get_readiness).service(
        scope::scope("/api/v1")
            .service(auth::login)
            .service(auth::refresh_tokens)
            .service(auth::logout)
            .service(me::get_me)
            .service(me::change_my_password)
            .service(me::get_my_email_notifications)
            .service(me::set_my_email_notifications)
            .service(units::list_units)
            .service(units::create_unit)
            .service(units::get_unit)
            .service(units::update_unit)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user)
            .service(reference::taxonomy::list_categories)
            .service(reference::taxonomy::create_category)
            .service(reference::taxonomy::update_category)
            .service(reference::taxonomy::list_regions)
            .service(reference::taxonomy::create_region)
            .service(reference::holidays::list_holidays)
            .service(reference::holidays::create_holiday)
            .service(reference::holidays::delete_holiday)
            .service(reference::deadline_policies::list_deadline_policies)
            .service(reference::deadline_policies::create_deadline_policy)
            .service(complaints::intake::create_public_complaint)
            .service(complaints::public::get_public_complaint)
            .service(complaints::public::supplement_public_complaint)
            .service(complaints::public::download_public_attachment)
            .service(reports::get_public_statistics)
            .service(complaints::intake::create_complaint)
            .service(complaints::reads::list_complaints)
            .service(complaints::export::export_complaints_csv)
            .service(complaints::export::export_complaints_xlsx)
            .service(complaints::reads::get_complaint)
            .service(complaints::reads::list_complaint_events)
            .service(complaints::reads::get_complaint_reporter)
            .service(complaints::reads::list_reporter_accesses)
            .service(complaints::workflow::verify_complaint)
            .service(complaints::workflow::postpone_complaint)
            .service(complaints::workflow::archive_complaint)
            .service(complaints::workflow::forward_complaint)
            .service(complaints::workflow::reopen_complaint)
            .service(complaints::public::create_public_feedback)
            .service(dispositions::workflow::dispose_complaint)
            .service(dispositions::reads::list_dispositions)
            .service(dispositions::reads::get_disposition)
            .service(dispositions::workflow::accept_disposition)
            .service(dispositions::workflow::return_disposition)
            .service(dispositions::workflow::delegate_disposition)
            .service(dispositions::follow_ups::create_follow_up)
            .service(dispositions::follow_ups::approve_follow_up)
            .service(dispositions::follow_ups::reject_follow_up)
            .service(notifications::list_notifications)
            .service(notifications::read_notification)
            .service(action_plans::create_action_plan_period)
            .service(action_plans::list_action_plan_periods)
            .service(action_plans::get_action_plan_period)
            .service(action_plans::update_action_plan_period)
            .service(action_plans::list_action_plans)
            .service(action_plans::create_action_plan)
            .service(action_plans::get_action_plan)
            .service(action_plans::create_action_plan_row)
            .service(action_plans::update_action_plan_row)
            .service(action_plans::reorder_action_plan_rows)
            .service(action_plans::delete_action_plan_row)
            .service(action_plans::submit_action_plan)
            .service(action_plans::get_action_plan_version)
            .service(action_plans::get_action_plan_diff)
            .service(action_plans::review_action_plan)
            .service(action_plans::list_action_plan_reviews)
            .service(action_plans::send_action_plan)
            .service(action_plans::record_action_plan_realisation)
            .service(action_plans::review_action_plan_realisation)
            .service(action_plans::list_action_plan_realisations)
            .service(action_plans::get_action_plan_progress)
            .service(action_plans::export_action_plan_xlsx)
            .service(action_plans::export_action_plan_csv)
            .service(action_plans::export_action_plan_matrix_xlsx)
            .service(action_plans::export_action_plan_matrix_csv)
            .service(action_plans::import_action_plan)
            .service(reports::get_report_summary)
            .service(reports::get_report_units)
            .service(reports::get_report_categories)
            .service(reports::get_report_regions)
            .service(reports::get_report_trend)
            .service(reports::get_report_backlog)
            .service(reports::get_report_rankings)
            .service(reports::export_monthly_report_xlsx)
            .service(reports::export_monthly_report_pdf)
            .service(reports::list_ranking_weights)
            .service(reports::create_ranking_weights)
            .service(changes::list_changes)
            .service(oauth::issue_token)
            .service(api_clients::create_api_client)
            .service(api_clients::list_api_clients)
            .service(api_clients::get_api_client)
            .service(api_clients::update_api_client)
            .service(api_clients::rotate_api_client_secret)
            .service(api_clients::revoke_api_client)
            .service(webhooks::create_webhook)
            .service(webhooks::list_webhooks)
            .service(webhooks::get_webhook)
            .service(webhooks::update_webhook)
            .service(webhooks::delete_webhook)
            .service(webhooks::rotate_webhook_secret)
            .service(webhooks::list_webhook_deliveries)
            .service(webhooks::get_webhook_delivery)
            .service(webhooks::redeliver_webhook_delivery)
            .service(exports::create_export)
            .service(exports::get_export)
            .service(exports::download_export)
            .service(attachments::upload_attachment)
            .service(attachments::download_attachment),
    );
}

/// The bytes of a file (an attachment, a workbook, a CSV export): `type: string, format: binary` in the spec, so that
/// generated clients hand over bytes rather than parse them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// The client's address: the TCP peer, or the first `X-Forwarded-For` entry when the deployment says a proxy sets it.
pub fn client_ip(req: &actix_web::HttpRequest, settings: &crate::config::Settings) -> String {
    if settings.trust_forwarded_for
        && let Some(forwarded) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) =
            forwarded.split(',').next().map(str::trim).filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
    {
        return first.to_owned();
    }
    req.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_default()
}
