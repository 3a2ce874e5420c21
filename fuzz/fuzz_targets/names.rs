//! Name normalisation across Arabic, Latin and Cyrillic script: any text is normalised,
//! transliterated, keyed and parsed without a panic.
#![no_main]

use homeward_linkage::normalize::{
    detect_script, fold_text, name_key, normalize_text, parse_full_name, parse_structured,
    skeleton, to_latin,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = detect_script(text);
    let normalized = normalize_text(text);
    let latin = to_latin(&normalized);
    let _ = skeleton(&latin);
    for part in normalized.split_whitespace() {
        let _ = name_key(part);
    }
    let _ = parse_full_name(text);
    let _ = fold_text(text);
    let middle = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(text.len(), |(i, _)| i);
    let (given, family) = text.split_at(middle);
    let _ = parse_structured(Some(given), Some(family));
});
