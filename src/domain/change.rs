//! The change feed's vocabulary: what kinds of things change, and the cursor that marks a reader's place.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::DomainError;

wire_enum!(
    /// What changed.
    EntityType {
        /// A complaint (its status or version).
        Complaint = "complaint",
        /// A disposition of a complaint to an OPD.
        Disposition = "disposition",
        /// A follow-up answer.
        FollowUp = "follow_up",
        /// A Rencana Aksi form.
        ActionPlan = "action_plan",
    }
);

/// A reader's place in the feed: after the change `row` of transaction `txid`. Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor {
    /// The transaction that wrote the change.
    pub txid: i64,
    /// The change's row.
    pub row: i64,
}

impl Cursor {
    /// The text a client sends back.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.txid, self.row))
    }

    /// Reads a cursor a client sent.
    pub fn decode(text: &str) -> Result<Cursor, DomainError> {
        let invalid = || DomainError::invalid("after", "invalid_cursor", "not a cursor this feed gave out");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (txid, row) = text.split_once('.').ok_or_else(invalid)?;
        let cursor = Cursor { txid: txid.parse().map_err(|_| invalid())?, row: row.parse().map_err(|_| invalid())? };
        if cursor.txid < 0 || cursor.row < 0 {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// Entity types from a `types=complaint,disposition` parameter; all of them when it is absent.
pub fn parse_types(text: Option<&str>) -> Result<Vec<EntityType>, DomainError> {
    let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
        return Ok(EntityType::ALL.to_vec());
    };
    let mut types = Vec::new();
    for part in text.split(',') {
        let kind = part.trim().parse::<EntityType>().map_err(|_| {
            DomainError::invalid(
                "types",
                "unknown_value",
                "complaint, disposition, follow_up or action_plan, comma-separated",
            )
        })?;
        if !types.contains(&kind) {
            types.push(kind);
        }
    }
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_the_round_trip_and_garbage_is_refused() {
        let cursor = Cursor { txid: 7_654_321, row: 42 };
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        for bad in [
            "",
            "not-base64!",
            &URL_SAFE_NO_PAD.encode("12"),
            &URL_SAFE_NO_PAD.encode("a.b"),
            &URL_SAFE_NO_PAD.encode("-1.2"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
        assert!(Cursor { txid: 1, row: 9 } < Cursor { txid: 2, row: 1 }, "transactions first");
    }

    #[test]
    fn types_default_to_all_and_unknown_ones_are_refused() {
        assert_eq!(parse_types(None).unwrap().len(), 4);
        assert_eq!(
            parse_types(Some("complaint, follow_up,complaint")).unwrap(),
            vec![EntityType::Complaint, EntityType::FollowUp]
        );
        assert!(parse_types(Some("complaint,user")).is_err());
    }
}
