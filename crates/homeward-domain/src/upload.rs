//! Photos and document scans: the file type is decided by the content, not the name, the size
//! is bounded, and images lose their metadata (camera, GPS position, dates) before they are
//! stored.

use crate::error::FieldError;

/// The largest file accepted, in bytes.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// A file type homeward accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A JPEG image.
    Jpeg,
    /// A PNG image.
    Png,
    /// A PDF document (a scan).
    Pdf,
}

impl FileType {
    /// The media type sent with the file.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Pdf => "application/pdf",
        }
    }

    /// Reads the type from the first bytes of the content.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else {
            None
        }
    }
}

/// Checks an upload and returns its type and the bytes to store (metadata removed).
pub fn accept(bytes: &[u8]) -> Result<(FileType, Vec<u8>), FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new("file", "HW-FILE-0001", "the file is empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(FieldError::new(
            "file",
            "HW-FILE-0002",
            format!("the file is larger than {} MB", MAX_BYTES / (1024 * 1024)),
        ));
    }
    let Some(kind) = FileType::sniff(bytes) else {
        return Err(FieldError::new(
            "file",
            "HW-FILE-0003",
            "only JPEG and PNG photos and PDF scans are accepted (checked by content)",
        ));
    };
    let clean = match kind {
        FileType::Jpeg => strip_jpeg(bytes),
        FileType::Png => strip_png(bytes),
        FileType::Pdf => Some(bytes.to_vec()),
    }
    .ok_or_else(|| FieldError::new("file", "HW-FILE-0004", "the image is damaged"))?;
    Ok((kind, clean))
}

/// Drops the APP1..APP15 and comment segments of a JPEG (EXIF, XMP, GPS, maker notes),
/// keeping APP0 (JFIF) and everything needed to show the image.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(..2)?);
    let mut i = 2;
    loop {
        let marker = *b.get(i + 1)?;
        if *b.get(i)? != 0xFF {
            return None;
        }
        if marker == 0xDA {
            // Start of scan: the compressed image and the end marker follow unchanged.
            out.extend_from_slice(b.get(i..)?);
            return Some(out);
        }
        if (0xD0..=0xD9).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(b.get(i..i + 2)?);
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let segment = b.get(i..i + 2 + len)?;
        let metadata = (0xE1..=0xEF).contains(&marker) || marker == 0xFE;
        if !metadata {
            out.extend_from_slice(segment);
        }
        i += 2 + len;
    }
}

/// Drops the text, time and EXIF chunks of a PNG, keeping the image chunks.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b.get(..8)?);
    let mut i = 8;
    while i < b.len() {
        let len = usize::try_from(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?)).ok()?;
        let kind = b.get(i + 4..i + 8)?;
        let chunk = b.get(i..i + 12 + len)?;
        if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        i += 12 + len;
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x06, b'J', b'F', b'I', b'F']);
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x08, b'E', b'x', b'i', b'f', b'G', b'P']);
        j.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x04, b'h', b'i']);
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn exif_and_comments_are_removed_from_a_jpeg() {
        let (kind, clean) = accept(&jpeg_with_exif()).unwrap();
        assert_eq!(kind, FileType::Jpeg);
        assert!(!clean.windows(4).any(|w| w == b"Exif"));
        assert!(!clean.windows(2).any(|w| w == b"hi"));
        assert!(clean.windows(4).any(|w| w == b"JFIF"));
        assert!(clean.ends_with(&[0x11, 0x22, 0xFF, 0xD9]));
    }

    #[test]
    fn png_text_chunks_are_removed() {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (u32::try_from(data.len()).unwrap()).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"tEXt", b"Author\0someone"));
        p.extend(chunk(b"IDAT", &[1, 2, 3]));
        p.extend(chunk(b"IEND", &[]));
        let (_, clean) = accept(&p).unwrap();
        assert!(!clean.windows(6).any(|w| w == b"Author"));
        assert!(clean.windows(4).any(|w| w == b"IDAT"));
    }

    #[test]
    fn the_type_is_read_from_the_content_not_the_name() {
        assert_eq!(
            accept(b"MZ\x90\x00 an executable").unwrap_err().code,
            "HW-FILE-0003"
        );
        assert_eq!(accept(b"%PDF-1.7 ...").unwrap().0, FileType::Pdf);
        assert_eq!(accept(&[]).unwrap_err().code, "HW-FILE-0001");
        assert_eq!(
            accept(&vec![0xFF; MAX_BYTES + 1]).unwrap_err().code,
            "HW-FILE-0002"
        );
    }
}
