//! Small statistics every figure shares: a percentage and the spread of working-day durations.

use serde::Serialize;
use utoipa::ToSchema;

/// `part` of `whole` in percent, rounded half away from zero to one decimal; `None` when `whole` is zero (a rate of
/// nothing is unknown, not 0 % or 100 %).
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    Some(round1(part as f64 * 100.0 / whole as f64))
}

/// Rounds half away from zero to one decimal.
pub fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The spread of a set of durations in working days.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Durations {
    /// How many durations there are.
    pub count: u64,
    /// Their mean, rounded to one decimal.
    pub mean: Option<f64>,
    /// Their median: the middle value, or the mean of the two middle values.
    pub median: Option<f64>,
    /// Their 90th percentile by nearest rank: the smallest value that at least 90 % of the durations do not exceed.
    pub p90: Option<u32>,
}

impl Durations {
    /// The spread of `days` (in any order).
    pub fn of(mut days: Vec<u32>) -> Self {
        days.sort_unstable();
        let count = days.len();
        if count == 0 {
            return Durations { count: 0, mean: None, median: None, p90: None };
        }
        let sum: u64 = days.iter().map(|d| u64::from(*d)).sum();
        let median = if count % 2 == 1 {
            f64::from(days[count / 2])
        } else {
            (f64::from(days[count / 2 - 1]) + f64::from(days[count / 2])) / 2.0
        };
        // Nearest rank: the ceil(0.9 n)-th smallest value, 1-based.
        let rank = (count * 9).div_ceil(10);
        Durations {
            count: count as u64,
            mean: Some(round1(sum as f64 / count as f64)),
            median: Some(median),
            p90: Some(days[rank.saturating_sub(1)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_one_decimal_and_know_nothing_of_nothing() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(1, 8), Some(12.5));
        assert_eq!(percent(3, 3), Some(100.0));
        assert_eq!(percent(0, 3), Some(0.0));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn durations_have_a_mean_a_median_and_a_nearest_rank_p90() {
        let spread = Durations::of(vec![5, 1, 3]);
        assert_eq!(spread, Durations { count: 3, mean: Some(3.0), median: Some(3.0), p90: Some(5) });
        let even = Durations::of(vec![1, 2, 3, 10]);
        assert_eq!(even.median, Some(2.5));
        assert_eq!(even.mean, Some(4.0));
        assert_eq!(even.p90, Some(10));
        let ten = Durations::of((1..=10).collect());
        assert_eq!(ten.p90, Some(9));
        let eleven = Durations::of((1..=11).collect());
        assert_eq!(eleven.p90, Some(10));
        assert_eq!(Durations::of(vec![7]).p90, Some(7));
    }

    #[test]
    fn no_durations_give_no_figures() {
        assert_eq!(Durations::of(vec![]), Durations { count: 0, mean: None, median: None, p90: None });
    }
}
