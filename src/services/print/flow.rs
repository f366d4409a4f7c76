//! Top-to-bottom layout over as many pages as the content needs: headings, paragraphs, tables whose header repeats
//! on every page they cross, and fixed-height blocks (charts) that never straddle a page break.

use super::chart::Area;
use super::fonts::{Weight, fit, wrap};
use super::{Page, Paper, Rgb};

const MARGIN: f32 = 42.0;
const FOOTER: f32 = 24.0;
const BODY: f32 = 9.0;
const LEADING: f32 = 1.45;

/// How a table column aligns its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table column: its header, its share of the text width (the shares of a table add up to 1) and alignment.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The header text.
    pub title: &'a str,
    /// Share of the width, 0–1.
    pub share: f32,
    /// Alignment of the cells.
    pub align: Align,
}

/// Pages being filled from the top.
#[derive(Debug)]
pub struct Flow {
    paper: Paper,
    pages: Vec<Page>,
    /// Where the next thing goes on the last page.
    y: f32,
    footer: String,
}

impl Flow {
    /// An empty document; `footer` is printed at the foot of every page beside the page number.
    pub fn new(paper: Paper, footer: impl Into<String>) -> Self {
        Flow { paper, pages: vec![Page::default()], y: MARGIN, footer: footer.into() }
    }

    /// The left edge of the text.
    pub fn left(&self) -> f32 {
        MARGIN
    }

    /// The width of the text.
    pub fn width(&self) -> f32 {
        self.paper.size().0 - 2.0 * MARGIN
    }

    fn bottom(&self) -> f32 {
        self.paper.size().1 - MARGIN - FOOTER
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow always has a page")
    }

    /// Starts a new page.
    pub fn page_break(&mut self) {
        self.pages.push(Page::default());
        self.y = MARGIN;
    }

    /// Makes sure `height` fits below the cursor, breaking the page if not (and if the page is not empty).
    fn room_for(&mut self, height: f32) {
        if self.y + height > self.bottom() && self.y > MARGIN {
            self.page_break();
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, height: f32) {
        self.y += height;
    }

    /// Wrapped text of the given size and weight.
    pub fn text(&mut self, text: &str, size: f32, weight: Weight, color: Rgb) {
        let (left, width) = (self.left(), self.width());
        for line in wrap(text, width, size, weight) {
            self.room_for(size * LEADING);
            self.y += size * LEADING;
            let baseline = self.y - size * 0.35;
            self.page().text(left, baseline, size, weight, color, line);
        }
    }

    /// A section heading, kept with at least `keep` points of what follows.
    pub fn heading(&mut self, text: &str, keep: f32) {
        self.room_for(14.0 * LEADING + 6.0 + keep);
        self.gap(6.0);
        self.text(text, 13.0, Weight::Bold, Rgb::INK);
        self.gap(2.0);
    }

    /// Body text.
    pub fn paragraph(&mut self, text: &str) {
        self.text(text, BODY, Weight::Regular, Rgb::INK);
    }

    /// A small note.
    pub fn note(&mut self, text: &str) {
        self.text(text, 7.5, Weight::Regular, Rgb::MUTED);
    }

    /// A block of fixed height (a chart), drawn by `draw` into its area on one page.
    pub fn block(&mut self, height: f32, draw: impl FnOnce(&mut Page, Area)) {
        self.room_for(height);
        let area = Area { x: self.left(), y: self.y, width: self.width(), height };
        draw(self.page(), area);
        self.y += height;
    }

    /// A table; cells too wide for their column are shortened with an ellipsis.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let size = 8.0;
        let row_height = size * 1.9;
        let widths: Vec<f32> = columns.iter().map(|column| column.share * self.width()).collect();
        let header: Vec<String> = columns.iter().map(|column| column.title.to_owned()).collect();
        self.room_for(row_height * 2.0);
        self.table_row(columns, &widths, &header, row_height, size, Weight::Bold, Some(Rgb::HEADER));
        for (i, row) in rows.iter().enumerate() {
            if self.y + row_height > self.bottom() {
                self.page_break();
                self.table_row(columns, &widths, &header, row_height, size, Weight::Bold, Some(Rgb::HEADER));
            }
            let shade = (i % 2 == 1).then_some(Rgb::STRIPE);
            self.table_row(columns, &widths, row, row_height, size, Weight::Regular, shade);
        }
    }

    #[allow(clippy::too_many_arguments)] // private: one row of the table above
    fn table_row(
        &mut self,
        columns: &[Column<'_>],
        widths: &[f32],
        cells: &[String],
        height: f32,
        size: f32,
        weight: Weight,
        shade: Option<Rgb>,
    ) {
        let (left, width, y) = (self.left(), self.width(), self.y);
        let page = self.page();
        if let Some(color) = shade {
            page.rect(left, y, width, height, color);
        }
        let baseline = y + height / 2.0 + size * 0.35;
        let mut x = left;
        for ((column, cell), column_width) in columns.iter().zip(cells).zip(widths) {
            let text = fit(cell, column_width - 6.0, size, weight);
            match column.align {
                Align::Left => page.text(x + 3.0, baseline, size, weight, Rgb::INK, text),
                Align::Right => page.text_right(x + column_width - 3.0, baseline, size, weight, Rgb::INK, &text),
            }
            x += column_width;
        }
        page.line(vec![(left, y + height), (left + width, y + height)], 0.4, Rgb::RULE);
        self.y += height;
    }

    /// The pages, each with its footer: the document's footer text and "Halaman i dari n".
    pub fn finish(mut self) -> Vec<Page> {
        let count = self.pages.len();
        let (width, height) = self.paper.size();
        let baseline = height - MARGIN + 4.0;
        for (i, page) in self.pages.iter_mut().enumerate() {
            page.line(vec![(MARGIN, baseline - 12.0), (width - MARGIN, baseline - 12.0)], 0.5, Rgb::RULE);
            page.text(MARGIN, baseline, 7.5, Weight::Regular, Rgb::MUTED, self.footer.clone());
            let number = format!("Halaman {} dari {count}", i + 1);
            page.text_right(width - MARGIN, baseline, 7.5, Weight::Regular, Rgb::MUTED, &number);
        }
        self.pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_table_continues_on_new_pages_with_its_header_repeated() {
        let mut flow = Flow::new(Paper::A4, "Laporan");
        let columns = [
            Column { title: "OPD", share: 0.7, align: Align::Left },
            Column { title: "Jumlah", share: 0.3, align: Align::Right },
        ];
        let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("Unit {i}"), i.to_string()]).collect();
        flow.table(&columns, &rows);
        let pages = flow.finish();
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for page in &pages {
            assert_eq!(page.texts().filter(|text| *text == "OPD").count(), 1);
            assert!(page.texts().any(|text| text.starts_with("Halaman ")));
        }
        let all: Vec<&str> = pages.iter().flat_map(Page::texts).collect();
        for i in 0..120 {
            assert!(all.contains(&format!("Unit {i}").as_str()), "row {i} missing");
        }
        assert!(all.contains(&format!("Halaman {} dari {}", pages.len(), pages.len()).as_str()));
    }

    #[test]
    fn a_block_never_straddles_a_page_break() {
        let mut flow = Flow::new(Paper::A4, "");
        flow.gap(600.0);
        let mut top = 0.0;
        flow.block(200.0, |_, area| top = area.y);
        assert_eq!(flow.pages.len(), 2);
        assert_eq!(top, MARGIN);
    }
}
