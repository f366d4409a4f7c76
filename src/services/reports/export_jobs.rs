//! Asynchronous complaint exports, for sets too big to wait for: a request stores the filter resolved for its
//! requester and answers at once; a worker of any instance claims the job (`FOR UPDATE SKIP LOCKED`), holds a lease it
//! renews while it writes the file into the data folder (shared by all instances, as attachments are), and marks it
//! done; the requester polls its status and downloads the file for 24 hours. A worker that dies leaves a lease that
//! runs out, and another takes the job over (three attempts at most). The requester's rights are checked again
//! when the job runs: an account deactivated or moved in the meantime gets no file.

use std::future::Future;
use std::path::PathBuf;

use uuid::Uuid;

use super::export;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action, Reach};
use crate::db;
use crate::db::complaints::ComplaintFilter;
use crate::db::exports::{ExportRow, Finished};
use crate::domain::export::{self as rules, ExportFormat, ExportStatus, LEASE};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// The folder of export files in the data folder.
pub fn folder(state: &AppState) -> PathBuf {
    state.settings.data_dir.join("exports")
}

/// Queues an export of `filter` (already resolved within the caller's reach) and wakes this instance's worker.
pub async fn request(
    state: &AppState,
    caller: &AuthUser,
    format: ExportFormat,
    filter: &ComplaintFilter,
) -> Result<ExportRow, ApiError> {
    guards::require(caller.role, Action::ReadComplaints)?;
    let row = ExportRow {
        id: Uuid::now_v7(),
        requested_by: caller.id.0,
        format: format.as_str().into(),
        filter: serde_json::to_value(filter).map_err(|err| ApiError::Internal(err.into()))?,
        status: ExportStatus::Queued.as_str().into(),
        attempts: 0,
        locked_until: None,
        row_count: None,
        size_bytes: None,
        file_name: None,
        error: None,
        created_at: state.clock.now(),
        started_at: None,
        finished_at: None,
        expires_at: None,
    };
    let mut conn = state.conn().await?;
    if db::exports::pending_of(&mut conn, caller.id.0).await? >= rules::MAX_PENDING_PER_REQUESTER {
        return Err(ApiError::conflict(
            "too_many_exports",
            format!(
                "you have {} exports waiting or running; ask again when one is done",
                rules::MAX_PENDING_PER_REQUESTER
            ),
        ));
    }
    let row = db::exports::insert(&mut conn, &row).await?;
    state.exports_queued.notify_one();
    tracing::info!(export.id = %row.id, export.format = %format, "complaint export queued");
    Ok(row)
}

/// An export of the caller's (anyone else's is 404: its existence is not disclosed).
pub async fn find(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<ExportRow, ApiError> {
    let mut conn = state.conn().await?;
    db::exports::find(&mut conn, id)
        .await?
        .filter(|row| row.requested_by == caller.id.0)
        .ok_or_else(|| ApiError::not_found("the export"))
}

/// The file of a done export of the caller's, opened (409 while it is not written, failed or expired).
pub async fn open(state: &AppState, caller: &AuthUser, id: Uuid) -> Result<(ExportRow, tokio::fs::File), ApiError> {
    let row = find(state, caller, id).await?;
    // The file holds what the requester could read when it was written: they must still be able to read it now.
    guards::require(caller.role, Action::ReadComplaints)?;
    let filter: ComplaintFilter =
        serde_json::from_value(row.filter.clone()).map_err(|err| ApiError::Internal(err.into()))?;
    if !reach_covers(access::reach_of(caller), &filter) {
        return Err(ApiError::forbidden("your rights changed since you asked for this export"));
    }
    let status = row.status.parse::<ExportStatus>().map_err(|err| ApiError::Internal(err.into()))?;
    rules::downloadable(status, row.expires_at, state.clock.now())?;
    let name =
        row.file_name.as_deref().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a done export without file")))?;
    match tokio::fs::File::open(folder(state).join(name)).await {
        Ok(file) => Ok((row, file)),
        // Housekeeping removed it a moment ago.
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            Err(rules::downloadable(ExportStatus::Expired, None, state.clock.now()).unwrap_err().into())
        }
        Err(err) => Err(ApiError::Internal(err.into())),
    }
}

/// Runs the oldest waiting export, if any; returns its id.
pub async fn run_next(state: &AppState) -> anyhow::Result<Option<Uuid>> {
    let now = state.clock.now();
    let job = {
        let mut conn = state.pool.get().await?;
        match db::exports::claim(&mut conn, now, now + LEASE).await? {
            Some(job) => job,
            None => return Ok(None),
        }
    };
    let started_at = job.started_at.unwrap_or(now);
    let outcome = if rules::may_attempt(job.attempts) {
        match with_lease(state, job.id, started_at, write(state, &job, started_at)).await {
            Some(outcome) => outcome,
            None => {
                // Another worker took the job over (this one stalled past its lease): it writes its own file.
                tracing::warn!(export.id = %job.id, "complaint export abandoned: its lease was taken over");
                return Ok(Some(job.id));
            }
        }
    } else {
        Err("the export was interrupted three times; request it again".to_owned())
    };
    let mut conn = state.pool.get().await?;
    let finished_at = state.clock.now();
    match outcome {
        Ok(done) => {
            let finished = Finished {
                file_name: &done.0,
                row_count: done.1 as i64,
                size_bytes: done.2 as i64,
                finished_at,
                expires_at: rules::expires_at(finished_at),
            };
            if db::exports::finish(&mut conn, job.id, started_at, &finished).await? {
                tracing::info!(export.id = %job.id, export.rows = done.1, export.bytes = done.2, "complaint export done");
            } else {
                // Our lease ran out and another worker took the job over: its file is the one that counts.
                tracing::warn!(export.id = %job.id, "complaint export finished after its lease was taken over");
                let _ = tokio::fs::remove_file(folder(state).join(&done.0)).await;
            }
        }
        Err(reason) => {
            tracing::warn!(export.id = %job.id, reason = %reason, "complaint export failed");
            db::exports::fail(&mut conn, job.id, started_at, &reason, finished_at).await?;
        }
    }
    Ok(Some(job.id))
}

/// Runs `work` while renewing the job's lease, so a long export is not taken over while it is alive; `None` (and
/// `work` dropped) once the lease turns out to be another worker's.
async fn with_lease<T>(
    state: &AppState,
    id: Uuid,
    started_at: chrono::DateTime<chrono::Utc>,
    work: impl Future<Output = T>,
) -> Option<T> {
    let lost = async {
        let every = (LEASE / 3).to_std().unwrap_or(std::time::Duration::from_secs(60));
        loop {
            tokio::time::sleep(every).await;
            // A renewal that cannot reach the database is tried again; one the database refuses means the lease is
            // gone.
            if let Ok(mut conn) = state.pool.get().await
                && let Ok(false) = db::exports::renew(&mut conn, id, started_at, state.clock.now() + LEASE).await
            {
                return;
            }
        }
    };
    tokio::select! {
        outcome = work => Some(outcome),
        () = lost => None,
    }
}

/// Writes the job's file; its name, rows and bytes, or the reason its requester reads. The name is this claim's own
/// (a worker that lost its lease never writes into the file of the one that took over).
async fn write(
    state: &AppState,
    job: &ExportRow,
    claimed_at: chrono::DateTime<chrono::Utc>,
) -> Result<(String, u64, u64), String> {
    let internal = |err: &dyn std::fmt::Display| {
        tracing::error!(export.id = %job.id, error = %err, "complaint export could not be written");
        "the export could not be written; request it again".to_owned()
    };
    let format = job.format.parse::<ExportFormat>().map_err(|err| internal(&err))?;
    let filter: ComplaintFilter = serde_json::from_value(job.filter.clone()).map_err(|err| internal(&err))?;
    let mut conn = state.pool.get().await.map_err(|err| internal(&err))?;
    let requester = db::users::find_with_pemda(&mut conn, job.requested_by).await.map_err(|err| internal(&err))?;
    drop(conn);
    if !requester.is_some_and(|user| account_covers(&user, &filter)) {
        return Err("your account or its rights changed since you asked; request the export again".into());
    }
    let dir = folder(state);
    tokio::fs::create_dir_all(&dir).await.map_err(|err| internal(&err))?;
    let name = format!("{}-{}.{}", job.id, claimed_at.timestamp_micros(), format.extension());
    let path = dir.join(&name);
    let rows = match format {
        ExportFormat::Csv => {
            let partial = dir.join(format!("{name}.part"));
            let written = match export::write_csv_file(state, filter, &partial).await {
                Ok(rows) => tokio::fs::rename(&partial, &path).await.map(|()| rows).map_err(|err| internal(&err)),
                Err(err) => Err(internal(&err)),
            };
            if written.is_err() {
                let _ = tokio::fs::remove_file(&partial).await;
            }
            written?
        }
        ExportFormat::Xlsx => {
            let (written, rows) = export::write_xlsx(state, &filter).await.map_err(|err| match err {
                ApiError::Validation(errors) => errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "),
                other => internal(&other),
            })?;
            tokio::fs::rename(&written, &path).await.map_err(|err| internal(&err))?;
            rows
        }
    };
    let size = tokio::fs::metadata(&path).await.map_err(|err| internal(&err))?.len();
    Ok((name, rows, size))
}

/// Whether the account, as it is now, may still read every Pemda the stored filter covers.
fn account_covers(user: &db::users::SessionUser, filter: &ComplaintFilter) -> bool {
    let Ok(role) = user.role.parse::<Role>() else { return false };
    if !user.active || guards::require(role, Action::ReadComplaints).is_err() {
        return false;
    }
    reach_covers(access::reach_for(role, UnitId(user.unit_id), user.pemda_id.map(UnitId)), filter)
}

/// Whether `reach` holds every Pemda the stored filter covers.
fn reach_covers(reach: Reach, filter: &ComplaintFilter) -> bool {
    match reach {
        Reach::Everything => true,
        Reach::Subtree(root) | Reach::Unit(root) => {
            filter.pemda_ids.as_ref().is_some_and(|ids| ids.iter().all(|id| *id == root.0))
        }
    }
}
