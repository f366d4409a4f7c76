//! Quarterly realisation of a plan's rows: when a quarter may be reported, how much of a target it achieves, and the
//! status machine of a realisation under review.

use crate::domain::DomainError;

/// The last day of a quarter.
pub fn quarter_end(year: i32, quarter: u8) -> Option<chrono::NaiveDate> {
    let (month, day) = match quarter {
        1 => (3, 31),
        2 => (6, 30),
        3 => (9, 30),
        4 => (12, 31),
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, month, day)
}

/// Whether a quarter's realisation may be recorded on `today`: not before the quarter starts, and not after its end
/// plus `grace_days` (past quarters lock so reported progress cannot be rewritten).
pub fn realisation_window(
    year: i32,
    quarter: u8,
    today: chrono::NaiveDate,
    grace_days: u32,
) -> Result<(), DomainError> {
    let end = quarter_end(year, quarter)
        .ok_or_else(|| DomainError::invalid("quarter", "out_of_range", "quarters are 1 to 4"))?;
    let start = chrono::NaiveDate::from_ymd_opt(year, u32::from(quarter) * 3 - 2, 1).unwrap_or(end);
    if today < start {
        return Err(DomainError::invalid("quarter", "not_started", "this quarter has not started yet"));
    }
    if today > end + chrono::Days::new(u64::from(grace_days)) {
        return Err(DomainError::conflict(
            "quarter_locked",
            format!("the quarter closed on {end} and its grace period has passed"),
        ));
    }
    Ok(())
}

/// The percent of a numeric annual target achieved by a realised value (cumulative within the year), rounded to one
/// decimal; `None` when the target is missing or zero.
pub fn percent_achieved(realised: f64, target: Option<f64>) -> Option<f64> {
    let target = target.filter(|t| *t > 0.0)?;
    Some(((realised / target) * 1000.0).round() / 10.0)
}

/// Where a quarter's realisation stands: recorded by the OPD, then verified (final) or returned for correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealisationStatus {
    Recorded,
    Verified,
    Returned,
}

/// What can happen to a realisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealisationAction {
    /// The OPD records it or corrects it.
    Record,
    Verify,
    Return,
}

impl RealisationStatus {
    pub const ALL: [RealisationStatus; 3] = [Self::Recorded, Self::Verified, Self::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::Verified => "verified",
            Self::Returned => "returned",
        }
    }
}

impl std::str::FromStr for RealisationStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| DomainError::invalid("status", "unknown_value", format!("unknown realisation status {s:?}")))
    }
}

/// The realisation lifecycle; `from` is `None` before the first record.
pub fn realisation_transition(
    from: Option<RealisationStatus>,
    action: RealisationAction,
) -> Result<RealisationStatus, DomainError> {
    use RealisationAction as A;
    use RealisationStatus as S;
    match (from, action) {
        (None | Some(S::Recorded | S::Returned), A::Record) => Ok(S::Recorded),
        (Some(S::Recorded), A::Verify) => Ok(S::Verified),
        (Some(S::Recorded), A::Return) => Ok(S::Returned),
        (Some(S::Verified), A::Record) => {
            Err(DomainError::conflict("realisation_verified", "a verified realisation is final"))
        }
        (from, _) => Err(DomainError::conflict(
            "invalid_transition",
            format!("a {} realisation cannot be reviewed", from.map_or("missing", S::as_str)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_realisation_edge_and_every_forbidden_one() {
        use RealisationAction as A;
        use RealisationStatus as R;
        let from_states = [None, Some(R::Recorded), Some(R::Verified), Some(R::Returned)];
        for from in from_states {
            for action in [A::Record, A::Verify, A::Return] {
                let expected = match (from, action) {
                    (None | Some(R::Recorded | R::Returned), A::Record) => Some(R::Recorded),
                    (Some(R::Recorded), A::Verify) => Some(R::Verified),
                    (Some(R::Recorded), A::Return) => Some(R::Returned),
                    _ => None,
                };
                match expected {
                    Some(to) => assert_eq!(realisation_transition(from, action), Ok(to), "{from:?} {action:?}"),
                    None => assert!(realisation_transition(from, action).is_err(), "{from:?} {action:?}"),
                }
            }
        }
        assert!(matches!(
            realisation_transition(Some(R::Verified), A::Record),
            Err(DomainError::Conflict { code: "realisation_verified", .. })
        ));
        assert_eq!("returned".parse::<R>(), Ok(R::Returned));
    }

    #[test]
    fn realisations_are_open_from_the_quarters_start_until_its_grace_period_ends() {
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(realisation_window(2024, 2, day(2024, 5, 10), 30).is_ok());
        assert!(realisation_window(2024, 2, day(2024, 7, 30), 30).is_ok());
        assert!(matches!(
            realisation_window(2024, 2, day(2024, 7, 31), 30),
            Err(DomainError::Conflict { code: "quarter_locked", .. })
        ));
        assert!(matches!(
            realisation_window(2024, 3, day(2024, 6, 30), 30),
            Err(DomainError::Invalid { code: "not_started", .. })
        ));
        assert!(realisation_window(2024, 5, day(2024, 6, 30), 30).is_err());
        assert_eq!(quarter_end(2024, 4), Some(day(2024, 12, 31)));
    }

    #[test]
    fn percent_achieved_needs_a_positive_target() {
        assert_eq!(percent_achieved(3.0, Some(4.0)), Some(75.0));
        assert_eq!(percent_achieved(1.0, Some(3.0)), Some(33.3));
        assert_eq!(percent_achieved(5.0, Some(4.0)), Some(125.0));
        assert_eq!(percent_achieved(1.0, Some(0.0)), None);
        assert_eq!(percent_achieved(1.0, None), None);
    }
}
