//! Rankings and the versioned weights behind them.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{ReportHeader, ReportQuery};
use crate::api::extract::ReportReader;
use crate::api::extract::{Json, Query};
use crate::auth::AuthUser;
use crate::db::rankings::WeightsRow;
use crate::domain::report::ranking::{Level, RankedRow, Weights};
use crate::error::{ApiError, Problem};
use crate::services::reports::rankings::{self, AppliedWeights, NewWeights};
use crate::state::AppState;

/// A ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingReport {
    #[serde(flatten)]
    pub header: ReportHeader,
    /// What was ranked.
    pub level: Level,
    /// The weights used.
    pub weights: AppliedWeights,
    /// Best first; rows with nothing to score last, without a rank.
    pub rows: Vec<RankedRow>,
}

/// Rank OPDs, or a province's kabupaten/kota.
///
/// `level=opd` (default): the Pemda's OPDs over the dispositions sent in the period; every role, OPD staff seeing
/// only their own OPD's row. `level=pemda`: the kabupaten/kota below a province over the complaints they received;
/// the province's admins, leaders and inspectors (and super admins), from aggregates only. The score is the weighted
/// mean, 0 to 100, of the follow-up rate, the on-time rate and the satisfaction rate (weights: the version in force on
/// the period's last day, or the default 40/40/20); parts without data are left out. Ties go to the higher follow-up
/// rate, then the larger volume, then the name.
#[utoipa::path(
    tag = "reports",
    params(ReportQuery),
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses(
        (status = 200, description = "The ranking", body = RankingReport),
        (status = 403, description = "Another Pemda than yours or one below your province", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A malformed period or filter, or `level=pemda` below a province", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/rankings")]
pub async fn get_report_rankings(
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
    query: Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    query.refuse_interval()?;
    let level = query.level.unwrap_or(Level::Opd);
    let (prepared, weights, rows) = rankings::rankings(&state, &user, &query.request(), level).await?;
    Ok(HttpResponse::Ok().json(RankingReport { header: ReportHeader::from(&prepared), level, weights, rows }))
}

/// A version of a Pemda's ranking weights.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightsVersion {
    pub id: Uuid,
    pub level: Level,
    #[serde(flatten)]
    pub weights: Weights,
    /// Its first day; it applies until the next version of the same level.
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    pub reasoning: String,
    #[serde(serialize_with = "crate::api::json_time::instant")]
    pub created_at: DateTime<Utc>,
}

impl TryFrom<WeightsRow> for WeightsVersion {
    type Error = ApiError;

    fn try_from(row: WeightsRow) -> Result<Self, ApiError> {
        let level = match row.level.as_str() {
            "opd" => Level::Opd,
            "pemda" => Level::Pemda,
            other => return Err(ApiError::Internal(anyhow::anyhow!("unknown ranking level {other:?}"))),
        };
        let weight = |value: i32| u32::try_from(value).unwrap_or_default();
        Ok(WeightsVersion {
            id: row.id,
            level,
            weights: Weights {
                follow_up: weight(row.follow_up),
                on_time: weight(row.on_time),
                satisfaction: weight(row.satisfaction),
            },
            valid_from: row.valid_from,
            reasoning: row.reasoning,
            created_at: row.created_at,
        })
    }
}

/// The weights a Pemda ranks with.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeightsList {
    /// What applies before the first version.
    pub default: AppliedWeights,
    /// The Pemda's versions, newest first.
    pub versions: Vec<WeightsVersion>,
}

/// List your Pemda's ranking weights.
///
/// Every role.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = []), ("oauth2" = ["reports:read"])),
    responses((status = 200, description = "The default and the versions", body = WeightsList))
)]
#[get("/reports/ranking-weights")]
pub async fn list_ranking_weights(
    state: web::Data<AppState>,
    ReportReader(user): ReportReader,
) -> Result<HttpResponse, ApiError> {
    let versions = rankings::weight_versions(&state, &user).await?;
    let default = AppliedWeights {
        weights: Weights::DEFAULT,
        valid_from: None,
        reasoning: Weights::DEFAULT_REASONING.to_owned(),
    };
    let versions = versions.into_iter().map(WeightsVersion::try_from).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(WeightsList { default, versions }))
}

/// A new version of ranking weights.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"level": "opd", "follow_up": 50, "on_time": 30, "satisfaction": 20, "valid_from": "2027-01-01", "reasoning": "Tahun 2027 menekankan tindak lanjut."}))]
pub struct CreateWeightsRequest {
    pub level: Level,
    #[validate(range(max = 100))]
    #[schema(maximum = 100, example = 50)]
    pub follow_up: u32,
    #[validate(range(max = 100))]
    #[schema(maximum = 100, example = 30)]
    pub on_time: u32,
    #[validate(range(max = 100))]
    #[schema(maximum = 100, example = 20)]
    pub satisfaction: u32,
    /// Its first day.
    #[schema(value_type = String, format = Date, example = "2027-01-01")]
    pub valid_from: NaiveDate,
    /// Why these weights (shown with every ranking that uses them).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "Tahun 2027 menekankan tindak lanjut.")]
    pub reasoning: String,
}

/// Add a version of your Pemda's ranking weights.
///
/// `admin` and `super_admin` of the Pemda; others get 403. Versions are never changed: a new one starts on its
/// `valid_from` day. At least one weight above 0; 409 when a version of the level already starts that day.
#[utoipa::path(
    tag = "reports",
    request_body = CreateWeightsRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = WeightsVersion),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A version already starts that day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Weights out of range or all zero", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/reports/ranking-weights")]
pub async fn create_ranking_weights(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateWeightsRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::guards::require(user.role, crate::auth::guards::Action::ManageReferenceData)?;
    body.validate()?;
    let body = body.into_inner();
    let new = NewWeights {
        level: body.level,
        weights: Weights { follow_up: body.follow_up, on_time: body.on_time, satisfaction: body.satisfaction },
        valid_from: body.valid_from,
        reasoning: body.reasoning.trim().to_owned(),
    };
    let row = rankings::add_weights(&state, &user, new).await?;
    Ok(HttpResponse::Created().json(WeightsVersion::try_from(row)?))
}
