//! Organisation units and the shape of their tree.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

use super::DomainError;
use super::ids::UnitId;

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A provincial government.
    Province,
    /// A kabupaten government.
    Regency,
    /// A kota government.
    City,
    /// A regional department (Organisasi Perangkat Daerah), including Diskominfo and the Inspektorat.
    Opd,
    /// A part of an OPD (bidang, seksi, UPT).
    SubUnit,
}

impl UnitKind {
    /// Every kind.
    pub const ALL: [UnitKind; 5] =
        [UnitKind::Province, UnitKind::Regency, UnitKind::City, UnitKind::Opd, UnitKind::SubUnit];

    /// The name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::Regency => "regency",
            UnitKind::City => "city",
            UnitKind::Opd => "opd",
            UnitKind::SubUnit => "sub_unit",
        }
    }

    /// A Pemda (regional government) rather than a part of one.
    pub fn is_pemda(self) -> bool {
        matches!(self, UnitKind::Province | UnitKind::Regency | UnitKind::City)
    }

    /// Whether a unit of this kind may hang below `parent` (`None`: at the top of a tree).
    ///
    /// A province holds its kabupaten/kota and its own OPDs; a kabupaten/kota holds OPDs; an OPD holds sub-units,
    /// which may nest. Only a Pemda stands at the top.
    pub fn may_hang_below(self, parent: Option<UnitKind>) -> bool {
        use UnitKind::*;
        matches!(
            (self, parent),
            (Province | Regency | City, None)
                | (Regency | City, Some(Province))
                | (Opd, Some(Province | Regency | City))
                | (SubUnit, Some(Opd | SubUnit))
        )
    }

    /// Checks `may_hang_below`, as a domain error naming the `parent_id` field.
    pub fn check_parent(self, parent: Option<UnitKind>) -> Result<(), DomainError> {
        if self.may_hang_below(parent) {
            return Ok(());
        }
        let message = match parent {
            None => format!("a unit of kind {} needs a parent", self.as_str()),
            Some(parent) => format!("a unit of kind {} cannot hang below a {}", self.as_str(), parent.as_str()),
        };
        Err(DomainError::invalid("parent_id", "invalid_parent", message))
    }
}

impl FromStr for UnitKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| DomainError::invalid("kind", "unknown_kind", format!("unknown unit kind {s:?}")))
    }
}

/// A unit's short unique code, e.g. `SKD` for Kabupaten Sekadau or `SKD-DKIS` for its Diskominfo.
///
/// Codes are upper case so that `skd` and `SKD` cannot both exist; they prefix tracking codes, so they stay short.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnitCode(String);

impl UnitCode {
    /// Parses a code, upper-casing it: 2 to 32 of `A-Z`, `0-9`, `-`, `_`, starting with a letter or digit.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let well_formed = (2..=32).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_alphanumeric())
            && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if well_formed {
            Ok(Self(code))
        } else {
            Err(DomainError::invalid(
                "code",
                "invalid_code",
                "a code is 2 to 32 letters, digits, '-' or '_', starting with a letter or digit",
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit to create, already checked field by field.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// What kind of body it is.
    pub kind: UnitKind,
    /// Its unique code.
    pub code: UnitCode,
    /// Its full name.
    pub name: String,
    /// Its usual short name.
    pub short_name: Option<String>,
    /// The unit it belongs to (`None` only for a Pemda at the top).
    pub parent_id: Option<UnitId>,
    /// Whether it is in use.
    pub active: bool,
    /// Whether it is the Inspektorat (APIP), which receives supervision complaints.
    pub inspectorate: bool,
}

/// Changes to a unit; `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UnitPatch {
    /// New full name.
    pub name: Option<String>,
    /// New short name, or `Some(None)` to clear it.
    pub short_name: Option<Option<String>>,
    /// New parent, or `Some(None)` to make the unit a root.
    pub parent_id: Option<Option<UnitId>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// Mark or unmark as the Inspektorat.
    pub inspectorate: Option<bool>,
}

impl UnitPatch {
    /// The names of the fields this patch changes, for the audit trail.
    pub fn changed_fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("short_name", self.short_name.is_some()),
            ("parent_id", self.parent_id.is_some()),
            ("active", self.active.is_some()),
            ("inspectorate", self.inspectorate.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect()
    }
}

/// Refuses to hang a unit below itself or below one of its own descendants.
///
/// `new_parent_ancestry` lists the proposed parent and all of its ancestors.
pub fn check_no_cycle(unit: UnitId, new_parent_ancestry: &[UnitId]) -> Result<(), DomainError> {
    if new_parent_ancestry.contains(&unit) {
        Err(DomainError::invalid("parent_id", "cycle", "a unit cannot hang below itself or one of its descendants"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::UnitKind::*;
    use super::*;

    #[test]
    fn only_a_pemda_may_stand_at_the_top() {
        assert!(Province.may_hang_below(None));
        assert!(Regency.may_hang_below(None));
        assert!(City.may_hang_below(None));
        assert!(!Opd.may_hang_below(None));
        assert!(!SubUnit.may_hang_below(None));
    }

    #[test]
    fn the_tree_nests_pemda_then_opd_then_sub_units() {
        let allowed = [
            (Regency, Province),
            (City, Province),
            (Opd, Province),
            (Opd, Regency),
            (Opd, City),
            (SubUnit, Opd),
            (SubUnit, SubUnit),
        ];
        for child in UnitKind::ALL {
            for parent in UnitKind::ALL {
                let expected = allowed.contains(&(child, parent));
                assert_eq!(child.may_hang_below(Some(parent)), expected, "{child:?} below {parent:?}");
            }
        }
    }

    #[test]
    fn a_wrong_parent_is_reported_on_the_parent_field() {
        let err = SubUnit.check_parent(Some(Regency)).unwrap_err();
        assert!(matches!(err, DomainError::Invalid { field: "parent_id", code: "invalid_parent", .. }));
        assert!(Opd.check_parent(None).is_err());
        assert!(Opd.check_parent(Some(Regency)).is_ok());
    }

    #[test]
    fn kinds_parse_from_their_wire_names() {
        for kind in UnitKind::ALL {
            assert_eq!(kind.as_str().parse::<UnitKind>(), Ok(kind));
        }
        assert!("desa".parse::<UnitKind>().is_err());
    }

    #[test]
    fn codes_are_trimmed_and_upper_cased() {
        assert_eq!(UnitCode::parse(" skd-dkis ").unwrap().as_str(), "SKD-DKIS");
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "S", "-SKD", "SKD DKIS", "SKD/1", "ÄBC", &"X".repeat(33)] {
            assert!(UnitCode::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(UnitCode::parse(&"X".repeat(32)).is_ok());
    }

    #[test]
    fn a_unit_cannot_move_below_its_own_subtree() {
        let unit = UnitId::new();
        let other = UnitId::new();
        assert!(check_no_cycle(unit, &[other]).is_ok());
        assert!(check_no_cycle(unit, &[other, unit]).is_err());
        assert!(check_no_cycle(unit, &[unit]).is_err());
    }
}
