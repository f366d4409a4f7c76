//! Public statistics of one Pemda: totals, by category, by OPD and by month, with small counts withheld where a cell
//! is narrow (see `domain::report::public`). Anyone may read them, so each answer is kept for a minute per process:
//! a burst of anonymous requests costs one computation, and figures are at most a minute old.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{calendar_for, complaint_facts, local_midnight};
use crate::db;
use crate::db::reports::ReportScope;
use crate::domain::report::facts::ComplaintFacts;
use crate::domain::report::period::{Period, PeriodRequest};
use crate::domain::report::public::{PublicFigures, public_figures};
use crate::domain::report::summary::{kpis, received_in};
use crate::domain::unit::UnitKind;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a computed answer is served again.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// How many answers a process keeps at most (Pemdas × periods asked about).
const CAPACITY: usize = 512;

/// One category's public figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicCategory {
    /// The category.
    pub category_id: Uuid,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: PublicFigures,
}

/// One OPD's public figures: the complaints sent to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicUnit {
    /// The OPD.
    pub unit_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: PublicFigures,
}

/// One month's public figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicMonth {
    /// `YYYY-MM`.
    #[schema(example = "2026-11")]
    pub month: String,
    /// Its figures.
    #[serde(flatten)]
    pub figures: PublicFigures,
}

/// The public statistics of a Pemda for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicStatistics {
    /// The Pemda's code.
    pub pemda_code: String,
    /// Its name.
    pub pemda_name: String,
    /// The dates covered.
    pub period: Period,
    /// Whether the period is whole calendar months; when it is not, every cell is narrow.
    pub whole_months: bool,
    /// The whole Pemda.
    pub totals: PublicFigures,
    /// By category, most received first.
    pub by_category: Vec<PublicCategory>,
    /// By OPD (always narrow: an OPD's few reports can point at a person), most received first.
    pub by_unit: Vec<PublicUnit>,
    /// By calendar month.
    pub by_month: Vec<PublicMonth>,
}

/// A computed answer: the JSON body and its entity tag.
#[derive(Debug, Clone)]
pub struct Published {
    /// The body, as sent.
    pub body: Arc<Vec<u8>>,
    /// A strong entity tag of the body.
    pub etag: String,
}

/// A Pemda's code and the first and last dates of a period.
type Key = (String, NaiveDate, NaiveDate);

/// Answers computed lately, per process.
#[derive(Default)]
pub struct StatisticsCache {
    entries: Mutex<HashMap<Key, (Instant, Published)>>,
}

impl StatisticsCache {
    fn get(&self, key: &Key) -> Option<Published> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| at.elapsed() < FRESH_FOR).map(|(_, published)| published.clone())
    }

    fn put(&self, key: Key, published: Published) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), published));
        }
    }
}

/// The public statistics of the Pemda `code` for the period asked.
pub async fn statistics(state: &AppState, code: &str, request: &PeriodRequest<'_>) -> Result<Published, ApiError> {
    let timezone = state.settings.timezone;
    let now = state.clock.now();
    let period = Period::parse(request, now.with_timezone(&timezone).date_naive())?;
    let key = (code.to_owned(), period.from, period.to);
    if let Some(published) = state.statistics.get(&key) {
        return Ok(published);
    }
    let mut conn = state.conn().await?;
    let pemda = db::units::find_by_code(&mut conn, code)
        .await?
        .filter(|row| row.kind.parse::<UnitKind>().is_ok_and(UnitKind::is_pemda))
        .ok_or_else(|| ApiError::not_found("a Pemda with this code"))?;
    let (start, end) = (local_midnight(timezone, period.from), local_midnight(timezone, period.end_exclusive()));
    let scope = ReportScope { pemda_id: pemda.id, ..Default::default() };
    let touched: Vec<ComplaintFacts> = db::reports::complaint_facts(&mut conn, &scope, start, end)
        .await?
        .into_iter()
        .map(complaint_facts)
        .collect::<Result<_, _>>()?;
    let earliest = touched.iter().map(|c| c.received_at).min().unwrap_or(start).min(start);
    let calendar = calendar_for(state, &mut conn, pemda.id, earliest, now).await?;
    let received: Vec<&ComplaintFacts> = touched.iter().filter(|c| received_in(&calendar, &period, c)).collect();
    let whole_months = period.from.day() == 1 && period.end_exclusive().day() == 1;
    let narrow = !whole_months;

    let mut by_category: Vec<PublicCategory> = db::reference::categories(&mut conn, pemda.id)
        .await?
        .into_iter()
        .map(|category| {
            let members = received.iter().copied().filter(|c| c.category_id == Some(category.id));
            PublicCategory {
                category_id: category.id,
                code: category.code,
                name: category.name,
                figures: public_figures(&kpis(&calendar, members), narrow),
            }
        })
        .collect();
    by_category.sort_by(|a, b| b.figures.received.cmp(&a.figures.received).then_with(|| a.name.cmp(&b.name)));

    let mut units_of: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for (complaint, unit) in db::reports::disposed_units(&mut conn, pemda.id, start, end).await? {
        units_of.entry(unit).or_default().insert(complaint);
    }
    let mut by_unit: Vec<PublicUnit> = db::units::children_of_kind(&mut conn, pemda.id, &["opd"])
        .await?
        .into_iter()
        .map(|opd| {
            let sent = units_of.remove(&opd.id).unwrap_or_default();
            let members = received.iter().copied().filter(|c| sent.contains(&c.id));
            PublicUnit { unit_id: opd.id, name: opd.name, figures: public_figures(&kpis(&calendar, members), true) }
        })
        .collect();
    by_unit.sort_by(|a, b| b.figures.received.cmp(&a.figures.received).then_with(|| a.name.cmp(&b.name)));

    let mut months: BTreeMap<(i32, u32), Vec<&ComplaintFacts>> = BTreeMap::new();
    let mut month = period.from.with_day(1).unwrap_or(period.from);
    while month <= period.to {
        months.insert((month.year(), month.month()), Vec::new());
        month = month.checked_add_months(chrono::Months::new(1)).unwrap_or(period.end_exclusive());
    }
    for c in &received {
        let date = calendar.local_date(c.received_at);
        months.entry((date.year(), date.month())).or_default().push(c);
    }
    let by_month = months
        .into_iter()
        .map(|((year, month), members)| PublicMonth {
            month: format!("{year:04}-{month:02}"),
            figures: public_figures(&kpis(&calendar, members), narrow),
        })
        .collect();

    let statistics = PublicStatistics {
        pemda_code: pemda.code,
        pemda_name: pemda.name,
        period,
        whole_months,
        totals: public_figures(&kpis(&calendar, received.iter().copied()), narrow),
        by_category,
        by_unit,
        by_month,
    };
    let body = serde_json::to_vec(&statistics).map_err(|err| ApiError::Internal(err.into()))?;
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let published = Published { body: Arc::new(body), etag };
    state.statistics.put(key, published.clone());
    Ok(published)
}
