//! A fixed sample of real Wikidata name pairs (CC0; see the crate's cross-script benchmark
//! for the full data): each Latin form must agree with its Arabic or Cyrillic form, and
//! must not agree with another name's form.

use homeward_linkage::{NameAgreement, name_agreement};

const ARABIC: &[(&str, &str)] = &[
    ("smith", "سميث"),
    ("john", "جون"),
    ("williams", "وليامز"),
    ("johnson", "جونسون"),
    ("thomas", "توماس"),
    ("wilson", "ويلسون"),
    ("robert", "روبرت"),
    ("james", "جيمس"),
    ("miller", "ميلر"),
    ("george", "جورج"),
    ("william", "ويليام"),
    ("martin", "مارتن"),
    ("michael", "مايكل"),
    ("charles", "تشارلز"),
    ("peter", "بيتر"),
    ("walker", "ووكر"),
    ("müller", "مولر"),
    ("henry", "هنري"),
    ("weber", "ويبر"),
    ("ali", "علي"),
    ("graham", "غراهام"),
    ("joseph", "جوزيف"),
    ("mark", "مارك"),
    ("kennedy", "كينيدي"),
    ("frank", "فرانك"),
    ("chris", "كريس"),
    ("schneider", "شنايدر"),
    ("fischer", "فيشر"),
    ("pierre", "بيير"),
    ("mike", "مايك"),
    ("patrick", "باتريك"),
    ("edward", "إدوارد"),
    ("wagner", "فاغنر"),
    ("christian", "كريستيان"),
    ("steve", "ستيف"),
];

const CYRILLIC: &[(&str, &str)] = &[
    ("john", "джон"),
    ("david", "дэвид"),
    ("robert", "роберт"),
    ("james", "джеймс"),
    ("michael", "майкл"),
    ("william", "уильям"),
    ("richard", "ричард"),
    ("paul", "пол"),
    ("peter", "питер"),
    ("thomas", "томас"),
    ("jean", "жан"),
    ("martin", "мартин"),
    ("smith", "смит"),
    ("maria", "мария"),
    ("mark", "марк"),
    ("tom", "том"),
    ("hiroshi", "хироси"),
    ("jack", "джек"),
    ("bill", "билл"),
    ("antonio", "антонио"),
    ("chris", "крис"),
    ("jim", "джим"),
    ("alexander", "александр"),
    ("jones", "джонс"),
    ("johnson", "джонсон"),
    ("suzuki", "судзуки"),
    ("karl", "карл"),
    ("brown", "браун"),
    ("pierre", "пьер"),
    ("juan", "хуан"),
    ("henry", "генри"),
    ("tanaka", "танака"),
    ("patrick", "патрик"),
    ("bob", "боб"),
    ("friedrich", "фридрих"),
];

fn rates(pairs: &[(&str, &str)]) -> (f64, f64) {
    let n = pairs.len();
    let hits = pairs
        .iter()
        .filter(|(l, t)| name_agreement(l, t) >= NameAgreement::OneTypo)
        .count();
    // Negatives: each Latin form against the target form seven rows further on.
    let false_hits = (0..n)
        .filter(|&i| name_agreement(pairs[i].0, pairs[(i + 7) % n].1) >= NameAgreement::OneTypo)
        .count();
    (hits as f64 / n as f64, false_hits as f64 / n as f64)
}

#[test]
fn common_names_agree_with_their_arabic_forms() {
    let (recall, false_rate) = rates(ARABIC);

    assert!(recall >= 0.85, "recall {recall:.3}");
    assert!(false_rate <= 0.03, "false agreements {false_rate:.3}");
}

#[test]
fn common_names_agree_with_their_cyrillic_forms() {
    let (recall, false_rate) = rates(CYRILLIC);

    assert!(recall >= 0.85, "recall {recall:.3}");
    assert!(false_rate <= 0.03, "false agreements {false_rate:.3}");
}

#[test]
fn the_brief_s_examples_agree() {
    let cases = [
        ("Svetlana Ivanova", "Светлана Иванова", NameAgreement::Exact),
        (
            "Svetlana Ivanova",
            "سفيتلانا ايفانوفا",
            NameAgreement::SameSound,
        ),
        ("Mohammed", "Muhammad", NameAgreement::SameSound),
        ("Mohamed", "محمد", NameAgreement::SameSound),
        ("Muhammad", "محمد", NameAgreement::SameSound),
        ("Umm Abdullah", "أم عبدالله", NameAgreement::SameSound),
    ];
    for (a, b, want) in cases {
        assert!(
            name_agreement(a, b) >= want,
            "{a} vs {b}: {:?}",
            name_agreement(a, b)
        );
    }
}
