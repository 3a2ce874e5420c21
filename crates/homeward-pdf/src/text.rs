//! Fonts, shaping and line layout: bidi resolution (UAX #9), font choice per script, shaping with
//! rustybuzz (joining forms, lam-alef and other ligatures, mirroring in right-to-left runs) and
//! greedy line breaking at spaces.

use std::ops::Range;
use std::sync::LazyLock;

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};

static SANS_REGULAR: &[u8] = include_bytes!("../../homeward-web/assets/fonts/NotoSans-Regular.ttf");
static SANS_BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");
static NASKH_REGULAR: &[u8] =
    include_bytes!("../../homeward-web/assets/fonts/NotoNaskhArabic-Regular.ttf");
static NASKH_BOLD: &[u8] =
    include_bytes!("../../homeward-web/assets/fonts/NotoNaskhArabic-Bold.ttf");

/// One of the four faces built into the crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FontId {
    SansRegular = 0,
    SansBold = 1,
    NaskhRegular = 2,
    NaskhBold = 3,
}

/// Regular or bold text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Weight {
    #[default]
    Regular,
    Bold,
}

/// The paragraph direction of a piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TextDir {
    /// From the first strong character (like HTML `dir="auto"` and `<bdi>`); for data values.
    #[default]
    Auto,
    Ltr,
    Rtl,
}

pub(crate) struct Fonts {
    faces: [Face<'static>; 4],
    pub(crate) krilla: [krilla::text::Font; 4],
}

// SAFETY of sharing: `Face` only borrows the static font bytes and is never mutated after creation.
pub(crate) static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let data = [SANS_REGULAR, SANS_BOLD, NASKH_REGULAR, NASKH_BOLD];
    let faces = data.map(|d| Face::from_slice(d, 0).expect("built-in font parses"));
    let krilla = data
        .map(|d| krilla::text::Font::new(krilla::Data::from(d), 0).expect("built-in font loads"));
    Fonts { faces, krilla }
});

impl Fonts {
    fn face(&self, id: FontId) -> &Face<'static> {
        &self.faces[id as usize]
    }

    fn has_glyph(&self, id: FontId, c: char) -> bool {
        self.face(id).glyph_index(c).is_some()
    }

    fn upem(&self, id: FontId) -> f32 {
        self.face(id).units_per_em() as f32
    }

    /// Whether every character of `text` has a glyph in one of the built-in fonts (controls and
    /// spaces aside).
    pub(crate) fn covers(&self, text: &str) -> bool {
        text.chars().all(|c| {
            c.is_control()
                || c.is_whitespace()
                || is_ignorable(c)
                || (0..4).any(|i| self.faces[i].glyph_index(c).is_some())
        })
    }
}

fn is_ignorable(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFEFF)
}

pub(crate) fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Latin,
    Arabic,
}

fn font_for(family: Family, weight: Weight) -> FontId {
    match (family, weight) {
        (Family::Latin, Weight::Regular) => FontId::SansRegular,
        (Family::Latin, Weight::Bold) => FontId::SansBold,
        (Family::Arabic, Weight::Regular) => FontId::NaskhRegular,
        (Family::Arabic, Weight::Bold) => FontId::NaskhBold,
    }
}

/// One positioned glyph, advances and offsets in em units.
#[derive(Clone, Debug)]
pub(crate) struct Glyph {
    pub id: u16,
    pub x_advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
    /// Byte range of the characters this glyph stands for, within the run's text.
    pub range: Range<usize>,
}

/// A run of glyphs in one font and one direction, ready to draw left to right.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub font: FontId,
    pub size: f32,
    /// The run's text in logical order (what the glyphs map back to for extraction).
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub width: f32,
}

/// One laid-out line: runs in visual order, left to right.
#[derive(Clone, Debug, Default)]
pub(crate) struct Line {
    pub runs: Vec<Run>,
    pub width: f32,
}

fn shape(fonts: &Fonts, text: &str, font: FontId, size: f32, rtl: bool) -> Run {
    let face = fonts.face(font);
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    // Discretionary and standard ligatures off: the Allah ligature and friends map one glyph to
    // several letters, which extraction tools put back in the wrong order inside mixed lines.
    // Required ligatures (lam-alef) and joining forms stay on.
    let features = [
        rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"liga"), 0, ..),
        rustybuzz::Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(b"dlig"), 0, ..),
    ];
    let output = rustybuzz::shape(face, &features, buffer);
    let upem = fonts.upem(font);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // The cluster ends where the next cluster in logical order begins: glyphs of a
        // right-to-left run come in visual order, so look backwards for it there.
        let end = if rtl {
            infos[..i]
                .iter()
                .rev()
                .map(|g| g.cluster as usize)
                .find(|&c| c > start)
                .unwrap_or(text.len())
        } else {
            infos[i + 1..]
                .iter()
                .map(|g| g.cluster as usize)
                .find(|&c| c > start)
                .unwrap_or(text.len())
        };
        let adv = pos.x_advance as f32 / upem;
        width += adv * size;
        glyphs.push(Glyph {
            id: info.glyph_id as u16,
            x_advance: adv,
            x_offset: pos.x_offset as f32 / upem,
            y_offset: pos.y_offset as f32 / upem,
            range: start..end,
        });
    }
    Run {
        font,
        size,
        text: text.to_owned(),
        glyphs,
        width,
    }
}

/// Splits `range` of `text` (one bidi level) into pieces by font, in logical order.
fn font_pieces(
    fonts: &Fonts,
    text: &str,
    range: Range<usize>,
    weight: Weight,
    rtl: bool,
) -> Vec<(Range<usize>, FontId)> {
    let slice = &text[range.clone()];
    // Strong script of each char; neutrals (digits, spaces, punctuation, marks) take the
    // family of the character before them, or after them, or the run's direction.
    let strong: Vec<(usize, char, Option<Family>)> = slice
        .char_indices()
        .map(|(i, c)| {
            let fam = if is_arabic(c) && !c.is_ascii_digit() {
                Some(Family::Arabic)
            } else if c.is_alphabetic() {
                Some(Family::Latin)
            } else {
                None
            };
            (i, c, fam)
        })
        .collect();
    let default = if rtl { Family::Arabic } else { Family::Latin };
    let mut resolved = Vec::with_capacity(strong.len());
    let mut prev: Option<Family> = None;
    for (k, &(i, c, fam)) in strong.iter().enumerate() {
        let fam = fam
            .or(prev)
            .unwrap_or_else(|| strong[k + 1..].iter().find_map(|s| s.2).unwrap_or(default));
        prev = Some(fam);
        let mut font = font_for(fam, weight);
        if !fonts.has_glyph(font, c) && !c.is_whitespace() {
            let other = font_for(
                if fam == Family::Arabic {
                    Family::Latin
                } else {
                    Family::Arabic
                },
                weight,
            );
            if fonts.has_glyph(other, c) {
                font = other;
            }
        }
        resolved.push((range.start + i, font));
    }
    let mut pieces: Vec<(Range<usize>, FontId)> = Vec::new();
    for (k, &(pos, font)) in resolved.iter().enumerate() {
        let end = resolved.get(k + 1).map_or(range.end, |r| r.0);
        match pieces.last_mut() {
            Some((r, f)) if *f == font => r.end = end,
            _ => pieces.push((pos..end, font)),
        }
    }
    pieces
}

fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || (c.is_control() && c != '\n') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn level_for(dir: TextDir) -> Option<Level> {
    match dir {
        TextDir::Auto => None,
        TextDir::Ltr => Some(Level::ltr()),
        TextDir::Rtl => Some(Level::rtl()),
    }
}

/// Shapes `range` of a bidi paragraph as it is displayed: runs in visual order.
fn shape_line(
    fonts: &Fonts,
    bidi: &ParagraphBidiInfo<'_>,
    range: Range<usize>,
    weight: Weight,
    size: f32,
) -> Line {
    let text = bidi.text;
    let mut line = Line::default();
    if range.is_empty() {
        return line;
    }
    let (levels, runs) = bidi.visual_runs(range);
    for run in runs {
        let rtl = levels[run.start].is_rtl();
        let mut pieces = font_pieces(fonts, text, run, weight, rtl);
        if rtl {
            pieces.reverse();
        }
        for (r, font) in pieces {
            let shaped = shape(fonts, &text[r], font, size, rtl);
            line.width += shaped.width;
            line.runs.push(shaped);
        }
    }
    line
}

/// Lays out one or more paragraphs (separated by `\n`) in lines at most `max_width` wide.
pub(crate) fn layout(
    text: &str,
    dir: TextDir,
    weight: Weight,
    size: f32,
    max_width: f32,
) -> Vec<Line> {
    let fonts = &*FONTS;
    let text = clean(text);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let bidi = ParagraphBidiInfo::new(para, level_for(dir));
        let measure = |r: Range<usize>| shape_line(fonts, &bidi, r, weight, size).width;
        // Words: maximal runs of non-space characters.
        let mut words: Vec<Range<usize>> = Vec::new();
        let mut start = None;
        for (i, c) in para.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    words.push(s..i);
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            words.push(s..para.len());
        }
        if words.is_empty() {
            lines.push(Line::default());
            continue;
        }
        let mut cur: Option<Range<usize>> = None;
        let mut k = 0;
        while k < words.len() {
            let w = words[k].clone();
            let candidate = match &cur {
                Some(c) => c.start..w.end,
                None => w.clone(),
            };
            if measure(candidate.clone()) <= max_width {
                cur = Some(candidate);
                k += 1;
                continue;
            }
            if let Some(c) = cur.take() {
                lines.push(shape_line(fonts, &bidi, c, weight, size));
                continue;
            }
            // A single word wider than the line: break it between characters.
            let mut end = w.start;
            for (i, c) in para[w.clone()].char_indices() {
                let next = w.start + i + c.len_utf8();
                if end > w.start && measure(w.start..next) > max_width {
                    break;
                }
                end = next;
            }
            lines.push(shape_line(fonts, &bidi, w.start..end, weight, size));
            if end < w.end {
                words[k] = end..w.end;
            } else {
                k += 1;
            }
        }
        if let Some(c) = cur {
            lines.push(shape_line(fonts, &bidi, c, weight, size));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(text: &str, dir: TextDir) -> Vec<(String, Vec<u16>)> {
        layout(text, dir, Weight::Regular, 10.0, f32::INFINITY)
            .remove(0)
            .runs
            .into_iter()
            .map(|r| (r.text, r.glyphs.iter().map(|g| g.id).collect()))
            .collect()
    }

    #[test]
    fn lam_alef_takes_its_special_forms() {
        // Noto Naskh draws lam-alef as a lam and an alef in dedicated forms: the lam before
        // an alef differs from the lam before a beh, and from the isolated lam.
        let lam_alef = glyphs("لا", TextDir::Auto)[0].1.clone();
        let lam_beh = glyphs("لب", TextDir::Auto)[0].1.clone();
        let lam = glyphs("ل", TextDir::Auto)[0].1[0];
        // right to left: the lam is the last glyph drawn
        let l1 = *lam_alef.last().expect("glyphs");
        let l2 = *lam_beh.last().expect("glyphs");
        assert_ne!(l1, l2, "lam-alef not formed: {lam_alef:?} vs {lam_beh:?}");
        assert_ne!(l1, lam);
    }

    #[test]
    fn letters_take_joining_forms() {
        // beh alone, and beh-beh-beh: initial, medial and final forms differ from the
        // isolated one.
        let alone = glyphs("ب", TextDir::Auto)[0].1[0];
        let joined = glyphs("ببب", TextDir::Auto)[0].1.clone();
        assert_eq!(joined.len(), 3);
        assert!(
            joined.iter().all(|g| *g != alone),
            "{joined:?} vs isolated {alone}"
        );
        // Drawn right to left: the final form (last letter) comes first, the initial last.
        assert_ne!(joined[0], joined[2]);
    }

    #[test]
    fn mixed_line_runs_in_visual_order() {
        let runs = glyphs("وصلت Marie 2017", TextDir::Rtl);
        let texts: Vec<&str> = runs.iter().map(|r| r.0.as_str()).collect();
        // Right-to-left paragraph: the Latin name with its number is on the left, the Arabic
        // verb on the right.
        assert!(texts[0].starts_with("Marie"), "{texts:?}");
        assert!(
            texts.last().is_some_and(|t| t.contains("وصلت")),
            "{texts:?}"
        );
    }

    #[test]
    fn arabic_uses_naskh_and_latin_uses_sans() {
        let line = layout(
            "Marie مريم",
            TextDir::Ltr,
            Weight::Bold,
            10.0,
            f32::INFINITY,
        )
        .remove(0);
        let fonts: Vec<FontId> = line.runs.iter().map(|r| r.font).collect();
        assert!(
            fonts.contains(&FontId::SansBold) && fonts.contains(&FontId::NaskhBold),
            "{fonts:?}"
        );
    }

    #[test]
    fn long_text_wraps_within_the_width() {
        let text = "قررت الوزارة أن الأطفال الذين تبلغ أعمارهم ثلاث سنوات أو أقل يبقون مع أمهاتهم "
            .repeat(5);
        let lines = layout(&text, TextDir::Auto, Weight::Regular, 10.0, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.width <= 200.0 + 0.01));
        let word = "x".repeat(400);
        assert!(
            layout(&word, TextDir::Auto, Weight::Regular, 10.0, 100.0)
                .iter()
                .all(|l| l.width <= 100.0 + 0.01)
        );
    }

    #[test]
    fn cyrillic_is_covered() {
        assert!(FONTS.covers("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"));
        assert!(FONTS.covers("àâçéèêëîïôœùûüÿ ÀÂÇÉÈÊËÎÏÔŒÙÛÜŸ"));
    }
}
