//! Queries of the Open311 GeoReport v2 interface: public requests of a Pemda (never confidential or supervision
//! complaints), with their published answers and the OPDs working on them, each fetched for a whole page at once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::complaints::ComplaintRow;
use super::schema::{complaints, dispositions, follow_ups, units};

/// What a request search asks for.
#[derive(Debug, Clone, Default)]
pub struct RequestSearch {
    /// Only these tracking codes (then no other filter applies, as the specification says).
    pub tracking_codes: Option<Vec<String>>,
    /// Only these categories.
    pub category_ids: Option<Vec<Uuid>>,
    /// Received in this window.
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Only these complaint statuses.
    pub statuses: Option<Vec<String>>,
    /// Also complaints not verified yet (one request read by its code, as on the tracking page).
    pub unverified_too: bool,
}

/// Public requests of a Pemda matching `search`, newest first, at most `limit`. A search lists verified complaints
/// only: until the admin has verified a report, it may yet become confidential or a supervision complaint, or be
/// spam, so it is not handed out in bulk (its reporter follows it by its code, as on the tracking page).
pub async fn requests(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    search: &RequestSearch,
    limit: i64,
) -> QueryResult<Vec<ComplaintRow>> {
    let mut query = complaints::table
        .filter(complaints::pemda_id.eq(pemda_id))
        .filter(complaints::confidential.eq(false))
        .filter(complaints::supervision.eq(false))
        .select(ComplaintRow::as_select())
        .order((complaints::created_at.desc(), complaints::id.desc()))
        .limit(limit)
        .into_boxed();
    if !search.unverified_too {
        query = query.filter(complaints::verified_at.is_not_null());
    }
    if let Some(codes) = &search.tracking_codes {
        return query.filter(complaints::tracking_code.eq_any(codes.clone())).load(conn).await;
    }
    if let Some(categories) = &search.category_ids {
        query = query.filter(complaints::category_id.eq_any(categories.clone()));
    }
    if let Some((start, end)) = search.window {
        query = query.filter(complaints::created_at.ge(start)).filter(complaints::created_at.le(end));
    }
    if let Some(statuses) = &search.statuses {
        query = query.filter(complaints::status.eq_any(statuses.clone()));
    }
    query.load(conn).await
}

/// The latest approved public answer of each complaint in `ids`.
pub async fn latest_answers(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, String)>> {
    follow_ups::table
        .filter(follow_ups::complaint_id.eq_any(ids))
        .filter(follow_ups::status.eq("approved"))
        .distinct_on(follow_ups::complaint_id)
        .order((follow_ups::complaint_id, follow_ups::decided_at.desc(), follow_ups::id.desc()))
        .select((follow_ups::complaint_id, follow_ups::body))
        .load(conn)
        .await
}

/// The OPDs each complaint in `ids` is disposed to (not those that returned it), by name, in disposition order.
pub async fn responsible_units(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, String)>> {
    dispositions::table
        .inner_join(units::table.on(units::id.eq(dispositions::unit_id)))
        .filter(dispositions::complaint_id.eq_any(ids))
        .filter(dispositions::status.ne("returned"))
        .order((dispositions::complaint_id, dispositions::created_at))
        .select((dispositions::complaint_id, units::name))
        .load(conn)
        .await
}
