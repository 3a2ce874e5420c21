//! Languages: Fluent message files embedded in the binary, the language of a request
//! (a `lang` cookie, then `Accept-Language`, then English), and dates written for a reader.
//!
//! Every language with a `locales/<code>/main.ftl` file is offered; adding French or Russian
//! is a translation only. Digits stay Western (0-9) in every language so that registration
//! and document numbers read exactly as they are written on paper and typed into search.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Names are isolated in markup (<bdi>), not with invisible marks inside messages.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The language cookie's name.
pub const LANG_COOKIE: &str = "lang";

/// Languages written right to left.
const RTL: &[&str] = &["ar", "fa", "he", "ur", "ps", "ku"];

/// A language the pages are shown in.
#[derive(Debug, Clone)]
pub struct Lang(LanguageIdentifier);

impl Lang {
    /// English, the fallback.
    pub fn english() -> Self {
        Self(fluent_templates::langid!("en"))
    }

    /// Every language that has a message file, English first.
    pub fn available() -> Vec<Lang> {
        let mut all: Vec<Lang> = LOCALES.locales().map(|l| Lang(l.clone())).collect();
        all.sort_by(|a, b| (a.code() != "en", a.code()).cmp(&(b.code() != "en", b.code())));
        all
    }

    /// A supported language from a tag such as `ar`, `ar-IQ` or `en-GB`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::available().into_iter().find(|l| l.code() == primary)
    }

    /// The language of a request.
    pub fn of(parts: &Parts) -> Lang {
        if let Some(l) = cookie(parts, LANG_COOKIE).and_then(|v| Lang::from_tag(&v)) {
            return l;
        }
        let header = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let mut tags: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|item| {
                let mut bits = item.split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter()
            .find_map(|(_, t)| Lang::from_tag(t))
            .unwrap_or_else(Lang::english)
    }

    /// The primary language code (`en`, `ar`).
    pub fn code(&self) -> &str {
        self.0.language.as_str()
    }

    /// `rtl` or `ltr`.
    pub fn dir(&self) -> &'static str {
        if RTL.contains(&self.code()) {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// A message.
    pub fn t(&self, id: &str) -> String {
        LOCALES
            .try_lookup(&self.0, id)
            .unwrap_or_else(|| id.to_owned())
    }

    /// A message, or `None` when no language has it.
    pub fn try_t(&self, id: &str) -> Option<String> {
        LOCALES.try_lookup(&self.0, id)
    }

    /// A message with arguments.
    pub fn ta(&self, id: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(&self.0, id, &map)
            .unwrap_or_else(|| id.to_owned())
    }

    /// A stored key shown in words (`sex-female`), or the key itself when no message exists.
    pub fn key(&self, prefix: &str, key: &str) -> String {
        self.try_t(&format!("{prefix}-{key}"))
            .unwrap_or_else(|| key.to_owned())
    }

    /// A moment (`2017-08-31T14:05:00`) as its date for the reader and the time of day (UTC).
    pub fn moment(&self, iso: &str) -> String {
        match iso.get(11..16) {
            Some(hm) => format!("{} {hm}", self.date(iso)),
            None => self.date(iso),
        }
    }

    /// An ISO date (`2017-08-31`, or a moment starting with one) written for the reader:
    /// "31 August 2017" / "31 آب 2017".
    pub fn date(&self, iso: &str) -> String {
        let day = iso.get(..10).unwrap_or(iso);
        match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) => {
                use chrono::Datelike;
                let month = self.t(&format!("month-{}", d.month()));
                format!("{} {} {}", d.day(), month, d.year())
            }
            Err(_) => iso.to_owned(),
        }
    }
}

/// A cookie's value.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A cookie's value from a header map.
pub fn cookie_header(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
