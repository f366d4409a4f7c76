//! Which characters free text may hold.
//!
//! PostgreSQL refuses NUL in `text` and in `jsonb` (a request carrying one used to end as a 500), and no person types
//! the other C0 control characters: they only hide text or break a line where a single line is meant.

/// Whether `c` may appear in multi-line text (a complaint's body, a note): anything but the C0 control characters
/// other than tab, line feed and carriage return, and DEL.
pub fn allowed_in_text(c: char) -> bool {
    !is_c0_or_del(c) || matches!(c, '\t' | '\n' | '\r')
}

/// Whether `c` may appear in a single-line value (a title, a name, an e-mail address, a code): no control character
/// at all.
pub fn allowed_in_line(c: char) -> bool {
    !is_c0_or_del(c)
}

fn is_c0_or_del(c: char) -> bool {
    c < ' ' || c == '\u{7f}'
}

/// A CSV field: quoted when it holds a separator, a quote or a line break, and prefixed with `'` when it would start a
/// formula in a spreadsheet.
pub fn csv_field(text: &str) -> String {
    // A text starting like a formula would run as one when the CSV is opened in a spreadsheet (CSV injection).
    let text = &if text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_tabs_and_line_breaks_but_no_other_control_character() {
        for c in ['a', 'é', ' ', '\t', '\n', '\r', '\u{a0}', '\u{2028}', '😀'] {
            assert!(allowed_in_text(c), "{c:?}");
        }
        for c in ['\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}'] {
            assert!(!allowed_in_text(c), "{c:?}");
        }
    }

    #[test]
    fn a_line_has_no_control_character_at_all() {
        for c in ['\0', '\t', '\n', '\r', '\u{7f}'] {
            assert!(!allowed_in_line(c), "{c:?}");
        }
        for c in ['a', ' ', '-', '\u{a0}'] {
            assert!(allowed_in_line(c), "{c:?}");
        }
    }
}
