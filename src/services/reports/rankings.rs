//! Rankings: a Pemda's OPDs, or a province's kabupaten/kota, by a weighted score, with the weights in force on the
//! period's last day (a Pemda's own version, or the built-in default).

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::figures::{load, unit_rows};
use super::{Prepared, ReportReach, ReportRequest, prepare};
use crate::auth::AuthUser;
use crate::auth::guards::{self, Action};
use crate::db;
use crate::db::rankings::WeightsRow;
use crate::db::reports::ReportScope;
use crate::domain::report::ranking::{Contender, Level, RankedRow, ScoreParts, Weights, rank};
use crate::domain::report::stats::percent;
use crate::domain::report::summary;
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::services::access;
use crate::state::AppState;

/// The weights a ranking used, and where they came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppliedWeights {
    /// The weights.
    #[serde(flatten)]
    pub weights: Weights,
    /// The version's first day; `null` for the built-in default.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_from: Option<NaiveDate>,
    /// Why these weights.
    pub reasoning: String,
}

fn weights_of(row: Option<WeightsRow>) -> AppliedWeights {
    match row {
        Some(row) => AppliedWeights {
            weights: Weights {
                follow_up: u32::try_from(row.follow_up).unwrap_or_default(),
                on_time: u32::try_from(row.on_time).unwrap_or_default(),
                satisfaction: u32::try_from(row.satisfaction).unwrap_or_default(),
            },
            valid_from: Some(row.valid_from),
            reasoning: row.reasoning,
        },
        None => AppliedWeights {
            weights: Weights::DEFAULT,
            valid_from: None,
            reasoning: Weights::DEFAULT_REASONING.to_owned(),
        },
    }
}

/// The weights of `pemda` for `level` in force on `day`.
pub async fn weights_in_force(
    conn: &mut AsyncPgConnection,
    pemda: Uuid,
    level: Level,
    day: NaiveDate,
) -> Result<AppliedWeights, ApiError> {
    Ok(weights_of(db::rankings::in_force(conn, pemda, level.as_str(), day).await?))
}

/// The ranking asked for. OPD staff see their own OPD's row only (with its rank among all).
pub async fn rankings(
    state: &AppState,
    caller: &AuthUser,
    request: &ReportRequest,
    level: Level,
) -> Result<(Prepared, AppliedWeights, Vec<RankedRow>), ApiError> {
    let mut conn = state.conn().await?;
    let prepared = prepare(state, &mut conn, caller, request, false).await?;
    let weights = weights_in_force(&mut conn, prepared.pemda.id, level, prepared.period.to).await?;
    let rows = match level {
        Level::Opd => {
            let opds = db::units::children_of_kind(&mut conn, prepared.pemda.id, &["opd"]).await?;
            let contenders = unit_rows(state, &mut conn, &prepared, opds)
                .await?
                .into_iter()
                .map(|row| Contender {
                    id: row.figures.unit_id,
                    name: row.name,
                    volume: row.figures.received,
                    parts: ScoreParts {
                        follow_up: row.figures.follow_up_rate,
                        on_time: row.figures.on_time_rate,
                        satisfaction: row.figures.satisfaction_rate,
                    },
                })
                .collect();
            let mut rows = rank(weights.weights, contenders);
            if let ReportReach::OwnUnit(own) = prepared.reach {
                let mine = access::ancestry_ids(&mut conn, own).await?;
                rows.retain(|row| mine.iter().any(|id| id.0 == row.id));
            }
            rows
        }
        Level::Pemda => rank(weights.weights, regional_contenders(state, &mut conn, &prepared).await?),
    };
    Ok((prepared, weights, rows))
}

/// Each kabupaten/kota below the province, scored on its own summary of the period.
async fn regional_contenders(
    state: &AppState,
    conn: &mut AsyncPgConnection,
    prepared: &Prepared,
) -> Result<Vec<Contender>, ApiError> {
    let province = db::units::find(conn, prepared.pemda.id).await?;
    if province.is_none_or(|row| row.kind != UnitKind::Province.as_str()) {
        return Err(ApiError::invalid_field("level", "not_a_province", "only a province ranks the Pemdas below it"));
    }
    if prepared.scope.units.is_some() || prepared.scope.categories.is_some() || prepared.scope.regions.is_some() {
        return Err(ApiError::invalid_field(
            "level",
            "not_applicable",
            "units, categories and regions belong to one Pemda: rank kabupaten/kota without them",
        ));
    }
    let mut contenders = Vec::new();
    for pemda in db::units::children_of_kind(conn, prepared.pemda.id, &["regency", "city"]).await? {
        let below = Prepared {
            scope: ReportScope { pemda_id: pemda.id, ..prepared.scope.clone() },
            pemda: super::PemdaRef { id: pemda.id, code: pemda.code, name: pemda.name.clone() },
            ..prepared.clone()
        };
        let loaded = load(state, conn, &below).await?;
        let figures = summary::summary(&loaded.calendar, &below.period, below.now, &loaded.touched);
        let reporter = &figures.reporter;
        contenders.push(Contender {
            id: pemda.id,
            name: pemda.name,
            volume: figures.kpis.received,
            parts: ScoreParts {
                follow_up: figures.kpis.follow_up_rate,
                on_time: figures.deadlines.resolve.percent_met,
                satisfaction: percent(reporter.satisfied, reporter.satisfied + reporter.not_satisfied),
            },
        });
    }
    Ok(contenders)
}

/// A new version of a Pemda's weights.
#[derive(Debug, Clone)]
pub struct NewWeights {
    /// What it ranks.
    pub level: Level,
    /// The weights.
    pub weights: Weights,
    /// Its first day.
    pub valid_from: NaiveDate,
    /// Why.
    pub reasoning: String,
}

/// The caller's Pemda's versions of weights, newest first, and the default that applies before the first.
pub async fn weight_versions(state: &AppState, caller: &AuthUser) -> Result<Vec<WeightsRow>, ApiError> {
    let pemda = access::home_pemda(caller)?;
    let mut conn = state.conn().await?;
    Ok(db::rankings::versions(&mut conn, pemda.0).await?)
}

/// Adds a version of the caller's Pemda's weights (admins only; 409 when one starts on the same day).
pub async fn add_weights(state: &AppState, caller: &AuthUser, new: NewWeights) -> Result<WeightsRow, ApiError> {
    guards::require(caller.role, Action::ManageReferenceData)?;
    let pemda = access::home_pemda(caller)?;
    let weights = new.weights.check()?;
    let as_i32 = |weight: u32| i32::try_from(weight).unwrap_or(i32::MAX);
    let row = WeightsRow {
        id: Uuid::now_v7(),
        pemda_id: pemda.0,
        level: new.level.as_str().to_owned(),
        follow_up: as_i32(weights.follow_up),
        on_time: as_i32(weights.on_time),
        satisfaction: as_i32(weights.satisfaction),
        reasoning: new.reasoning,
        valid_from: new.valid_from,
        created_by: Some(caller.id.0),
        created_at: state.clock.now(),
    };
    let mut conn = state.conn().await?;
    db::rankings::insert(&mut conn, &row).await?.ok_or_else(|| {
        ApiError::conflict(
            "version_exists",
            "a version of these weights already starts on that day; start the next one later",
        )
    })
}
