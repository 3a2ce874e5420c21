//! The generator itself: family by family from one seeded ChaCha stream, so the output depends
//! on the configuration alone, memory stays flat while streaming, and time grows linearly.

use std::collections::VecDeque;

use chrono::{Datelike, NaiveDate, TimeDelta};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::DemoConfig;
use crate::countries::{CONFLICT_PLACES, COUNTRIES, Country};
use crate::model::{
    Birth, DemoDocument, DemoName, DemoPerson, DemoSite, DocType, MAX_CHILDREN_PER_MOTHER,
    NameKind, Sex, SiteKind,
};
use crate::names::{self, Culture, Script, Word};
use crate::sites::{self, DETENTION, HOSPITAL, JUVENILE, ORPHANAGES, SITE_COUNT, SITES};

const DAYS_PER_YEAR: f64 = 365.25;

/// Every source string says the record is synthetic.
mod src {
    pub const INTAKE: &str = "intake registration (synthetic demo data)";
    pub const TRANSFER: &str = "transfer registration (synthetic demo data)";
    pub const PASSPORT: &str = "passport (synthetic demo data)";
    pub const PASSPORT_COPY: &str = "copy of passport (synthetic demo data)";
    pub const SELF: &str = "self-declared at interview (synthetic demo data)";
    pub const MOTHER: &str = "declared by the mother (synthetic demo data)";
    pub const CAMP: &str = "name used within the camp (synthetic demo data)";
}

/// Role labels, never names of people.
mod role {
    pub const REGISTRAR: &str = "registrar (demo)";
    pub const REGISTRAR_TRANSFER: &str = "registrar at transfer (demo)";
    pub const INTERVIEWER: &str = "interviewer (demo)";
    pub const CASE_WORKER: &str = "case worker (demo)";
}

const CHILD_BASES: &[&str] = &[
    "dental and physical assessment",
    "mother's statement",
    "wrist X-ray (bone age)",
    "paediatric assessment",
];
const LONE_CHILD_BASES: &[&str] = &[
    "dental and physical assessment",
    "wrist X-ray (bone age)",
    "statement of another detainee",
];
const ADULT_BASES: &[&str] = &[
    "self-declared at interview",
    "officer's estimate at intake",
    "medical assessment",
];

/// A lazily generated sequence of persons, in index order. Iterating it uses memory for one
/// family at a time; [`PersonStream::into_sites`] then gives the sites, whose capacities
/// follow the occupancy.
pub struct PersonStream {
    config: DemoConfig,
    rng: ChaCha8Rng,
    emitted: usize,
    buffer: VecDeque<(usize, DemoPerson)>,
    occupancy: [u64; SITE_COUNT],
    country_total: u32,
    sections: Vec<(usize, u32)>,
    /// Nationalities are drawn from a seeded low-discrepancy sequence, so their shares hold
    /// closely at any size while the order varies with the seed.
    country_phase: f64,
    country_draws: u64,
}

impl PersonStream {
    /// Start generating for `config`.
    pub fn new(config: &DemoConfig) -> PersonStream {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let country_phase = rng.gen_range(0.0..1.0);
        PersonStream {
            config: *config,
            rng,
            country_phase,
            country_draws: 0,
            emitted: 0,
            buffer: VecDeque::with_capacity(MAX_CHILDREN_PER_MOTHER + 1),
            occupancy: [0; SITE_COUNT],
            country_total: COUNTRIES.iter().map(|c| c.weight).sum(),
            sections: sites::women_sections().collect(),
        }
    }

    /// Generate whatever has not been taken yet, then return the sites with their
    /// capacities. Equal to [`crate::generate`]'s `sites` for the same configuration.
    pub fn into_sites(mut self) -> Vec<DemoSite> {
        for _ in self.by_ref() {}
        sites::with_capacities(&self.occupancy, self.config.persons)
    }

    fn refill(&mut self) {
        let base = self.emitted;
        let mut g = Gen {
            rng: &mut self.rng,
            as_of: self.config.as_of,
            country_total: self.country_total,
            country_phase: self.country_phase,
            country_draws: &mut self.country_draws,
            sections: &self.sections,
            out: &mut self.buffer,
        };
        // About 5% of the children have no mother in custody.
        if g.rng.gen_bool(0.095) {
            g.lone_child(base);
        } else {
            g.family(base);
        }
    }
}

impl Iterator for PersonStream {
    type Item = DemoPerson;

    fn next(&mut self) -> Option<DemoPerson> {
        if self.emitted >= self.config.persons {
            return None;
        }
        if self.buffer.is_empty() {
            self.refill();
        }
        let (site, person) = self.buffer.pop_front()?;
        self.occupancy[site] += 1;
        self.emitted += 1;
        if self.emitted == self.config.persons {
            // The last family may be cut short so that the total is exact.
            self.buffer.clear();
        }
        Some(person)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.config.persons - self.emitted;
        (left, Some(left))
    }
}

impl ExactSizeIterator for PersonStream {}

struct Gen<'a> {
    rng: &'a mut ChaCha8Rng,
    as_of: NaiveDate,
    country_total: u32,
    country_phase: f64,
    country_draws: &'a mut u64,
    sections: &'a [(usize, u32)],
    out: &'a mut VecDeque<(usize, DemoPerson)>,
}

/// A child's facts before it becomes a record.
struct ChildDraft {
    sex: Sex,
    dob: NaiveDate,
    born_in_custody: bool,
    place: Option<&'static str>,
    given: Word,
    alias: Option<String>,
    documents: Vec<DemoDocument>,
    birth: Birth,
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn years_days(y: f64) -> i64 {
    (y * DAYS_PER_YEAR) as i64
}

fn masculine_nisba(feminine: &str) -> &str {
    feminine.strip_suffix('ة').unwrap_or(feminine)
}

impl Gen<'_> {
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn country(&mut self) -> &'static Country {
        const GOLDEN: f64 = 0.618_033_988_749_894_9;
        let u = (self.country_phase + *self.country_draws as f64 * GOLDEN).fract();
        *self.country_draws += 1;
        let mut x = ((u * f64::from(self.country_total)) as u32).min(self.country_total - 1);
        for c in COUNTRIES {
            if x < c.weight {
                return c;
            }
            x -= c.weight;
        }
        &COUNTRIES[0]
    }

    fn culture(&mut self, country: &Country) -> Culture {
        let total: u32 = country.cultures.iter().map(|c| c.1).sum();
        let mut x = self.rng.gen_range(0..total);
        for &(c, w) in country.cultures {
            if x < w {
                return c;
            }
            x -= w;
        }
        country.cultures[0].0
    }

    fn section(&mut self) -> usize {
        let total: u32 = self.sections.iter().map(|s| s.1).sum();
        let mut x = self.rng.gen_range(0..total);
        for &(i, w) in self.sections {
            if x < w {
                return i;
            }
            x -= w;
        }
        self.sections[0].0
    }

    /// Admission to custody: most in the first wave after the city fell, the rest since.
    fn admission(&mut self) -> NaiveDate {
        let back = if self.chance(0.6) {
            self.rng.gen_range(420..560)
        } else {
            self.rng.gen_range(7..420)
        };
        self.as_of - days(back)
    }

    fn number(&mut self, pattern: &str) -> String {
        pattern
            .chars()
            .map(|c| match c {
                '#' => char::from(b'0' + self.rng.gen_range(0..10u8)),
                '@' => char::from(b'A' + self.rng.gen_range(0..26u8)),
                c => c,
            })
            .collect()
    }

    fn document(
        &mut self,
        doc_type: DocType,
        country: &'static Country,
        child: bool,
    ) -> DemoDocument {
        let (pattern, issuing, expires) = match doc_type {
            DocType::Passport => (country.passport, country.code, true),
            DocType::NationalId => (country.national_id, country.code, country.id_expires),
            DocType::BirthCertificate => ("#######", country.code, false),
            DocType::Other => ("@@-######", country.code, false),
        };
        let expiry = expires.then(|| {
            let valid = if child { 5 } else { 10 };
            let issued = self.as_of - days(self.rng.gen_range(0..years_days(12.0)));
            issued + days(years_days(f64::from(valid)))
        });
        DemoDocument {
            doc_type,
            number: self.number(pattern),
            issuing_country: issuing,
            expiry,
            sighted: self.chance(0.6),
        }
    }

    fn iraqi_birth_certificate(&mut self) -> DemoDocument {
        DemoDocument {
            doc_type: DocType::BirthCertificate,
            number: self.number("IQ-#######"),
            issuing_country: "IQ",
            expiry: None,
            sighted: true,
        }
    }

    /// A birth record for someone without an exact date.
    fn inexact_birth(
        &mut self,
        dob: NaiveDate,
        admitted: NaiveDate,
        bases: &[&'static str],
        adult: bool,
    ) -> Birth {
        if self.chance(0.35) {
            let off = if adult && self.chance(0.15) {
                self.pick(&[-1, 1])
            } else {
                0
            };
            return Birth::Year(dob.year() + off);
        }
        let span = (self.as_of - admitted).num_days().max(0);
        let made_on = admitted + days(self.rng.gen_range(0..=span));
        let true_age = crate::model::full_years(dob, made_on) as i32;
        let err: i32 = if adult {
            self.pick(&[-2, -1, -1, 0, 0, 0, 0, 1, 1, 2])
        } else {
            self.pick(&[-1, 0, 0, 0, 0, 0, 1])
        };
        Birth::Estimated {
            age_years: (true_age + err).clamp(0, 99) as u8,
            basis: self.pick(bases),
            made_on,
        }
    }

    /// Bring an inexact record's age at `as_of` into `lo..=hi` (exact dates are generated in
    /// range already).
    fn clamp_birth(&self, birth: &mut Birth, lo: u32, hi: u32) {
        let age = birth.age_on(self.as_of);
        let shift = if age > hi {
            i64::from(age - hi)
        } else if age < lo {
            -i64::from(lo - age)
        } else {
            return;
        };
        match birth {
            Birth::Exact(_) => {}
            Birth::Year(y) => *y += shift as i32,
            Birth::Estimated { age_years, .. } => {
                *age_years = (i64::from(*age_years) - shift).clamp(0, 255) as u8;
            }
        }
    }

    fn father_name(
        &mut self,
        culture: Culture,
        country: &Country,
        surname: &'static str,
    ) -> String {
        if self.chance(0.45) {
            // A nom de guerre as the mother gives it: "Abu Hamza al-Turki".
            let entry = names::arabic_child_entry(self.rng, false);
            let ar = entry.split('|').next().unwrap_or(entry);
            let nisba = culture.nisba().map_or(country.nisba.0, |n| n.0);
            format!("أبو {ar} {}", masculine_nisba(nisba))
        } else {
            let given = self.pick(culture.table().male);
            let g = Word::from_entry(culture, given, false);
            let s = Word::from_entry(culture, surname, false);
            format!("{} {}", g.own, s.own)
        }
    }

    /// Registered, passport and own-script names of one person.
    #[allow(clippy::too_many_arguments)]
    fn base_names(
        &mut self,
        names: &mut Vec<DemoName>,
        given: &Word,
        surname: &Word,
        culture: Culture,
        female: bool,
        passport: Option<bool>,
        own_source: Option<&'static str>,
    ) {
        let arab = culture.script() == Script::Arabic;
        let style = names::random_style(self.rng);
        let first = names::arabic_name(&[given, surname], female, arab, style);
        let second = self
            .chance(0.2)
            .then(|| names::arabic_name(&[given, surname], female, arab, names::other_style(style)))
            .filter(|s| *s != first);
        names.push(DemoName {
            text: first,
            kind: NameKind::AsRegistered,
            recorded_by: role::REGISTRAR,
            source: src::INTAKE,
        });
        if let Some(text) = second {
            names.push(DemoName {
                text,
                kind: NameKind::AsRegistered,
                recorded_by: role::REGISTRAR_TRANSFER,
                source: src::TRANSFER,
            });
        }
        if let Some(sighted) = passport {
            names.push(DemoName {
                text: names::join(&[given, surname], |w| w.latin.as_ref()),
                kind: NameKind::Passport,
                recorded_by: role::REGISTRAR,
                source: if sighted {
                    src::PASSPORT
                } else {
                    src::PASSPORT_COPY
                },
            });
        }
        if let Some(source) = own_source {
            names.push(DemoName {
                text: names::join(&[given, surname], |w| w.own.as_ref()),
                kind: NameKind::SelfDeclared,
                recorded_by: role::INTERVIEWER,
                source,
            });
        }
    }

    fn health(&mut self, disability: f64, medical: f64) -> (bool, bool) {
        (self.chance(disability), self.chance(medical))
    }

    fn family(&mut self, base: usize) {
        let as_of = self.as_of;
        let country = self.country();
        let culture = self.culture(country);
        let admitted = self.admission();
        let arrived = admitted - days(self.rng.gen_range(365..years_days(4.0)));

        // Children's true ages: the youngest first, older siblings 13 to 43 months apart.
        let count = match self.rng.gen_range(0..100) {
            0..10 => 0,
            10..42 => 1,
            42..72 => 2,
            72..88 => 3,
            88..96 => 4,
            _ => 5,
        };
        let mut ages: Vec<i64> = Vec::with_capacity(count);
        let max_child = years_days(17.9);
        if count > 0 {
            let youngest = match self.rng.gen_range(0..100) {
                0..25 => self.rng.gen_range(0..730),
                25..65 => self.rng.gen_range(730..2190),
                65..90 => self.rng.gen_range(2190..3285),
                _ => self.rng.gen_range(3285..5110),
            };
            let mut age = youngest;
            for _ in 0..count {
                if age > max_child {
                    break;
                }
                ages.push(age);
                age += self.rng.gen_range(400..1300);
            }
        }
        ages.reverse(); // eldest first
        let eldest = ages.first().copied();
        let mother_age = match eldest {
            Some(e) => {
                // Skewed young; only correctly rounded operations (sqrt), so every platform
                // gives the same dates.
                let u: f64 = self.rng.gen_range(0.0..1.0);
                let at_first = 17.3 + 16.0 * u * u.sqrt();
                (e + years_days(at_first)).max(years_days(18.6) + self.rng.gen_range(0..1000))
            }
            None => self.rng.gen_range(years_days(18.6)..years_days(45.0)),
        };
        let mother_dob = as_of - days(mother_age);

        let documented = self.chance(0.71);
        let nationality = (documented || self.chance(0.96)).then_some(country.code);

        // Mother's documents.
        let mut mother_docs = Vec::new();
        if documented {
            let passport = self.chance(0.6);
            let id = self.chance(0.55) || !passport;
            if passport {
                let d = self.document(DocType::Passport, country, false);
                mother_docs.push(d);
            }
            if id {
                let d = self.document(DocType::NationalId, country, false);
                mother_docs.push(d);
            }
        }
        if self.chance(0.04) {
            let d = self.document(DocType::Other, country, false);
            mother_docs.push(d);
        }

        // Placement and health of the mother.
        let (m_disability, m_medical) = self.health(0.015, 0.025);
        let mother_site = if m_medical && self.chance(0.5) {
            HOSPITAL
        } else if self.chance(0.1) {
            DETENTION
        } else {
            self.section()
        };
        let orphanage = ORPHANAGES[usize::from(self.chance(0.45))];

        // Surnames: the husband's and her own.
        let table = culture.table();
        let h = self.rng.gen_range(0..table.surnames.len());
        let o = (h + self.rng.gen_range(1..table.surnames.len())) % table.surnames.len();
        let (husband, own_surname) = (table.surnames[h], table.surnames[o]);
        let married = culture.married_name() && self.chance(0.6);
        let mother_surname = if married { husband } else { own_surname };
        // The children's father (often unknown, or known only by a nom de guerre).
        let father_unknown = self.chance(0.4);
        let father_name = (!father_unknown).then(|| self.father_name(culture, country, husband));
        // The woman's own father, whose name she gives.
        let her_father = self.pick(table.male);
        let her_father_unknown = self.chance(0.08);
        let child_surname = if father_unknown {
            mother_surname
        } else {
            husband
        };

        // The mother's given name comes first: her children are not named like her, nor
        // like each other.
        let given = Word::from_entry(culture, self.pick(table.female), false);
        let mut taken = vec![given.own.clone()];

        // Children.
        let mut drafts: Vec<ChildDraft> = Vec::with_capacity(ages.len());
        for &age in &ages {
            let dob = as_of - days(age);
            let sex = if self.chance(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            let born_in_custody = dob > admitted;
            let place = if born_in_custody {
                Some(sites::birthplace(mother_site))
            } else if dob >= arrived {
                Some(self.pick(CONFLICT_PLACES))
            } else if self.chance(0.8) {
                Some(self.pick(culture.home_towns().unwrap_or(country.cities)))
            } else {
                None
            };
            let mut documents = Vec::new();
            if born_in_custody {
                if self.chance(if documented { 0.8 } else { 0.35 }) {
                    documents.push(self.iraqi_birth_certificate());
                }
            } else if documented && self.chance(0.95) {
                documents.push(self.document(DocType::BirthCertificate, country, true));
                if dob < arrived && self.chance(0.35) {
                    documents.push(self.document(DocType::Passport, country, true));
                }
            }
            let exact = born_in_custody || documents.iter().any(|d| d.doc_type != DocType::Other);
            let mut birth = if exact {
                Birth::Exact(dob)
            } else {
                self.inexact_birth(dob, admitted, CHILD_BASES, false)
            };
            self.clamp_birth(&mut birth, 0, 17);
            let female = sex == Sex::Female;
            let arabic_name = if culture.script() == Script::Arabic {
                self.chance(0.5)
            } else if dob >= arrived {
                self.chance(0.7)
            } else {
                self.chance(0.15)
            };
            let own_table = if female { table.female } else { table.male };
            let mut given = Word::default();
            for _ in 0..4 {
                given = if arabic_name {
                    Word::arabic_given(culture, names::arabic_child_entry(self.rng, female))
                } else {
                    Word::from_entry(culture, self.pick(own_table), false)
                };
                if !taken.contains(&given.own) {
                    break;
                }
            }
            taken.push(given.own.clone());
            // Some children are also known by a name of the other kind.
            let alias = self.chance(0.25).then(|| {
                if arabic_name {
                    Word::from_entry(culture, self.pick(own_table), false)
                        .own
                        .into_owned()
                } else {
                    let entry = names::arabic_child_entry(self.rng, female);
                    entry.split('|').next().unwrap_or(entry).to_owned()
                }
            });
            drafts.push(ChildDraft {
                sex,
                dob,
                born_in_custody,
                place,
                given,
                alias,
                documents,
                birth,
            });
        }

        // The mother's record, consistent with her children's.
        let mother_exact = mother_docs.iter().any(|d| d.doc_type != DocType::Other);
        let mut mother_birth = if mother_exact {
            Birth::Exact(mother_dob)
        } else {
            self.inexact_birth(mother_dob, admitted, ADULT_BASES, true)
        };
        let oldest_record = drafts
            .iter()
            .map(|d| d.birth.age_on(as_of))
            .max()
            .unwrap_or(0);
        self.clamp_birth(&mut mother_birth, 18.max(oldest_record + 15), 120);

        let youngest_days = ages.last().copied();
        let pregnant = (mother_age < years_days(44.0)
            && youngest_days.is_none_or(|d| d > 270)
            && self.chance(0.05))
        .then(|| as_of + days(self.rng.gen_range(1..=270)));

        // The mother's names.
        let surname = Word::from_entry(culture, mother_surname, true);
        let mut m_names = Vec::with_capacity(6);
        let passport = mother_docs
            .iter()
            .find(|d| d.doc_type == DocType::Passport)
            .map(|d| d.sighted);
        self.base_names(
            &mut m_names,
            &given,
            &surname,
            culture,
            true,
            passport,
            None,
        );
        // Her own form; some Azerbaijani women give a patronymic with qızı instead.
        let own = if culture == Culture::Azerbaijani && self.chance(0.3) {
            let father = Word::from_entry(culture, her_father, false);
            format!("{} {} qızı", given.own, father.own)
        } else {
            names::join(&[&given, &surname], |w| w.own.as_ref())
        };
        m_names.push(DemoName {
            text: own,
            kind: NameKind::SelfDeclared,
            recorded_by: role::INTERVIEWER,
            source: src::SELF,
        });
        if married && self.chance(0.5) {
            let maiden = Word::from_entry(culture, own_surname, true);
            m_names.push(DemoName {
                text: names::join(&[&given, &maiden], |w| w.own.as_ref()),
                kind: NameKind::MaidenName,
                recorded_by: role::INTERVIEWER,
                source: src::SELF,
            });
        }
        if self.chance(0.45) {
            // Usually after the eldest son.
            let son = drafts
                .iter()
                .find(|d| d.sex == Sex::Male)
                .and_then(|d| d.given.arabic.zip(d.given.arabic_latin));
            let (ar, lat) = match son {
                Some(s) => s,
                None => names::kunya_entry(self.rng),
            };
            let nisba = self
                .chance(0.4)
                .then(|| culture.nisba().unwrap_or(country.nisba));
            let (ar_text, lat_text) = match nisba {
                Some((n_ar, n_lat)) => (format!("أم {ar} {n_ar}"), format!("Umm {lat} {n_lat}")),
                None => (format!("أم {ar}"), format!("Umm {lat}")),
            };
            m_names.push(DemoName {
                text: ar_text,
                kind: NameKind::Kunya,
                recorded_by: role::CASE_WORKER,
                source: src::CAMP,
            });
            if self.chance(0.3) {
                m_names.push(DemoName {
                    text: lat_text,
                    kind: NameKind::Kunya,
                    recorded_by: role::CASE_WORKER,
                    source: src::CAMP,
                });
            }
        }

        let cities = culture.home_towns().unwrap_or(country.cities);
        let mother_place = self.chance(0.75).then(|| self.pick(cities));
        self.out.push_back((
            mother_site,
            DemoPerson {
                index: base,
                sex: Sex::Female,
                birth: mother_birth,
                place_of_birth: mother_place,
                born_in_custody: false,
                nationality,
                names: m_names,
                documents: mother_docs,
                mother: None,
                father_unknown: her_father_unknown,
                father_name: (!her_father_unknown).then(|| {
                    let g = Word::from_entry(culture, her_father, false);
                    let f = Word::from_entry(culture, own_surname, false);
                    names::join(&[&g, &f], |w| w.own.as_ref())
                }),
                pregnant_expected_delivery: pregnant,
                disability: m_disability,
                serious_medical_condition: m_medical,
                unaccompanied: false,
                site: SITES[mother_site].code,
                admitted_on: admitted,
            },
        ));

        // The children's surname, in its feminine and masculine forms.
        let child_surnames = [
            Word::from_entry(culture, child_surname, true),
            Word::from_entry(culture, child_surname, false),
        ];
        for (k, d) in drafts.into_iter().enumerate() {
            let female = d.sex == Sex::Female;
            let age = d.birth.age_on(as_of);
            let site = match age {
                0..=3 => mother_site,
                4..=14 => orphanage,
                _ if !female => JUVENILE,
                _ if SITES[mother_site].kind == SiteKind::CampSection && self.chance(0.8) => {
                    mother_site
                }
                _ => self.section(),
            };
            let surname = &child_surnames[usize::from(!female)];
            let mut c_names = Vec::with_capacity(5);
            let passport = d
                .documents
                .iter()
                .find(|x| x.doc_type == DocType::Passport)
                .map(|x| x.sighted);
            self.base_names(
                &mut c_names,
                &d.given,
                surname,
                culture,
                female,
                passport,
                Some(src::MOTHER),
            );
            if let Some(alias) = d.alias {
                c_names.push(DemoName {
                    text: alias,
                    kind: NameKind::Alias,
                    recorded_by: role::CASE_WORKER,
                    source: src::CAMP,
                });
            }
            let child_nationality = if self.chance(0.95) { nationality } else { None };
            let (disability, medical) = self.health(0.025, 0.015);
            self.out.push_back((
                site,
                DemoPerson {
                    index: base + 1 + k,
                    sex: d.sex,
                    birth: d.birth,
                    place_of_birth: d.place,
                    born_in_custody: d.born_in_custody,
                    nationality: child_nationality,
                    names: c_names,
                    documents: d.documents,
                    mother: Some(base),
                    father_unknown,
                    father_name: father_name.clone(),
                    pregnant_expected_delivery: None,
                    disability,
                    serious_medical_condition: medical,
                    unaccompanied: false,
                    site: SITES[site].code,
                    admitted_on: if d.born_in_custody { d.dob } else { admitted },
                },
            ));
        }
    }

    /// A child with no mother in custody.
    fn lone_child(&mut self, base: usize) {
        let as_of = self.as_of;
        let country = self.country();
        let culture = self.culture(country);
        let admitted = self.admission();
        let female = self.chance(0.42);
        let sex = if female { Sex::Female } else { Sex::Male };
        let span = years_days(17.8) - 730;
        let u: f64 = self.rng.gen_range(0.0..1.0);
        let age = 730 + (span as f64 * u.sqrt() * u.sqrt().sqrt()) as i64;
        let dob = as_of - days(age);
        let nationality = self.chance(0.7).then_some(country.code);
        let mut documents = Vec::new();
        if nationality.is_some() && self.chance(0.15) {
            documents.push(self.document(DocType::BirthCertificate, country, true));
        }
        let mut birth = if documents.is_empty() {
            self.inexact_birth(dob, admitted, LONE_CHILD_BASES, false)
        } else {
            Birth::Exact(dob)
        };
        self.clamp_birth(&mut birth, 0, 17);
        let place = match self.rng.gen_range(0..10) {
            0..4 => Some(self.pick(CONFLICT_PLACES)),
            4..7 => Some(self.pick(culture.home_towns().unwrap_or(country.cities))),
            _ => None,
        };
        let table = culture.table();
        let given = if self.chance(0.5) {
            Word::arabic_given(culture, names::arabic_child_entry(self.rng, female))
        } else {
            let t = if female { table.female } else { table.male };
            Word::from_entry(culture, self.pick(t), false)
        };
        let surname_entry = self.pick(table.surnames);
        let surname = Word::from_entry(culture, surname_entry, female);
        let record_age = birth.age_on(as_of);
        let own = (record_age >= 6 && self.chance(0.85)).then_some(src::SELF);
        let mut c_names = Vec::with_capacity(4);
        self.base_names(&mut c_names, &given, &surname, culture, female, None, own);
        let father_unknown = self.chance(0.7);
        let father_name =
            (!father_unknown).then(|| self.father_name(culture, country, surname_entry));
        let site = match record_age {
            0..=14 => ORPHANAGES[usize::from(self.chance(0.45))],
            _ if !female => JUVENILE,
            _ => self.section(),
        };
        let (disability, medical) = self.health(0.03, 0.02);
        self.out.push_back((
            site,
            DemoPerson {
                index: base,
                sex,
                birth,
                place_of_birth: place,
                born_in_custody: false,
                nationality,
                names: c_names,
                documents,
                mother: None,
                father_unknown,
                father_name,
                pregnant_expected_delivery: None,
                disability,
                serious_medical_condition: medical,
                unaccompanied: true,
                site: SITES[site].code,
                admitted_on: admitted,
            },
        ));
    }
}
