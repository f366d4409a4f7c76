//! Charts drawn as vectors: a line chart for series over time and a horizontal bar chart for named rows. Each has a
//! title, a legend, and a value axis with round steps.

use super::fonts::{Weight, fit, text_width};
use super::{Page, Rgb};

/// A rectangle on a page, from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// One named series of values, one per label.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Shown in the legend.
    pub name: &'a str,
    /// The values, in the labels' order.
    pub values: Vec<f64>,
}

const TITLE: f32 = 10.0;
const SMALL: f32 = 7.0;
const BAR_ROW: f32 = 14.0;

/// The top of a count axis and its step: the smallest whole step of 1, 2 or 5 × 10ⁿ that covers `max` in at most five
/// intervals (a chart of zeros still gets an axis to 1).
pub fn axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let mut magnitude = 10f64.powf((max / 5.0).log10().floor()).max(1.0);
    loop {
        for factor in [1.0, 2.0, 5.0] {
            let step = factor * magnitude;
            if step * 5.0 >= max {
                return ((max / step).ceil() * step, step);
            }
        }
        magnitude *= 10.0;
    }
}

/// A count as an axis or bar label.
fn label(value: f64) -> String {
    super::count(value.round().max(0.0) as u64)
}

/// Title and legend across the top; returns the y below them.
fn header(page: &mut Page, area: Area, title: &str, series: &[Series<'_>]) -> f32 {
    page.text(area.x, area.y + TITLE, TITLE, Weight::Bold, Rgb::INK, title);
    let mut x = area.x + area.width;
    for (i, item) in series.iter().enumerate().rev() {
        x -= text_width(item.name, SMALL, Weight::Regular) + 16.0;
        page.rect(x, area.y + TITLE - 6.0, 8.0, 6.0, Rgb::SERIES[i % Rgb::SERIES.len()]);
        page.text(x + 11.0, area.y + TITLE, SMALL, Weight::Regular, Rgb::INK, item.name);
    }
    area.y + TITLE + 10.0
}

/// Series over time: one line per series, `labels` along the bottom (thinned to fit).
pub fn line_chart(page: &mut Page, area: Area, title: &str, labels: &[String], series: &[Series<'_>]) {
    let top = header(page, area, title, series);
    let max = series.iter().flat_map(|item| item.values.iter().copied()).fold(0.0, f64::max);
    let (axis_top, step) = axis(max);
    let gutter = text_width(&label(axis_top), SMALL, Weight::Regular) + 6.0;
    let plot = Area {
        x: area.x + gutter,
        y: top + 4.0,
        width: area.width - gutter,
        height: area.y + area.height - top - 20.0,
    };
    let y_of = |value: f64| plot.y + plot.height - (value / axis_top) as f32 * plot.height;
    let mut tick = 0.0;
    while tick <= axis_top + step / 2.0 {
        let y = y_of(tick);
        page.line(vec![(plot.x, y), (plot.x + plot.width, y)], 0.4, Rgb::RULE);
        page.text_right(plot.x - 4.0, y + 2.5, SMALL, Weight::Regular, Rgb::MUTED, &label(tick));
        tick += step;
    }
    let count = labels.len().max(1);
    let x_of = |i: usize| {
        if count == 1 { plot.x + plot.width / 2.0 } else { plot.x + plot.width * i as f32 / (count - 1) as f32 }
    };
    let widest = labels.iter().map(|text| text_width(text, SMALL, Weight::Regular)).fold(0.0, f32::max) + 6.0;
    let every = ((widest * count as f32 / plot.width).ceil() as usize).max(1);
    for (i, text) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let x = x_of(i) - text_width(text, SMALL, Weight::Regular) / 2.0;
        page.text(x, plot.y + plot.height + 10.0, SMALL, Weight::Regular, Rgb::MUTED, text.as_str());
    }
    for (i, item) in series.iter().enumerate() {
        let color = Rgb::SERIES[i % Rgb::SERIES.len()];
        let points: Vec<(f32, f32)> =
            item.values.iter().enumerate().map(|(j, value)| (x_of(j), y_of(*value))).collect();
        if let [(x, y)] = points[..] {
            page.rect(x - 1.5, y - 1.5, 3.0, 3.0, color);
        }
        page.line(points, 1.4, color);
    }
}

/// The height a bar chart of `rows` rows needs.
pub fn bar_chart_height(rows: usize) -> f32 {
    TITLE + 10.0 + 8.0 + rows.max(1) as f32 * BAR_ROW + 14.0
}

/// Named rows, one horizontal bar per series in each, the value at the end of each bar.
pub fn bar_chart(page: &mut Page, area: Area, title: &str, labels: &[String], series: &[Series<'_>]) {
    let top = header(page, area, title, series) + 8.0;
    let max = series.iter().flat_map(|item| item.values.iter().copied()).fold(0.0, f64::max);
    let (axis_top, step) = axis(max);
    let names = area.width * 0.36;
    let plot =
        Area { x: area.x + names, y: top, width: area.width - names - 24.0, height: labels.len() as f32 * BAR_ROW };
    let x_of = |value: f64| plot.x + (value / axis_top) as f32 * plot.width;
    let mut tick = 0.0;
    while tick <= axis_top + step / 2.0 {
        let x = x_of(tick);
        page.line(vec![(x, plot.y), (x, plot.y + plot.height)], 0.4, Rgb::RULE);
        let text = label(tick);
        let centred = x - text_width(&text, SMALL, Weight::Regular) / 2.0;
        page.text(centred, plot.y + plot.height + 10.0, SMALL, Weight::Regular, Rgb::MUTED, text);
        tick += step;
    }
    let bar = (BAR_ROW - 4.0) / series.len().max(1) as f32;
    for (row, name) in labels.iter().enumerate() {
        let y = plot.y + row as f32 * BAR_ROW;
        let fitted = fit(name, names - 8.0, SMALL, Weight::Regular);
        page.text(area.x, y + BAR_ROW / 2.0 + 2.5, SMALL, Weight::Regular, Rgb::INK, fitted);
        for (i, item) in series.iter().enumerate() {
            let value = item.values.get(row).copied().unwrap_or(0.0);
            let bar_y = y + 2.0 + i as f32 * bar;
            page.rect(plot.x, bar_y, x_of(value) - plot.x, bar - 0.5, Rgb::SERIES[i % Rgb::SERIES.len()]);
            let text = label(value);
            page.text(x_of(value) + 2.0, bar_y + bar - 1.0, SMALL - 1.0, Weight::Regular, Rgb::MUTED, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_round_numbers_with_at_most_five_steps() {
        assert_eq!(axis(0.0), (1.0, 1.0));
        assert_eq!(axis(2.0), (2.0, 1.0), "counts step by whole numbers");
        assert_eq!(axis(3.0), (3.0, 1.0));
        assert_eq!(axis(7.0), (8.0, 2.0));
        assert_eq!(axis(10.0), (10.0, 2.0));
        assert_eq!(axis(23.0), (25.0, 5.0));
        assert_eq!(axis(100.0), (100.0, 20.0));
        assert_eq!(axis(1234.0), (1500.0, 500.0));
        assert_eq!(axis(0.4), (1.0, 1.0));
        for max in [1.0, 9.0, 51.0, 999.0, 12_345.0] {
            let (top, step) = axis(max);
            assert!(top >= max && top / step <= 5.0 + 1e-9, "{max}: {top} by {step}");
        }
    }

    #[test]
    fn a_bar_chart_labels_every_row_and_every_value() {
        let mut page = Page::default();
        let area = Area { x: 40.0, y: 40.0, width: 500.0, height: bar_chart_height(2) };
        let labels = vec!["Dinas Kesehatan".to_owned(), "Dinas Pendidikan".to_owned()];
        let series =
            [Series { name: "Disposisi", values: vec![12.0, 3.0] }, Series { name: "Selesai", values: vec![9.0, 0.0] }];
        bar_chart(&mut page, area, "Per OPD", &labels, &series);
        let texts: Vec<&str> = page.texts().collect();
        for expected in ["Per OPD", "Disposisi", "Selesai", "Dinas Kesehatan", "Dinas Pendidikan", "12", "9", "3", "0"]
        {
            assert!(texts.contains(&expected), "{expected} missing from {texts:?}");
        }
    }
}
