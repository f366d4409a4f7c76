//! Rows and queries of `attachments`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::attachments;
use crate::domain::attachment::UNATTACHED_LIFETIME;

/// A row of `attachments`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentRow {
    pub id: Uuid,
    pub sha256: String,
    pub size_bytes: i32,
    pub content_type: String,
    pub file_name: Option<String>,
    pub complaint_id: Option<Uuid>,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_at: DateTime<Utc>,
    pub follow_up_id: Option<Uuid>,
    /// Set for the letter that sent a Rencana Aksi and for the evidence of its realisations.
    pub action_plan_id: Option<Uuid>,
    pub realisation_id: Option<Uuid>,
}

/// Inserts an upload.
pub async fn insert(conn: &mut AsyncPgConnection, row: &AttachmentRow) -> QueryResult<AttachmentRow> {
    diesel::insert_into(attachments::table).values(row).returning(AttachmentRow::as_returning()).get_result(conn).await
}

/// The attachment `id`.
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<AttachmentRow>> {
    attachments::table.find(id).select(AttachmentRow::as_select()).first(conn).await.optional()
}

/// The attachments of a complaint, in upload order.
pub async fn of_complaint(conn: &mut AsyncPgConnection, complaint_id: Uuid) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::complaint_id.eq(complaint_id))
        .order((attachments::uploaded_at, attachments::id))
        .select(AttachmentRow::as_select())
        .load(conn)
        .await
}

/// What an upload is attached to: exactly one of a complaint, a follow-up, or a Rencana Aksi (as its sending letter,
/// or as evidence of one realisation). Build it with the constructors; it is the `SET` of [`attach`].
#[derive(Debug, Clone, Copy, AsChangeset)]
#[diesel(table_name = attachments)]
pub struct AttachmentOwner {
    complaint_id: Option<Uuid>,
    follow_up_id: Option<Uuid>,
    action_plan_id: Option<Uuid>,
    realisation_id: Option<Option<Uuid>>,
}

impl AttachmentOwner {
    /// A complaint's evidence.
    pub fn complaint(id: Uuid) -> Self {
        Self { complaint_id: Some(id), follow_up_id: None, action_plan_id: None, realisation_id: None }
    }

    /// A follow-up's files (not the complaint's: a file on an internal note is seen only by those who see the note).
    pub fn follow_up(id: Uuid) -> Self {
        Self { complaint_id: None, follow_up_id: Some(id), action_plan_id: None, realisation_id: None }
    }

    /// A Rencana Aksi's sending letter (`realisation` `None`) or the evidence of one of its realisations.
    pub fn action_plan(plan: Uuid, realisation: Option<Uuid>) -> Self {
        Self { complaint_id: None, follow_up_id: None, action_plan_id: Some(plan), realisation_id: Some(realisation) }
    }
}

/// Attaches uploads to `owner`: only uploads attached to nothing yet and still unexpired at `now` (made within
/// [`UNATTACHED_LIFETIME`]), and, when `uploaded_by` is given, only that person's own. Returns how many were attached;
/// the rows are locked, so an upload cannot end up in two places.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    owner: AttachmentOwner,
    uploaded_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut update = diesel::update(attachments::table)
        .set(owner)
        .into_boxed()
        .filter(attachments::id.eq_any(ids.to_vec()))
        .filter(attachments::complaint_id.is_null())
        .filter(attachments::follow_up_id.is_null())
        .filter(attachments::action_plan_id.is_null())
        .filter(attachments::uploaded_at.gt(now - UNATTACHED_LIFETIME));
    if let Some(uploader) = uploaded_by {
        update = update.filter(attachments::uploaded_by.eq(uploader));
    }
    update.execute(conn).await
}

/// Unlinks the evidence of a realisation that is not in `keep`; the files become ordinary unattached uploads and are
/// swept with them.
pub async fn detach_from_realisation(
    conn: &mut AsyncPgConnection,
    realisation_id: Uuid,
    keep: &[Uuid],
) -> QueryResult<usize> {
    diesel::update(attachments::table)
        .filter(attachments::realisation_id.eq(realisation_id))
        .filter(attachments::id.ne_all(keep.to_vec()))
        .set((attachments::action_plan_id.eq(None::<Uuid>), attachments::realisation_id.eq(None::<Uuid>)))
        .execute(conn)
        .await
}

/// The evidence of these realisations, in upload order.
pub async fn of_realisations(
    conn: &mut AsyncPgConnection,
    realisation_ids: &[Uuid],
) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::realisation_id.eq_any(realisation_ids.to_vec()))
        .order((attachments::uploaded_at, attachments::id))
        .select(AttachmentRow::as_select())
        .load(conn)
        .await
}

/// Deletes uploads never attached and older than `before`; returns their content hashes.
pub async fn delete_unattached_before(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<Vec<String>> {
    diesel::delete(
        attachments::table
            .filter(attachments::complaint_id.is_null())
            .filter(attachments::follow_up_id.is_null())
            .filter(attachments::action_plan_id.is_null())
            .filter(attachments::uploaded_at.lt(before)),
    )
    .returning(attachments::sha256)
    .get_results(conn)
    .await
}

/// Whether any attachment row still points at the file with this hash.
pub async fn hash_in_use(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(attachments::table.filter(attachments::sha256.eq(sha256))))
        .get_result(conn)
        .await
}

/// The attachments of these follow-ups, in upload order.
pub async fn of_follow_ups(conn: &mut AsyncPgConnection, follow_up_ids: &[Uuid]) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::follow_up_id.eq_any(follow_up_ids.to_vec()))
        .order((attachments::uploaded_at, attachments::id))
        .select(AttachmentRow::as_select())
        .load(conn)
        .await
}
