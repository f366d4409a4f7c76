//! Changing a Pemda's reference data: its holiday calendar and its deadline-policy versions.

use chrono::NaiveDate;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::access;
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::reference::{CategoryRow, HolidayRow, PolicyRow, RegionRow};
use crate::domain::calendar::WorkingCalendar;
use crate::domain::complaint::Classification;
use crate::domain::deadlines::{self, DeadlinePolicy};
use crate::domain::ids::UnitId;
use crate::error::ApiError;

/// A holiday to add to the caller's Pemda calendar.
#[derive(Debug, Clone)]
pub struct NewHoliday {
    /// The date.
    pub date: NaiveDate,
    /// `national`, `cuti_bersama` or `local`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Where it comes from (decree, regulation).
    pub source: Option<String>,
}

/// Adds a holiday; 409 when the date is already one.
pub async fn add_holiday(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    holiday: NewHoliday,
) -> Result<HolidayRow, ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        let row = HolidayRow {
            pemda_id: pemda.0,
            date: holiday.date,
            kind: holiday.kind.clone(),
            name: holiday.name.clone(),
            source: holiday.source.clone(),
            created_at: chrono::Utc::now(),
        };
        if !db::reference::insert_holiday(conn, &row).await? {
            return Err(ApiError::conflict("holiday_exists", format!("{} is already a holiday", holiday.date)));
        }
        let details = json!({ "date": holiday.date, "kind": holiday.kind });
        db::audit::record(
            conn,
            db::audit::NewAuditEvent::new(Some(actor.id.0), "pemda_calendar", pemda.0, "holiday_added", details),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Removes a holiday (a working day again); 404 when the date is not one.
pub async fn remove_holiday(conn: &mut AsyncPgConnection, actor: &AuthUser, date: NaiveDate) -> Result<(), ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        if !db::reference::delete_holiday(conn, pemda.0, date).await? {
            return Err(ApiError::not_found(format!("a holiday on {date}")));
        }
        let details = json!({ "date": date });
        db::audit::record(
            conn,
            db::audit::NewAuditEvent::new(Some(actor.id.0), "pemda_calendar", pemda.0, "holiday_removed", details),
        )
        .await?;
        Ok(())
    })
    .await
}

/// A new policy version.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    /// The kind of report it governs.
    pub classification: Classification,
    /// For `pengaduan`: about misconduct of officials.
    pub supervision: bool,
    /// The allowances.
    pub policy: DeadlinePolicy,
    /// The rule it comes from.
    pub regulation: String,
    /// First day it applies.
    pub valid_from: NaiveDate,
    /// Last day it applies (open-ended when absent).
    pub valid_to: Option<NaiveDate>,
}

/// Adds a policy version. An open-ended version that started earlier ends the day before; any other overlap is 409.
/// Complaints already received keep their deadlines.
pub async fn add_policy(conn: &mut AsyncPgConnection, actor: &AuthUser, new: NewPolicy) -> Result<PolicyRow, ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        let existing = db::reference::lock_policies(conn, pemda.0, new.classification.as_str(), new.supervision).await?;
        for version in &existing {
            if let Some(end) = deadlines::make_room((version.valid_from, version.valid_to), (new.valid_from, new.valid_to))? {
                db::reference::end_policy(conn, version.id, end).await?;
            }
        }
        let row = db::reference::insert_policy(conn, &policy_row(pemda, &new, Some(actor.id.0))).await?;
        let details = json!({ "classification": row.classification, "supervision": row.supervision, "valid_from": row.valid_from });
        db::audit::record(conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "deadline_policy", row.id, "created", details))
            .await?;
        Ok(row)
    })
    .await
}

/// The row of a new policy version.
pub fn policy_row(pemda: UnitId, new: &NewPolicy, created_by: Option<uuid::Uuid>) -> PolicyRow {
    PolicyRow {
        id: uuid::Uuid::now_v7(),
        pemda_id: pemda.0,
        classification: new.classification.as_str().to_owned(),
        supervision: new.supervision,
        verify_days: new.policy.verify_days as i32,
        first_response_days: new.policy.first_response_days as i32,
        resolve_days: new.policy.resolve_days as i32,
        reporter_window_days: new.policy.reporter_window_days as i32,
        regulation: new.regulation.clone(),
        valid_from: new.valid_from,
        valid_to: new.valid_to,
        created_by,
        created_at: chrono::Utc::now(),
    }
}

/// The allowances stored in a policy row.
pub fn policy_of(row: &PolicyRow) -> DeadlinePolicy {
    let days = |value: i32| u32::try_from(value).unwrap_or_default();
    DeadlinePolicy {
        verify_days: days(row.verify_days),
        first_response_days: days(row.first_response_days),
        resolve_days: days(row.resolve_days),
        reporter_window_days: days(row.reporter_window_days),
    }
}

/// The working-day calendar of a Pemda from `from` for about two years: long enough for any deadline (365 working days
/// at most).
pub async fn calendar(
    conn: &mut AsyncPgConnection,
    pemda: uuid::Uuid,
    timezone: chrono_tz::Tz,
    from: NaiveDate,
) -> Result<WorkingCalendar, ApiError> {
    let until = from + chrono::Days::new(800);
    let dates = db::reference::holiday_dates(conn, pemda, from, until).await?;
    Ok(WorkingCalendar::new(timezone, dates))
}

/// A category to add to the caller's Pemda.
#[derive(Debug, Clone)]
pub struct NewCategory {
    /// Lower-case code, unique within the Pemda.
    pub code: String,
    /// Display name.
    pub name: String,
    /// The broader category, of the same Pemda.
    pub parent_id: Option<uuid::Uuid>,
}

/// Adds a category; 409 when the code is taken in the Pemda.
pub async fn add_category(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    new: NewCategory,
) -> Result<CategoryRow, ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        if let Some(parent) = new.parent_id
            && db::reference::find_category(conn, pemda.0, parent).await?.is_none()
        {
            return Err(ApiError::invalid_field("parent_id", "not_found", "no category of your Pemda has this id"));
        }
        let row = CategoryRow {
            id: uuid::Uuid::now_v7(),
            pemda_id: pemda.0,
            code: new.code.clone(),
            name: new.name.clone(),
            parent_id: new.parent_id,
            active: true,
            created_at: chrono::Utc::now(),
        };
        let row = db::reference::insert_category(conn, &row).await?.ok_or_else(|| {
            ApiError::conflict("code_taken", format!("your Pemda already has a category {}", new.code))
        })?;
        let details = json!({ "code": row.code });
        db::audit::record(
            conn,
            db::audit::NewAuditEvent::new(Some(actor.id.0), "category", row.id, "created", details),
        )
        .await?;
        Ok(row)
    })
    .await
}

/// Renames or (de)activates a category of the caller's Pemda. A deactivated category is refused at intake but stays
/// on the reports that have it.
pub async fn update_category(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    id: uuid::Uuid,
    name: Option<String>,
    active: Option<bool>,
) -> Result<CategoryRow, ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        let row = db::reference::update_category(conn, pemda.0, id, name.clone(), active)
            .await?
            .ok_or_else(|| ApiError::not_found("the category"))?;
        let details = json!({ "changed": [name.as_ref().map(|_| "name"), active.map(|_| "active")] });
        db::audit::record(conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "category", id, "updated", details))
            .await?;
        Ok(row)
    })
    .await
}

/// A region to add to the caller's Pemda.
#[derive(Debug, Clone)]
pub struct NewRegion {
    /// `kecamatan` or `desa`.
    pub kind: String,
    /// Lower-case code, unique within the Pemda.
    pub code: String,
    /// Display name.
    pub name: String,
    /// For a desa: its kecamatan.
    pub parent_id: Option<uuid::Uuid>,
}

/// Adds a region: a kecamatan at the top, a desa below a kecamatan of the same Pemda.
pub async fn add_region(conn: &mut AsyncPgConnection, actor: &AuthUser, new: NewRegion) -> Result<RegionRow, ApiError> {
    guards::require(actor.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(actor)?;
    conn.transaction(async |conn| {
        match (new.kind.as_str(), new.parent_id) {
            ("kecamatan", None) => {}
            ("kecamatan", Some(_)) => {
                return Err(ApiError::invalid_field("parent_id", "invalid_parent", "a kecamatan has no parent"));
            }
            (_, None) => return Err(ApiError::invalid_field("parent_id", "required", "a desa belongs to a kecamatan")),
            (_, Some(parent)) => {
                let parent = db::reference::find_region(conn, pemda.0, parent).await?;
                if parent.is_none_or(|p| p.kind != "kecamatan") {
                    return Err(ApiError::invalid_field(
                        "parent_id",
                        "invalid_parent",
                        "name a kecamatan of your Pemda",
                    ));
                }
            }
        }
        let row = RegionRow {
            id: uuid::Uuid::now_v7(),
            pemda_id: pemda.0,
            kind: new.kind.clone(),
            code: new.code.clone(),
            name: new.name.clone(),
            parent_id: new.parent_id,
            active: true,
            created_at: chrono::Utc::now(),
        };
        let row = db::reference::insert_region(conn, &row)
            .await?
            .ok_or_else(|| ApiError::conflict("code_taken", format!("your Pemda already has a region {}", new.code)))?;
        let details = json!({ "code": row.code, "kind": row.kind });
        db::audit::record(conn, db::audit::NewAuditEvent::new(Some(actor.id.0), "region", row.id, "created", details))
            .await?;
        Ok(row)
    })
    .await
}

/// The caller's Pemda's holidays between `from` and `to`, and how far its calendar reaches seen from `today`.
pub async fn holidays(
    conn: &mut AsyncPgConnection,
    actor: &AuthUser,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<(Vec<HolidayRow>, super::pemda::Coverage), ApiError> {
    let pemda = access::home_pemda(actor)?;
    let rows = db::reference::holidays(conn, pemda.0, from, to).await?;
    let coverage = super::pemda::coverage(conn, pemda.0, today).await?;
    Ok((rows, coverage))
}
