//! Block layout on A4 pages: where each line, rule, cell background and image goes.

use crate::text::{self, Line, TextDir, Weight};
use crate::{Block, Column, Direction, Document, PdfError};

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 50.0;
pub(crate) const TOP: f32 = 70.0;
pub(crate) const BOTTOM: f32 = PAGE_H - 60.0;

pub(crate) const BODY: f32 = 10.0;
const TITLE: f32 = 17.0;
const HEADING: f32 = 12.5;
const CELL_PAD: f32 = 4.0;

/// Line height for a font size: Naskh has tall ascenders and deep descenders.
pub(crate) fn leading(size: f32) -> f32 {
    size * 1.7
}

/// Baseline offset from the top of a line box.
pub(crate) fn ascent(size: f32) -> f32 {
    size * 1.2
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Gray(pub u8);

pub(crate) enum Op {
    /// A line of text; `x` is its left edge, `baseline` from the top of the page.
    Text { x: f32, baseline: f32, line: Line },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: Gray,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: Gray,
    },
    Image {
        image: krilla::image::Image,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

pub(crate) type Page = Vec<Op>;

struct Pager {
    pages: Vec<Page>,
    y: f32,
    rtl: bool,
}

impl Pager {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page is open")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `h` points still fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN_X
    }

    /// Places lines of text in the box `[left, left + width]` starting at `top`, aligned to the
    /// start side of the document; returns the height used.
    fn text_lines(&mut self, lines: Vec<Line>, left: f32, width: f32, top: f32, size: f32) -> f32 {
        let lh = leading(size);
        let mut y = top;
        for line in lines {
            let x = if self.rtl {
                left + width - line.width
            } else {
                left
            };
            self.page().push(Op::Text {
                x,
                baseline: y + ascent(size),
                line,
            });
            y += lh;
        }
        y - top
    }

    /// Flows a paragraph, breaking pages between lines.
    fn paragraph(&mut self, text: &str, dir: TextDir, weight: Weight, size: f32) {
        let width = self.width();
        let lines = text::layout(text, dir, weight, size, width);
        for line in lines {
            self.ensure(leading(size));
            let y = self.y;
            let h = self.text_lines(vec![line], MARGIN_X, width, y, size);
            self.y += h;
        }
    }

    fn rule(&mut self, y: f32, width: f32, gray: Gray) {
        let right = PAGE_W - MARGIN_X;
        self.page().push(Op::Rule {
            x1: MARGIN_X,
            y1: y,
            x2: right,
            y2: y,
            width,
            gray,
        });
    }
}

/// A cell's lines, laid out for its column width.
struct Cell {
    lines: Vec<Line>,
}

impl Cell {
    fn new(text: &str, dir: TextDir, weight: Weight, width: f32) -> Cell {
        Cell {
            lines: text::layout(text, dir, weight, BODY, (width - 2.0 * CELL_PAD).max(10.0)),
        }
    }

    fn height(&self) -> f32 {
        self.lines.len().max(1) as f32 * leading(BODY) + 2.0 * CELL_PAD
    }
}

/// Left edge of each column; columns run right to left on a right-to-left page.
fn column_lefts(widths: &[f32], rtl: bool) -> Vec<f32> {
    let mut lefts = Vec::with_capacity(widths.len());
    if rtl {
        let mut x = PAGE_W - MARGIN_X;
        for w in widths {
            x -= w;
            lefts.push(x);
        }
    } else {
        let mut x = MARGIN_X;
        for w in widths {
            lefts.push(x);
            x += w;
        }
    }
    lefts
}

impl Pager {
    /// Draws one table row at the current position (the caller made room for it).
    fn row(&mut self, cells: Vec<Cell>, widths: &[f32], shade: Option<Gray>) {
        let lefts = column_lefts(widths, self.rtl);
        let h = cells.iter().map(Cell::height).fold(0.0, f32::max);
        let top = self.y;
        if let Some(gray) = shade {
            let w = self.width();
            self.page().push(Op::Fill {
                x: MARGIN_X,
                y: top,
                w,
                h,
                gray,
            });
        }
        for (k, cell) in cells.into_iter().enumerate() {
            self.text_lines(
                cell.lines,
                lefts[k] + CELL_PAD,
                widths[k] - 2.0 * CELL_PAD,
                top + CELL_PAD,
                BODY,
            );
        }
        self.y += h;
        self.rule(self.y, 0.4, Gray(190));
    }

    fn key_values(&mut self, pairs: &[(String, String)]) {
        let total = self.width();
        let widths = [total * 0.34, total * 0.66];
        let key_dir = if self.rtl { TextDir::Rtl } else { TextDir::Ltr };
        for (k, v) in pairs {
            let cells = vec![
                Cell::new(k, key_dir, Weight::Bold, widths[0]),
                Cell::new(v, TextDir::Auto, Weight::Regular, widths[1]),
            ];
            let h = cells.iter().map(Cell::height).fold(0.0, f32::max);
            self.ensure(h);
            self.row(cells, &widths, None);
        }
    }

    fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        if columns.is_empty() {
            return;
        }
        let total = self.width();
        let sum: f32 = columns.iter().map(|c| c.weight.max(0.01)).sum();
        let widths: Vec<f32> = columns
            .iter()
            .map(|c| total * c.weight.max(0.01) / sum)
            .collect();
        let title_dir = if self.rtl { TextDir::Rtl } else { TextDir::Ltr };
        let header = |widths: &[f32]| -> Vec<Cell> {
            columns
                .iter()
                .zip(widths)
                .map(|(c, w)| Cell::new(&c.title, title_dir, Weight::Bold, *w))
                .collect()
        };
        let head_h = header(&widths).iter().map(Cell::height).fold(0.0, f32::max);
        let mut first = true;
        for row in rows {
            let cells: Vec<Cell> = widths
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let text = row.get(k).map(String::as_str).unwrap_or("");
                    Cell::new(text, TextDir::Auto, Weight::Regular, *w)
                })
                .collect();
            let h = cells.iter().map(Cell::height).fold(0.0, f32::max);
            let page_before = self.pages.len();
            self.ensure(if first { head_h + h } else { h });
            if first || self.pages.len() != page_before {
                self.row(header(&widths), &widths, Some(Gray(230)));
                first = false;
            }
            self.row(cells, &widths, None);
        }
        if rows.is_empty() {
            self.ensure(head_h);
            self.row(header(&widths), &widths, Some(Gray(230)));
        }
    }

    fn image(
        &mut self,
        index: usize,
        bytes: &[u8],
        max_w: f32,
        max_h: f32,
        caption: &str,
    ) -> Result<(), PdfError> {
        let image =
            crate::render::load_image(bytes).map_err(|reason| PdfError::Image { index, reason })?;
        let (pw, ph) = image.size();
        let (pw, ph) = (pw.max(1) as f32, ph.max(1) as f32);
        let max_w = if max_w.is_finite() {
            max_w.clamp(10.0, self.width())
        } else {
            self.width()
        };
        let max_h = if max_h.is_finite() {
            max_h.clamp(10.0, BOTTOM - TOP - 40.0)
        } else {
            BOTTOM - TOP - 40.0
        };
        let scale = (max_w / pw).min(max_h / ph);
        let (w, h) = (pw * scale, ph * scale);
        let caption_lines = if caption.is_empty() {
            Vec::new()
        } else {
            text::layout(
                caption,
                TextDir::Auto,
                Weight::Regular,
                BODY - 1.0,
                self.width(),
            )
        };
        let cap_h = caption_lines.len() as f32 * leading(BODY - 1.0);
        self.ensure(h + cap_h + 4.0);
        let x = if self.rtl {
            PAGE_W - MARGIN_X - w
        } else {
            MARGIN_X
        };
        let y = self.y;
        self.page().push(Op::Image { image, x, y, w, h });
        self.y += h + 4.0;
        let y = self.y;
        let width = self.width();
        self.y += self.text_lines(caption_lines, MARGIN_X, width, y, BODY - 1.0);
        Ok(())
    }
}

/// Lays every block out; returns the pages' drawing operations (header and footer come later,
/// when the page count is known).
pub(crate) fn paginate(doc: &Document) -> Result<Vec<Page>, PdfError> {
    let rtl = doc.direction == Direction::Rtl;
    let own_dir = if rtl { TextDir::Rtl } else { TextDir::Ltr };
    let mut p = Pager {
        pages: vec![Vec::new()],
        y: TOP,
        rtl,
    };
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Title(t) => {
                p.paragraph(t, own_dir, Weight::Bold, TITLE);
                let y = p.y + 2.0;
                p.rule(y, 1.2, Gray(60));
                p.y += 10.0;
            }
            Block::Heading(t) => {
                // Keep the heading with the start of what follows: three lines, or a whole image.
                let next = match doc.blocks.get(i + 1) {
                    Some(Block::Image { max_height, .. }) => {
                        max_height.min(BOTTOM - TOP - 80.0) + 20.0
                    }
                    _ => 3.0 * leading(BODY),
                };
                p.ensure(leading(HEADING) + 8.0 + next);
                p.y += 8.0;
                p.paragraph(t, own_dir, Weight::Bold, HEADING);
                let y = p.y;
                p.rule(y, 0.6, Gray(120));
                p.y += 4.0;
            }
            Block::Paragraph { text, dir } => {
                p.paragraph(text, *dir, Weight::Regular, BODY);
                p.y += 4.0;
            }
            Block::KeyValue(pairs) => {
                p.key_values(pairs);
                p.y += 6.0;
            }
            Block::Table { columns, rows } => {
                p.table(columns, rows);
                p.y += 6.0;
            }
            Block::Image {
                bytes,
                max_width,
                max_height,
                caption,
            } => {
                p.image(i, bytes, *max_width, *max_height, caption)?;
                p.y += 6.0;
            }
            Block::Space(h) => {
                p.y += h.max(0.0);
                if p.y > BOTTOM {
                    p.new_page();
                }
            }
        }
    }
    Ok(p.pages)
}
