//! Open311 GeoReport v2 at `/open311/v2`, for civic-tech clients that already speak it. Its own standard end to end:
//! the format is the resource's extension (`.json` or `.xml`), requests are form-encoded, and errors are Open311's
//! `errors` documents, not problem+json (the responses are marked so the problem rewrite leaves them alone). It has
//! its own discovery document instead of a place in the OpenAPI description. The mapping is in the README.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::client_ip;
use crate::domain::open311::{self, Format};
use crate::domain::rate_limit::Policy;
use crate::services;
use crate::services::open311::{Filing, Open311Error, Request, SearchArguments, Service};
use crate::state::AppState;

/// When the interface described by the discovery document last changed.
const CHANGESET: &str = "2026-12-02T00:00:00Z";

/// The routes, outside `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/open311/v2")
            .route("/discovery.{format}", web::get().to(discovery))
            .route("/services.{format}", web::get().to(list_services))
            .route("/services/{code}.{format}", web::get().to(service_definition))
            .route("/requests.{format}", web::get().to(list_requests))
            .route("/requests.{format}", web::post().to(create_request))
            .route("/requests/{id}.{format}", web::get().to(get_request))
            .route("/tokens/{token}.{format}", web::get().to(get_token)),
    );
}

/// The answer: `value` in the asked format, or the error in Open311's format (XML when the format is unknown).
fn answer(format: Option<Format>, result: Result<(&'static str, Value), Open311Error>) -> HttpResponse {
    let format = format.unwrap_or(Format::Xml);
    match result {
        Ok((root, value)) => render(StatusCode::OK, format, root, &value),
        Err(error) => {
            let (status, description) = match error {
                Open311Error::BadRequest(text) => (StatusCode::BAD_REQUEST, text),
                Open311Error::Forbidden(text) => (StatusCode::FORBIDDEN, text),
                Open311Error::NotFound(text) => (StatusCode::NOT_FOUND, text),
                Open311Error::Service(error) => {
                    let status = actix_web::ResponseError::status_code(&error);
                    if status.is_server_error() {
                        tracing::error!(error = ?error, "an Open311 call failed");
                    }
                    // The problem's detail: what a caller may read, never the database's own message.
                    (status, error.problem().detail)
                }
            };
            let errors = json!([{ "code": status.as_u16(), "description": description }]);
            let mut response = render(status, format, "errors", &errors);
            response.extensions_mut().insert(crate::error::StandardErrorBody);
            response
        }
    }
}

fn render(status: StatusCode, format: Format, root: &str, value: &Value) -> HttpResponse {
    let body = match format {
        Format::Json => value.to_string().into_bytes(),
        Format::Xml => xml(root, value),
    };
    HttpResponse::build(status).insert_header((header::CONTENT_TYPE, format.content_type())).body(body)
}

/// The XML form of a value, as the specification maps JSON and XML onto each other: an array is a wrapper element
/// whose children take the singular name (`services` → `service`), `null` an empty element.
fn xml(root: &str, value: &Value) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    let written = writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| element(&mut writer, root, value));
    debug_assert!(written.is_ok(), "writing to memory does not fail");
    writer.into_inner()
}

fn element(writer: &mut Writer<Vec<u8>>, name: &str, value: &Value) -> std::io::Result<()> {
    writer.write_event(Event::Start(BytesStart::new(name)))?;
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let child = singular(name);
            for item in items {
                element(writer, child, item)?;
            }
        }
        Value::Object(fields) => {
            // JSON objects here keep their keys sorted; XML readers of the specification's examples expect its order.
            let order = field_order(name);
            let mut names: Vec<&String> = fields.keys().collect();
            names.sort_by_key(|field| order.iter().position(|known| known == field).unwrap_or(usize::MAX));
            for field in names {
                element(writer, field, &fields[field])?;
            }
        }
        Value::String(text) => {
            // XML 1.0 has no way to write most control characters, escaped or not: leave them out.
            let legal: String = text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect();
            writer.write_event(Event::Text(BytesText::new(&legal)))?
        }
        other => writer.write_event(Event::Text(BytesText::new(&other.to_string())))?,
    }
    writer.write_event(Event::End(BytesEnd::new(name)))
}

/// The specification's order of an element's fields.
fn field_order(element: &str) -> &'static [&'static str] {
    match element {
        "discovery" => &["changeset", "contact", "key_service", "endpoints"],
        "endpoint" => &["specification", "url", "changeset", "type", "formats"],
        "service" => &["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "service_definition" => &["service_code", "attributes"],
        "request" => &[
            "service_request_id",
            "token",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url",
            "account_id",
        ],
        "error" => &["code", "description"],
        _ => &[],
    }
}

fn singular(wrapper: &str) -> &'static str {
    match wrapper {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "values" => "value",
        _ => "item",
    }
}

/// Reads `{format}` from the path; unknown formats are 404 (answered in XML, the format every client reads).
fn format_of(req: &HttpRequest) -> Result<Format, (Option<Format>, Open311Error)> {
    let extension = req.match_info().get("format").unwrap_or_default();
    Format::from_extension(extension)
        .ok_or_else(|| (None, Open311Error::NotFound(format!("no format {extension:?}: use .json or .xml"))))
}

/// Reads are open to anyone; each address gets the public tracking page's allowance per minute.
async fn spend_read(state: &AppState, req: &HttpRequest) -> Result<(), Open311Error> {
    let mut conn = state.conn().await?;
    let tracking = state.settings.tracking_policy();
    let policy = Policy { name: "open311", ..tracking };
    services::rate_limits::spend(state, &mut conn, policy, &client_ip(req, &state.settings))
        .await
        .map(drop)
        .map_err(|(error, _)| Open311Error::Service(error))
}

/// Arguments every call may carry.
#[derive(Debug, Default, Deserialize)]
struct Jurisdiction {
    jurisdiction_id: Option<String>,
}

macro_rules! format_or_answer {
    ($req:expr) => {
        match format_of(&$req) {
            Ok(format) => format,
            Err((format, error)) => return answer(format, Err(error)),
        }
    };
}

async fn discovery(req: HttpRequest) -> HttpResponse {
    let format = format_or_answer!(req);
    let info = req.connection_info();
    let url = format!("{}://{}/open311/v2", info.scheme(), info.host());
    let document = json!({
        "changeset": CHANGESET,
        "contact": "The Diskominfo (admin) of each Pemda; jurisdiction_id is the Pemda's code, e.g. SKD",
        "key_service": "Ask the Pemda's admin for an API client with the complaints:write scope; its client secret is your api_key",
        "endpoints": [{
            "specification": open311::SPECIFICATION,
            "url": url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    });
    answer(Some(format), Ok(("discovery", document)))
}

fn service_value(service: &Service) -> Value {
    json!({
        "service_code": service.category.code,
        "service_name": service.category.name,
        "description": service.category.name,
        "metadata": false,
        "type": "realtime",
        "keywords": service.category.code,
        "group": service.group,
    })
}

async fn list_services(req: HttpRequest, state: web::Data<AppState>, query: web::Query<Jurisdiction>) -> HttpResponse {
    let format = format_or_answer!(req);
    let result = async {
        spend_read(&state, &req).await?;
        let mut conn = state.conn().await?;
        let pemda = services::open311::jurisdiction(&mut conn, query.jurisdiction_id.as_deref()).await?;
        let services = services::open311::services(&mut conn, &pemda).await?;
        Ok(("services", Value::Array(services.iter().map(service_value).collect())))
    }
    .await;
    answer(Some(format), result)
}

async fn service_definition(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Jurisdiction>,
) -> HttpResponse {
    let format = format_or_answer!(req);
    let code = req.match_info().get("code").unwrap_or_default().to_owned();
    let result = async {
        spend_read(&state, &req).await?;
        let mut conn = state.conn().await?;
        let pemda = services::open311::jurisdiction(&mut conn, query.jurisdiction_id.as_deref()).await?;
        let service = services::open311::service(&mut conn, &pemda, &code).await?;
        // No service asks for attributes (every `metadata` is false): the definition lists none.
        Ok(("service_definition", json!({ "service_code": service.category.code, "attributes": [] })))
    }
    .await;
    answer(Some(format), result)
}

fn request_value(request: &Request) -> Value {
    let row = &request.row;
    let updated = if request.status == open311::Status::Closed {
        row.finished_at.unwrap_or(row.updated_at)
    } else {
        row.updated_at
    };
    json!({
        "service_request_id": row.tracking_code,
        "status": request.status.as_str(),
        "status_notes": request.status_notes,
        "service_name": request.service.as_ref().map(|service| service.name.clone()),
        "service_code": request.service.as_ref().map(|service| service.code.clone()),
        "description": row.body,
        "agency_responsible": request.agency_responsible,
        "service_notice": Value::Null,
        "requested_datetime": open311::format_datetime(row.created_at),
        "updated_datetime": open311::format_datetime(updated),
        "expected_datetime": open311::format_datetime(row.resolve_by),
        "address": if row.verified_at.is_some() { row.location.clone() } else { None },
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": row.latitude.map(open311::public_coordinate),
        "long": row.longitude.map(open311::public_coordinate),
        "media_url": Value::Null,
    })
}

#[derive(Debug, Default, Deserialize)]
struct RequestsQuery {
    jurisdiction_id: Option<String>,
    service_request_id: Option<String>,
    service_code: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    status: Option<String>,
}

async fn list_requests(req: HttpRequest, state: web::Data<AppState>, query: web::Query<RequestsQuery>) -> HttpResponse {
    let format = format_or_answer!(req);
    let query = query.into_inner();
    let result = async {
        spend_read(&state, &req).await?;
        let mut conn = state.conn().await?;
        let pemda = services::open311::jurisdiction(&mut conn, query.jurisdiction_id.as_deref()).await?;
        let arguments = SearchArguments {
            service_request_id: query.service_request_id,
            service_code: query.service_code,
            start_date: query.start_date,
            end_date: query.end_date,
            status: query.status,
        };
        let requests = services::open311::search(&state, &mut conn, &pemda, &arguments).await?;
        Ok(("service_requests", Value::Array(requests.iter().map(request_value).collect())))
    }
    .await;
    answer(Some(format), result)
}

async fn get_request(req: HttpRequest, state: web::Data<AppState>, query: web::Query<Jurisdiction>) -> HttpResponse {
    let format = format_or_answer!(req);
    let id = req.match_info().get("id").unwrap_or_default().to_owned();
    let result = async {
        spend_read(&state, &req).await?;
        let mut conn = state.conn().await?;
        let pemda = services::open311::jurisdiction(&mut conn, query.jurisdiction_id.as_deref()).await?;
        let request = services::open311::request(&mut conn, &pemda, &id).await?;
        Ok(("service_requests", json!([request_value(&request)])))
    }
    .await;
    answer(Some(format), result)
}

/// Every request gets its id at once (`type` is `realtime`), so no token is ever handed out.
async fn get_token(req: HttpRequest) -> HttpResponse {
    let format = format_or_answer!(req);
    let token = req.match_info().get("token").unwrap_or_default().to_owned();
    answer(Some(format), Err(Open311Error::NotFound(format!("no token {token}: requests here get their id at once"))))
}

/// The form of a new request; other fields (`device_id`, `account_id`, `attribute[…]`) are accepted and not kept.
#[derive(Debug, Default, Deserialize)]
struct RequestForm {
    api_key: Option<String>,
    jurisdiction_id: Option<String>,
    service_code: Option<String>,
    lat: Option<String>,
    long: Option<String>,
    address_string: Option<String>,
    address_id: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    description: Option<String>,
    media_url: Option<String>,
}

async fn create_request(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let format = format_or_answer!(req);
    let result = async {
        let form_type = req.headers().get(header::CONTENT_TYPE).and_then(|value: &HeaderValue| value.to_str().ok());
        if !form_type.is_some_and(|text| text.starts_with("application/x-www-form-urlencoded")) {
            return Err(Open311Error::BadRequest("send the request as application/x-www-form-urlencoded".into()));
        }
        let form: RequestForm = serde_urlencoded::from_bytes(&body)
            .map_err(|_| Open311Error::BadRequest("the form could not be read".into()))?;
        let mut conn = state.conn().await?;
        let pemda = services::open311::jurisdiction(&mut conn, form.jurisdiction_id.as_deref()).await?;
        let filing = Filing {
            api_key: form.api_key,
            service_code: form.service_code,
            lat: form.lat,
            long: form.long,
            address_string: form.address_string,
            address_id: form.address_id,
            description: form.description,
            email: form.email,
            first_name: form.first_name,
            last_name: form.last_name,
            phone: form.phone,
            media_url: form.media_url,
        };
        let (row, secret) = services::open311::file(&state, &mut conn, &pemda, filing).await?;
        // Open311 has no field for the reporter secret; the notice is what the client shows the reporter, once.
        let notice = format!(
            "Laporan diterima dengan kode {}. Ikuti perkembangannya dengan kode ini; laporan diverifikasi dalam \
             batas waktu standar layanan. Kunci pelapor (simpan, diperlukan untuk melengkapi atau menanggapi \
             laporan): {secret}",
            row.tracking_code
        );
        Ok((
            "service_requests",
            json!([{ "service_request_id": row.tracking_code, "service_notice": notice, "account_id": Value::Null }]),
        ))
    }
    .await;
    answer(Some(format), result)
}
