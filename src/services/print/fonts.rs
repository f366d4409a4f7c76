//! The two faces every printed document uses, compiled into the binary so a document prints the same everywhere, and
//! the measurements that layout needs (the same shaping krilla draws with, so a measured line is the drawn line).

use std::sync::LazyLock;

use rustybuzz::{Face, UnicodeBuffer};

/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/LICENSE-DejaVu.txt): free to embed, and it covers
/// Indonesian text and the symbols we print (—, ≤, …).
pub(super) static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub(super) static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

static REGULAR_FACE: LazyLock<Face<'static>> =
    LazyLock::new(|| Face::from_slice(REGULAR, 0).expect("the bundled regular font parses"));
static BOLD_FACE: LazyLock<Face<'static>> =
    LazyLock::new(|| Face::from_slice(BOLD, 0).expect("the bundled bold font parses"));

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Headings and table headers.
    Bold,
}

impl Weight {
    fn face(self) -> &'static Face<'static> {
        match self {
            Weight::Regular => &REGULAR_FACE,
            Weight::Bold => &BOLD_FACE,
        }
    }
}

/// The width of one line of text, in points.
pub fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    if text.is_empty() {
        return 0.0;
    }
    let face = weight.face();
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let units: i64 = shaped.glyph_positions().iter().map(|position| i64::from(position.x_advance)).sum();
    units as f32 * size / face.units_per_em() as f32
}

/// The text, shortened with an ellipsis if it is wider than `width`.
pub fn fit(text: &str, width: f32, size: f32, weight: Weight) -> String {
    if text_width(text, size, weight) <= width {
        return text.to_owned();
    }
    let characters: Vec<char> = text.chars().collect();
    // The longest prefix that fits with the ellipsis, found by bisection (a name is measured a handful of times).
    let (mut short, mut long) = (0usize, characters.len());
    while short < long {
        let middle = (short + long).div_ceil(2);
        let candidate: String = characters[..middle].iter().collect::<String>() + "…";
        if text_width(&candidate, size, weight) <= width { short = middle } else { long = middle - 1 }
    }
    characters[..short].iter().collect::<String>().trim_end().to_owned() + "…"
}

/// The text broken into lines no wider than `width`, at spaces (a word wider than a line is shortened).
pub fn wrap(text: &str, width: f32, size: f32, weight: Weight) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if text_width(&candidate, size, weight) <= width {
                line = candidate;
            } else {
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = fit(word, width, size, weight);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wider_text_measures_wider_and_bold_wider_than_regular() {
        let short = text_width("Dinas", 10.0, Weight::Regular);
        let long = text_width("Dinas Kesehatan", 10.0, Weight::Regular);
        assert!(short > 0.0 && long > short);
        assert!(text_width("Dinas Kesehatan", 10.0, Weight::Bold) > long);
        assert!((text_width("Dinas", 20.0, Weight::Regular) - 2.0 * short).abs() < 0.01);
        assert_eq!(text_width("", 10.0, Weight::Regular), 0.0);
    }

    #[test]
    fn fitting_shortens_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("Dinas", 100.0, 10.0, Weight::Regular), "Dinas");
        let fitted = fit("Dinas Pekerjaan Umum dan Penataan Ruang", 80.0, 10.0, Weight::Regular);
        assert!(fitted.ends_with('…') && fitted.starts_with("Dinas"), "{fitted}");
        assert!(text_width(&fitted, 10.0, Weight::Regular) <= 80.0);
    }

    #[test]
    fn wrapping_keeps_every_word_in_order_within_the_width() {
        let text = "Laporan ini memuat angka pengelolaan pengaduan selama satu bulan penuh.";
        let lines = wrap(text, 120.0, 10.0, Weight::Regular);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|line| text_width(line, 10.0, Weight::Regular) <= 120.0));
        assert_eq!(lines.join(" "), text);
    }
}
