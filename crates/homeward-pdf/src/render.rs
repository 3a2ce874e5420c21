//! Writes laid-out pages with krilla (fonts embedded and subset, ToUnicode maps for extraction).

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};

use crate::layout::{BODY, BOTTOM, Gray, MARGIN_X, Op, PAGE_H, PAGE_W, Page};
use crate::text::{self, Line, TextDir, Weight};
use crate::{Direction, Document, PdfError};

pub(crate) fn load_image(bytes: &[u8]) -> Result<Image, String> {
    let data = krilla::Data::from(bytes.to_vec());
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Image::from_jpeg(data, true)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Image::from_png(data, true)
    } else {
        Err("neither JPEG nor PNG".to_owned())
    }
}

fn fill(gray: Gray) -> Fill {
    Fill {
        paint: rgb::Color::new(gray.0, gray.0, gray.0).into(),
        ..Fill::default()
    }
}

fn draw_line(surface: &mut Surface<'_>, x: f32, baseline: f32, line: &Line, color: rgb::Color) {
    let fonts = &*text::FONTS;
    surface.set_fill(Some(Fill {
        paint: color.into(),
        ..Fill::default()
    }));
    let mut x = x;
    for run in &line.runs {
        let glyphs: Vec<KrillaGlyph> = run
            .glyphs
            .iter()
            .map(|g| {
                KrillaGlyph::new(
                    GlyphId::new(u32::from(g.id)),
                    g.x_advance,
                    g.x_offset,
                    g.y_offset,
                    0.0,
                    g.range.clone(),
                    None,
                )
            })
            .collect();
        surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &glyphs,
            fonts.krilla[run.font as usize].clone(),
            &run.text,
            run.size,
            false,
        );
        x += run.width;
    }
}

fn draw_rule(
    surface: &mut Surface<'_>,
    (x1, y1, x2, y2): (f32, f32, f32, f32),
    width: f32,
    gray: Gray,
) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(gray.0, gray.0, gray.0).into(),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// One line of header or footer text, on the start or end side of the page.
fn margin_text(
    surface: &mut Surface<'_>,
    text: &str,
    weight: Weight,
    rtl: bool,
    start: bool,
    baseline: f32,
    color: rgb::Color,
) {
    let size = BODY - 2.0;
    let width = PAGE_W - 2.0 * MARGIN_X;
    let dir = if rtl { TextDir::Rtl } else { TextDir::Ltr };
    let Some(line) = text::layout(text, dir, weight, size, width)
        .into_iter()
        .next()
    else {
        return;
    };
    let at_left = start != rtl;
    let x = if at_left {
        MARGIN_X
    } else {
        PAGE_W - MARGIN_X - line.width
    };
    draw_line(surface, x, baseline, &line, color);
}

pub(crate) fn write(doc: &Document, pages: &[Page]) -> Result<Vec<u8>, PdfError> {
    let rtl = doc.direction == Direction::Rtl;
    let black = rgb::Color::new(0, 0, 0);
    let gray = rgb::Color::new(80, 80, 80);
    let red = rgb::Color::new(160, 0, 0);
    let label = if doc.page_label.is_empty() {
        "{page} / {pages}"
    } else {
        doc.page_label.as_str()
    };
    let total = pages.len();
    let mut pdf = krilla::Document::new();
    let mut meta = Metadata::new().creator("homeward".to_owned());
    if !doc.title.is_empty() {
        meta = meta.title(doc.title.clone());
    }
    if !doc.lang.is_empty() {
        meta = meta.language(doc.lang.clone());
    }
    pdf.set_metadata(meta);
    for (n, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size");
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        // Header: title on the start side, the confidential mark on the end side.
        margin_text(
            &mut surface,
            &doc.header,
            Weight::Regular,
            rtl,
            true,
            38.0,
            gray,
        );
        margin_text(&mut surface, &doc.mark, Weight::Bold, rtl, false, 38.0, red);
        draw_rule(
            &mut surface,
            (MARGIN_X, 48.0, PAGE_W - MARGIN_X, 48.0),
            0.5,
            Gray(150),
        );
        // Footer: free text on the start side, page number on the end side.
        let fy = BOTTOM + 12.0;
        draw_rule(
            &mut surface,
            (MARGIN_X, fy, PAGE_W - MARGIN_X, fy),
            0.5,
            Gray(150),
        );
        margin_text(
            &mut surface,
            &doc.footer,
            Weight::Regular,
            rtl,
            true,
            fy + 18.0,
            gray,
        );
        let number = label
            .replace("{page}", &(n + 1).to_string())
            .replace("{pages}", &total.to_string());
        margin_text(
            &mut surface,
            &number,
            Weight::Regular,
            rtl,
            false,
            fy + 18.0,
            gray,
        );
        for op in ops {
            match op {
                Op::Text { x, baseline, line } => {
                    draw_line(&mut surface, *x, *baseline, line, black)
                }
                Op::Rule {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    gray,
                } => draw_rule(&mut surface, (*x1, *y1, *x2, *y2), *width, *gray),
                Op::Fill { x, y, w, h, gray } => {
                    if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                        let mut pb = PathBuilder::new();
                        pb.push_rect(rect);
                        if let Some(path) = pb.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(fill(*gray)));
                            surface.draw_path(&path);
                        }
                    }
                }
                Op::Image { image, x, y, w, h } => {
                    if let Some(size) = Size::from_wh(*w, *h) {
                        surface.push_transform(&Transform::from_translate(*x, *y));
                        surface.draw_image(image.clone(), size);
                        surface.pop();
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}
