//! Rows and queries of `ranking_weights`: the versioned weights of rankings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::ranking_weights;

/// A row of `ranking_weights`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ranking_weights, check_for_backend(diesel::pg::Pg))]
pub struct WeightsRow {
    pub id: Uuid,
    pub pemda_id: Uuid,
    pub level: String,
    pub follow_up: i32,
    pub on_time: i32,
    pub satisfaction: i32,
    pub reasoning: String,
    pub valid_from: NaiveDate,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The version of a Pemda's weights for `level` in force on `day`, if it has one.
pub async fn in_force(
    conn: &mut AsyncPgConnection,
    pemda_id: Uuid,
    level: &str,
    day: NaiveDate,
) -> QueryResult<Option<WeightsRow>> {
    ranking_weights::table
        .filter(ranking_weights::pemda_id.eq(pemda_id))
        .filter(ranking_weights::level.eq(level))
        .filter(ranking_weights::valid_from.le(day))
        .order(ranking_weights::valid_from.desc())
        .select(WeightsRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every version of a Pemda's weights, newest first.
pub async fn versions(conn: &mut AsyncPgConnection, pemda_id: Uuid) -> QueryResult<Vec<WeightsRow>> {
    ranking_weights::table
        .filter(ranking_weights::pemda_id.eq(pemda_id))
        .order((ranking_weights::valid_from.desc(), ranking_weights::level))
        .select(WeightsRow::as_select())
        .load(conn)
        .await
}

/// Adds a version; `None` when the Pemda already has one for this level from the same day.
pub async fn insert(conn: &mut AsyncPgConnection, row: &WeightsRow) -> QueryResult<Option<WeightsRow>> {
    diesel::insert_into(ranking_weights::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning(WeightsRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}
