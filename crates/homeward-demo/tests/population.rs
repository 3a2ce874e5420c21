//! The generated population keeps the shape the reports describe and the rules the
//! application relies on (family links, the age protocol, names), at any seed and size.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeDelta};
use homeward_demo::{
    Birth, DemoConfig, DemoPerson, DocType, NameKind, Population, SeparationGroup, Sex, SiteKind,
    generate, stream,
};

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 2, 1).expect("valid date")
}

fn config(seed: u64) -> DemoConfig {
    DemoConfig::new(seed, as_of())
}

fn is_arabic_script(text: &str) -> bool {
    !text.trim().is_empty()
        && text
            .chars()
            .all(|c| c == ' ' || ('\u{0600}'..='\u{06FF}').contains(&c))
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

fn site_kind(p: &Population, code: &str) -> SiteKind {
    p.site(code)
        .unwrap_or_else(|| panic!("unknown site {code}"))
        .kind
}

/// The rules that hold for every person at any size.
fn check_rules(pop: &Population, cfg: &DemoConfig) {
    let as_of = cfg.as_of;
    assert_eq!(pop.persons.len(), cfg.persons);
    let mut children_of: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, p) in pop.persons.iter().enumerate() {
        assert_eq!(p.index, i);
        let age = p.age_on(as_of);

        // Names: an Arabic-script registered name first, and only synthetic provenance.
        let first = p.names.first().expect("at least one name");
        assert_eq!(first.kind, NameKind::AsRegistered, "#{i}");
        assert!(is_arabic_script(&first.text), "#{i}: {}", first.text);
        for n in &p.names {
            assert!(!n.text.trim().is_empty(), "#{i}");
            assert!(
                n.source.contains("synthetic demo data"),
                "#{i}: {}",
                n.source
            );
            assert!(n.recorded_by.ends_with("(demo)"), "#{i}: {}", n.recorded_by);
            if n.kind == NameKind::AsRegistered {
                assert!(is_arabic_script(&n.text), "#{i}: {}", n.text);
            }
        }
        let has_passport = p.documents.iter().any(|d| d.doc_type == DocType::Passport);
        let passport_name = p.names.iter().any(|n| n.kind == NameKind::Passport);
        assert_eq!(has_passport, passport_name, "#{i}");

        // Documents and dates of birth.
        for d in &p.documents {
            assert!(
                d.issuing_country.len() == 2
                    && d.issuing_country.bytes().all(|b| b.is_ascii_uppercase())
            );
            assert!(!d.number.is_empty());
        }
        if p.documents.iter().any(|d| d.doc_type != DocType::Other) {
            assert!(matches!(p.birth, Birth::Exact(_)), "#{i}: {:?}", p.birth);
        }
        if let Birth::Estimated { made_on, basis, .. } = &p.birth {
            assert!(*made_on <= as_of, "#{i}");
            assert!(!basis.is_empty());
        }
        if let Some(n) = p.nationality {
            assert!(
                n.len() == 2 && n.bytes().all(|b| b.is_ascii_uppercase()),
                "{n}"
            );
        }
        assert!(p.admitted_on <= as_of, "#{i}");
        assert_eq!(p.father_unknown, p.father_name.is_none(), "#{i}");

        // Family links and the age protocol.
        let kind = site_kind(pop, p.site);
        let group = pop.site(p.site).map(|s| s.separation_group);
        assert_eq!(
            group,
            Some(SeparationGroup::ForeignFamilies),
            "#{i} at {}",
            p.site
        );
        assert_ne!(kind, SiteKind::Camp, "#{i}: people are placed in sections");
        if age >= 18 {
            assert_eq!(p.sex, Sex::Female, "#{i}: every adult is a woman");
            assert!(p.mother.is_none() && !p.unaccompanied && !p.born_in_custody);
            assert!(
                matches!(
                    kind,
                    SiteKind::CampSection | SiteKind::DetentionCentre | SiteKind::Hospital
                ),
                "#{i} at {}",
                p.site
            );
            if let Some(edd) = p.pregnant_expected_delivery {
                assert!(edd > as_of && edd <= as_of + TimeDelta::days(270), "#{i}");
            }
            continue;
        }
        assert!(p.pregnant_expected_delivery.is_none(), "#{i}");
        match p.mother {
            Some(m) => {
                assert!(m < i, "#{i}: mother after child");
                assert!(!p.unaccompanied);
                let mother = &pop.persons[m];
                assert_eq!(mother.sex, Sex::Female);
                assert!(mother.mother.is_none());
                assert!(
                    mother.age_on(as_of) >= age + 15,
                    "#{i}: mother {} child {age}",
                    mother.age_on(as_of)
                );
                *children_of.entry(m).or_default() += 1;
                match age {
                    0..=3 => assert_eq!(p.site, mother.site, "#{i}: aged {age}"),
                    4..=14 => assert_eq!(kind, SiteKind::Orphanage, "#{i}: aged {age}"),
                    _ if p.sex == Sex::Male => {
                        assert_eq!(kind, SiteKind::JuvenileFacility, "#{i}")
                    }
                    _ => assert!(
                        p.site == mother.site || kind == SiteKind::CampSection,
                        "#{i}: girl aged {age} at {}",
                        p.site
                    ),
                }
                if p.born_in_custody {
                    assert!(p.admitted_on >= mother.admitted_on, "#{i}");
                }
            }
            None => {
                assert!(
                    p.unaccompanied,
                    "#{i}: a child without mother is unaccompanied"
                );
                match age {
                    0..=14 => assert_eq!(kind, SiteKind::Orphanage, "#{i}"),
                    _ if p.sex == Sex::Male => assert_eq!(kind, SiteKind::JuvenileFacility),
                    _ => assert_eq!(kind, SiteKind::CampSection, "#{i}"),
                }
            }
        }
        if p.born_in_custody {
            assert_eq!(p.birth, Birth::Exact(p.admitted_on), "#{i}");
            assert!(p.place_of_birth.is_some());
        }
    }
    for (m, n) in children_of {
        assert!(
            (1..=homeward_demo::MAX_CHILDREN_PER_MOTHER).contains(&n),
            "#{m}: {n}"
        );
        assert_eq!(pop.children_of(m).count(), n);
    }

    // Sites: stable codes, capacities above occupancy, camps holding their sections.
    let codes: Vec<_> = pop.sites.iter().map(|s| s.code).collect();
    assert_eq!(
        codes,
        [
            "MOSUL",
            "MOSUL-A",
            "MOSUL-B",
            "RUSAFA",
            "RUSAFA-A",
            "RUSAFA-B",
            "RUSAFA-C",
            "RUSAFA-D",
            "RUSAFA-IDP",
            "WDC-BAGHDAD",
            "ORPHANAGE-1",
            "ORPHANAGE-2",
            "JUVENILE",
            "HOSPITAL"
        ]
    );
    for s in &pop.sites {
        let occupancy = pop.persons.iter().filter(|p| p.site == s.code).count();
        assert!(s.capacity as usize >= occupancy, "{}", s.code);
        assert!(s.capacity > 0);
        if s.kind == SiteKind::Camp {
            let sum: u32 = pop
                .sites
                .iter()
                .filter(|c| c.parent == Some(s.code))
                .map(|c| c.capacity)
                .sum();
            assert_eq!(s.capacity, sum);
        }
        if s.kind == SiteKind::CampSection {
            let parent = s.parent.expect("a section has a camp");
            assert_eq!(site_kind(pop, parent), SiteKind::Camp);
        }
    }
    let idp = pop.site("RUSAFA-IDP").expect("displaced families' section");
    assert_eq!(
        idp.separation_group,
        SeparationGroup::DisplacedIraqiFamilies
    );
    assert_eq!(idp.parent, Some("RUSAFA"));
}

/// The shares the reports give, with tolerances for the size.
fn check_shape(pop: &Population, cfg: &DemoConfig, tolerance: f64) {
    let as_of = cfg.as_of;
    let n = pop.persons.len();
    let women: Vec<&DemoPerson> = pop
        .persons
        .iter()
        .filter(|p| p.age_on(as_of) >= 18)
        .collect();
    let children: Vec<&DemoPerson> = pop
        .persons
        .iter()
        .filter(|p| p.age_on(as_of) < 18)
        .collect();
    let near = |value: f64, target: f64, what: &str| {
        assert!(
            (value - target).abs() <= tolerance,
            "{what}: {value:.3}, expected about {target:.3}"
        );
    };
    near(share(women.len(), n), 1.0 / 3.0, "women");

    let mut nationalities: BTreeMap<&str, usize> = BTreeMap::new();
    for w in &women {
        if let Some(c) = w.nationality {
            *nationalities.entry(c).or_default() += 1;
        }
    }
    assert!(
        (18..=22).contains(&nationalities.len()),
        "{} nationalities",
        nationalities.len()
    );
    let (top, top_n) = nationalities
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, n)| (*c, *n))
        .expect("some nationalities");
    assert_eq!(top, "TR");
    near(share(top_n, women.len()), 0.31, "Turkish women");
    for code in ["RU", "TJ", "AZ", "FR", "DE"] {
        assert!(
            nationalities.get(code).copied().unwrap_or(0) > women.len() / 50,
            "{code}"
        );
    }

    near(
        share(
            pop.persons
                .iter()
                .filter(|p| p.documents.is_empty())
                .count(),
            n,
        ),
        1.0 / 3.0,
        "without documents",
    );
    let under_ten = children.iter().filter(|c| c.age_on(as_of) < 10).count();
    assert!(
        share(under_ten, children.len()) > 0.6,
        "most children under 10"
    );
    near(
        share(
            children.iter().filter(|c| c.unaccompanied).count(),
            children.len(),
        ),
        0.05,
        "unaccompanied children",
    );
    near(
        share(
            women
                .iter()
                .filter(|w| w.pregnant_expected_delivery.is_some())
                .count(),
            women.len(),
        ),
        0.05,
        "pregnant women",
    );
    near(
        share(
            children.iter().filter(|p| p.father_unknown).count(),
            children.len(),
        ),
        0.4,
        "children's father unknown",
    );
    assert!(
        share(
            women.iter().filter(|p| p.father_unknown).count(),
            women.len()
        ) < 0.2
    );
    let detained = women
        .iter()
        .filter(|w| site_kind(pop, w.site) == SiteKind::DetentionCentre)
        .count();
    near(share(detained, women.len()), 0.1, "women in detention");
    assert!(children.iter().any(|c| c.born_in_custody));
    let rare = pop
        .persons
        .iter()
        .filter(|p| p.disability || p.serious_medical_condition)
        .count();
    assert!(rare > 0 && share(rare, n) < 0.08, "rare conditions: {rare}");

    // Names: kunyas, maiden names, inconsistent spellings, own scripts.
    let with = |kind: NameKind| {
        pop.persons
            .iter()
            .filter(|p| p.names.iter().any(|x| x.kind == kind))
            .count()
    };
    assert!(share(with(NameKind::Kunya), women.len()) > 0.25);
    assert!(with(NameKind::MaidenName) > 0);
    assert!(with(NameKind::Alias) > 0);
    let two_spellings = pop
        .persons
        .iter()
        .filter(|p| {
            p.names
                .iter()
                .filter(|x| x.kind == NameKind::AsRegistered)
                .count()
                > 1
        })
        .count();
    near(share(two_spellings, n), 0.17, "two registered spellings");
    let own_texts: Vec<&str> = pop
        .persons
        .iter()
        .flat_map(|p| p.names.iter())
        .filter(|x| x.kind == NameKind::SelfDeclared)
        .map(|x| x.text.as_str())
        .collect();
    let any_char = |f: fn(char) -> bool| own_texts.iter().any(|t| t.chars().any(f));
    assert!(
        any_char(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
        "Cyrillic"
    );
    assert!(any_char(|c| "şçğıöü".contains(c)), "Turkish letters");
    assert!(any_char(|c| c == 'ə'), "Azerbaijani letters");
    assert!(any_char(|c| "äöüß".contains(c)), "German letters");
    assert!(
        any_char(|c| ('\u{10D0}'..='\u{10FF}').contains(&c)),
        "Georgian"
    );
    assert!(
        any_char(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "Arabic"
    );

    // A few sections are near capacity.
    let crowded = pop
        .sites
        .iter()
        .filter(|s| s.kind == SiteKind::CampSection)
        .filter(|s| {
            let occ = pop.persons.iter().filter(|p| p.site == s.code).count();
            occ as f64 >= 0.9 * f64::from(s.capacity)
        })
        .count();
    assert!((2..=4).contains(&crowded), "{crowded} crowded sections");
}

#[test]
fn the_same_seed_gives_the_same_population() {
    let a = generate(&config(11));
    let b = generate(&config(11));
    assert_eq!(a, b);
}

#[test]
fn another_seed_gives_another_population() {
    let a = generate(&config(11));
    let b = generate(&config(12));
    assert_ne!(a.persons, b.persons);
    let names = |p: &Population| -> BTreeSet<String> {
        p.persons
            .iter()
            .map(|x| x.registered_name().to_owned())
            .collect()
    };
    assert_ne!(names(&a), names(&b));
}

#[test]
fn streaming_gives_what_generate_gives() {
    let cfg = config(5);
    let whole = generate(&cfg);
    let mut s = stream(&cfg);
    assert_eq!(s.len(), cfg.persons);
    let first: Vec<_> = s.by_ref().take(100).collect();
    assert_eq!(first.as_slice(), &whole.persons[..100]);
    assert_eq!(s.len(), cfg.persons - 100);
    assert_eq!(s.into_sites(), whole.sites);
}

#[test]
fn the_default_size_has_the_reported_shape() {
    for seed in [1, 2, 3] {
        let cfg = config(seed);
        let pop = generate(&cfg);
        check_rules(&pop, &cfg);
        check_shape(&pop, &cfg, 0.06);
        let women = pop
            .persons
            .iter()
            .filter(|p| p.age_on(cfg.as_of) >= 18)
            .count();
        assert!((440..=560).contains(&women), "{women} women");
    }
}

#[test]
fn a_hundred_thousand_keep_the_shape() {
    let cfg = config(7).with_persons(100_000);
    let pop = generate(&cfg);
    check_rules(&pop, &cfg);
    check_shape(&pop, &cfg, 0.02);
}

#[test]
fn other_dates_and_tiny_sizes_hold_the_rules() {
    for (persons, date) in [
        (0, (2018, 2, 1)),
        (1, (2017, 9, 1)),
        (2, (2020, 2, 29)),
        (37, (2026, 11, 23)),
        (400, (2019, 7, 15)),
    ] {
        let (y, m, d) = date;
        let cfg = DemoConfig {
            seed: persons as u64,
            persons,
            as_of: NaiveDate::from_ymd_opt(y, m, d).expect("valid date"),
        };
        check_rules(&generate(&cfg), &cfg);
    }
}

#[test]
fn default_config_is_the_reported_size() {
    let cfg = DemoConfig::default();
    assert_eq!(cfg.persons, 1500);
    assert_eq!(generate(&cfg).persons.len(), 1500);
}
