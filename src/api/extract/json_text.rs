//! A single pass over the bytes of a JSON document, before serde reads it, and the slow path that names fields.

use serde_json::Value;

/// What [`scan`] found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Objects and arrays nest deeper than allowed.
    pub too_deep: bool,
    /// A string holds an escaped C0 control character other than tab, line feed and carriage return (`\u0000`, `\b`,
    /// `\f`, ...), or an escaped DEL. Raw control characters are invalid JSON, so serde refuses those by itself.
    pub has_control_character: bool,
}

/// Scans `bytes` as JSON text without building anything. Broken JSON is left for serde to report.
pub fn scan(bytes: &[u8], max_depth: usize) -> Scan {
    let mut found = Scan::default();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if in_string {
            match byte {
                b'"' => in_string = false,
                b'\\' => {
                    match bytes.get(index + 1) {
                        Some(b'b' | b'f') => found.has_control_character = true,
                        Some(b'u') => {
                            let code = bytes
                                .get(index + 2..index + 6)
                                .and_then(|hex| std::str::from_utf8(hex).ok())
                                .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                            if code.is_some_and(|c| (c < 0x20 && !matches!(c, 0x09 | 0x0a | 0x0d)) || c == 0x7f) {
                                found.has_control_character = true;
                            }
                        }
                        _ => {}
                    }
                    // Skip the escaped character, so that `\"` does not end the string and `\\` escapes nothing.
                    index += 1;
                }
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => {
                    depth += 1;
                    if depth > max_depth {
                        found.too_deep = true;
                        return found;
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        index += 1;
    }
    found
}

/// Every place in `document` whose text (a string value or an object key) holds a character for which `refused` is
/// true, named like `reporter.name` or `rows[2].cells`.
pub fn fields_with(document: &Value, refused: impl Fn(char) -> bool + Copy) -> Vec<String> {
    let mut fields = Vec::new();
    walk(document, String::new(), refused, &mut fields);
    fields
}

fn walk(value: &Value, path: String, refused: impl Fn(char) -> bool + Copy, fields: &mut Vec<String>) {
    let name = |path: &str| if path.is_empty() { "body".to_owned() } else { path.to_owned() };
    match value {
        Value::String(text) if text.chars().any(refused) => fields.push(name(&path)),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{index}]"), refused, fields);
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                if key.chars().any(refused) {
                    fields.push(name(&path));
                } else {
                    walk(member, child, refused, fields);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn escapes_of_control_characters_are_found() {
        for text in [r#"{"a":"\u0000"}"#, r#"{"a":"x\u001Fy"}"#, r#"{"a":"\b"}"#, r#"{"a":"\f"}"#, r#"{"\u0001":1}"#] {
            assert!(scan(text.as_bytes(), 8).has_control_character, "{text}");
        }
        for text in [r#"{"a":"\t\n\r"}"#, r#"{"a":"\u0009\u000a"}"#, r#"{"a":"\\u0000"}"#, r#"{"a":"\"\u0041"}"#] {
            assert!(!scan(text.as_bytes(), 8).has_control_character, "{text}");
        }
    }

    #[test]
    fn depth_counts_only_outside_strings() {
        assert!(scan(b"[[[[]]]]", 3).too_deep);
        assert!(!scan(b"[[[]]]", 3).too_deep);
        assert!(!scan(br#"{"a":"[[[[[[[["}"#, 3).too_deep);
        assert!(!scan(b"[[],[],[],[]]", 2).too_deep);
    }

    #[test]
    fn fields_are_named_as_the_client_wrote_them() {
        let document = json!({
            "title": "ok",
            "reporter": { "name": "B\u{0}" },
            "rows": [{ "cells": { "x": "fine" } }, { "cells": { "y": ["a", "\u{1}"] } }],
            "a\u{0}": 1
        });
        let mut found = fields_with(&document, |c| c < ' ');
        found.sort();
        assert_eq!(found, ["body", "reporter.name", "rows[1].cells.y[1]"]);
    }
}
