//! homeward's PDF writer.
//!
//! A small document model ([`Document`] made of [`Block`]s: title, headings, paragraphs,
//! key/value tables, data tables, JPEG/PNG images) laid out on A4 pages with a header, a
//! "confidential" mark and page numbers, and written with [krilla]: fonts embedded and subset,
//! every glyph mapped back to its characters so text can be copied and extracted.
//!
//! Arabic is shaped (joining forms, lam-alef) by rustybuzz and laid out right to left; mixed
//! text (Latin names and digits inside Arabic, Arabic inside French) is ordered with the Unicode
//! bidirectional algorithm. Latin, French and Cyrillic text use Noto Sans, Arabic Noto Naskh
//! Arabic. The crate is pure: no database, no network, no clock.
//!
//! [`dossier`] builds the repatriation dossier from plain data.

pub mod dossier;
mod layout;
mod render;
mod text;

pub use text::{TextDir, Weight};

/// Page direction of a document: which side text starts on and the order of table columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Ltr,
    Rtl,
}

/// A document to render.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// Document title (PDF metadata).
    pub title: String,
    /// BCP 47 language tag of the main language (PDF metadata), e.g. `ar` or `fr`.
    pub lang: String,
    pub direction: Direction,
    /// Text at the top of every page, on the start side.
    pub header: String,
    /// The mark on the other side of the header, in bold (e.g. "CONFIDENTIAL").
    pub mark: String,
    /// Text at the bottom of every page, on the start side.
    pub footer: String,
    /// Page number label; `{page}` and `{pages}` are replaced. Empty: "{page} / {pages}".
    pub page_label: String,
    pub blocks: Vec<Block>,
}

/// One column of a data table.
#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    /// Relative width; columns share the line width in proportion.
    pub weight: f32,
}

/// A piece of content.
#[derive(Clone, Debug)]
pub enum Block {
    /// Large bold title with a rule under it.
    Title(String),
    /// Section heading, kept with what follows it.
    Heading(String),
    /// Running text; `\n` starts a new line.
    Paragraph { text: String, dir: TextDir },
    /// Label and value pairs in two columns (labels in bold, in the document's direction; values
    /// take their own direction from their first strong character).
    KeyValue(Vec<(String, String)>),
    /// Rows under column titles, repeated on each page the table continues on.
    Table {
        columns: Vec<Column>,
        rows: Vec<Vec<String>>,
    },
    /// A JPEG or PNG image, scaled down to fit `max_width` × `max_height` points, with a caption.
    Image {
        bytes: Vec<u8>,
        max_width: f32,
        max_height: f32,
        caption: String,
    },
    /// Vertical space in points.
    Space(f32),
}

impl Block {
    /// A paragraph whose direction comes from its first strong character.
    pub fn para(text: impl Into<String>) -> Block {
        Block::Paragraph {
            text: text.into(),
            dir: TextDir::Auto,
        }
    }
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("block {index}: not a readable JPEG or PNG image ({reason})")]
    Image { index: usize, reason: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Whether `bytes` is a JPEG or PNG image this crate can embed.
pub fn image_readable(bytes: &[u8]) -> bool {
    render::load_image(bytes).is_ok()
}

/// Whether every character of `text` has a glyph in the built-in fonts.
pub fn fonts_cover(text: &str) -> bool {
    text::FONTS.covers(text)
}

/// Lays the document out on A4 pages and writes it as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let pages = layout::paginate(doc)?;
    render::write(doc, &pages)
}

/// The number of pages `doc` takes.
pub fn page_count(doc: &Document) -> Result<usize, PdfError> {
    Ok(layout::paginate(doc)?.len())
}
