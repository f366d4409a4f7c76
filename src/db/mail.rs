//! Rows and queries of e-mail: preferences, the outbox, the reporter-mail cursor in the change feed, digests.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{mail_outbox, mail_preferences, notifications, users};

/// A row of `mail_outbox`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = mail_outbox, check_for_backend(diesel::pg::Pg))]
pub struct OutboxRow {
    pub id: Uuid,
    pub kind: String,
    pub recipient_user: Option<Uuid>,
    pub recipient_sealed: Option<Vec<u8>>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub claim: Option<Uuid>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// An active staff member as mail sees them: address, name and how they want notifications.
#[derive(Debug, Clone, Queryable)]
pub struct StaffAddress {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    /// `None`: no preference saved (immediately).
    pub mode: Option<String>,
}

/// The active users among `ids`, with their preference.
pub async fn staff_addresses(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<StaffAddress>> {
    users::table
        .left_join(mail_preferences::table)
        .filter(users::id.eq_any(ids))
        .filter(users::active.eq(true))
        .select((users::id, users::email, users::name, mail_preferences::mode.nullable()))
        .load(conn)
        .await
}

/// A user's saved preference.
pub async fn mode_of(conn: &mut AsyncPgConnection, user: Uuid) -> QueryResult<Option<String>> {
    mail_preferences::table.find(user).select(mail_preferences::mode).first(conn).await.optional()
}

/// Saves a user's preference. Switching to the daily digest starts it from now, so no old notification comes again.
pub async fn set_mode(conn: &mut AsyncPgConnection, user: Uuid, mode: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(mail_preferences::table)
        .values((
            mail_preferences::user_id.eq(user),
            mail_preferences::mode.eq(mode),
            mail_preferences::last_digest_at.eq(Some(now)),
            mail_preferences::updated_at.eq(now),
        ))
        .on_conflict(mail_preferences::user_id)
        .do_update()
        .set((
            mail_preferences::mode.eq(mode),
            // Coming (back) to the digest starts it from now too: what was mailed one by one is not listed again.
            mail_preferences::last_digest_at.eq(diesel::dsl::sql::<Nullable<Timestamptz>>(
                "CASE WHEN mail_preferences.mode <> 'daily' THEN excluded.last_digest_at \
                 ELSE mail_preferences.last_digest_at END",
            )),
            mail_preferences::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Puts messages in the outbox (in the caller's transaction).
pub async fn enqueue(conn: &mut AsyncPgConnection, rows: &[OutboxRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(mail_outbox::table).values(rows).execute(conn).await.map(drop)
}

/// Takes up to `limit` messages due at `now`, each under a claim of its own, leased until `lease_until`; one whose
/// claims ran out without a recorded attempt has failed.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
    max_attempts: i32,
) -> QueryResult<Vec<OutboxRow>> {
    diesel::sql_query(
        "UPDATE mail_outbox SET status = 'failed', claim = NULL, next_attempt_at = NULL, \
             last_error = coalesce(last_error, 'no attempt could be recorded') \
         WHERE status = 'pending' AND next_attempt_at <= $1 AND attempts >= $2",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Integer, _>(max_attempts)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE mail_outbox SET next_attempt_at = $2, attempts = attempts + 1, claim = gen_random_uuid() \
         WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Records the outcome of the attempt made under `claim`: sent (`next` is `None` and no error), to be retried at
/// `next`, or failed for good.
pub async fn record(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    claim: Uuid,
    error: Option<&str>,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let status = match (error, next) {
        (None, _) => "sent",
        (Some(_), Some(_)) => "pending",
        (Some(_), None) => "failed",
    };
    diesel::update(mail_outbox::table.find(id).filter(mail_outbox::claim.eq(claim)))
        .set((
            mail_outbox::status.eq(status),
            mail_outbox::claim.eq(None::<Uuid>),
            mail_outbox::next_attempt_at.eq(next),
            mail_outbox::last_error.eq(error),
            mail_outbox::sent_at.eq(error.is_none().then_some(now)),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// A user's address and name, if the account is active.
pub async fn address_of(conn: &mut AsyncPgConnection, user: Uuid) -> QueryResult<Option<(String, String)>> {
    users::table
        .find(user)
        .filter(users::active.eq(true))
        .select((users::email, users::name))
        .first(conn)
        .await
        .optional()
}

/// The reporter mails' place in the change feed, locked for the caller's transaction; `None` while another
/// instance holds it.
pub async fn lock_feed_cursor(conn: &mut AsyncPgConnection) -> QueryResult<Option<(i64, i64)>> {
    #[derive(QueryableByName)]
    struct Cursor {
        #[diesel(sql_type = BigInt)]
        txid: i64,
        #[diesel(sql_type = BigInt)]
        row_id: i64,
    }
    let cursor: Option<Cursor> = diesel::sql_query("SELECT txid, row_id FROM mail_feed_cursor FOR UPDATE SKIP LOCKED")
        .get_result(conn)
        .await
        .optional()?;
    Ok(cursor.map(|cursor| (cursor.txid, cursor.row_id)))
}

/// Moves the reporter mails' place.
pub async fn set_feed_cursor(conn: &mut AsyncPgConnection, txid: i64, row: i64) -> QueryResult<()> {
    diesel::sql_query("UPDATE mail_feed_cursor SET txid = $1, row_id = $2")
        .bind::<BigInt, _>(txid)
        .bind::<BigInt, _>(row)
        .execute(conn)
        .await
        .map(drop)
}

/// An entity's status before the change at (`txid`, `row`).
pub async fn previous_status(
    conn: &mut AsyncPgConnection,
    entity: Uuid,
    txid: i64,
    row: i64,
) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = Nullable<Text>)]
        status: Option<String>,
    }
    let found: Option<Status> = diesel::sql_query(
        "SELECT status FROM changes WHERE entity_id = $1 AND (txid, id) < ($2::text::xid8, $3) \
         ORDER BY txid DESC, id DESC LIMIT 1",
    )
    .bind::<diesel::sql_types::Uuid, _>(entity)
    .bind::<Text, _>(txid.to_string())
    .bind::<BigInt, _>(row)
    .get_result(conn)
    .await
    .optional()?;
    Ok(found.and_then(|found| found.status))
}

/// Daily-digest users whose last digest was before `due`, locked for the caller's transaction (skipping those
/// another instance is handling); with their last digest time.
pub async fn lock_due_digests(
    conn: &mut AsyncPgConnection,
    due: DateTime<Utc>,
) -> QueryResult<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    mail_preferences::table
        .filter(mail_preferences::mode.eq("daily"))
        .filter(mail_preferences::last_digest_at.is_null().or(mail_preferences::last_digest_at.lt(due)))
        .select((mail_preferences::user_id, mail_preferences::last_digest_at))
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// A user's notifications created in (`since`, `until`], oldest first: when and what.
pub async fn notifications_between(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> QueryResult<Vec<(DateTime<Utc>, String)>> {
    let mut query = notifications::table
        .filter(notifications::user_id.eq(user))
        .filter(notifications::created_at.le(until))
        .order(notifications::created_at)
        .select((notifications::created_at, notifications::message))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(notifications::created_at.gt(since));
    }
    query.load(conn).await
}

/// Marks a user's digest as sent up to `at`.
pub async fn set_digested(conn: &mut AsyncPgConnection, user: Uuid, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(mail_preferences::table.find(user))
        .set(mail_preferences::last_digest_at.eq(Some(at)))
        .execute(conn)
        .await
        .map(drop)
}

/// Messages waiting to be sent, for the metrics page.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    mail_outbox::table.filter(mail_outbox::status.eq("pending")).count().get_result(conn).await
}

/// Forgets messages that are done (sent or failed), created before `before`.
pub async fn purge_finished(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(
        mail_outbox::table.filter(mail_outbox::status.ne("pending")).filter(mail_outbox::created_at.lt(before)),
    )
    .execute(conn)
    .await
}
