//! Printed documents (the monthly report; the publication kit's posters): pages of marks (text, rectangles, lines)
//! laid out in points from the top-left corner, then written as a PDF with krilla, fonts embedded and subset, text
//! extractable, charts as vectors. Layout ([`Flow`]) and charts are plain code over [`Page`], testable without a PDF.

mod chart;
mod flow;
mod fonts;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke};
use krilla::text::{Font, TextDirection};

pub use chart::{Area, Series, bar_chart, bar_chart_height, line_chart};
pub use flow::{Align, Column, Flow};
pub use fonts::{Weight, fit, text_width, wrap};

/// A colour, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Body text.
    pub const INK: Rgb = Rgb(0x1F, 0x29, 0x37);
    /// Secondary text, axes.
    pub const MUTED: Rgb = Rgb(0x6B, 0x72, 0x80);
    /// Grid lines and rules.
    pub const RULE: Rgb = Rgb(0xD1, 0xD5, 0xDB);
    /// Table header background.
    pub const HEADER: Rgb = Rgb(0xD9, 0xE1, 0xF2);
    /// Alternate table rows.
    pub const STRIPE: Rgb = Rgb(0xF3, 0xF4, 0xF6);
    /// The series palette, distinguishable in grey print too (decreasing darkness).
    pub const SERIES: [Rgb; 3] = [Rgb(0x1D, 0x4E, 0xD8), Rgb(0xF5, 0x9E, 0x0B), Rgb(0x10, 0xB9, 0x81)];

    fn paint(self) -> krilla::paint::Paint {
        rgb::Color::new(self.0, self.1, self.2).into()
    }
}

/// Paper sizes, portrait, in points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 210 × 297 mm.
    A4,
    /// 297 × 420 mm.
    A3,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::A3 => (841.89, 1190.55),
        }
    }
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    Text { x: f32, baseline: f32, size: f32, weight: Weight, color: Rgb, text: String },
    Rect { x: f32, y: f32, width: f32, height: f32, color: Rgb },
    Line { points: Vec<(f32, f32)>, width: f32, color: Rgb },
}

/// The marks of one page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    marks: Vec<Mark>,
}

impl Page {
    /// Text on one line, `baseline` being the y of its baseline.
    pub fn text(&mut self, x: f32, baseline: f32, size: f32, weight: Weight, color: Rgb, text: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.marks.push(Mark::Text { x, baseline, size, weight, color, text });
        }
    }

    /// Text on one line ending at `right`.
    pub fn text_right(&mut self, right: f32, baseline: f32, size: f32, weight: Weight, color: Rgb, text: &str) {
        let x = right - text_width(text, size, weight);
        self.text(x, baseline, size, weight, color, text);
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        if width > 0.0 && height > 0.0 {
            self.marks.push(Mark::Rect { x, y, width, height, color });
        }
    }

    /// A stroked line through the points.
    pub fn line(&mut self, points: Vec<(f32, f32)>, width: f32, color: Rgb) {
        if points.len() >= 2 {
            self.marks.push(Mark::Line { points, width, color });
        }
    }

    /// The texts on the page, in drawing order (for tests of layout).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.marks.iter().filter_map(|mark| match mark {
            Mark::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

/// Why a document could not be written (a bug, never the caller's input).
#[derive(Debug, thiserror::Error)]
#[error("printing failed: {0}")]
pub struct PrintError(String);

/// Writes the pages as a PDF with the given title (shown by viewers) and language `id`.
pub fn render(title: &str, paper: Paper, pages: &[Page]) -> Result<Vec<u8>, PrintError> {
    let regular = Font::new(fonts::REGULAR.into(), 0).ok_or_else(|| PrintError("the regular font".into()))?;
    let bold = Font::new(fonts::BOLD.into(), 0).ok_or_else(|| PrintError("the bold font".into()))?;
    let (width, height) = paper.size();
    let settings = PageSettings::from_wh(width, height).ok_or_else(|| PrintError("the paper size".into()))?;
    let mut document = krilla::Document::new();
    for page in pages {
        let mut sheet = document.start_page_with(settings.clone());
        let mut surface = sheet.surface();
        for mark in &page.marks {
            match mark {
                Mark::Text { x, baseline, size, weight, color, text } => {
                    let font = if *weight == Weight::Bold { bold.clone() } else { regular.clone() };
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_text(Point::from_xy(*x, *baseline), font, *size, text, false, TextDirection::Auto);
                }
                Mark::Rect { x, y, width, height, color } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else { continue };
                    let mut builder = PathBuilder::new();
                    builder.push_rect(rect);
                    let Some(path) = builder.finish() else { continue };
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_path(&path);
                }
                Mark::Line { points, width, color } => {
                    let mut builder = PathBuilder::new();
                    builder.move_to(points[0].0, points[0].1);
                    for (x, y) in &points[1..] {
                        builder.line_to(*x, *y);
                    }
                    let Some(path) = builder.finish() else { continue };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: color.paint(),
                        width: *width,
                        line_cap: LineCap::Round,
                        line_join: LineJoin::Round,
                        ..Default::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        sheet.finish();
    }
    document.set_metadata(
        Metadata::new().title(title.to_owned()).language("id".to_owned()).creator("pengaduan".to_owned()),
    );
    document.finish().map_err(|err| PrintError(format!("{err:?}")))
}

fn fill(color: Rgb) -> Fill {
    Fill { paint: color.paint(), opacity: NormalizedF32::ONE, ..Default::default() }
}

/// A count as Indonesians write it: `1.234.567`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// A measure with one decimal and a decimal comma (`85,7`), or a dash when there was nothing to measure.
pub fn decimal(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => {
            let rounded = format!("{value:.1}");
            let (whole, fraction) = rounded.split_once('.').unwrap_or((&rounded, "0"));
            let (sign, whole) = whole.strip_prefix('-').map_or(("", whole), |rest| ("-", rest));
            format!("{sign}{},{fraction}", count(whole.parse().unwrap_or(0)))
        }
        _ => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_indonesian_way() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1.000");
        assert_eq!(count(1_234_567), "1.234.567");
        assert_eq!(decimal(Some(85.714)), "85,7");
        assert_eq!(decimal(Some(1234.56)), "1.234,6");
        assert_eq!(decimal(Some(0.0)), "0,0");
        assert_eq!(decimal(None), "—");
        assert_eq!(decimal(Some(f64::NAN)), "—");
    }

    #[test]
    fn a_rendered_document_is_a_pdf_of_the_paper_size_with_its_text() {
        let mut flow = Flow::new(Paper::A3, "Uji");
        flow.heading("Ringkasan", 0.0);
        flow.paragraph("Pengaduan diterima");
        let pdf = render("Uji", Paper::A3, &flow.finish()).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/MediaBox[0 0 841.89 1190.55]"), "A3 portrait");
        assert!(text.contains("FontFile2"), "the font is embedded");
    }
}
