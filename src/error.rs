//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.
//!
//! Every failure a client can see passes through [`ApiError`]: handler results, actix's own extractor failures (through
//! the handlers in this module), unknown routes and wrong methods. Database and pool errors are converted here and
//! nowhere else. Internal causes go to the log; the client gets a stable `code` and a sentence.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::DomainError;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Marks an error response whose body follows another standard on purpose (the OAuth token endpoint's RFC 6749 §5.2
/// JSON, which OAuth libraries read): the problem+json rewrite of plain errors leaves it alone.
pub struct StandardErrorBody;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "tag:pengaduan,2026:problem/validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "errors": [{"field": "email", "code": "invalid_email", "message": "not an e-mail address"}]
}))]
pub struct Problem {
    /// Identifies the kind of problem; one per `code`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for humans.
    pub detail: String,
    /// Stable snake_case identifier of the problem: program against this, not against `detail`.
    pub code: String,
    /// For validation problems: one entry per offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra facts about a conflict, such as the current status of the resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<std::collections::HashMap<String, serde_json::Value>>)]
    pub context: Option<serde_json::Value>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field as the client named it (`rows[3].cells.target`, `email`, or `body` for the whole document).
    pub field: String,
    /// Stable snake_case identifier of the rule that failed.
    pub code: String,
    /// What is wrong, for humans.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Everything that can go wrong in a request, as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read.
    #[error("bad request: {detail}")]
    BadRequest {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// 401: no valid credentials.
    #[error("unauthorized: {detail}")]
    Unauthorized {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// 403: authenticated, but not allowed.
    #[error("forbidden: {detail}")]
    Forbidden {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// 404: no such resource, or one the caller may not know exists.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the path does accept.
        allow: Vec<Method>,
    },
    /// 409: the change contradicts the current state.
    #[error("conflict: {detail}")]
    Conflict {
        /// Stable problem code.
        code: &'static str,
        /// Explanation.
        detail: String,
        /// Facts the client needs to resolve the conflict.
        context: Option<serde_json::Value>,
    },
    /// 412: the `If-Match` version is not the current one.
    #[error("precondition failed")]
    PreconditionFailed {
        /// The resource's current version: the problem gives it as an ETag, so the client can re-read and retry.
        current_version: i32,
    },
    /// 413: the body, or what it unpacks to, is larger than this server accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 415: the body is not of a media type this endpoint reads.
    #[error("unsupported media type")]
    UnsupportedMediaType(String),
    /// 422: the request is well-formed but some fields are invalid.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 429: too many attempts; try again after `retry_after_secs`.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the client may try again.
        retry_after_secs: u64,
        /// Explanation.
        detail: String,
    },
    /// 503: a dependency (the database) does not answer.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an unexpected failure; the cause is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// 413 for a request body over the configured limit.
    pub fn body_too_large() -> Self {
        ApiError::PayloadTooLarge("the request body is larger than this server accepts".into())
    }

    /// 401 for a request without usable credentials.
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Unauthorized { code, detail: detail.into() }
    }

    /// 403 for a caller whose role or reach does not cover the action.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden { code: "forbidden", detail: detail.into() }
    }

    /// 404 naming what was looked for.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// 409 with a stable code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict { code, detail: detail.into(), context: None }
    }

    /// 412: the caller's `If-Match` is not `current_version`.
    pub fn stale(current_version: i32) -> Self {
        Self::PreconditionFailed { current_version }
    }

    /// A rule of the domain said no to a change of a resource in `current_status`: a refused transition (409) says
    /// the status it found, so the client can re-read and decide.
    pub fn refused_in(err: DomainError, current_status: impl Serialize) -> Self {
        let mut error = ApiError::from(err);
        if let ApiError::Conflict { context, .. } = &mut error {
            *context = serde_json::to_value(current_status).ok().map(|status| serde_json::json!({ "status": status }));
        }
        error
    }

    /// 422 with a single field error.
    pub fn invalid_field(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    fn code(&self) -> &str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Unauthorized { code, .. }
            | ApiError::Forbidden { code, .. }
            | ApiError::Conflict { code, .. } => code,
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::PreconditionFailed { .. } => "stale_version",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest { detail, .. }
            | ApiError::Unauthorized { detail, .. }
            | ApiError::Forbidden { detail, .. }
            | ApiError::Conflict { detail, .. }
            | ApiError::TooManyRequests { detail, .. } => detail.clone(),
            ApiError::NotFound(what) => format!("{what} does not exist"),
            ApiError::MethodNotAllowed { allow } => {
                let allow: Vec<&str> = allow.iter().map(Method::as_str).collect();
                format!("this path accepts {}", allow.join(", "))
            }
            ApiError::PreconditionFailed { .. } => {
                "the resource changed since you read it: read it again and retry with its new ETag".into()
            }
            ApiError::PayloadTooLarge(detail) => detail.clone(),
            ApiError::UnsupportedMediaType(detail) => detail.clone(),
            ApiError::Validation(_) => "the request has invalid fields".into(),
            ApiError::Unavailable(_) => "the service cannot reach its database; try again shortly".into(),
            ApiError::Internal(_) => "an unexpected error occurred; it has been logged".into(),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code().to_owned();
        Problem {
            problem_type: format!("tag:pengaduan,2026:problem/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code,
            errors: match self {
                ApiError::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            context: match self {
                ApiError::Conflict { context, .. } => context.clone(),
                ApiError::PreconditionFailed { current_version } => {
                    Some(serde_json::json!({ "etag": crate::api::etag::format(*current_version) }))
                }
                _ => None,
            },
        }
    }
}

/// Seconds a client should wait before retrying when the database is unreachable.
const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "request failed with an internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthorized { .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed { allow } => {
                let allow: Vec<&str> = allow.iter().map(Method::as_str).collect();
                response.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests { retry_after_secs, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, UNAVAILABLE_RETRY_AFTER_SECS.to_string()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { field, code, message } => ApiError::invalid_field(field, code, message),
            DomainError::Conflict { code, message } => ApiError::conflict(code, message),
        }
    }
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => ApiError::not_found("the resource"),
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                ApiError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::info!(constraint = info.constraint_name(), "unique constraint refused a write");
                ApiError::conflict("already_exists", "a record with the same unique value already exists")
            }
            // A last guard: the extractors refuse control characters in every field, but should one slip through,
            // PostgreSQL's refusal of NUL in text (SQLSTATE 22021) or jsonb (22P05) is the client's mistake, not ours.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("invalid byte sequence for encoding")
                    || info.message().starts_with("unsupported Unicode escape sequence") =>
            {
                tracing::warn!("PostgreSQL refused a control character that no extractor caught");
                ApiError::invalid_field("body", "control_character", "text may not contain the NUL character (U+0000)")
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::conflict("concurrent_update", "another change was made at the same time; try again")
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        ApiError::Unavailable(err.to_string())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields = Vec::new();
        collect_validation_errors(&errors, "", &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(fields)
    }
}

/// Flattens `validator`'s tree of errors into field errors named like `reporter.name` or `rows[2].cells`.
fn collect_validation_errors(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|error| {
                let message = error.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| {
                    let params: Vec<String> = error
                        .params
                        .iter()
                        .filter(|(name, _)| *name != "value")
                        .map(|(name, value)| format!("{name} {value}"))
                        .collect();
                    if params.is_empty() {
                        format!("fails the {} rule", error.code)
                    } else {
                        format!("must respect {}", params.join(", "))
                    }
                });
                FieldError::new(path.clone(), error.code.to_string(), message)
            })),
            ValidationErrorsKind::Struct(nested) => collect_validation_errors(nested, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, nested) in items {
                    collect_validation_errors(nested, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// Turns actix's JSON extractor failures into problems: 413, 415, 400 for broken JSON, 422 for the wrong shape.
pub fn json_error_handler(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api_error = match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => ApiError::body_too_large(),
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("this endpoint reads application/json bodies".into())
        }
        JsonPayloadError::Deserialize(err) => json_error(&err),
        other => ApiError::BadRequest { code: "malformed_body", detail: format!("the body cannot be read: {other}") },
    };
    api_error.into()
}

/// A JSON body serde could not read: 422 when it is valid JSON of the wrong shape, 400 when it is not JSON at all.
pub fn json_error(err: &serde_json::Error) -> ApiError {
    json_error_at(err, "")
}

/// [`json_error`] for an error found at `path` within the document (`reporter`, `rows[2].cells`; empty at the top).
pub fn json_error_at(err: &serde_json::Error, path: &str) -> ApiError {
    if err.is_data() {
        shape_error(&err.to_string(), path)
    } else {
        ApiError::BadRequest { code: "malformed_json", detail: format!("the body is not valid JSON: {err}") }
    }
}

/// A JSON document of the wrong shape, naming the field: the value at `path`, or the missing or unknown member of the
/// object there.
fn shape_error(message: &str, path: &str) -> ApiError {
    let message = message.split(" at line ").next().unwrap_or(message).to_owned();
    let quoted = |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').nth(1)).map(str::to_owned);
    let within = |member: String| if path.is_empty() { member } else { format!("{path}.{member}") };
    if let Some(field) = quoted("missing field") {
        ApiError::invalid_field(within(field), "required", "this field is required")
    } else if let Some(field) = quoted("unknown field") {
        // The path of an unknown member already ends with it.
        let field = if path == field || path.ends_with(&format!(".{field}")) { path.to_owned() } else { within(field) };
        ApiError::invalid_field(field, "unknown_field", "this field is not part of the request")
    } else {
        let field = if path.is_empty() { "body" } else { path };
        ApiError::invalid_field(field, "invalid_value", message)
    }
}

/// Turns a path parameter that does not parse (a malformed id) into a 400 problem.
pub fn path_error_handler(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest { code: "invalid_path", detail: format!("a path parameter is malformed: {err}") }.into()
}

/// Turns a query string that does not parse into a 400 problem.
pub fn query_error_handler(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest { code: "invalid_query", detail: format!("the query string is malformed: {err}") }.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(err: ApiError) -> (StatusCode, serde_json::Value, HttpResponse) {
        let response = err.error_response();
        let status = response.status();
        let mut head = HttpResponse::build(status);
        for (name, value) in response.headers() {
            head.insert_header((name.clone(), value.clone()));
        }
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), head.finish())
    }

    #[actix_web::test]
    async fn internal_causes_never_reach_the_client() {
        let (status, body, _) = body_of(ApiError::Internal(anyhow::anyhow!("password=hunter2 at db"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal_error");
        assert!(!body.to_string().contains("hunter2"));
    }

    #[actix_web::test]
    async fn unavailable_says_when_to_retry() {
        let (status, body, head) = body_of(ApiError::Unavailable("connection refused".into())).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["code"], "service_unavailable");
        assert_eq!(head.headers().get(header::RETRY_AFTER).unwrap(), "5");
        assert!(!body.to_string().contains("refused"));
    }

    #[actix_web::test]
    async fn problems_carry_type_title_status_detail_and_code() {
        let (_, body, head) = body_of(ApiError::invalid_field("email", "invalid_email", "not an e-mail address")).await;
        assert_eq!(body["type"], "tag:pengaduan,2026:problem/validation_failed");
        assert_eq!(body["title"], "Unprocessable Entity");
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(head.headers().get(header::CONTENT_TYPE).unwrap(), PROBLEM_JSON);
    }

    #[test]
    fn serde_shape_errors_name_the_field() {
        let missing = shape_error("missing field `email` at line 1 column 2", "");
        assert!(matches!(missing, ApiError::Validation(ref e) if e[0].field == "email" && e[0].code == "required"));
        let unknown = shape_error("unknown field `emali`, expected one of `email`, `password` at line 1 column 9", "");
        assert!(
            matches!(unknown, ApiError::Validation(ref e) if e[0].field == "emali" && e[0].code == "unknown_field")
        );
        let other = shape_error("invalid type: integer `3`, expected a string at line 1 column 12", "");
        assert!(matches!(other, ApiError::Validation(ref e) if e[0].field == "body"));
        let nested = shape_error("unknown variant `kucing`, expected `web` or `mobile` at line 1 column 30", "channel");
        assert!(matches!(nested, ApiError::Validation(ref e) if e[0].field == "channel"));
        let stray = shape_error("unknown field `x`, expected `url` at line 1 column 40", "source.x");
        assert!(matches!(stray, ApiError::Validation(ref e) if e[0].field == "source.x"));
        let inner = shape_error("missing field `url` at line 1 column 40", "source");
        assert!(matches!(inner, ApiError::Validation(ref e) if e[0].field == "source.url"));
    }
}
