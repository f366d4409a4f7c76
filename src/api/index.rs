//! The front door: what `/` and `/docs` answer, and HEAD wherever GET is served.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, get};
use serde::Serialize;
use utoipa::ToSchema;

/// Where a person or a client generator goes from here.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceIndex {
    /// `pengaduan`.
    #[schema(example = "pengaduan")]
    pub name: &'static str,
    /// The running version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
    /// Interactive API documentation (Swagger UI).
    #[schema(example = "/docs/")]
    pub docs: &'static str,
    /// The OpenAPI document.
    #[schema(example = "/api/v1/openapi.json")]
    pub openapi: &'static str,
    /// Liveness probe.
    #[schema(example = "/health")]
    pub health: &'static str,
    /// Readiness probe.
    #[schema(example = "/ready")]
    pub ready: &'static str,
}

const DOCS: &str = "/docs/";
const OPENAPI: &str = "/api/v1/openapi.json";

/// Where to find the documentation and the spec.
///
/// Public. Also as RFC 8631 links: `Link: </docs/>; rel="service-doc", </api/v1/openapi.json>; rel="service-desc"`.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Links to the docs and the spec", body = ServiceIndex, headers(("Link" = String, description = "RFC 8631 service-doc and service-desc links"))))
)]
#[get("/")]
pub async fn get_service_index() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::LINK, format!("<{DOCS}>; rel=\"service-doc\", <{OPENAPI}>; rel=\"service-desc\"")))
        .json(ServiceIndex {
            name: "pengaduan",
            version: env!("CARGO_PKG_VERSION"),
            docs: DOCS,
            openapi: OPENAPI,
            health: "/health",
            ready: "/ready",
        })
}

/// `/docs` without its slash: the documentation lives under `/docs/`.
pub async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, DOCS)).finish()
}

/// Middleware: a HEAD request is served as the GET it mirrors (RFC 9110 §9.3.2). The HTTP layer remembers that the
/// request was a HEAD and sends the headers without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
