//! Property tests of the normalisers: they never panic, are idempotent where they should be,
//! and produce only the characters they promise.

use homeward_linkage::normalize::{
    detect_script, fold_text, name_key, normalize_text, parse_full_name, to_latin,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Text mixing Latin (with diacritics), Cyrillic, Arabic, digits and punctuation.
fn mixed_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range('A', 'Z'),
            proptest::char::range('\u{00C0}', '\u{017F}'),
            proptest::char::range('\u{0400}', '\u{04FF}'),
            proptest::char::range('\u{0600}', '\u{06FF}'),
            Just(' '),
            Just('-'),
            Just('\''),
            proptest::char::range('0', '9'),
        ],
        0..24,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalising_twice_changes_nothing(s in mixed_text()) {
        let once = normalize_text(&s);
        prop_assert_eq!(normalize_text(&once), once);
    }

    #[test]
    fn transcriptions_are_lowercase_ascii(s in mixed_text()) {
        let latin = to_latin(&normalize_text(&s));
        prop_assert!(latin.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{}", latin);
    }

    #[test]
    fn skeletons_use_only_class_letters_and_digits(s in mixed_text()) {
        let (_, skel) = name_key(&s);
        prop_assert!(skel.bytes().all(|b| b"BFTDSJKHLMNR".contains(&b) || b.is_ascii_digit()), "{}", skel);
    }

    #[test]
    fn folding_is_idempotent(s in mixed_text()) {
        let once = fold_text(&s);
        prop_assert_eq!(fold_text(&once), once);
    }

    #[test]
    fn parsing_never_panics_and_keeps_parts_non_empty(s in mixed_text()) {
        let parsed = parse_full_name(&s);
        prop_assert!(parsed.parts.iter().all(|p| !p.latin.is_empty()));
        let _ = detect_script(&s);
    }

    #[test]
    fn a_latin_name_and_its_upper_case_agree(s in "[a-z]{2,12}") {
        prop_assert_eq!(name_key(&s), name_key(&s.to_uppercase()));
    }
}
