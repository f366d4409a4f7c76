//! Open311 GeoReport v2 over the complaint service: a Pemda is a jurisdiction, its categories are services, a public
//! complaint is a service request known by its tracking code. Reading is open to anyone, as the public tracking page
//! is; never a confidential or supervision complaint, never a reporter. Filing needs the `api_key` of an API client
//! with `complaints:write`, whose channel the report arrives by.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::complaints::ComplaintRow;
use crate::db::open311::RequestSearch;
use crate::db::reference::CategoryRow;
use crate::db::units::UnitRow;
use crate::domain::complaint::{Classification, ComplaintStatus, ReporterIdentity};
use crate::domain::open311::{self, SEARCH_LIMIT, Status, WindowError};
use crate::error::ApiError;
use crate::services::complaints::{IntakeOutcome, NewComplaint};
use crate::state::AppState;

/// Why an Open311 call failed, with the HTTP status the specification asks for.
#[derive(Debug)]
pub enum Open311Error {
    /// 400: a missing or invalid argument.
    BadRequest(String),
    /// 403: a missing or invalid `api_key`, or one without `complaints:write`.
    Forbidden(String),
    /// 404: an unknown jurisdiction, service, request or token.
    NotFound(String),
    /// Any other failure of the service (its own status: 409, 429, 503, 500).
    Service(ApiError),
}

impl From<ApiError> for Open311Error {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Validation(errors) => Open311Error::BadRequest(
                errors.iter().map(|error| format!("{}: {}", error.field, error.message)).collect::<Vec<_>>().join("; "),
            ),
            ApiError::NotFound(what) => Open311Error::NotFound(format!("{what} was not found")),
            other => Open311Error::Service(other),
        }
    }
}

impl From<diesel::result::Error> for Open311Error {
    fn from(error: diesel::result::Error) -> Self {
        Open311Error::Service(error.into())
    }
}

/// The Pemda a call is about: the one named by `jurisdiction_id` (its unit code), which may be left out when the
/// deployment holds a single Pemda.
pub async fn jurisdiction(conn: &mut AsyncPgConnection, id: Option<&str>) -> Result<UnitRow, Open311Error> {
    let pemdas = db::units::pemdas(conn).await?;
    match id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => pemdas
            .into_iter()
            .find(|unit| unit.active && unit.code.eq_ignore_ascii_case(id))
            .ok_or_else(|| Open311Error::NotFound(format!("no jurisdiction {id}"))),
        None => match <[UnitRow; 1]>::try_from(pemdas) {
            Ok([only]) => Ok(only),
            Err(_) => Err(Open311Error::BadRequest(
                "jurisdiction_id is required: this server serves several Pemda (use the Pemda's code, e.g. SKD)".into(),
            )),
        },
    }
}

/// The services of a jurisdiction: its active categories, each with its parent's name as its group.
pub async fn services(conn: &mut AsyncPgConnection, pemda: &UnitRow) -> Result<Vec<Service>, Open311Error> {
    let categories = db::reference::categories(conn, pemda.id).await?;
    let names: HashMap<Uuid, String> = categories.iter().map(|c| (c.id, c.name.clone())).collect();
    Ok(categories
        .into_iter()
        .filter(|category| category.active)
        .map(|category| Service { group: category.parent_id.and_then(|parent| names.get(&parent).cloned()), category })
        .collect())
}

/// A category as a service.
#[derive(Debug, Clone)]
pub struct Service {
    pub category: CategoryRow,
    /// The parent category's name.
    pub group: Option<String>,
}

/// One active service by code.
pub async fn service(conn: &mut AsyncPgConnection, pemda: &UnitRow, code: &str) -> Result<Service, Open311Error> {
    services(conn, pemda)
        .await?
        .into_iter()
        .find(|service| service.category.code == code)
        .ok_or_else(|| Open311Error::NotFound(format!("no service {code}")))
}

/// What a search of requests asks for, as the client wrote it.
#[derive(Debug, Clone, Default)]
pub struct SearchArguments {
    pub service_request_id: Option<String>,
    pub service_code: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub status: Option<String>,
}

/// A request as Open311 shows it.
#[derive(Debug, Clone)]
pub struct Request {
    pub row: ComplaintRow,
    pub status: Status,
    /// The latest approved public answer.
    pub status_notes: Option<String>,
    pub service: Option<CategoryRow>,
    /// The OPDs it is disposed to, comma-separated.
    pub agency_responsible: Option<String>,
}

/// Requests of a jurisdiction matching the arguments (empty ones count as absent, as the specification says).
pub async fn search(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    pemda: &UnitRow,
    arguments: &SearchArguments,
) -> Result<Vec<Request>, Open311Error> {
    let given =
        |text: &Option<String>| text.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned);
    let list = |text: String| text.split(',').map(|part| part.trim().to_owned()).filter(|p| !p.is_empty()).collect();
    let categories = services(conn, pemda).await?;
    let mut search = RequestSearch::default();
    if let Some(ids) = given(&arguments.service_request_id) {
        search.tracking_codes = Some(list(ids));
    } else {
        if let Some(codes) = given(&arguments.service_code) {
            let codes: Vec<String> = list(codes);
            search.category_ids = Some(
                categories
                    .iter()
                    .filter(|service| codes.contains(&service.category.code))
                    .map(|service| service.category.id)
                    .collect(),
            );
        }
        let date = |name: &str, text: Option<String>| -> Result<Option<DateTime<Utc>>, Open311Error> {
            text.map(|text| {
                open311::parse_datetime(&text).ok_or_else(|| {
                    Open311Error::BadRequest(format!(
                        "{name} is a W3C date-time with a zone, e.g. 2026-11-01T00:00:00Z"
                    ))
                })
            })
            .transpose()
        };
        let start = date("start_date", given(&arguments.start_date))?;
        let end = date("end_date", given(&arguments.end_date))?;
        search.window = Some(open311::search_window(start, end, state.clock.now()).map_err(|error| match error {
            WindowError::Reversed => Open311Error::BadRequest("end_date is before start_date".into()),
            WindowError::TooLong => Open311Error::BadRequest("start_date and end_date span at most 90 days".into()),
        })?);
        if let Some(text) = given(&arguments.status) {
            let statuses = open311::parse_statuses(&text)
                .ok_or_else(|| Open311Error::BadRequest("status is open, closed, or both comma-separated".into()))?;
            search.statuses = Some(
                statuses
                    .into_iter()
                    .flat_map(Status::complaint_statuses)
                    .map(|status| status.as_str().to_owned())
                    .collect(),
            );
        }
    }
    let rows = db::open311::requests(conn, pemda.id, &search, SEARCH_LIMIT).await?;
    described(conn, rows, &categories).await
}

/// One public request by its tracking code.
pub async fn request(conn: &mut AsyncPgConnection, pemda: &UnitRow, code: &str) -> Result<Request, Open311Error> {
    let search =
        RequestSearch { tracking_codes: Some(vec![code.to_owned()]), unverified_too: true, ..Default::default() };
    let rows = db::open311::requests(conn, pemda.id, &search, 1).await?;
    let categories = services(conn, pemda).await?;
    described(conn, rows, &categories)
        .await?
        .pop()
        .ok_or_else(|| Open311Error::NotFound(format!("no public request {code}")))
}

/// Rows with their status, answer, service and OPDs: three queries for the whole list.
async fn described(
    conn: &mut AsyncPgConnection,
    rows: Vec<ComplaintRow>,
    categories: &[Service],
) -> Result<Vec<Request>, Open311Error> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let answers: HashMap<Uuid, String> = db::open311::latest_answers(conn, &ids).await?.into_iter().collect();
    let mut agencies: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (complaint, unit) in db::open311::responsible_units(conn, &ids).await? {
        let names = agencies.entry(complaint).or_default();
        if !names.contains(&unit) {
            names.push(unit);
        }
    }
    rows.into_iter()
        .map(|row| {
            let status: ComplaintStatus = row.status.parse().map_err(ApiError::from)?;
            let service = row
                .category_id
                .and_then(|id| categories.iter().find(|service| service.category.id == id))
                .map(|service| service.category.clone());
            Ok(Request {
                status: open311::of(status),
                status_notes: answers.get(&row.id).cloned(),
                agency_responsible: agencies.get(&row.id).map(|names| names.join(", ")),
                service,
                row,
            })
        })
        .collect()
}

/// A request a client files.
#[derive(Debug, Clone, Default)]
pub struct Filing {
    pub api_key: Option<String>,
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub media_url: Option<String>,
}

/// A form field: trimmed, `None` when empty; refused when longer than `max` characters or holding control
/// characters (line breaks and tabs allowed where `lines` says so), as the JSON intake refuses them.
fn field(value: &Option<String>, name: &str, max: usize, lines: bool) -> Result<Option<String>, Open311Error> {
    let Some(text) = value.as_deref().map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().any(|c| c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(Open311Error::BadRequest(format!("{name} holds control characters")));
    }
    if text.chars().count() > max {
        return Err(Open311Error::BadRequest(format!("{name} is at most {max} characters")));
    }
    Ok(Some(text.to_owned()))
}

/// Files a public report from an Open311 client; its tracking code is the `service_request_id`, with the reporter
/// secret for the client to hand to the reporter.
pub async fn file(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    pemda: &UnitRow,
    filing: Filing,
) -> Result<(ComplaintRow, String), Open311Error> {
    let invalid_key = || Open311Error::Forbidden("a missing or invalid api_key".into());
    let key = field(&filing.api_key, "api_key", 200, false).map_err(|_| invalid_key())?.ok_or_else(invalid_key)?;
    let client = crate::services::api_clients::authenticate_key(state, conn, &key).await?.ok_or_else(invalid_key)?;
    let channel = crate::services::complaints::require_client_writes(&client).map_err(|_| {
        Open311Error::Forbidden("this api_key may not file requests (it lacks complaints:write)".into())
    })?;
    if client.pemda_id.0 != pemda.id {
        return Err(Open311Error::Forbidden("this api_key belongs to another jurisdiction".into()));
    }
    let code = field(&filing.service_code, "service_code", 100, false)?
        .ok_or_else(|| Open311Error::BadRequest("service_code is required".into()))?;
    let service = service(conn, pemda, &code).await?;
    let coordinate = |name: &str, value: &Option<String>| -> Result<Option<f64>, Open311Error> {
        field(value, name, 40, false)?
            .map(|v| v.parse::<f64>().map_err(|_| Open311Error::BadRequest(format!("{name} is a decimal number"))))
            .transpose()
    };
    let (lat, long) = (coordinate("lat", &filing.lat)?, coordinate("long", &filing.long)?);
    let address = match field(&filing.address_string, "address_string", 500, false)? {
        Some(address) => Some(address),
        None => field(&filing.address_id, "address_id", 500, false)?,
    };
    let coordinates = match (lat, long) {
        (Some(lat), Some(long)) => crate::domain::complaint::check_coordinates(Some(lat), Some(long))
            .map_err(|error| Open311Error::BadRequest(error.to_string()))?,
        (None, None) if address.is_some() => None,
        (None, None) => {
            return Err(Open311Error::BadRequest("a location is required: lat and long, or address_string".into()));
        }
        _ => return Err(Open311Error::BadRequest("lat and long go together".into())),
    };
    let description = field(&filing.description, "description", open311::DESCRIPTION_MAX_CHARS, true)?
        .ok_or_else(|| Open311Error::BadRequest("description is required".into()))?;
    let mut body = description.clone();
    if let Some(media) = field(&filing.media_url, "media_url", 2000, false)? {
        if !(media.starts_with("https://") || media.starts_with("http://")) {
            return Err(Open311Error::BadRequest("media_url is an http or https link".into()));
        }
        // Kept as a link for staff to open: the service never fetches it (it could point anywhere).
        body = format!("{body}\n\nMedia: {media}").chars().take(4000).collect();
    }
    let names =
        [field(&filing.first_name, "first_name", 100, false)?, field(&filing.last_name, "last_name", 100, false)?];
    let name = names.into_iter().flatten().collect::<Vec<_>>().join(" ");
    let email = field(&filing.email, "email", 254, false)?
        .map(|email| crate::domain::user::Email::parse(&email).map(|email| email.as_str().to_owned()))
        .transpose()
        .map_err(|_| Open311Error::BadRequest("email is not an e-mail address".into()))?;
    let phone = field(&filing.phone, "phone", 30, false)?
        .map(|phone| crate::domain::user::parse_phone(&phone))
        .transpose()
        .map_err(|_| Open311Error::BadRequest("phone is 8 to 15 digits, optionally after '+'".into()))?;
    let reporter =
        ReporterIdentity { name: (!name.is_empty()).then_some(name), nik: None, phone, email, address: None };
    let now = state.clock.now();
    let complaint = NewComplaint {
        classification: Classification::Pengaduan,
        supervision: false,
        channel,
        category_id: Some(service.category.id),
        title: open311::title_of(&service.category.name, &description, 150),
        body,
        incident_date: now.with_timezone(&state.settings.timezone).date_naive(),
        service_date: None,
        region_id: None,
        location: address,
        coordinates,
        anonymous: false,
        confidential: false,
        source: None,
        reporter: Some(reporter),
        attachment_ids: Vec::new(),
        api_client: Some(client.id),
    };
    let render = |_: &ComplaintRow, secret: &str| Ok(serde_json::Value::String(secret.to_owned()));
    match crate::services::complaints::intake(state, conn, None, pemda, complaint, None, render).await? {
        IntakeOutcome::Created { row, body } => Ok((*row, body.as_str().unwrap_or_default().to_owned())),
        IntakeOutcome::Replayed { .. } => Err(Open311Error::Service(ApiError::Internal(anyhow::anyhow!(
            "an Open311 filing carries no idempotency key, so nothing can be replayed"
        )))),
    }
}
