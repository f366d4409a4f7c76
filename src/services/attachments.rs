//! Uploading and downloading attachments.

use diesel_async::AsyncPgConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::complaints;
use crate::auth::AuthUser;
use crate::db;
use crate::db::attachments::AttachmentRow;
use crate::domain::attachment;
use crate::error::ApiError;
use crate::state::AppState;

/// Stores an upload: its kind is judged by its content, the file is kept once per content hash.
pub async fn upload(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    uploader: Option<&AuthUser>,
    bytes: Vec<u8>,
    file_name: Option<String>,
) -> Result<AttachmentRow, ApiError> {
    let content_type = attachment::sniff(&bytes).ok_or_else(|| {
        ApiError::UnsupportedMediaType(
            "attachments must be PDF, JPEG, PNG or WebP files (judged by their content)".into(),
        )
    })?;
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    let size_bytes = i32::try_from(bytes.len()).map_err(|_| ApiError::body_too_large())?;
    let blobs = state.blobs.clone();
    let hash = sha256.clone();
    tokio::task::spawn_blocking(move || blobs.put(&hash, &bytes))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(anyhow::Error::new)?;
    let row = AttachmentRow {
        id: Uuid::now_v7(),
        sha256,
        size_bytes,
        content_type: content_type.into(),
        file_name: file_name.as_deref().and_then(attachment::clean_file_name),
        complaint_id: None,
        uploaded_by: uploader.map(|u| u.id.0),
        uploaded_at: state.clock.now(),
        follow_up_id: None,
        action_plan_id: None,
        realisation_id: None,
    };
    Ok(db::attachments::insert(conn, &row).await?)
}

/// A refusal to read what a file belongs to answers as if the file did not exist, so ids cannot be probed.
fn as_not_found(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound(_) | ApiError::Forbidden { .. } => ApiError::not_found("the attachment"),
        other => other,
    }
}

/// An attachment and its content, for a caller who may read its complaint (or who uploaded it and has not attached it
/// yet). Everyone else gets 404.
pub async fn download(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    caller: &AuthUser,
    id: Uuid,
) -> Result<(AttachmentRow, Vec<u8>), ApiError> {
    let not_found = || ApiError::not_found("the attachment");
    let row = db::attachments::find(conn, id).await?.ok_or_else(not_found)?;
    match row.complaint_id {
        Some(complaint) => match complaints::readable(conn, caller, complaint).await {
            Ok(_) => {}
            Err(ApiError::Forbidden { .. }) => {
                // OPD staff see the attachments of complaints disposed to their unit.
                let row = db::complaints::find(conn, complaint).await?.ok_or_else(not_found)?;
                if !super::dispositions::opd_sees_complaint(conn, caller, &row).await? {
                    return Err(not_found());
                }
            }
            Err(other) => return Err(other),
        },
        None => match (row.follow_up_id, row.action_plan_id) {
            // A file on a follow-up: whoever sees that disposition (its unit, the Pemda's admins and inspectors).
            (Some(follow_up), _) => {
                let follow_up = db::dispositions::find_follow_up(conn, follow_up).await?.ok_or_else(not_found)?;
                super::dispositions::visible(conn, caller, follow_up.disposition_id).await.map_err(as_not_found)?;
            }
            // The letter or evidence of a Rencana Aksi: whoever may read the form.
            (None, Some(plan)) => {
                super::action_plans::readable_form(conn, caller, plan).await.map_err(as_not_found)?;
            }
            (None, None) if row.uploaded_by == Some(caller.id.0) => {}
            (None, None) => return Err(not_found()),
        },
    }
    let bytes = contents(state, &row).await?;
    Ok((row, bytes))
}

/// The stored bytes of an attachment whose reading was allowed (storage is blocking file I/O).
pub async fn contents(state: &AppState, row: &db::attachments::AttachmentRow) -> Result<Vec<u8>, ApiError> {
    let blobs = state.blobs.clone();
    let hash = row.sha256.clone();
    Ok(tokio::task::spawn_blocking(move || blobs.get(&hash))
        .await
        .map_err(anyhow::Error::new)?
        .map_err(anyhow::Error::new)?)
}
