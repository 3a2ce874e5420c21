//! Which writing system a name is written in, detected from its letters.

/// A writing system of a name variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Latin letters, with or without diacritics.
    Latin,
    /// Arabic script (also Persian and Urdu letters).
    Arabic,
    /// Cyrillic letters.
    Cyrillic,
    /// Georgian letters.
    Georgian,
    /// Letters of more than one script.
    Mixed,
    /// No letters at all, or a script not listed here.
    Other,
}

impl Script {
    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Script::Latin => "latin",
            Script::Arabic => "arabic",
            Script::Cyrillic => "cyrillic",
            Script::Georgian => "georgian",
            Script::Mixed => "mixed",
            Script::Other => "other",
        }
    }

    /// Parses a stored key (unknown keys read as `Other`).
    pub fn from_key(key: &str) -> Self {
        match key {
            "latin" => Script::Latin,
            "arabic" => Script::Arabic,
            "cyrillic" => Script::Cyrillic,
            "georgian" => Script::Georgian,
            "mixed" => Script::Mixed,
            _ => Script::Other,
        }
    }

    /// Whether the script runs right to left.
    pub fn is_rtl(self) -> bool {
        self == Script::Arabic
    }
}

fn script_of(c: char) -> Option<Script> {
    match c as u32 {
        0x0041..=0x005A | 0x0061..=0x007A | 0x00C0..=0x024F | 0x1E00..=0x1EFF => {
            Some(Script::Latin)
        }
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Some(Script::Arabic)
        }
        0x0400..=0x052F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Some(Script::Cyrillic),
        0x10A0..=0x10FF | 0x1C90..=0x1CBF => Some(Script::Georgian),
        _ if c.is_alphabetic() => Some(Script::Other),
        _ => None,
    }
}

/// The script of a text: the one script all its letters share, `Mixed` when they differ.
/// Arabic diacritics and tatweel are Arabic; digits, spaces and punctuation do not count.
pub fn detect(text: &str) -> Script {
    let mut found: Option<Script> = None;
    for s in text.chars().filter_map(script_of) {
        match found {
            None => found = Some(s),
            Some(f) if f != s => return Script::Mixed,
            Some(_) => {}
        }
    }
    found.unwrap_or(Script::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_told_apart() {
        assert_eq!(detect("Svetlana Ivanova"), Script::Latin);
        assert_eq!(detect("Ayşe Yılmaz"), Script::Latin);
        assert_eq!(detect("Светлана Иванова"), Script::Cyrillic);
        assert_eq!(detect("سفيتلانا ايفانوفا"), Script::Arabic);
        assert_eq!(detect("أم عبدالله"), Script::Arabic);
        assert_eq!(detect("Umm عبدالله"), Script::Mixed);
        assert_eq!(detect("12-34"), Script::Other);
    }
}
