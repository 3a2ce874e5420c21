//! Single-record lookups, library-level link and dedupe, explanations and clustering.

use homeward_linkage::{
    BirthDate, Field, Index, LinkageConfig, Model, PersonName, Record, Sex, cluster, dedupe, link,
};

const GIVEN: &[&str] = &[
    "Anna", "Maria", "Elena", "Olga", "Fatima", "Aisha", "Zeynep", "Elif", "Amina", "Madina",
    "Laura", "Sophie",
];
const FAMILY: &[&str] = &[
    "Petrova",
    "Smirnova",
    "Kuznetsova",
    "Yilmaz",
    "Demir",
    "Kaya",
    "Aliyeva",
    "Karimova",
    "Martin",
    "Bernard",
    "Schneider",
    "Fischer",
];
const PLACES: &[&str] = &[
    "Kazan", "Ufa", "Izmir", "Konya", "Baku", "Ganja", "Lyon", "Lille", "Bremen", "Dushanbe",
];

/// A registry of `n` women with names, dates of birth and places from small pools, seeded.
fn registry(n: usize) -> Vec<Record> {
    let mut state = 0x5eed_u64;
    let mut next = |k: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % k
    };
    (0..n)
        .map(|i| {
            let mut r = Record::new(format!("r{i}"));
            r.names.push(PersonName::parts(
                GIVEN[next(GIVEN.len())],
                FAMILY[next(FAMILY.len())],
            ));
            r.sex = Some(Sex::Female);
            r.date_of_birth = Some(BirthDate::Day {
                year: 1970 + next(35) as i32,
                month: 1 + next(12) as u8,
                day: 1 + next(28) as u8,
            });
            r.place_of_birth = Some(PLACES[next(PLACES.len())].to_string());
            r
        })
        .collect()
}

fn svetlana(id: &str, year: i32) -> Record {
    let mut r = Record::new(id).with_name(PersonName::full("Иванова Светлана Петровна"));
    r.sex = Some(Sex::Female);
    r.date_of_birth = Some(BirthDate::Day {
        year,
        month: 5,
        day: 12,
    });
    r.place_of_birth = Some("Makhachkala, Dagestan".into());
    r
}

#[test]
fn a_tracing_request_finds_the_woman_in_another_script_first() {
    // Arrange: "Svetlana, born around 1990, from Dagestan", asked through the Red Cross.
    let config = LinkageConfig::standard();
    let mut records = registry(400);
    records.push(svetlana("target", 1990));
    records.push(svetlana("namesake", 1962));
    let model = Model::train(&config, &records, None);
    let index = Index::build(&config, &records, model);
    let mut request = Record::new("request").with_name(PersonName::full("Svetlana"));
    request.date_of_birth = Some(BirthDate::Estimated {
        year: 1990,
        tolerance: 3,
    });
    request.place_of_birth = Some("Dagestan".into());

    // Act
    let found = index.query(&request, 5);

    // Assert
    assert_eq!(
        found.first().map(|c| c.id.as_str()),
        Some("target"),
        "{found:#?}"
    );
    assert!(found.iter().any(|c| c.id == "namesake"));
    let top = &found[0];
    let given = top
        .explanation
        .fields
        .iter()
        .find(|f| f.field == Field::GivenName)
        .expect("given name");
    assert!(
        given.weight > 0.0 && given.reason.contains("svetlana"),
        "{given:?}"
    );
    let dob = &top.explanation.fields[Field::DateOfBirth.index()];
    assert!(dob.weight > 0.0, "{dob:?}");
    assert_eq!(dob.level_label, "consistent with the estimated age");
    assert!(top.probability > found[1].probability);
}

#[test]
fn the_possible_duplicates_panel_lists_a_kunya_registration() {
    let config = LinkageConfig::standard();
    let mut records = registry(300);
    let mut kunya = Record::new("kunya").with_name(PersonName::full("أم عبدالله"));
    kunya.names.push(PersonName::parts("Fatima", "Aliyeva"));
    kunya.date_of_birth = Some(BirthDate::Year { year: 1988 });
    records.push(kunya);
    let index = Index::build(&config, &records, Model::train(&config, &records, None));
    let mut new_registration = Record::new("new").with_name(PersonName::full("Umm Abdullah"));
    new_registration.date_of_birth = Some(BirthDate::Estimated {
        year: 1987,
        tolerance: 2,
    });

    let found = index.query(&new_registration, 3);

    assert_eq!(
        found.first().map(|c| c.id.as_str()),
        Some("kunya"),
        "{found:#?}"
    );
    assert!(found[0].explanation.fields[Field::GivenName.index()].weight > 0.0);
}

#[test]
fn link_matches_an_embassy_list_in_latin_against_arabic_registrations() {
    let config = LinkageConfig::standard();
    let embassy: Vec<Record> = [
        ("Svetlana", "Ivanova", 1990),
        ("Khadija", "Hasanova", 1985),
        ("Aisha", "Karimova", 2001),
    ]
    .iter()
    .map(|&(g, f, y)| {
        let mut r = Record::new(g).with_name(PersonName::parts(g, f));
        r.date_of_birth = Some(BirthDate::Day {
            year: y,
            month: 3,
            day: 3,
        });
        r
    })
    .collect();
    let mut camp = registry(200);
    for (name, year) in [
        ("سفيتلانا ايفانوفا", 1991),
        ("خديجة حسنوفا", 1984),
        ("عائشة كاريموفا", 2000),
    ] {
        let mut r = Record::new(name).with_name(PersonName::full(name));
        r.date_of_birth = Some(BirthDate::Estimated { year, tolerance: 2 });
        camp.push(r);
    }

    let linkage = link(&config, &embassy, &camp);

    let found: Vec<(&str, &str)> = linkage
        .pairs
        .iter()
        .map(|p| (embassy[p.left].id.as_str(), camp[p.right].id.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("Svetlana", "سفيتلانا ايفانوفا"),
            ("Khadija", "خديجة حسنوفا"),
            ("Aisha", "عائشة كاريموفا")
        ]
    );
}

#[test]
fn clusters_join_chains_of_pairs_and_keep_singletons() {
    let config = LinkageConfig::standard();
    let mut records = registry(50);
    records.push(Record::new("x1").with_name(PersonName::parts("Svetlana", "Ivanova")));
    records.push(Record::new("x2").with_name(PersonName::full("Светлана Иванова")));
    records.push(Record::new("x3").with_name(PersonName::full("سفيتلانا ايفانوفا")));
    for r in records.iter_mut().skip(50) {
        r.date_of_birth = Some(BirthDate::Day {
            year: 1990,
            month: 5,
            day: 12,
        });
        r.place_of_birth = Some("Makhachkala".into());
    }

    let linkage = dedupe(&config, &records);
    let groups = cluster(records.len(), &linkage.pairs, 0.5);

    assert!(groups.contains(&vec![50, 51, 52]), "{groups:?}");
    assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), records.len());
    let firsts: Vec<usize> = groups.iter().map(|g| g[0]).collect();
    assert!(firsts.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn an_explanation_lists_every_field_and_adds_up() {
    let config = LinkageConfig::standard();
    let model = Model::prior(&config);
    let mut a = Record::new("a").with_name(PersonName::parts("Mohammed", "Ali"));
    a.document_number = Some("AB123456".into());
    let mut b = Record::new("b").with_name(PersonName::full("محمد علي"));
    b.document_number = Some("AB123457".into());

    let e = model.score(&a, &b);

    assert_eq!(e.fields.len(), homeward_linkage::FIELDS.len());
    let sum: f64 = e.prior_weight + e.fields.iter().map(|f| f.weight).sum::<f64>();
    assert!((sum - e.total_weight).abs() < 1e-9);
    assert!((e.probability - 1.0 / (1.0 + (-e.total_weight).exp2())).abs() < 1e-12);
    assert_eq!(
        e.fields[Field::DocumentNumber.index()].level_label,
        "one edit apart"
    );
    assert!(e.to_string().contains("given name"));
}
