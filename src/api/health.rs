//! Liveness and readiness probes, for load balancers and orchestrators. Public.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::migrations;
use crate::error::ApiError;
use crate::state::AppState;

/// Probe answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when the probe passes.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up and serving HTTP.
///
/// Does not touch the database, so a database outage does not get healthy instances restarted. Public.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is up", body = HealthStatus)))]
#[get("/health")]
pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers and every migration is applied.
///
/// Answers 503 (with `Retry-After`) while the database is unreachable or the schema is behind this version. Public.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Database unreachable or migrations pending", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn get_readiness(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let current = migrations::are_current(&mut conn).await.map_err(|err| ApiError::Unavailable(err.to_string()))?;
    if !current {
        return Err(ApiError::Unavailable("database migrations are pending".into()));
    }
    Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" }))
}
