//! Name cultures, their tables, and how one name is written in its own script, in a passport
//! and by an Iraqi registrar in Arabic script.

mod arabic;
mod caucasus;
mod central_asia;
mod russia;
pub(crate) mod translit;
mod turkish;
mod ukrainian;
mod western;

use std::borrow::Cow;

use rand::Rng;

use translit::{Cyrillic, Orthography, Style};

/// Given names and surnames of one culture. Entry syntax depends on the script, see the
/// table modules; surnames are in their masculine or neutral form.
pub(crate) struct Table {
    /// Women's and girls' given names.
    pub female: &'static [&'static str],
    /// Men's and boys' given names.
    pub male: &'static [&'static str],
    /// Surnames.
    pub surnames: &'static [&'static str],
}

/// The naming tradition a person's name comes from (not the same as the nationality: a
/// French citizen may carry a North African name, a German one a Turkish name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Culture {
    Turkish,
    Russian,
    Chechen,
    Dagestani,
    Tajik,
    Uzbek,
    Kazakh,
    Kyrgyz,
    Azerbaijani,
    Georgian,
    Ukrainian,
    French,
    German,
    Dutch,
    Swedish,
    English,
    ArabMaghreb,
    ArabMashreq,
}

/// The script a culture writes its names in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Latin,
    Cyrillic,
    Georgian,
    Arabic,
}

impl Culture {
    pub(crate) fn table(self) -> &'static Table {
        match self {
            Culture::Turkish => &turkish::TURKISH,
            Culture::Russian => &russia::RUSSIAN,
            Culture::Chechen => &russia::CHECHEN,
            Culture::Dagestani => &russia::DAGESTANI,
            Culture::Tajik => &central_asia::TAJIK,
            Culture::Uzbek => &central_asia::UZBEK,
            Culture::Kazakh => &central_asia::KAZAKH,
            Culture::Kyrgyz => &central_asia::KYRGYZ,
            Culture::Azerbaijani => &caucasus::AZERBAIJANI,
            Culture::Georgian => &caucasus::GEORGIAN,
            Culture::Ukrainian => &ukrainian::UKRAINIAN,
            Culture::French => &western::FRENCH,
            Culture::German => &western::GERMAN,
            Culture::Dutch => &western::DUTCH,
            Culture::Swedish => &western::SWEDISH,
            Culture::English => &western::ENGLISH,
            Culture::ArabMaghreb => &arabic::MAGHREB,
            Culture::ArabMashreq => &arabic::MASHREQ,
        }
    }

    pub(crate) fn script(self) -> Script {
        match self {
            Culture::Russian
            | Culture::Chechen
            | Culture::Dagestani
            | Culture::Tajik
            | Culture::Kazakh
            | Culture::Kyrgyz
            | Culture::Ukrainian => Script::Cyrillic,
            Culture::Georgian => Script::Georgian,
            Culture::ArabMaghreb | Culture::ArabMashreq => Script::Arabic,
            _ => Script::Latin,
        }
    }

    /// Whether a married woman usually carries her husband's surname.
    pub(crate) fn married_name(self) -> bool {
        self.script() != Script::Arabic
    }

    /// Home towns, when the culture says more than the nationality does.
    pub(crate) fn home_towns(self) -> Option<&'static [&'static str]> {
        match self {
            Culture::Chechen => Some(&["Grozny", "Urus-Martan", "Shali", "Gudermes"]),
            Culture::Dagestani => Some(&["Makhachkala", "Khasavyurt", "Derbent", "Buynaksk"]),
            Culture::Russian => Some(&["Moscow", "Kazan", "Orenburg", "Tyumen"]),
            _ => None,
        }
    }

    /// The feminine Arabic nisba a kunya may carry, when the culture says more than the
    /// nationality does.
    pub(crate) fn nisba(self) -> Option<(&'static str, &'static str)> {
        match self {
            Culture::Chechen => Some(("الشيشانية", "al-Shishaniyya")),
            Culture::Dagestani => Some(("الداغستانية", "al-Daghistaniyya")),
            _ => None,
        }
    }
}

/// One word of a name (a given name or a surname) in every form the generator needs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Word {
    /// In the culture's own script.
    pub own: Cow<'static, str>,
    /// Latin form as a passport prints it.
    pub latin: Cow<'static, str>,
    /// Phonetic spelling (ASCII, any case), the input of the Arabic transliteration.
    pub phon: Cow<'static, str>,
    /// The standard Arabic spelling, for names of Arabic origin.
    pub arabic: Option<&'static str>,
    /// The common Latin form of that Arabic name (used in kunyas).
    pub arabic_latin: Option<&'static str>,
}

fn feminine_cyrillic(s: &str) -> String {
    for (m, f) in [("ський", "ська"), ("ский", "ская"), ("цкий", "цкая")] {
        if let Some(stem) = s.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    if ["ов", "ев", "ёв", "ин", "ын"]
        .iter()
        .any(|e| s.ends_with(e))
    {
        return format!("{s}а");
    }
    s.to_owned()
}

fn feminine_latin(s: &str) -> String {
    if s.ends_with("ov") || s.ends_with("ev") {
        format!("{s}a")
    } else {
        s.to_owned()
    }
}

impl Word {
    /// A table entry of `culture`; `female_surname` makes a surname feminine.
    pub(crate) fn from_entry(culture: Culture, entry: &'static str, female_surname: bool) -> Word {
        let mut w = Word::default();
        match culture.script() {
            Script::Cyrillic => {
                let (own, ar) = split_arabic(entry);
                let ortho = if culture == Culture::Ukrainian {
                    Cyrillic::Ukrainian
                } else {
                    Cyrillic::Russian
                };
                w.own = if female_surname {
                    Cow::Owned(feminine_cyrillic(own))
                } else {
                    Cow::Borrowed(own)
                };
                let (mut latin, mut phon) = (String::new(), String::new());
                translit::cyrillic_to_latin(&w.own, ortho, &mut latin);
                translit::cyrillic_to_phonetic(&w.own, ortho, &mut phon);
                w.latin = Cow::Owned(latin);
                w.phon = Cow::Owned(phon);
                w.arabic = ar;
            }
            Script::Georgian => {
                w.own = Cow::Borrowed(entry);
                let mut latin = String::new();
                translit::georgian_to_latin(entry, &mut latin);
                w.phon = Cow::Owned(latin.clone());
                w.latin = Cow::Owned(latin);
            }
            Script::Arabic => {
                let mut parts = entry.split('|');
                let ar = parts.next().unwrap_or(entry);
                let east = parts.next().unwrap_or("");
                let west = parts.next().unwrap_or(east);
                w.own = Cow::Borrowed(ar);
                w.latin = Cow::Borrowed(if culture == Culture::ArabMaghreb {
                    west
                } else {
                    east
                });
                // Written in Arabic already: the registrar copies it, no transliteration.
                w.arabic = Some(ar);
                w.arabic_latin = Some(east);
            }
            Script::Latin => {
                let ortho = match culture {
                    Culture::Turkish => Some(Orthography::Turkish),
                    Culture::Azerbaijani => Some(Orthography::Azerbaijani),
                    Culture::Uzbek => Some(Orthography::Uzbek),
                    _ => None,
                };
                if let Some(ortho) = ortho {
                    let (own, ar) = split_arabic(entry);
                    w.own = if female_surname && culture != Culture::Turkish {
                        Cow::Owned(feminine_latin(own))
                    } else {
                        Cow::Borrowed(own)
                    };
                    w.latin = if w.own.contains(['‘', 'ʻ']) {
                        Cow::Owned(w.own.replace(['‘', 'ʻ'], "'"))
                    } else {
                        w.own.clone()
                    };
                    let mut phon = String::new();
                    translit::latin_to_phonetic(&w.own, ortho, &mut phon);
                    w.phon = Cow::Owned(phon);
                    w.arabic = ar;
                } else {
                    let (own, rest) = entry.split_once('/').unwrap_or((entry, entry));
                    let (phon, ar) = split_arabic(rest);
                    w.own = Cow::Borrowed(own);
                    w.latin = Cow::Borrowed(own);
                    w.phon = Cow::Borrowed(phon);
                    w.arabic = ar;
                }
            }
        }
        w
    }

    /// An Arabic given name ("عبدالله|Abdullah|Абдулла") as a child of `culture` carries it.
    pub(crate) fn arabic_given(culture: Culture, entry: &'static str) -> Word {
        let mut parts = entry.split('|');
        let ar = parts.next().unwrap_or(entry);
        let lat = parts.next().unwrap_or("");
        let cyr = parts.next().unwrap_or(lat);
        let mut w = Word {
            arabic: Some(ar),
            arabic_latin: Some(lat),
            phon: Cow::Borrowed(lat),
            ..Word::default()
        };
        match culture.script() {
            Script::Cyrillic => {
                w.own = Cow::Borrowed(cyr);
                let mut latin = String::new();
                translit::cyrillic_to_latin(cyr, Cyrillic::Russian, &mut latin);
                w.latin = Cow::Owned(latin);
            }
            Script::Arabic => {
                w.own = Cow::Borrowed(ar);
                w.latin = Cow::Borrowed(lat);
                w.phon = Cow::Borrowed("");
            }
            Script::Latin | Script::Georgian => {
                w.own = Cow::Borrowed(lat);
                w.latin = Cow::Borrowed(lat);
            }
        }
        w
    }

    /// The word in Arabic script as written by a registrar of `style`.
    pub(crate) fn write_arabic(&self, style: Style, feminine_given: bool, out: &mut String) {
        match self.arabic {
            Some(ar) if style.canonical || self.phon.is_empty() => out.push_str(ar),
            _ => translit::phonetic_to_arabic(&self.phon, style, feminine_given, out),
        }
    }
}

fn split_arabic(entry: &'static str) -> (&'static str, Option<&'static str>) {
    match entry.split_once('=') {
        Some((own, ar)) => (own, Some(ar)),
        None => (entry, None),
    }
}

/// A random registrar style.
pub(crate) fn random_style<R: Rng>(rng: &mut R) -> Style {
    Style {
        g_jim: rng.gen_bool(0.3),
        drop_short: rng.gen_bool(0.35),
        hamza: rng.gen_bool(0.3),
        final_ta: rng.gen_bool(0.25),
        canonical: rng.gen_bool(0.8),
    }
}

/// A second registrar who writes differently in at least two respects.
pub(crate) fn other_style(s: Style) -> Style {
    Style {
        g_jim: !s.g_jim,
        drop_short: !s.drop_short,
        canonical: !s.canonical,
        ..s
    }
}

/// A full name (given names then surname) written in Arabic script.
pub(crate) fn arabic_name(words: &[&Word], female: bool, arab: bool, style: Style) -> String {
    let mut out = String::with_capacity(48);
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        w.write_arabic(style, female && i == 0, &mut out);
    }
    if arab && !style.canonical {
        let mut v = String::with_capacity(out.len());
        translit::arabic_variant(&out, &mut v);
        return v;
    }
    out
}

/// Join the chosen form of each word with spaces.
pub(crate) fn join(words: &[&Word], form: fn(&Word) -> &str) -> String {
    let mut out = String::with_capacity(40);
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(form(w));
    }
    out
}

/// Pick an Arabic given name for a child.
pub(crate) fn arabic_child_entry<R: Rng>(rng: &mut R, female: bool) -> &'static str {
    let table = if female {
        arabic::CHILD_GIRLS
    } else {
        arabic::CHILD_BOYS
    };
    table[rng.gen_range(0..table.len())]
}

/// A common kunya name ("عبدالله|Abdullah").
pub(crate) fn kunya_entry<R: Rng>(rng: &mut R) -> (&'static str, &'static str) {
    let e = arabic::KUNYA_NAMES[rng.gen_range(0..arabic::KUNYA_NAMES.len())];
    e.split_once('|').unwrap_or((e, e))
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

    #[test]
    fn every_table_entry_renders_in_arabic_script() {
        use Culture::*;
        for c in [
            Turkish,
            Russian,
            Chechen,
            Dagestani,
            Tajik,
            Uzbek,
            Kazakh,
            Kyrgyz,
            Azerbaijani,
            Georgian,
            Ukrainian,
            French,
            German,
            Dutch,
            Swedish,
            English,
            ArabMaghreb,
            ArabMashreq,
        ] {
            let t = c.table();
            for (entries, fem) in [(t.female, true), (t.male, false), (t.surnames, true)] {
                for e in entries {
                    let w = Word::from_entry(c, e, fem);
                    for style in [PLAIN, other_style(PLAIN)] {
                        let ar = arabic_name(&[&w], fem, false, style);
                        assert!(
                            ar.chars()
                                .all(|ch| ch == ' ' || ('\u{0600}'..='\u{06FF}').contains(&ch)),
                            "{c:?} {e}: {ar}"
                        );
                    }
                    let accented = matches!(c, Turkish | Azerbaijani | French | German | Swedish);
                    assert!(!w.latin.is_empty(), "{c:?} {e}");
                    assert!(w.latin.is_ascii() || accented, "{c:?} {e}: {}", w.latin);
                }
            }
        }
    }

    #[test]
    fn surnames_agree_with_sex() {
        let w = Word::from_entry(Culture::Russian, "Жуковский", true);
        assert_eq!(w.own, "Жуковская");
        let w = Word::from_entry(Culture::Tajik, "Раҳмонзода", true);
        assert_eq!(w.own, "Раҳмонзода");
        let w = Word::from_entry(Culture::Azerbaijani, "Məmmədov", true);
        assert_eq!(w.own, "Məmmədova");
        assert_eq!(w.phon, "mammadova");
        let w = Word::from_entry(Culture::Ukrainian, "Шевченко", true);
        assert_eq!(w.latin, "Shevchenko");
    }
}
