//! Receiving reports: from citizens (public, no sign-in) and from staff (any channel, with source evidence).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{ComplaintView, DeadlinesView};
use crate::api::client_ip;
use crate::api::extract::{Caller, Json};
use crate::api::idempotency::key_of as idempotency_key;
use crate::api::rate_limit;
use crate::api::validation::{FieldErrors, required_text};
use crate::auth::MachineClient;
use crate::auth::guards::{self, Action};
use crate::db::complaints::ComplaintRow;
use crate::domain::complaint::{self, Channel, Classification, ComplaintStatus, ReporterIdentity, SourceEvidence};
use crate::domain::user::{Email, parse_phone};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::complaints::{IdempotencyRequest, IntakeOutcome, NewComplaint};
use crate::state::AppState;

/// Who is filing. Every field is optional; whatever is given is sealed at rest and shown only to admins (and to the
/// Inspektorat for supervision complaints), each read logged.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReporterRequest {
    #[validate(length(min = 1, max = 200), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 200, example = "Budi Santoso")]
    pub name: Option<String>,
    /// NIK: 16 digits.
    #[schema(pattern = "^[0-9]{16}$", example = "6109010101900001")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub nik: Option<String>,
    #[schema(example = "+6281234567890")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub phone: Option<String>,
    #[validate(length(max = 254), custom(function = "crate::api::validation::single_line"))]
    #[schema(max_length = 254, example = "budi@example.com")]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
}

/// Where a social-media post or news item was found (required for those channels; staff only).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    /// Link to the post or article (http or https).
    #[validate(length(min = 8, max = 2000), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 8, max_length = 2000, example = "https://www.facebook.com/groups/sekadau/posts/123")]
    pub url: String,
    /// Platform or outlet.
    #[validate(length(min = 1, max = 60), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 60, example = "Facebook")]
    pub platform: String,
    /// When it was captured.
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub captured_at: DateTime<Utc>,
}

/// A report. The public endpoint takes the citizen's fields; `supervision`, `source` and channels other than `web` and
/// `mobile` are for staff.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pemda_code": "SKD", "classification": "pengaduan", "title": "Jalan rusak di Desa Mungguk", "body": "Jalan utama desa berlubang besar sejak tiga bulan, membahayakan anak sekolah.", "incident_date": "2026-11-28", "service_date": "2026-11-28", "location": "Jalan Merdeka, Desa Mungguk", "latitude": 0.0312, "longitude": 110.9541, "anonymous": false, "confidential": false, "reporter": {"name": "Budi Santoso", "nik": "6109010101900001", "phone": "081234567890", "email": "budi@example.com", "address": "Desa Mungguk RT 02"}, "attachment_ids": ["01938a6e-7c1d-7b3e-9f2a-5d4c3b2a1f30"]}))]
pub struct ComplaintRequest {
    /// Unit code of the receiving Pemda (e.g. `SKD`); may be left out when the deployment holds a single Pemda.
    /// Staff: defaults to their own Pemda.
    #[schema(example = "SKD")]
    #[validate(custom(function = "crate::api::validation::single_line"))]
    pub pemda_code: Option<String>,
    pub classification: Classification,
    /// Staff only: about misconduct of officials (default false).
    pub supervision: Option<bool>,
    /// How it arrived (public default `web`; staff must say).
    pub channel: Option<Channel>,
    pub category_id: Option<Uuid>,
    #[validate(length(min = 1, max = 150), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 150, example = "Jalan rusak di Desa Mungguk")]
    pub title: String,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// When it happened (not in the future).
    pub incident_date: NaiveDate,
    /// When the service was received (not in the future; more than 30 days back is recorded as `filed_late`).
    pub service_date: Option<NaiveDate>,
    pub region_id: Option<Uuid>,
    /// Free-text location.
    #[validate(length(min = 1, max = 500), custom(function = "crate::api::validation::single_line"))]
    #[schema(min_length = 1, max_length = 500)]
    pub location: Option<String>,
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
    /// Hide the reporter's name from the public (default false).
    pub anonymous: Option<bool>,
    /// Hide the whole report from the public (default false).
    pub confidential: Option<bool>,
    #[validate(nested)]
    pub reporter: Option<ReporterRequest>,
    /// Staff only; required for `social_media` and `news_media`.
    #[validate(nested)]
    pub source: Option<SourceRequest>,
    /// Ids from `POST /api/v1/attachments` (at most 5 by default).
    pub attachment_ids: Option<Vec<Uuid>>,
}

/// Who is filing: decides which fields are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filer {
    Citizen,
    Staff,
    /// An API client with `complaints:write`, filing under its fixed channel.
    Client {
        id: Uuid,
        channel: Channel,
    },
}

impl ComplaintRequest {
    pub(crate) fn parse(&self, filer: Filer) -> Result<NewComplaint, ApiError> {
        let mut errors = FieldErrors::check(self);
        let channel = match (filer, self.channel) {
            (Filer::Citizen, None) => Channel::Web,
            (Filer::Citizen, Some(channel)) if channel.is_public() => channel,
            (Filer::Citizen, Some(_)) => {
                errors.add(
                    "channel",
                    "staff_only",
                    "citizens file through web or mobile; other channels are recorded by staff",
                );
                Channel::Web
            }
            (Filer::Staff, Some(channel)) => channel,
            (Filer::Staff, None) => {
                errors.add("channel", "required", "say how the report arrived");
                Channel::Web
            }
            (Filer::Client { channel, .. }, None) => channel,
            (Filer::Client { channel, .. }, Some(asked)) if asked == channel => channel,
            (Filer::Client { channel, .. }, Some(_)) => {
                errors.add("channel", "fixed_channel", "this API client files under the channel its admin fixed");
                channel
            }
        };
        if filer != Filer::Staff {
            if self.supervision.is_some() {
                errors.add("supervision", "staff_only", "the admin decides this at verification");
            }
            if self.source.is_some() && !channel.needs_source_evidence() {
                errors.add("source", "staff_only", "source evidence is recorded by staff");
            }
        }
        let supervision = self.supervision.unwrap_or(false);
        errors.take(complaint::check_supervision(self.classification, supervision));
        let source = match (&self.source, channel.needs_source_evidence()) {
            (Some(source), _) => {
                if !(source.url.starts_with("https://") || source.url.starts_with("http://")) {
                    errors.add("source.url", "invalid_url", "an http or https link");
                }
                Some(SourceEvidence {
                    url: source.url.trim().into(),
                    platform: source.platform.trim().into(),
                    captured_at: source.captured_at,
                })
            }
            (None, true) => {
                errors.add(
                    "source",
                    "required",
                    "social-media and news reports need their source (url, platform, captured_at)",
                );
                None
            }
            (None, false) => None,
        };
        let title = errors.take(required_text("title", &self.title));
        let body = errors.take(required_text("body", &self.body));
        let coordinates = errors.take(complaint::check_coordinates(self.latitude, self.longitude)).flatten();
        let reporter = self.reporter.as_ref().map(|reporter| ReporterIdentity {
            name: reporter.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned),
            nik: reporter.nik.as_deref().and_then(|nik| errors.take(complaint::parse_nik(nik))),
            phone: reporter.phone.as_deref().and_then(|phone| {
                errors.take(parse_phone(phone).map_err(|_| {
                    crate::domain::DomainError::invalid(
                        "reporter.phone",
                        "invalid_phone",
                        "8 to 15 digits, optionally after '+'",
                    )
                }))
            }),
            email: reporter.email.as_deref().and_then(|email| {
                errors.take(Email::parse(email).map(|e| e.as_str().to_owned()).map_err(|_| {
                    crate::domain::DomainError::invalid("reporter.email", "invalid_email", "not an e-mail address")
                }))
            }),
            address: reporter.address.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned),
        });
        errors.finish()?;
        Ok(NewComplaint {
            classification: self.classification,
            supervision,
            channel,
            category_id: self.category_id,
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            incident_date: self.incident_date,
            service_date: self.service_date,
            region_id: self.region_id,
            location: self.location.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned),
            coordinates,
            anonymous: self.anonymous.unwrap_or(false),
            confidential: self.confidential.unwrap_or(false),
            source,
            reporter,
            attachment_ids: self.attachment_ids.clone().unwrap_or_default(),
            api_client: match filer {
                Filer::Client { id, .. } => Some(id),
                _ => None,
            },
        })
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(serde_json::to_vec(self).unwrap_or_default()).to_vec()
    }
}

/// What a citizen gets back: the code to track the report and the secret that proves they filed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeReceipt {
    #[schema(example = "SKD-2026-000123")]
    pub tracking_code: String,
    /// Shown once and never again: keep it to read a confidential report and to answer follow-ups
    /// (`X-Reporter-Secret` header).
    pub reporter_secret: String,
    pub status: ComplaintStatus,
    pub deadlines: DeadlinesView,
}

/// What staff get back: the complaint and the reporter secret to hand to the reporter.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffIntakeResponse {
    pub complaint: ComplaintView,
    /// Shown once: give it to the reporter, who needs it to read a confidential report and answer follow-ups.
    pub reporter_secret: String,
}

fn receipt(row: &ComplaintRow, secret: &str) -> Result<serde_json::Value, ApiError> {
    let receipt = IntakeReceipt {
        tracking_code: row.tracking_code.clone(),
        reporter_secret: secret.to_owned(),
        status: row.status.parse()?,
        deadlines: DeadlinesView {
            verify_by: row.verify_by,
            first_response_by: row.first_response_by,
            resolve_by: row.resolve_by,
            reporter_reply_by: row.reporter_reply_by,
        },
    };
    Ok(serde_json::to_value(receipt).map_err(anyhow::Error::new)?)
}

fn respond(outcome: IntakeOutcome) -> HttpResponse {
    match outcome {
        IntakeOutcome::Created { row, body } => HttpResponse::Created()
            .insert_header(("location", format!("/api/v1/public/complaints/{}", row.tracking_code)))
            .json(body),
        IntakeOutcome::Replayed { status, body } => {
            let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED));
            response.insert_header(("idempotent-replayed", "true"));
            // The first answer's Location, from what it said: a staff receipt holds the complaint, a public one its code.
            let location = match (body["complaint"]["id"].as_str(), body["tracking_code"].as_str()) {
                (Some(id), _) => Some(format!("/api/v1/complaints/{id}")),
                (None, Some(code)) => Some(format!("/api/v1/public/complaints/{code}")),
                (None, None) => None,
            };
            if let Some(location) = location {
                response.insert_header(("location", location));
            }
            response.json(body)
        }
    }
}

/// File a report (citizens, no sign-in).
///
/// Public. Returns the tracking code and a reporter secret shown only once. Send an `Idempotency-Key` header to make
/// retries safe: a retry with the same key and body returns the first answer (with `Idempotent-Replayed: true`) and
/// creates nothing; the same key with another body is 422. Submissions per client address are limited (429 with
/// `Retry-After`).
#[utoipa::path(
    tag = "public",
    request_body = ComplaintRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key (a UUID) that makes retries safe")),
    responses(
        (status = 201, description = "Received", body = IntakeReceipt, headers(("Location" = String), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"intake\";q=10;w=3600`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"intake\";r=9;t=3600`"))),
        (status = 409, description = "The Pemda has no deadline policy for this kind of report", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports from this address; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"intake\";q=10;w=3600`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"intake\";r=0;t=1800`"))),
    )
)]
#[post("/public/complaints")]
pub async fn create_public_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ComplaintRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req)?;
    let request = body.into_inner();
    let complaint = request.parse(Filer::Citizen)?;
    let ip = client_ip(&req, &state.settings);
    let idempotency =
        key.map(|key| IdempotencyRequest { scope: format!("public:{ip}"), key, request_hash: request.hash() });
    let mut conn = state.conn().await?;
    // A retry of a report already received is answered even when the address has used up its allowance.
    let is_retry = match &idempotency {
        Some(request) => {
            crate::db::complaints::idempotent_response(&mut conn, &request.scope, &request.key).await?.is_some()
        }
        None => false,
    };
    let policy = state.settings.intake_policy();
    let standing = if is_retry {
        services::rate_limits::peek(&state, &mut conn, policy, &ip).await?
    } else {
        match services::rate_limits::spend(&state, &mut conn, policy, &ip).await {
            Ok(standing) => standing,
            Err((error, standing)) => return Ok(rate_limit::with_fields(Err(error), standing)),
        }
    };
    let result = async {
        let pemda = services::complaints::receiving_pemda(&mut conn, request.pemda_code.as_deref()).await?;
        let outcome =
            services::complaints::intake(&state, &mut conn, None, &pemda, complaint, idempotency, receipt).await?;
        Ok(respond(outcome))
    }
    .await;
    Ok(rate_limit::with_fields(result, Some(standing)))
}

/// Record a report on a citizen's behalf, from social media and the news, or from a channel system.
///
/// `admin` and `super_admin`; others get 403. Any channel; `social_media` and `news_media` need `source`. Reporter
/// data, when given, is sealed like a citizen's. `Idempotency-Key` works as on the public endpoint.
///
/// API clients with `complaints:write` (a call centre, a WhatsApp bot) file into their own Pemda under the channel
/// fixed for the client (`channel` may be left out; another one is 422 `fixed_channel`), without `supervision`; the
/// answer shows the complaint as clients read it, with the reporter secret to hand to the reporter.
#[utoipa::path(
    tag = "complaints",
    request_body = ComplaintRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Client-chosen key (a UUID) that makes retries safe")),
    security(("bearer" = []), ("oauth2" = ["complaints:write"])),
    responses(
        (status = 201, description = "Recorded", body = StaffIntakeResponse),
        (status = 403, description = "Neither an admin nor a client with complaints:write", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Pemda has no deadline policy for this kind of report", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/complaints")]
pub async fn create_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<ComplaintRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = match caller {
        Caller::Person(user) => user,
        Caller::Machine(client) => return create_client_complaint(req, state, client, body.into_inner()).await,
    };
    guards::require(user.role, Action::ManageComplaints)?;
    let key = idempotency_key(&req)?;
    let request = body.into_inner();
    let complaint = request.parse(Filer::Staff)?;
    let idempotency =
        key.map(|key| IdempotencyRequest { scope: format!("user:{}", user.id), key, request_hash: request.hash() });
    let mut conn = state.conn().await?;
    let pemda = match request.pemda_code.as_deref() {
        Some(code) => services::complaints::receiving_pemda(&mut conn, Some(code)).await?,
        None => {
            let home = services::access::home_pemda(&user)?;
            crate::db::units::find(&mut conn, home.0).await?.ok_or_else(|| ApiError::not_found("your Pemda"))?
        }
    };
    let reach = services::access::reach_of(&user);
    if !reach.covers(&[crate::domain::ids::UnitId(pemda.id)]) {
        return Err(ApiError::forbidden("you may record reports for your own Pemda only"));
    }
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    let render = move |row: &ComplaintRow, secret: &str| {
        let response = StaffIntakeResponse {
            complaint: ComplaintView::new(row.clone(), timezone, now)?,
            reporter_secret: secret.to_owned(),
        };
        Ok(serde_json::to_value(response).map_err(anyhow::Error::new)?)
    };
    let outcome =
        services::complaints::intake(&state, &mut conn, Some(&user), &pemda, complaint, idempotency, render).await?;
    Ok(match outcome {
        IntakeOutcome::Created { row, body } => {
            HttpResponse::Created().insert_header(("location", format!("/api/v1/complaints/{}", row.id))).json(body)
        }
        replayed => respond(replayed),
    })
}

/// A report filed by an API client with `complaints:write`: its Pemda, its channel.
async fn create_client_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: MachineClient,
    request: ComplaintRequest,
) -> Result<HttpResponse, ApiError> {
    let channel = services::complaints::require_client_writes(&client)?;
    let key = idempotency_key(&req)?;
    let complaint = request.parse(Filer::Client { id: client.id, channel })?;
    let idempotency =
        key.map(|key| IdempotencyRequest { scope: format!("client:{}", client.id), key, request_hash: request.hash() });
    let mut conn = state.conn().await?;
    let pemda = services::complaints::client_pemda(&mut conn, &client, request.pemda_code.as_deref()).await?;
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    let render = move |row: &ComplaintRow, secret: &str| {
        let response = StaffIntakeResponse {
            complaint: ComplaintView::new(row.clone(), timezone, now)?.for_client(),
            reporter_secret: secret.to_owned(),
        };
        Ok(serde_json::to_value(response).map_err(anyhow::Error::new)?)
    };
    let outcome = services::complaints::intake(&state, &mut conn, None, &pemda, complaint, idempotency, render).await?;
    Ok(match outcome {
        IntakeOutcome::Created { row, body } => {
            HttpResponse::Created().insert_header(("location", format!("/api/v1/complaints/{}", row.id))).json(body)
        }
        replayed => respond(replayed),
    })
}
