//! The counters behind rate limits: fixed windows of the public endpoints and sign-in attempts. They live in
//! PostgreSQL so that every instance shares them and a restart forgets nothing.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::domain::rate_limit::{Failures, SignInHistory};

#[derive(QueryableByName)]
struct Window {
    #[diesel(sql_type = Integer)]
    hits: i32,
    #[diesel(sql_type = Timestamptz)]
    window_start: DateTime<Utc>,
}

/// Counts one request of `subject` against `policy`, starting a new window at `now` when the current one began at
/// or before `expired_before`; returns the hits counted in the window (this one included) and when it began.
pub async fn hit(
    conn: &mut AsyncPgConnection,
    policy: &str,
    subject: &str,
    now: DateTime<Utc>,
    expired_before: DateTime<Utc>,
) -> diesel::QueryResult<(u32, DateTime<Utc>)> {
    let window: Window = diesel::sql_query(
        "INSERT INTO rate_limit_windows (policy, subject, window_start, hits) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (policy, subject) DO UPDATE SET \
           hits = CASE WHEN rate_limit_windows.window_start <= $4 THEN 1 ELSE rate_limit_windows.hits + 1 END, \
           window_start = CASE WHEN rate_limit_windows.window_start <= $4 THEN $3 \
                               ELSE rate_limit_windows.window_start END \
         RETURNING hits, window_start",
    )
    .bind::<Text, _>(policy)
    .bind::<Text, _>(subject)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(expired_before)
    .get_result(conn)
    .await?;
    Ok((u32::try_from(window.hits).unwrap_or(0), window.window_start))
}

/// The hits of `subject` against `policy` in its current window, without counting one more.
pub async fn peek(
    conn: &mut AsyncPgConnection,
    policy: &str,
    subject: &str,
) -> diesel::QueryResult<Option<(u32, DateTime<Utc>)>> {
    use diesel::{ExpressionMethods, OptionalExtension, QueryDsl};

    use crate::db::schema::rate_limit_windows as w;
    let found: Option<(i32, DateTime<Utc>)> = w::table
        .filter(w::policy.eq(policy))
        .filter(w::subject.eq(subject))
        .select((w::hits, w::window_start))
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(|(hits, start)| (u32::try_from(hits).unwrap_or(0), start)))
}

#[derive(QueryableByName)]
struct History {
    #[diesel(sql_type = Integer)]
    pair_failures: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pair_last_failure: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pair_last_success: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    account_failures: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    account_last_failure: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    address_failures: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    address_last_failure: Option<DateTime<Utc>>,
}

/// What is known of sign-ins to `account` and from `address`, counting failures later than `since`.
pub async fn sign_in_history(
    conn: &mut AsyncPgConnection,
    account: &str,
    address: &str,
    since: DateTime<Utc>,
) -> diesel::QueryResult<SignInHistory> {
    let row: History = diesel::sql_query(
        "SELECT \
           coalesce(max(failures) FILTER (WHERE account = $1 AND address = $2), 0) AS pair_failures, \
           max(last_failure_at) FILTER (WHERE account = $1 AND address = $2) AS pair_last_failure, \
           max(last_success_at) FILTER (WHERE account = $1 AND address = $2) AS pair_last_success, \
           coalesce(sum(failures) FILTER (WHERE account = $1 AND last_failure_at > $3), 0)::int AS account_failures, \
           max(last_failure_at) FILTER (WHERE account = $1 AND last_failure_at > $3) AS account_last_failure, \
           coalesce(sum(failures) FILTER (WHERE address = $2 AND last_failure_at > $3), 0)::int AS address_failures, \
           max(last_failure_at) FILTER (WHERE address = $2 AND last_failure_at > $3) AS address_last_failure \
         FROM login_attempts WHERE account = $1 OR address = $2",
    )
    .bind::<Text, _>(account)
    .bind::<Text, _>(address)
    .bind::<Timestamptz, _>(since)
    .get_result(conn)
    .await?;
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(SignInHistory {
        pair: Failures { count: count(row.pair_failures), last: row.pair_last_failure },
        pair_last_success: row.pair_last_success,
        account: Failures { count: count(row.account_failures), last: row.account_last_failure },
        address: Failures { count: count(row.address_failures), last: row.address_last_failure },
    })
}

/// Counts a failed sign-in; failures older than `since` no longer add up.
pub async fn record_sign_in_failure(
    conn: &mut AsyncPgConnection,
    account: &str,
    address: &str,
    now: DateTime<Utc>,
    since: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO login_attempts (account, address, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (account, address) DO UPDATE SET \
           failures = CASE WHEN login_attempts.last_failure_at > $4 THEN login_attempts.failures + 1 ELSE 1 END, \
           last_failure_at = $3",
    )
    .bind::<Text, _>(account)
    .bind::<Text, _>(address)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(since)
    .execute(conn)
    .await
    .map(drop)
}

/// Clears the pair's failures and remembers the address as one the account uses.
pub async fn record_sign_in_success(
    conn: &mut AsyncPgConnection,
    account: &str,
    address: &str,
    now: DateTime<Utc>,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO login_attempts (account, address, failures, last_success_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (account, address) DO UPDATE SET failures = 0, last_failure_at = NULL, last_success_at = $3",
    )
    .bind::<Text, _>(account)
    .bind::<Text, _>(address)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await
    .map(drop)
}

/// Removes windows that began before `windows_before` and sign-in records with neither a failure since
/// `failures_before` nor a success since `successes_before`; returns how many rows went.
pub async fn delete_stale(
    conn: &mut AsyncPgConnection,
    windows_before: DateTime<Utc>,
    failures_before: DateTime<Utc>,
    successes_before: DateTime<Utc>,
) -> diesel::QueryResult<usize> {
    use diesel::{BoolExpressionMethods, ExpressionMethods, QueryDsl};

    use crate::db::schema::{login_attempts as a, rate_limit_windows as w};
    let windows = diesel::delete(w::table.filter(w::window_start.lt(windows_before))).execute(conn).await?;
    let attempts = diesel::delete(
        a::table
            .filter(a::last_failure_at.is_null().or(a::last_failure_at.lt(failures_before)))
            .filter(a::last_success_at.is_null().or(a::last_success_at.lt(successes_before))),
    )
    .execute(conn)
    .await?;
    Ok(windows + attempts)
}
