//! Public statistics: the few aggregate figures anyone may see, with small counts suppressed where a cell is narrow
//! enough to point at a reporter.

use serde::Serialize;
use utoipa::ToSchema;

use super::summary::Kpis;

/// Counts below this are suppressed in narrow cells.
pub const MIN_COUNT: u64 = 3;

/// The public figures of one cell. A value is `null` with `suppressed: true` when the cell is narrow and the count
/// (or the count a rate or median is taken over) is 1 or 2; zero is shown, since it points at nobody.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicFigures {
    /// Complaints received.
    pub received: Option<u64>,
    /// Of those, finished.
    pub finished: Option<u64>,
    /// Persentase tindak lanjut, percent.
    pub follow_up_rate: Option<f64>,
    /// Median working days from arrival to resolution.
    pub median_days_to_resolve: Option<f64>,
    /// Whether any value of this cell was withheld.
    pub suppressed: bool,
}

/// The public view of `kpis`. `narrow` says whether the cell narrows below category × month (then small counts are
/// withheld).
pub fn public_figures(kpis: &Kpis, narrow: bool) -> PublicFigures {
    let mut suppressed = false;
    let mut shown = |count: u64| {
        let hide = narrow && (1..MIN_COUNT).contains(&count);
        suppressed |= hide;
        !hide
    };
    let received = shown(kpis.received).then_some(kpis.received);
    let finished = shown(kpis.finished).then_some(kpis.finished);
    let follow_up_rate = if shown(kpis.verified) && shown(kpis.answered) { kpis.follow_up_rate } else { None };
    let median_days_to_resolve = if shown(kpis.days_to_resolve.count) { kpis.days_to_resolve.median } else { None };
    PublicFigures { received, finished, follow_up_rate, median_days_to_resolve, suppressed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::stats::Durations;

    fn kpis(received: u64, verified: u64, answered: u64, resolved: Vec<u32>) -> Kpis {
        Kpis {
            received,
            verified,
            answered,
            resolved: resolved.len() as u64,
            finished: resolved.len() as u64,
            follow_up_rate: crate::domain::report::stats::percent(answered, verified),
            days_to_resolve: Durations::of(resolved),
        }
    }

    #[test]
    fn broad_cells_show_every_count() {
        let figures = public_figures(&kpis(2, 1, 1, vec![4]), false);
        assert_eq!(
            figures,
            PublicFigures {
                received: Some(2),
                finished: Some(1),
                follow_up_rate: Some(100.0),
                median_days_to_resolve: Some(4.0),
                suppressed: false
            }
        );
    }

    #[test]
    fn narrow_cells_withhold_counts_of_one_and_two_and_what_is_taken_over_them() {
        let figures = public_figures(&kpis(5, 4, 2, vec![3, 5]), true);
        assert_eq!(figures.received, Some(5));
        assert_eq!(figures.finished, None);
        assert_eq!(figures.follow_up_rate, None);
        assert_eq!(figures.median_days_to_resolve, None);
        assert!(figures.suppressed);
        let zero = public_figures(&kpis(0, 0, 0, vec![]), true);
        assert_eq!(zero.received, Some(0));
        assert!(!zero.suppressed);
        let enough = public_figures(&kpis(9, 6, 3, vec![1, 2, 3]), true);
        assert_eq!(enough.follow_up_rate, Some(50.0));
        assert_eq!(enough.median_days_to_resolve, Some(2.0));
        assert!(!enough.suppressed);
    }
}
