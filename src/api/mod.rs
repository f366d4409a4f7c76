//! HTTP only: request and response types, thin handlers, and the route table.
//!
//! A handler extracts, parses the request into domain types, calls one service or query function, and maps the result
//! to a response type. Handler names are `<verb>_<resource>`; they become the OpenAPI operation ids.

pub mod auth;
pub mod etag;
pub mod fallback;
pub mod health;
pub mod me;
pub mod pagination;
pub mod units;
pub mod users;
pub mod validation;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route. The same function feeds the server and the OpenAPI generator, so the spec cannot
/// miss a route.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::get_health).service(health::get_readiness).service(
        scope::scope("/api/v1")
            .service(auth::login)
            .service(auth::refresh_tokens)
            .service(auth::logout)
            .service(me::get_me)
            .service(me::change_my_password)
            .service(units::list_units)
            .service(units::create_unit)
            .service(units::get_unit)
            .service(units::update_unit)
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user),
    );
}
