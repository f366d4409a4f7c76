//! Uploading evidence files and downloading them.

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::TryStreamExt;
use utoipa::ToSchema;
use uuid::Uuid;

use super::client_ip;
use super::complaints::AttachmentView;
use crate::auth::AuthUser;
use crate::domain::text;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, JPEG, PNG or WebP (judged by content), 2 MB at most by default.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeIncompatible
        | MultipartError::ContentTypeParse => {
            ApiError::UnsupportedMediaType("upload the file as multipart/form-data with a field named `file`".into())
        }
        other => {
            ApiError::BadRequest { code: "malformed_multipart", detail: format!("the upload cannot be read: {other}") }
        }
    }
}

/// Upload a file to attach to a report.
///
/// Public (citizens attach evidence before filing) and staff. Send `multipart/form-data` with one field `file`. The
/// kind is judged by the content (PDF, JPEG, PNG, WebP; anything else is 415), the size is limited (413). Pass the
/// returned id in `attachment_ids` when filing; an upload not attached within 24 hours is removed. Uploads without a
/// staff token are limited per client address (429).
#[utoipa::path(
    tag = "attachments",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = AttachmentView, headers(("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"upload\";q=50;w=3600`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"upload\";r=49;t=3600`"))),
        (status = 413, description = "Too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, JPEG, PNG or WebP file, or not multipart", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many uploads from this address; see Retry-After", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u64, description = "Seconds to wait"), ("RateLimit-Policy" = String, description = "IETF RateLimit-Policy: the quota and window, e.g. `\"upload\";q=50;w=3600`"), ("RateLimit" = String, description = "IETF RateLimit: what is left and the seconds until the window ends, e.g. `\"upload\";r=0;t=1800`"))),
    )
)]
#[post("/attachments")]
pub async fn upload_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    // Staff uploads are not metered; anyone else's are, per client address.
    match user {
        Some(_) => receive_upload(&state, user.as_ref(), form).await,
        None => {
            let ip = client_ip(&req, &state.settings);
            let work = receive_upload(&state, None, form);
            super::rate_limit::guarded(&state, state.settings.upload_policy(), &ip, work).await
        }
    }
}

async fn receive_upload(
    state: &AppState,
    user: Option<&AuthUser>,
    mut form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let max = state.settings.attachment_max_bytes;
    let mut upload = None;
    // Everything in the form counts against one budget: other fields and extra files cannot be used to stream
    // endless data.
    let mut budget = max + 16 * 1024;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        if field.name() != Some("file") || upload.is_some() {
            if field.name() == Some("file") {
                return Err(ApiError::invalid_field("file", "one_file", "send one file per upload"));
            }
            while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                budget = budget.checked_sub(chunk.len()).ok_or(ApiError::body_too_large())?;
            }
            continue;
        }
        let file_name = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned);
        // The name is stored and later sent back in a Content-Disposition header: one line, no quote.
        if file_name.as_deref().is_some_and(|name| !name.chars().all(|c| text::allowed_in_line(c) && c != '"')) {
            return Err(ApiError::invalid_field(
                "file",
                "invalid_file_name",
                "the file name may not contain quotes or control characters",
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
            budget = budget.checked_sub(chunk.len()).ok_or(ApiError::body_too_large())?;
            if bytes.len() + chunk.len() > max {
                return Err(ApiError::body_too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        upload = Some((bytes, file_name));
    }
    let (bytes, file_name) =
        upload.ok_or_else(|| ApiError::invalid_field("file", "required", "send the file in a field named `file`"))?;
    if bytes.is_empty() {
        return Err(ApiError::invalid_field("file", "empty", "the file is empty"));
    }
    let mut conn = state.conn().await?;
    let row = services::attachments::upload(state, &mut conn, user, bytes, file_name).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(AttachmentView::from(row)))
}

/// Download an attachment.
///
/// Staff who may read what it is attached to: its complaint (`admin` and `inspector` of the Pemda, `super_admin`, and
/// OPD staff of a unit it was disposed to), its follow-up's disposition, or its Rencana Aksi form (the sending letter
/// and realisation evidence); or the staff member who uploaded it while it is not attached yet. Everyone else gets 404.
#[utoipa::path(
    tag = "attachments",
    params(("id" = Uuid, Path, description = "Attachment id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file, in the type recognised from its content", content(
            (crate::api::Binary = "application/pdf"), (crate::api::Binary = "image/jpeg"),
            (crate::api::Binary = "image/png"), (crate::api::Binary = "image/webp")
        )),
        (status = 404, description = "No such attachment you may read", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/attachments/{id}")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let (row, bytes) = services::attachments::download(&state, &mut conn, &user, *id).await?;
    Ok(file_response(row, bytes))
}

/// A stored file as a download: its recognised type, its name, never sniffed, never cached by shared caches.
pub fn file_response(row: crate::db::attachments::AttachmentRow, bytes: Vec<u8>) -> HttpResponse {
    let disposition = match &row.file_name {
        Some(name) => format!("attachment; filename=\"{name}\""),
        None => "attachment".to_owned(),
    };
    HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
