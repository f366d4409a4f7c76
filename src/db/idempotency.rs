//! Claims on idempotency keys of requests other than complaint intake (which stores its answer in its own
//! transaction, see `db::complaints::store_idempotent_response`). A claim is a row of `idempotency_keys` with status
//! 0 while its request runs; it then holds the sealed answer, or is removed when the request did not succeed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::complaints::IdempotencyRow;
use super::schema::idempotency_keys;

/// The status of a claim whose request is still running.
pub const PENDING: i16 = 0;

/// Claims `(scope, key)` for a request with `request_hash`; `None` when this caller now holds it, else the row that
/// was there.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    request_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<IdempotencyRow>> {
    let placeholder = IdempotencyRow {
        scope: scope.into(),
        key: key.into(),
        request_hash: request_hash.to_vec(),
        status: PENDING,
        nonce: vec![0; 24],
        response: Vec::new(),
        created_at: now,
    };
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values(&placeholder)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(None);
    }
    idempotency_keys::table.find((scope, key)).select(IdempotencyRow::as_select()).first(conn).await.optional()
}

/// Stores the sealed answer of a claimed request.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    scope: &str,
    key: &str,
    status: i16,
    nonce: &[u8],
    response: &[u8],
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((scope, key)))
        .set((
            idempotency_keys::status.eq(status),
            idempotency_keys::nonce.eq(nonce),
            idempotency_keys::response.eq(response),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Gives a claim up (its request failed, or its claimant vanished long ago), so that the key can be used again.
pub async fn release(conn: &mut AsyncPgConnection, scope: &str, key: &str, only_if_pending: bool) -> QueryResult<()> {
    let target = idempotency_keys::table.find((scope, key));
    if only_if_pending {
        diesel::delete(target.filter(idempotency_keys::status.eq(PENDING))).execute(conn).await.map(drop)
    } else {
        diesel::delete(target).execute(conn).await.map(drop)
    }
}

/// Removes the keys (and the answers kept with them) taken before `before`; returns how many.
pub async fn delete_before(conn: &mut AsyncPgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before))).execute(conn).await
}
