//! How two submitted versions of a form differ, row by row.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use uuid::Uuid;

/// The cells of a row as a map (an absent or malformed value counts as no cells).
pub fn cells_of(value: &Value) -> BTreeMap<String, Value> {
    value.as_object().map(|cells| cells.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default()
}

/// How two submitted versions differ, by row id.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct VersionDiff {
    /// Rows only in the newer version.
    pub added: Vec<Uuid>,
    /// Rows only in the older version.
    pub removed: Vec<Uuid>,
    /// Rows in both whose cells differ, with the keys of the cells that changed.
    #[schema(value_type = Object)]
    pub changed: BTreeMap<Uuid, Vec<String>>,
}

/// Compares the rows of two frozen versions.
pub fn diff(older: &Value, newer: &Value) -> VersionDiff {
    let index = |rows: &Value| -> BTreeMap<Uuid, BTreeMap<String, Value>> {
        rows.as_array()
            .into_iter()
            .flatten()
            .filter_map(|row| Some((row.get("id")?.as_str()?.parse().ok()?, cells_of(row.get("cells")?))))
            .collect()
    };
    let (old, new) = (index(older), index(newer));
    let mut result = VersionDiff::default();
    for (id, cells) in &new {
        match old.get(id) {
            None => result.added.push(*id),
            Some(before) => {
                let keys: BTreeSet<&String> = before.keys().chain(cells.keys()).collect();
                let changed: Vec<String> =
                    keys.into_iter().filter(|key| before.get(*key) != cells.get(*key)).cloned().collect();
                if !changed.is_empty() {
                    result.changed.insert(*id, changed);
                }
            }
        }
    }
    result.removed = old.keys().filter(|id| !new.contains_key(id)).copied().collect();
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn versions_differ_by_added_removed_and_changed_rows() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let older =
            json!([{ "id": a, "cells": { "unit": "dokumen", "budget": { "2021": 5 } } }, { "id": b, "cells": {} }]);
        let newer =
            json!([{ "id": a, "cells": { "unit": "dokumen", "budget": { "2021": 7 } } }, { "id": c, "cells": {} }]);
        let diff = diff(&older, &newer);
        assert_eq!(diff.added, [c]);
        assert_eq!(diff.removed, [b]);
        assert_eq!(diff.changed.get(&a).unwrap(), &["budget".to_owned()]);
    }
}
