//! The placement protocol as dated, versioned rules, and their evaluation with an explanation.
//!
//! A rule has an id and versions; the version in force on a date is the latest one whose
//! `effective_from` is on or before it (a version may retire the rule). Rules are tried in
//! priority order and the first whose conditions hold decides. A decision keeps the rule id
//! and version it was made under, so a later version never rewrites history.

use chrono::NaiveDate;

use crate::country::parse_key;
use crate::error::FieldError;
use crate::person::Sex;
use crate::site::SiteKind;

/// Which nationalities a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NationalityCondition {
    /// Anyone.
    Any,
    /// Iraqi or Palestinian minors (the 1980 orphanage law before its amendment).
    IraqiOrPalestinian,
    /// Anyone without an Iraqi or Palestinian claim.
    Foreign,
}

impl NationalityCondition {
    /// Every condition.
    pub const ALL: [NationalityCondition; 3] = [
        NationalityCondition::Any,
        NationalityCondition::IraqiOrPalestinian,
        NationalityCondition::Foreign,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            NationalityCondition::Any => "any",
            NationalityCondition::IraqiOrPalestinian => "iraqi_or_palestinian",
            NationalityCondition::Foreign => "foreign",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    fn holds(self, nationalities: &[String]) -> bool {
        let local = nationalities.iter().any(|n| n == "IQ" || n == "PS");
        match self {
            NationalityCondition::Any => true,
            NationalityCondition::IraqiOrPalestinian => local,
            NationalityCondition::Foreign => !local,
        }
    }
}

/// Where a rule places a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// At the mother's site (a camp section if she is not in custody).
    WithMother,
    /// In a site of this kind.
    Site(SiteKind),
}

impl Outcome {
    /// The key stored and sent over the API: `with_mother` or a site kind.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::WithMother => "with_mother",
            Outcome::Site(k) => k.key(),
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        if text.trim() == "with_mother" {
            Ok(Outcome::WithMother)
        } else {
            SiteKind::parse(field, text)
                .map(Outcome::Site)
                .map_err(|mut e| {
                    e.message.push_str(", with_mother");
                    e
                })
        }
    }
}

/// One version of a placement rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVersion {
    /// Stable id, e.g. `orphanage-4-14`.
    pub id: String,
    /// Version number, from 1.
    pub version: u32,
    /// The first day this version is in force.
    pub effective_from: NaiveDate,
    /// A retiring version ends the rule from its date.
    pub retired: bool,
    /// Lower numbers are tried first.
    pub priority: u32,
    /// Youngest age (whole years) the rule applies to.
    pub min_age: u32,
    /// Oldest age the rule applies to.
    pub max_age: u32,
    /// Sex the rule applies to, if only one.
    pub sex: Option<Sex>,
    /// Nationalities the rule applies to.
    pub nationality: NationalityCondition,
    /// Where it places the person.
    pub outcome: Outcome,
    /// The legal source and meaning, in English.
    pub description_en: String,
    /// The same in Arabic.
    pub description_ar: String,
}

/// The facts a proposal rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The day the placement is judged for.
    pub on: NaiveDate,
    /// Age in whole years on that day.
    pub age: u32,
    /// Whether the age is an estimate.
    pub age_estimated: bool,
    /// Sex.
    pub sex: Sex,
    /// Claimed or confirmed nationalities (ISO alpha-2).
    pub nationalities: Vec<String>,
    /// The kind of site the mother is at on that day, if she is in custody.
    pub mother_site: Option<SiteKind>,
}

/// A proposed placement with the rule and facts behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The kind of site proposed.
    pub placement: SiteKind,
    /// The rule that decided.
    pub rule_id: String,
    /// Its version in force on the date.
    pub rule_version: u32,
    /// The facts used.
    pub facts: Facts,
    /// Why, in English: the rule, its source and how the facts met it.
    pub explanation: String,
}

/// The versions in force on `on`: for each rule id the latest version from on or before it,
/// unless that version retires the rule. Sorted by priority, then id.
pub fn in_force(rules: &[RuleVersion], on: NaiveDate) -> Vec<&RuleVersion> {
    let mut latest: Vec<&RuleVersion> = Vec::new();
    for r in rules.iter().filter(|r| r.effective_from <= on) {
        match latest.iter_mut().find(|l| l.id == r.id) {
            Some(l) if (l.effective_from, l.version) < (r.effective_from, r.version) => *l = r,
            Some(_) => {}
            None => latest.push(r),
        }
    }
    latest.retain(|r| !r.retired);
    latest.sort_by(|a, b| (a.priority, &a.id).cmp(&(b.priority, &b.id)));
    latest
}

/// Evaluates the rules in force on `facts.on`; `None` when no rule applies.
pub fn propose(rules: &[RuleVersion], facts: Facts) -> Option<Proposal> {
    let rule = in_force(rules, facts.on).into_iter().find(|r| {
        (r.min_age..=r.max_age).contains(&facts.age)
            && r.sex.is_none_or(|s| s == facts.sex)
            && r.nationality.holds(&facts.nationalities)
    })?;
    let placement = match rule.outcome {
        Outcome::Site(k) => k,
        Outcome::WithMother => facts.mother_site.unwrap_or(SiteKind::CampSection),
    };
    let mother = match (rule.outcome, facts.mother_site) {
        (Outcome::WithMother, Some(k)) => format!("; the mother is at a {} site", k.key()),
        (Outcome::WithMother, None) => "; the mother is not in custody, so a camp section".into(),
        _ => String::new(),
    };
    let explanation = format!(
        "rule {} version {} (in force since {}): {}. Facts on {}: age {}{}, {}, nationality {}{}",
        rule.id,
        rule.version,
        rule.effective_from,
        rule.description_en,
        facts.on,
        facts.age,
        if facts.age_estimated {
            " (estimated)"
        } else {
            ""
        },
        facts.sex.key(),
        if facts.nationalities.is_empty() {
            "not claimed".to_owned()
        } else {
            facts.nationalities.join(", ")
        },
        mother
    );
    Some(Proposal {
        placement,
        rule_id: rule.id.clone(),
        rule_version: rule.version,
        facts,
        explanation,
    })
}

/// The day the amendment of the 1980 orphanage law is taken to be in force. The reports give
/// no date; administrators correct it by adding a rule version.
pub fn orphanage_amendment_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2017, 12, 1).unwrap_or(NaiveDate::MIN)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The protocol as the reports describe it, and the orphanage law before and after its
/// amendment: the rules a new registry starts with.
pub fn seed_rules() -> Vec<RuleVersion> {
    let amendment = orphanage_amendment_date();
    let rule = |id: &str,
                version: u32,
                from: NaiveDate,
                priority: u32,
                ages: (u32, u32),
                sex: Option<Sex>,
                nationality: NationalityCondition,
                outcome: Outcome,
                en: &str,
                ar: &str| RuleVersion {
        id: id.into(),
        version,
        effective_from: from,
        retired: false,
        priority,
        min_age: ages.0,
        max_age: ages.1,
        sex,
        nationality,
        outcome,
        description_en: en.into(),
        description_ar: ar.into(),
    };
    let protocol = day(2017, 7, 1);
    let law_1980 = day(1980, 1, 1);
    let mut rules = vec![
        rule(
            "young-children-with-mother",
            1,
            protocol,
            10,
            (0, 3),
            None,
            NationalityCondition::Any,
            Outcome::WithMother,
            "children aged 3 and under stay with their mothers (ministry protocol)",
            "يبقى الأطفال بعمر ثلاث سنوات فأقل مع أمهاتهم (بروتوكول الوزارة)",
        ),
        rule(
            "orphanage-4-14",
            1,
            law_1980,
            20,
            (4, 14),
            None,
            NationalityCondition::IraqiOrPalestinian,
            Outcome::Site(SiteKind::Orphanage),
            "state orphanages admit Iraqi or Palestinian minors only (law of 1980)",
            "تقبل دور الأيتام الحكومية القاصرين العراقيين أو الفلسطينيين فقط (قانون 1980)",
        ),
        rule(
            "orphanage-4-14",
            2,
            amendment,
            20,
            (4, 14),
            None,
            NationalityCondition::Any,
            Outcome::Site(SiteKind::Orphanage),
            "children aged 4 to 14 go to state orphanages until their country and Iraq agree \
             (protocol; the 1980 law as amended admits foreign children)",
            "يودع الأطفال من 4 إلى 14 سنة في دور الأيتام الحكومية لحين اتفاق بلدانهم مع العراق \
             (البروتوكول؛ قانون 1980 المعدل يقبل الأطفال الأجانب)",
        ),
        rule(
            "foreign-4-14-before-amendment",
            1,
            protocol,
            30,
            (4, 14),
            None,
            NationalityCondition::Foreign,
            Outcome::WithMother,
            "before the amendment of the 1980 law a foreign child could not enter a state \
             orphanage, so stays with the mother",
            "قبل تعديل قانون 1980 لا يقبل الطفل الأجنبي في دار أيتام حكومية فيبقى مع أمه",
        ),
        rule(
            "boys-15-17-juvenile",
            1,
            protocol,
            40,
            (15, 17),
            Some(Sex::Male),
            NationalityCondition::Any,
            Outcome::Site(SiteKind::JuvenileFacility),
            "adolescent boys over 14 are held under the rules for detaining minors (protocol)",
            "يحتجز الفتيان فوق 14 سنة وفق قواعد احتجاز الأحداث (البروتوكول)",
        ),
        rule(
            "girls-15-17-with-mother",
            1,
            protocol,
            50,
            (15, 17),
            Some(Sex::Female),
            NationalityCondition::Any,
            Outcome::WithMother,
            "adolescent girls stay with their mothers (practice under the protocol)",
            "تبقى الفتيات المراهقات مع أمهاتهن (الممارسة وفق البروتوكول)",
        ),
        rule(
            "adults-camp-section",
            1,
            protocol,
            60,
            (18, 200),
            None,
            NationalityCondition::Any,
            Outcome::Site(SiteKind::CampSection),
            "adults are held in a section of the camp for foreign families, apart from \
             displaced Iraqi families",
            "يقيم البالغون في قسم عائلات الأجانب في المخيم بمعزل عن العائلات العراقية النازحة",
        ),
    ];
    let mut retired = rules[3].clone();
    retired.version = 2;
    retired.effective_from = amendment;
    retired.retired = true;
    retired.description_en = "retired: the amended 1980 law admits foreign children".into();
    retired.description_ar = "ملغاة: قانون 1980 المعدل يقبل الأطفال الأجانب".into();
    rules.push(retired);
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(on: NaiveDate, age: u32, sex: Sex, nat: &str, mother: Option<SiteKind>) -> Facts {
        Facts {
            on,
            age,
            age_estimated: false,
            sex,
            nationalities: vec![nat.to_owned()],
            mother_site: mother,
        }
    }

    #[test]
    fn a_three_year_old_stays_with_the_mother_and_a_four_year_old_goes_to_an_orphanage() {
        let rules = seed_rules();
        let on = day(2018, 2, 1);
        let p = propose(
            &rules,
            facts(on, 3, Sex::Male, "TR", Some(SiteKind::DetentionCentre)),
        )
        .unwrap();
        assert_eq!(
            (p.placement, p.rule_id.as_str()),
            (SiteKind::DetentionCentre, "young-children-with-mother")
        );
        let p = propose(
            &rules,
            facts(on, 4, Sex::Male, "TR", Some(SiteKind::DetentionCentre)),
        )
        .unwrap();
        assert_eq!(
            (p.placement, p.rule_id.as_str(), p.rule_version),
            (SiteKind::Orphanage, "orphanage-4-14", 2)
        );
    }

    #[test]
    fn a_foreign_ten_year_old_before_the_amendment_stays_with_the_mother() {
        let rules = seed_rules();
        let before = orphanage_amendment_date() - chrono::Days::new(1);
        let p = propose(
            &rules,
            facts(before, 10, Sex::Female, "FR", Some(SiteKind::CampSection)),
        )
        .unwrap();
        assert_eq!(p.rule_id, "foreign-4-14-before-amendment");
        assert_eq!(p.placement, SiteKind::CampSection);
        let iraqi = propose(&rules, facts(before, 10, Sex::Female, "IQ", None)).unwrap();
        assert_eq!(
            (iraqi.rule_id.as_str(), iraqi.rule_version),
            ("orphanage-4-14", 1)
        );
        let after = propose(
            &rules,
            facts(orphanage_amendment_date(), 10, Sex::Female, "FR", None),
        )
        .unwrap();
        assert_eq!(
            (after.placement, after.rule_version),
            (SiteKind::Orphanage, 2)
        );
    }

    #[test]
    fn a_fifteen_year_old_boy_goes_to_the_juvenile_facility_and_a_girl_stays_with_her_mother() {
        let rules = seed_rules();
        let on = day(2018, 2, 1);
        let boy = propose(
            &rules,
            facts(on, 15, Sex::Male, "RU", Some(SiteKind::CampSection)),
        )
        .unwrap();
        assert_eq!(boy.placement, SiteKind::JuvenileFacility);
        assert!(boy.explanation.contains("age 15"), "{}", boy.explanation);
        let girl = propose(
            &rules,
            facts(on, 15, Sex::Female, "RU", Some(SiteKind::CampSection)),
        )
        .unwrap();
        assert_eq!(girl.placement, SiteKind::CampSection);
    }

    #[test]
    fn before_the_protocol_only_the_1980_law_applies() {
        let rules = seed_rules();
        let p = propose(&rules, facts(day(2010, 1, 1), 10, Sex::Male, "TR", None));
        assert!(p.is_none());
    }
}
