//! Rankings of OPDs within a Pemda, and of a province's kabupaten/kota: one score from weighted parts, the parts shown
//! beside it so that nobody has to trust a single number.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::stats::round1;
use crate::domain::DomainError;

/// What a ranking ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The OPDs of one Pemda, on the dispositions they were sent.
    Opd,
    /// The kabupaten/kota below a province, on the complaints they received.
    Pemda,
}

impl Level {
    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Opd => "opd",
            Level::Pemda => "pemda",
        }
    }
}

/// How much each part counts. Stored as versioned data; see the README for the default and its reasoning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Weights {
    /// Weight of the follow-up rate.
    pub follow_up: u32,
    /// Weight of the on-time rate.
    pub on_time: u32,
    /// Weight of the reporters' satisfaction rate.
    pub satisfaction: u32,
}

impl Weights {
    /// The default: following up at all and doing it on time are what the regulations ask and what KemenPANRB
    /// counts, so they weigh 40 each; satisfaction weighs 20 because few reporters answer and an unpopular but correct
    /// answer is still a correct answer.
    pub const DEFAULT: Weights = Weights { follow_up: 40, on_time: 40, satisfaction: 20 };

    /// Why the default is what it is, as the rankings show it.
    pub const DEFAULT_REASONING: &'static str = "Tindak lanjut dan ketepatan waktu adalah yang diminta peraturan dan \
        dihitung KemenPANRB (masing-masing 40); kepuasan pelapor 20 karena sedikit pelapor menanggapi dan jawaban yang \
        benar tetap benar walau tidak disukai.";

    /// Each weight from 0 to 100, not all zero.
    pub fn check(self) -> Result<Weights, DomainError> {
        let all = [self.follow_up, self.on_time, self.satisfaction];
        if all.iter().any(|w| *w > 100) {
            return Err(DomainError::invalid("weights", "out_of_range", "each weight is from 0 to 100"));
        }
        if all.iter().all(|w| *w == 0) {
            return Err(DomainError::invalid("weights", "all_zero", "at least one weight must be above 0"));
        }
        Ok(self)
    }
}

/// The parts of a score, each a percentage (`null` when there was nothing to measure).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ScoreParts {
    /// Follow-up rate (persentase tindak lanjut).
    pub follow_up: Option<f64>,
    /// On-time rate.
    pub on_time: Option<f64>,
    /// Satisfied responses / all responses.
    pub satisfaction: Option<f64>,
}

/// What one ranked body brings.
#[derive(Debug, Clone, PartialEq)]
pub struct Contender {
    /// The OPD or Pemda.
    pub id: Uuid,
    /// Its name (the last tie-breaker).
    pub name: String,
    /// How much it handled in the period (dispositions for an OPD, complaints for a Pemda).
    pub volume: u64,
    /// Its parts.
    pub parts: ScoreParts,
}

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RankedRow {
    /// 1 for the best; `null` when there was nothing to score (listed last).
    pub rank: Option<u32>,
    /// The OPD or Pemda.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it handled in the period.
    pub volume: u64,
    /// The score, 0 to 100, one decimal.
    pub score: Option<f64>,
    /// The parts the score is made of.
    pub parts: ScoreParts,
}

/// The weighted mean of the parts that have a value (weights of missing parts are left out, so a unit that no
/// reporter answered is scored on the rest); `None` when no part with a weight has a value.
pub fn score(weights: Weights, parts: ScoreParts) -> Option<f64> {
    let pairs = [
        (weights.follow_up, parts.follow_up),
        (weights.on_time, parts.on_time),
        (weights.satisfaction, parts.satisfaction),
    ];
    let (mut sum, mut total) = (0.0, 0u32);
    for (weight, value) in pairs {
        if let (Some(value), true) = (value, weight > 0) {
            sum += f64::from(weight) * value;
            total += weight;
        }
    }
    (total > 0).then(|| round1(sum / f64::from(total)))
}

/// Ranks the contenders: higher score first; ties go to the higher follow-up rate, then the larger volume, then the
/// name in alphabetical order. Every scored contender gets its own rank.
pub fn rank(weights: Weights, contenders: Vec<Contender>) -> Vec<RankedRow> {
    let mut rows: Vec<RankedRow> = contenders
        .into_iter()
        .map(|c| RankedRow {
            rank: None,
            id: c.id,
            score: score(weights, c.parts),
            name: c.name,
            volume: c.volume,
            parts: c.parts,
        })
        .collect();
    let key = |v: Option<f64>| v.unwrap_or(-1.0);
    rows.sort_by(|a, b| {
        b.score
            .is_some()
            .cmp(&a.score.is_some())
            .then(key(b.score).total_cmp(&key(a.score)))
            .then(key(b.parts.follow_up).total_cmp(&key(a.parts.follow_up)))
            .then(b.volume.cmp(&a.volume))
            .then_with(|| a.name.cmp(&b.name))
    });
    for (index, row) in rows.iter_mut().enumerate() {
        if row.score.is_some() {
            row.rank = Some(index as u32 + 1);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contender(name: &str, volume: u64, parts: [Option<f64>; 3]) -> Contender {
        Contender {
            id: Uuid::now_v7(),
            name: name.into(),
            volume,
            parts: ScoreParts { follow_up: parts[0], on_time: parts[1], satisfaction: parts[2] },
        }
    }

    #[test]
    fn the_score_is_the_weighted_mean_of_the_parts_present() {
        let parts = ScoreParts { follow_up: Some(100.0), on_time: Some(50.0), satisfaction: Some(0.0) };
        assert_eq!(score(Weights::DEFAULT, parts), Some(60.0));
        let unanswered = ScoreParts { satisfaction: None, ..parts };
        assert_eq!(score(Weights::DEFAULT, unanswered), Some(75.0));
        let nothing = ScoreParts { follow_up: None, on_time: None, satisfaction: None };
        assert_eq!(score(Weights::DEFAULT, nothing), None);
        let only_satisfaction = Weights { follow_up: 0, on_time: 0, satisfaction: 1 };
        assert_eq!(score(only_satisfaction, unanswered), None);
    }

    #[test]
    fn ties_go_to_follow_up_then_volume_then_name() {
        let rows = rank(
            Weights::DEFAULT,
            vec![
                contender("Dinas C", 5, [Some(80.0), Some(80.0), None]),
                contender("Dinas B", 9, [Some(80.0), Some(80.0), None]),
                contender("Dinas A", 9, [Some(80.0), Some(80.0), None]),
                contender("Dinas D", 9, [Some(70.0), Some(90.0), None]),
                contender("Dinas E", 0, [None, None, None]),
                contender("Dinas F", 1, [Some(100.0), Some(100.0), Some(100.0)]),
            ],
        );
        let order: Vec<(&str, Option<u32>)> = rows.iter().map(|r| (r.name.as_str(), r.rank)).collect();
        assert_eq!(
            order,
            vec![
                ("Dinas F", Some(1)),
                ("Dinas A", Some(2)),
                ("Dinas B", Some(3)),
                ("Dinas C", Some(4)),
                ("Dinas D", Some(5)),
                ("Dinas E", None),
            ]
        );
        assert_eq!(rows[4].score, Some(80.0));
    }

    #[test]
    fn weights_are_bounded_and_not_all_zero() {
        assert!(Weights::DEFAULT.check().is_ok());
        assert!(Weights { follow_up: 101, on_time: 0, satisfaction: 0 }.check().is_err());
        assert!(Weights { follow_up: 0, on_time: 0, satisfaction: 0 }.check().is_err());
    }
}
