//! A seeded generator of small multi-script registries with known identities, for tests of
//! blocking recall and matching quality.

use crate::model::SplitMix;
use crate::record::{BirthDate, PersonName, Record, Sex};

/// (Latin, Cyrillic, Arabic) spellings of given names.
pub const GIVEN: &[(&str, &str, &str)] = &[
    ("Svetlana", "Светлана", "سفيتلانا"),
    ("Fatima", "Фатима", "فاطمة"),
    ("Aisha", "Аиша", "عائشة"),
    ("Khadija", "Хадижа", "خديجة"),
    ("Maryam", "Марьям", "مريم"),
    ("Zainab", "Зайнаб", "زينب"),
    ("Amina", "Амина", "أمينة"),
    ("Elena", "Елена", "يلينا"),
    ("Olga", "Ольга", "أولغا"),
    ("Madina", "Мадина", "مدينة"),
    ("Zarina", "Зарина", "زارينا"),
    ("Dilnoza", "Дилноза", "دلنوزا"),
    ("Gulnara", "Гульнара", "غولنارا"),
    ("Natalia", "Наталья", "ناتاليا"),
];

/// (Latin, Cyrillic, Arabic) spellings of family names.
pub const FAMILY: &[(&str, &str, &str)] = &[
    ("Ivanova", "Иванова", "ايفانوفا"),
    ("Petrova", "Петрова", "بتروفا"),
    ("Aliyeva", "Алиева", "علييفا"),
    ("Karimova", "Каримова", "كاريموفا"),
    ("Yilmaz", "Йылмаз", "يلماز"),
    ("Demir", "Демир", "دمير"),
    ("Şahin", "Шахин", "شاهين"),
    ("Rahimova", "Рахимова", "رحيموفا"),
    ("Nazarova", "Назарова", "نزاروفا"),
    ("Hasanova", "Гасанова", "حسنوفا"),
    ("Schmidt", "Шмидт", "شميدت"),
    ("Müller", "Мюллер", "مولر"),
];

/// (Latin, Cyrillic, Arabic) spellings of men's names, for fathers.
pub const MALE: &[(&str, &str, &str)] = &[
    ("Mohammed", "Мухаммад", "محمد"),
    ("Yusuf", "Юсуф", "يوسف"),
    ("Hussein", "Гусейн", "حسين"),
    ("Ivan", "Иван", "ايفان"),
    ("Abdullah", "Абдулла", "عبدالله"),
    ("Rustam", "Рустам", "رستم"),
    ("Ahmed", "Ахмед", "أحمد"),
    ("Omar", "Омар", "عمر"),
];

/// Places of birth.
pub const PLACES: &[&str] = &[
    "Makhachkala",
    "Dushanbe",
    "Baku",
    "Istanbul",
    "Ankara",
    "Grozny",
    "Kazan",
    "Lyon",
    "Hamburg",
    "Khujand",
];

fn pick<'a>(
    rng: &mut SplitMix,
    v: &'a [(&'a str, &'a str, &'a str)],
) -> &'a (&'a str, &'a str, &'a str) {
    &v[rng.below(v.len())]
}

fn typo(rng: &mut SplitMix, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 4 {
        return s.to_string();
    }
    let i = 1 + rng.below(c.len() - 2);
    match rng.below(3) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i + 1),
        _ => c[i] = 'e',
    }
    c.into_iter().collect()
}

/// `persons` people, each registered 1 to 3 times: in Latin script with a full date of
/// birth (sometimes with a typo), in Cyrillic with the date, or in Arabic script with only
/// an estimated age. Returns the records and, for each, the person it describes.
pub fn registry(persons: usize, seed: u64) -> (Vec<Record>, Vec<usize>) {
    let mut rng = SplitMix::new(seed);
    let mut records = Vec::new();
    let mut truth = Vec::new();
    for person in 0..persons {
        let g = *pick(&mut rng, GIVEN);
        let f = *pick(&mut rng, FAMILY);
        let year = 1975 + rng.below(30) as i32;
        let month = 1 + rng.below(12) as u8;
        let day = 1 + rng.below(28) as u8;
        let nationality = ["RUS", "TJK", "AZE", "TUR"][rng.below(4)];
        let father = *pick(&mut rng, MALE);
        let place = PLACES[rng.below(PLACES.len())];
        let copies = 1 + rng.below(3);
        for copy in 0..copies {
            let mut r = Record::new(format!("p{person}-{copy}"));
            r.sex = Some(Sex::Female);
            if rng.below(2) == 0 {
                r.place_of_birth = Some(place.to_string());
            }
            match rng.below(3) {
                0 => {
                    let given = if copy > 0 && rng.below(3) == 0 {
                        typo(&mut rng, g.0)
                    } else {
                        g.0.to_string()
                    };
                    r.names.push(PersonName::parts(given, f.0));
                    r.date_of_birth = Some(BirthDate::Day { year, month, day });
                    r.nationality = Some(nationality.to_string());
                    if rng.below(2) == 0 {
                        r.father_name = Some(father.0.to_string());
                    }
                }
                1 => {
                    r.names.push(PersonName::full(format!("{} {}", f.1, g.1)));
                    r.father_name = Some(father.1.to_string());
                    r.date_of_birth = Some(BirthDate::Day { year, month, day });
                }
                _ => {
                    r.names.push(PersonName::full(format!(
                        "{} بنت {} {}",
                        g.2, father.2, f.2
                    )));
                    r.date_of_birth = Some(BirthDate::Estimated {
                        year: year + rng.below(3) as i32 - 1,
                        tolerance: 2,
                    });
                }
            }
            records.push(r);
            truth.push(person);
        }
    }
    (records, truth)
}

/// All pairs `(i, j)`, `i < j`, of records of the same person.
pub fn true_pairs(truth: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            if truth[i] == truth[j] {
                out.push((i, j));
            }
        }
    }
    out
}
