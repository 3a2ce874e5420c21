//! Transliteration: own scripts to a plain phonetic spelling, Cyrillic to the Latin passport
//! form, and the phonetic spelling to Arabic script the way an Iraqi registrar writes a
//! foreign name (long vowels written, g as غ or ج, ch as تش, v as ف, p as ب).

/// How one registrar writes foreign names in Arabic script; two registrars differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// Write g as ج instead of غ.
    pub g_jim: bool,
    /// Drop e and i between two consonants ("Svetlana" → سفتلانا).
    pub drop_short: bool,
    /// Write the initial alif with a hamza (أ, إ).
    pub hamza: bool,
    /// End a woman's given name in -a with ة instead of ا.
    pub final_ta: bool,
    /// Use the standard Arabic spelling of names of Arabic origin when one exists.
    pub canonical: bool,
}

/// Latin orthographies whose spelling maps letter by letter to sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Orthography {
    /// Turkish: c = j, ç = ch, ş = sh, ğ silent, ı = i.
    Turkish,
    /// Azerbaijani: as Turkish, plus ə = a, x = kh, q = g.
    Azerbaijani,
    /// Uzbek Latin: x = kh, o‘ = o, g‘ = gh.
    Uzbek,
    /// Already phonetic (Georgian national romanisation, respellings).
    Plain,
}

/// Cyrillic orthographies (letter values differ slightly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cyrillic {
    /// Russian (also used for Chechen, Dagestani, Kazakh, Kyrgyz and Tajik names).
    Russian,
    /// Ukrainian: г = h, и = y, і = i, ї, є.
    Ukrainian,
}

/// Lower case of a Cyrillic letter, and whether it was upper case (faster than the general
/// Unicode tables, which matter at a million names).
fn cyrillic_lower(c: char) -> (char, bool) {
    let u = c as u32;
    let lower = match u {
        0x0410..=0x042F => u + 0x20,
        0x0400..=0x040F => u + 0x50,
        0x04C1..=0x04CE if !u.is_multiple_of(2) => u + 1,
        0x0460..=0x04BF | 0x04D0..=0x04FF if u.is_multiple_of(2) => u + 1,
        _ => u,
    };
    let lower = char::from_u32(lower).unwrap_or(c);
    (lower, lower != c)
}

fn is_vowel_sound(c: char) -> bool {
    matches!(
        c,
        'а' | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'у'
            | 'ы'
            | 'э'
            | 'ю'
            | 'я'
            | 'і'
            | 'ї'
            | 'є'
            | 'ә'
            | 'ө'
            | 'ұ'
            | 'ү'
            | 'ӣ'
            | 'ӯ'
    )
}

/// Cyrillic to the Latin form printed in passports (ICAO 9303 style, Ukrainian national
/// system for Ukrainian), keeping the capitalisation of each word.
pub(crate) fn cyrillic_to_latin(text: &str, ortho: Cyrillic, out: &mut String) {
    let mut word_start = true;
    for ch in text.chars() {
        let (lower, upper) = cyrillic_lower(ch);
        let uk = ortho == Cyrillic::Ukrainian;
        let latin: &str = match lower {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' if uk => "h",
            'г' | 'ґ' | 'ғ' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'є' if word_start => "ye",
            'є' => "ie",
            'ж' => "zh",
            'з' => "z",
            'и' if uk => "y",
            'и' | 'і' | 'ӣ' => "i",
            'ї' if word_start => "yi",
            'ї' => "i",
            'й' if uk && word_start => "y",
            'й' => "i",
            'к' | 'қ' => "k",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' => "n",
            'о' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' | 'ӯ' => "u",
            'ф' => "f",
            'х' => "kh",
            'һ' | 'ҳ' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ҷ' => "j",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "ie",
            'ы' => "y",
            'ь' | '\'' | 'ʼ' => "",
            'ю' if uk && word_start => "yu",
            'ю' => "iu",
            'я' if uk && word_start => "ya",
            'я' => "ia",
            ' ' | '-' => {
                out.push(ch);
                word_start = true;
                continue;
            }
            _ => {
                out.push(ch);
                word_start = false;
                continue;
            }
        };
        let mut cs = latin.chars();
        if let Some(first) = cs.next() {
            if upper {
                out.push(first.to_ascii_uppercase());
            } else {
                out.push(first);
            }
            out.extend(cs);
        }
        word_start = false;
    }
}

/// Cyrillic to the phonetic spelling (lower case, digraphs sh ch zh kh gh ts).
pub(crate) fn cyrillic_to_phonetic(text: &str, ortho: Cyrillic, out: &mut String) {
    let uk = ortho == Cyrillic::Ukrainian;
    let mut prev_vowel_or_start = true;
    for ch in text.chars() {
        let c = cyrillic_lower(ch).0;
        let s: &str = match c {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' if uk => "h",
            'г' | 'ґ' => "g",
            'ғ' => "gh",
            'д' => "d",
            'е' if prev_vowel_or_start && !uk => "ye",
            'е' | 'э' => "e",
            'ё' => "yo",
            'є' => "ye",
            'ж' => "zh",
            'з' => "z",
            'и' | 'і' | 'ы' | 'ӣ' => "i",
            'ї' => "yi",
            'й' => "y",
            'к' => "k",
            'қ' => "q",
            'л' => "l",
            'м' => "m",
            'н' | 'ң' => "n",
            'о' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' | 'ӯ' => "u",
            'ф' => "f",
            'х' => "kh",
            'һ' | 'ҳ' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ҷ' => "j",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' | 'ь' | '\'' | 'ʼ' => "",
            'ю' => "yu",
            'я' => "ya",
            ' ' | '-' => " ",
            _ => "",
        };
        out.push_str(s);
        prev_vowel_or_start = c == ' ' || c == '-' || c == 'ь' || c == 'ъ' || is_vowel_sound(c);
    }
}

/// A Latin orthography to the phonetic spelling.
pub(crate) fn latin_to_phonetic(text: &str, ortho: Orthography, out: &mut String) {
    for ch in text.chars() {
        // Lower-case by hand: Turkish dotted and dotless i must not become "i̇".
        let c = match ch {
            'İ' => 'i',
            'I' if matches!(ortho, Orthography::Turkish | Orthography::Azerbaijani) => 'ı',
            'Ə' => 'ə',
            _ => ch.to_lowercase().next().unwrap_or(ch),
        };
        let turkic = matches!(ortho, Orthography::Turkish | Orthography::Azerbaijani);
        let s: &str = match c {
            'c' if turkic => "j",
            'ç' => "ch",
            'ş' => "sh",
            'ğ' if ortho == Orthography::Azerbaijani => "gh",
            'ğ' => "",
            'ı' | 'î' | 'í' | 'ï' => "i",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'ß' => "s",
            'ö' | 'ô' | 'ó' => "o",
            'ü' | 'û' | 'ú' => "u",
            'â' | 'à' | 'á' | 'ä' | 'å' | 'ə' => "a",
            'j' if turkic => "zh",
            'x' if ortho != Orthography::Plain => "kh",
            'q' if ortho == Orthography::Azerbaijani => "g",
            '‘' | 'ʻ' | '\'' | 'ʼ' | '’' => {
                // Uzbek o‘ and g‘: the mark only modifies the letter before it.
                if out.ends_with('g') {
                    out.push('h');
                }
                ""
            }
            '-' | ' ' => " ",
            c if c.is_ascii_alphabetic() => {
                out.push(c);
                ""
            }
            _ => "",
        };
        out.push_str(s);
    }
}

fn is_phon_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

#[derive(Clone, Copy)]
enum Unit {
    Cons(&'static str),
    Vowel(u8),
}

/// Phonetic spelling (ASCII, case ignored) to Arabic script, word by word. `feminine_given`
/// applies the style's final ة to a woman's given name.
pub(crate) fn phonetic_to_arabic(phon: &str, style: Style, feminine_given: bool, out: &mut String) {
    let mut first_word = true;
    for word in phon.split([' ', '-']).filter(|w| !w.is_empty()) {
        if !first_word {
            out.push(' ');
        }
        first_word = false;
        word_to_arabic(word.as_bytes(), style, feminine_given, out);
    }
}

fn consonant(b: u8, style: Style) -> &'static str {
    match b {
        b'b' | b'p' => "ب",
        b't' => "ت",
        b'd' => "د",
        b'f' | b'v' => "ف",
        b'w' => "و",
        b's' => "س",
        b'z' => "ز",
        b'k' | b'c' => "ك",
        b'q' => "ق",
        b'g' if style.g_jim => "ج",
        b'g' => "غ",
        b'j' => "ج",
        b'l' => "ل",
        b'm' => "م",
        b'n' => "ن",
        b'r' => "ر",
        b'h' => "ه",
        b'x' => "كس",
        b'y' => "ي",
        _ => "",
    }
}

fn word_to_arabic(word: &[u8], style: Style, feminine_given: bool, out: &mut String) {
    let mut lower = [0u8; 48];
    let len = word.len().min(lower.len());
    for (l, b) in lower.iter_mut().zip(&word[..len]) {
        *l = b.to_ascii_lowercase();
    }
    let w = &lower[..len];
    let mut units: [Unit; 48] = [Unit::Vowel(0); 48];
    let mut n = 0;
    let mut i = 0;
    while i < w.len() && n < units.len() {
        let rest = &w[i..];
        let (unit, len) = if rest.starts_with(b"shch") {
            (Unit::Cons("شتش"), 4)
        } else if rest.starts_with(b"sh") {
            (Unit::Cons("ش"), 2)
        } else if rest.starts_with(b"ch") {
            (Unit::Cons("تش"), 2)
        } else if rest.starts_with(b"zh") {
            (Unit::Cons("ج"), 2)
        } else if rest.starts_with(b"kh") {
            (Unit::Cons("خ"), 2)
        } else if rest.starts_with(b"gh") {
            (Unit::Cons("غ"), 2)
        } else if rest.starts_with(b"ts") {
            (Unit::Cons("تس"), 2)
        } else if rest.starts_with(b"dz") {
            (Unit::Cons("دز"), 2)
        } else if rest.starts_with(b"th") {
            (Unit::Cons("ث"), 2)
        } else if rest.starts_with(b"ph") {
            (Unit::Cons("ف"), 2)
        } else if is_phon_vowel(rest[0]) {
            (Unit::Vowel(rest[0]), 1)
        } else if rest[0] == b'y' {
            // y before a vowel is a consonant; elsewhere it closes a diphthong like i.
            let next_vowel = rest.get(1).is_some_and(|b| is_phon_vowel(*b));
            if next_vowel {
                (Unit::Cons("ي"), 1)
            } else {
                (Unit::Vowel(b'i'), 1)
            }
        } else {
            (Unit::Cons(consonant(rest[0], style)), 1)
        };
        units[n] = unit;
        n += 1;
        i += len;
    }
    let units = &units[..n];
    let start_len = out.len();
    let mut last: &str = "";
    for (k, unit) in units.iter().enumerate() {
        let piece: &'static str = match *unit {
            Unit::Cons(c) => c,
            Unit::Vowel(v) if k == 0 => match (v, style.hamza) {
                (b'a', false) => "ا",
                (b'a', true) => "أ",
                (b'e' | b'i', false) => "اي",
                (b'e' | b'i', true) => "إي",
                (_, false) => "او",
                (_, true) => "أو",
            },
            Unit::Vowel(v) => {
                let last_unit = k + 1 == units.len();
                let between = !last_unit
                    && matches!(units[k - 1], Unit::Cons(_))
                    && matches!(units[k + 1], Unit::Cons(_));
                match v {
                    b'a' if last_unit && feminine_given && style.final_ta => "ة",
                    b'a' => "ا",
                    b'e' | b'i' if style.drop_short && between => "",
                    b'e' | b'i' => "ي",
                    _ => "و",
                }
            }
        };
        if piece.is_empty() || piece == last {
            // A doubled letter is written once (the shadda is not written).
            continue;
        }
        out.push_str(piece);
        last = piece;
    }
    if out.len() == start_len {
        out.push('ا');
    }
}

/// A registrar's variant of a name already in Arabic script: hamza and ة dropped, final ى
/// written ي, as often happens in handwritten registers.
pub(crate) fn arabic_variant(text: &str, out: &mut String) {
    for ch in text.chars() {
        out.push(match ch {
            'أ' | 'إ' | 'آ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            'ئ' => 'ي',
            c => c,
        });
    }
}

/// Georgian national romanisation (as in passports) from the Georgian script.
pub(crate) fn georgian_to_latin(text: &str, out: &mut String) {
    let mut word_start = true;
    for ch in text.chars() {
        let s = match ch {
            'ა' => "a",
            'ბ' => "b",
            'გ' => "g",
            'დ' => "d",
            'ე' => "e",
            'ვ' => "v",
            'ზ' => "z",
            'თ' | 'ტ' => "t",
            'ი' => "i",
            'კ' | 'ქ' => "k",
            'ლ' => "l",
            'მ' => "m",
            'ნ' => "n",
            'ო' => "o",
            'პ' | 'ფ' => "p",
            'ჟ' => "zh",
            'რ' => "r",
            'ს' => "s",
            'უ' => "u",
            'ღ' => "gh",
            'ყ' => "q",
            'შ' => "sh",
            'ჩ' | 'ჭ' => "ch",
            'ც' | 'წ' => "ts",
            'ძ' => "dz",
            'ხ' => "kh",
            'ჯ' => "j",
            'ჰ' => "h",
            ' ' | '-' => {
                out.push(ch);
                word_start = true;
                continue;
            }
            _ => "",
        };
        let mut cs = s.chars();
        if let Some(first) = cs.next() {
            out.push(if word_start {
                first.to_ascii_uppercase()
            } else {
                first
            });
            out.extend(cs);
            word_start = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Style = Style {
        g_jim: false,
        drop_short: false,
        hamza: false,
        final_ta: false,
        canonical: true,
    };

    fn ar(phon: &str, style: Style) -> String {
        let mut s = String::new();
        phonetic_to_arabic(phon, style, true, &mut s);
        s
    }

    #[test]
    fn russian_names_as_a_registrar_writes_them() {
        let mut latin = String::new();
        cyrillic_to_latin("Светлана Иванова", Cyrillic::Russian, &mut latin);
        assert_eq!(latin, "Svetlana Ivanova");
        let mut phon = String::new();
        cyrillic_to_phonetic("Светлана Иванова", Cyrillic::Russian, &mut phon);
        assert_eq!(phon, "svetlana ivanova");
        assert_eq!(ar(&phon, PLAIN), "سفيتلانا ايفانوفا");
        let variant = Style {
            drop_short: true,
            hamza: true,
            ..PLAIN
        };
        assert_eq!(ar(&phon, variant), "سفتلانا إيفانوفا");
    }

    #[test]
    fn passport_forms() {
        let mut s = String::new();
        cyrillic_to_latin("Мария Щукина", Cyrillic::Russian, &mut s);
        assert_eq!(s, "Mariia Shchukina");
        s.clear();
        cyrillic_to_latin("Юлія Ковальчук", Cyrillic::Ukrainian, &mut s);
        assert_eq!(s, "Yuliia Kovalchuk");
        s.clear();
        georgian_to_latin("ნინო ბერიძე", &mut s);
        assert_eq!(s, "Nino Beridze");
    }

    #[test]
    fn turkish_and_azerbaijani_sounds() {
        let mut s = String::new();
        latin_to_phonetic("Ayşe Yılmaz", Orthography::Turkish, &mut s);
        assert_eq!(s, "ayshe yilmaz");
        assert_eq!(ar("yilmaz", PLAIN), "يلماز");
        s.clear();
        latin_to_phonetic("Xədicə Məmmədova", Orthography::Azerbaijani, &mut s);
        assert_eq!(s, "khadija mammadova");
        s.clear();
        latin_to_phonetic("Go‘zal", Orthography::Uzbek, &mut s);
        assert_eq!(s, "gozal");
        assert_eq!(ar("chingiz", PLAIN), "تشينغيز");
        assert_eq!(ar("pavel", PLAIN), "بافيل");
        assert_eq!(ar("sharlot", PLAIN), "شارلوت");
        assert_eq!(ar("ulugbek", PLAIN), "اولوغبيك");
        assert_eq!(
            ar(
                "chingiz",
                Style {
                    g_jim: true,
                    ..PLAIN
                }
            ),
            "تشينجيز"
        );
    }
}
