//! Courts and protection: legal cases, the fair-trial safeguards of a hearing, and protection
//! incidents.
//!
//! A hearing can only be recorded as held when the person had counsel and, unless they speak
//! the language of the court, an interpreter in a language they speak; either may be waived,
//! but only with the reason written down. A minor (by age on the hearing date) needs a guardian
//! or a social worker present, and that is never waived. An allegation of coercion or
//! ill-treatment made at a hearing must carry its account, which opens a protection incident.
//! Every refusal names its field with a stable `HW-COURT-00NN` code; incidents use
//! `HW-PROT-00NN`.

use chrono::NaiveDate;

use crate::country::parse_key;
use crate::date::parse_date;
use crate::error::{Errors, FieldError, Invalid};

/// The language of the Iraqi courts: a person who speaks it needs no interpreter.
pub const COURT_LANGUAGE: &str = "ar";

/// A spoken language as an ISO 639 code (two or three lower-case letters: `ar`, `tr`, `ru`,
/// `tg`, `az`, `fr`, `de`).
pub fn parse_language(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim().to_ascii_lowercase();
    if (2..=3).contains(&t.len()) && t.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(t)
    } else {
        Err(FieldError::new(
            field,
            "HW-COURT-0010",
            format!("'{text}' is not a language code: write its ISO 639 code, e.g. ar, tr, ru"),
        ))
    }
}

/// Who defends the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counsel {
    /// Counsel assigned by the court.
    Assigned,
    /// Counsel the person (or their family) chose.
    Private,
    /// No counsel yet.
    None,
}

impl Counsel {
    /// Every kind.
    pub const ALL: [Counsel; 3] = [Counsel::Assigned, Counsel::Private, Counsel::None];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Counsel::Assigned => "assigned",
            Counsel::Private => "private",
            Counsel::None => "none",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// The verdict of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No verdict yet.
    Pending,
    /// Found guilty.
    Convicted,
    /// Found not guilty.
    Acquitted,
    /// The charges were dropped or the case dismissed.
    Dismissed,
}

impl Verdict {
    /// Every verdict.
    pub const ALL: [Verdict; 4] = [
        Verdict::Pending,
        Verdict::Convicted,
        Verdict::Acquitted,
        Verdict::Dismissed,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pending => "pending",
            Verdict::Convicted => "convicted",
            Verdict::Acquitted => "acquitted",
            Verdict::Dismissed => "dismissed",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appeal {
    /// No appeal.
    None,
    /// Lodged, not decided.
    Lodged,
    /// The appeal court kept the judgment.
    Upheld,
    /// The appeal court set the judgment aside.
    Overturned,
}

impl Appeal {
    /// Every state.
    pub const ALL: [Appeal; 4] = [
        Appeal::None,
        Appeal::Lodged,
        Appeal::Upheld,
        Appeal::Overturned,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Appeal::None => "none",
            Appeal::Lodged => "lodged",
            Appeal::Upheld => "upheld",
            Appeal::Overturned => "overturned",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// A legal case as a form or the API sends it (every field as text).
#[derive(Debug, Clone, Default)]
pub struct LegalCaseDraft {
    /// The charges, as written by the court.
    pub charges: String,
    /// The court.
    pub court: String,
    /// The court's case number.
    pub case_number: String,
    /// `assigned`, `private` or `none`.
    pub counsel: String,
    /// The counsel's name, when there is counsel.
    pub counsel_name: String,
    /// The language of the interpreter assigned to the case, if any (ISO 639).
    pub interpreter_language: String,
    /// The first day of pre-trial detention (YYYY-MM-DD), if detained.
    pub detained_since: String,
    /// The longest pre-trial detention the law or the court allows, in days.
    pub detention_limit_days: Option<i64>,
    /// `pending`, `convicted`, `acquitted` or `dismissed`.
    pub verdict: String,
    /// The day of the verdict.
    pub verdict_date: String,
    /// The sentence, as pronounced.
    pub sentence: String,
    /// `none`, `lodged`, `upheld` or `overturned`.
    pub appeal: String,
    /// The day the appeal was lodged or decided.
    pub appeal_date: String,
}

/// A legal case, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalCase {
    /// The charges.
    pub charges: String,
    /// The court.
    pub court: String,
    /// The case number.
    pub case_number: String,
    /// Counsel.
    pub counsel: Counsel,
    /// The counsel's name.
    pub counsel_name: Option<String>,
    /// The interpreter's language.
    pub interpreter_language: Option<String>,
    /// The first day of pre-trial detention.
    pub detained_since: Option<NaiveDate>,
    /// The pre-trial limit in days.
    pub detention_limit_days: Option<i64>,
    /// The verdict.
    pub verdict: Verdict,
    /// The verdict's day.
    pub verdict_date: Option<NaiveDate>,
    /// The sentence.
    pub sentence: Option<String>,
    /// The appeal.
    pub appeal: Appeal,
    /// The appeal's day.
    pub appeal_date: Option<NaiveDate>,
}

impl LegalCase {
    /// The last day of pre-trial detention the limit allows, when both are known.
    pub fn detention_limit(&self) -> Option<NaiveDate> {
        let since = self.detained_since?;
        let days = self.detention_limit_days?;
        since.checked_add_signed(chrono::Duration::days(days))
    }
}

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn opt_date(errors: &mut Errors, field: &str, text: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        None
    } else {
        errors.take(parse_date(field, text))
    }
}

impl LegalCaseDraft {
    /// Checks every field at once.
    pub fn parse(&self) -> Result<LegalCase, Invalid> {
        let mut errors = Errors::new();
        let required = |errors: &mut Errors, field: &str, text: &str, code: &'static str| {
            let v = opt(text);
            if v.is_none() {
                errors.push(FieldError::new(field, code, format!("write the {field}")));
            }
            v.unwrap_or_default()
        };
        let charges = required(&mut errors, "charges", &self.charges, "HW-COURT-0020");
        let court = required(&mut errors, "court", &self.court, "HW-COURT-0021");
        let case_number = required(
            &mut errors,
            "case_number",
            &self.case_number,
            "HW-COURT-0022",
        );
        let counsel = errors.take(Counsel::parse(
            "counsel",
            if self.counsel.trim().is_empty() {
                "none"
            } else {
                &self.counsel
            },
        ));
        let counsel_name = opt(&self.counsel_name);
        if matches!(counsel, Some(Counsel::Assigned | Counsel::Private)) && counsel_name.is_none() {
            errors.push(FieldError::new(
                "counsel_name",
                "HW-COURT-0023",
                "write the counsel's name",
            ));
        }
        let interpreter_language = match opt(&self.interpreter_language) {
            Some(l) => errors.take(parse_language("interpreter_language", &l)),
            None => None,
        };
        let detained_since = opt_date(&mut errors, "detained_since", &self.detained_since);
        if let Some(d) = self.detention_limit_days
            && !(1..=3650).contains(&d)
        {
            errors.push(FieldError::new(
                "detention_limit_days",
                "HW-COURT-0024",
                "the detention limit is a number of days between 1 and 3650",
            ));
        }
        if self.detention_limit_days.is_some() && detained_since.is_none() {
            errors.push(FieldError::new(
                "detained_since",
                "HW-COURT-0025",
                "a detention limit needs the first day of detention",
            ));
        }
        let verdict = errors.take(Verdict::parse(
            "verdict",
            if self.verdict.trim().is_empty() {
                "pending"
            } else {
                &self.verdict
            },
        ));
        let verdict_date = opt_date(&mut errors, "verdict_date", &self.verdict_date);
        if verdict.is_some_and(|v| v != Verdict::Pending) && verdict_date.is_none() {
            errors.push(FieldError::new(
                "verdict_date",
                "HW-COURT-0026",
                "write the day of the verdict",
            ));
        }
        let sentence = opt(&self.sentence);
        if sentence.is_some() && verdict != Some(Verdict::Convicted) {
            errors.push(FieldError::new(
                "sentence",
                "HW-COURT-0027",
                "a sentence needs a conviction",
            ));
        }
        let appeal = errors.take(Appeal::parse(
            "appeal",
            if self.appeal.trim().is_empty() {
                "none"
            } else {
                &self.appeal
            },
        ));
        let appeal_date = opt_date(&mut errors, "appeal_date", &self.appeal_date);
        if appeal.is_some_and(|a| a != Appeal::None) {
            if verdict.is_some_and(|v| v == Verdict::Pending) {
                errors.push(FieldError::new(
                    "appeal",
                    "HW-COURT-0028",
                    "an appeal needs a verdict first",
                ));
            }
            if appeal_date.is_none() {
                errors.push(FieldError::new(
                    "appeal_date",
                    "HW-COURT-0029",
                    "write the day the appeal was lodged or decided",
                ));
            }
        }
        errors.finish()?;
        let (Some(counsel), Some(verdict), Some(appeal)) = (counsel, verdict, appeal) else {
            return Err(Invalid::one("case", "HW-COURT-0000", "incomplete case"));
        };
        Ok(LegalCase {
            charges,
            court,
            case_number,
            counsel,
            counsel_name,
            interpreter_language,
            detained_since,
            detention_limit_days: self.detention_limit_days,
            verdict,
            verdict_date,
            sentence,
            appeal,
            appeal_date,
        })
    }
}

/// What kind of harm a protection incident reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// Alleged ill-treatment.
    IllTreatment,
    /// A confession said to have been coerced.
    CoercedConfession,
    /// Separation from family.
    Separation,
    /// Threats.
    Threats,
    /// Abuse in custody.
    AbuseInCustody,
}

impl IncidentKind {
    /// Every kind.
    pub const ALL: [IncidentKind; 5] = [
        IncidentKind::IllTreatment,
        IncidentKind::CoercedConfession,
        IncidentKind::Separation,
        IncidentKind::Threats,
        IncidentKind::AbuseInCustody,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            IncidentKind::IllTreatment => "ill_treatment",
            IncidentKind::CoercedConfession => "coerced_confession",
            IncidentKind::Separation => "separation",
            IncidentKind::Threats => "threats",
            IncidentKind::AbuseInCustody => "abuse_in_custody",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key).map_err(|mut e| {
            e.code = "HW-PROT-0001";
            e
        })
    }

    /// Whether this kind may be alleged at a hearing (and so opens an incident from there).
    pub fn alleged_at_hearing(self) -> bool {
        matches!(
            self,
            IncidentKind::IllTreatment
                | IncidentKind::CoercedConfession
                | IncidentKind::AbuseInCustody
                | IncidentKind::Threats
        )
    }
}

/// Where a protection incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentStatus {
    /// Reported, nobody has acted yet.
    Open,
    /// Someone is looking into it.
    UnderReview,
    /// Referred to another body (a prosecutor, the ICRC, an inspection).
    Referred,
    /// Nothing more to do.
    Closed,
}

impl IncidentStatus {
    /// Every status.
    pub const ALL: [IncidentStatus; 4] = [
        IncidentStatus::Open,
        IncidentStatus::UnderReview,
        IncidentStatus::Referred,
        IncidentStatus::Closed,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::UnderReview => "under_review",
            IncidentStatus::Referred => "referred",
            IncidentStatus::Closed => "closed",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key).map_err(|mut e| {
            e.code = "HW-PROT-0002";
            e
        })
    }
}

/// The account of an incident or of an action: never blank, bounded.
pub fn check_narrative(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(FieldError::new(
            field,
            "HW-PROT-0003",
            "write what happened: an incident or an action without its account cannot be followed up",
        ));
    }
    if t.chars().count() > 20_000 {
        return Err(FieldError::new(
            field,
            "HW-PROT-0004",
            "the account is longer than 20,000 characters",
        ));
    }
    Ok(t.to_owned())
}

/// A hearing as a form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct HearingDraft {
    /// The day (YYYY-MM-DD).
    pub hearing_date: String,
    /// Whether the hearing took place (`false`: it was set and did not happen).
    pub held: bool,
    /// What happened.
    pub summary: String,
    /// The next hearing, if one was set (YYYY-MM-DD).
    pub next_date: String,
    /// Counsel was present.
    pub counsel_present: bool,
    /// Why the hearing went ahead without counsel (a waiver).
    pub counsel_waiver_reason: String,
    /// The language the interpreter interpreted into, if there was one (ISO 639).
    pub interpreter_language: String,
    /// The interpreter's name.
    pub interpreter_name: String,
    /// Why the hearing went ahead without an interpreter in a language the person speaks.
    pub interpreter_waiver_reason: String,
    /// A guardian was present.
    pub guardian_present: bool,
    /// A social worker was present.
    pub social_worker_present: bool,
    /// The kind of coercion or ill-treatment alleged at the hearing, if any.
    pub allegation: String,
    /// The allegation as it was made (becomes the incident's account).
    pub allegation_narrative: String,
}

/// What the safeguards need to know besides the hearing itself.
#[derive(Debug, Clone, Default)]
pub struct HearingFacts {
    /// The person's age on the hearing date.
    pub age_on_hearing: u32,
    /// The languages the person speaks (ISO 639 codes).
    pub languages: Vec<String>,
    /// Today: a hearing cannot be recorded as held on a day still to come.
    pub today: NaiveDate,
}

/// A hearing, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hearing {
    /// The day.
    pub hearing_date: NaiveDate,
    /// It took place.
    pub held: bool,
    /// What happened.
    pub summary: String,
    /// The next hearing.
    pub next_date: Option<NaiveDate>,
    /// Counsel present.
    pub counsel_present: bool,
    /// Waiver of counsel with its reason.
    pub counsel_waiver_reason: Option<String>,
    /// The interpreter's language.
    pub interpreter_language: Option<String>,
    /// The interpreter's name.
    pub interpreter_name: Option<String>,
    /// Waiver of the interpreter with its reason.
    pub interpreter_waiver_reason: Option<String>,
    /// A guardian present.
    pub guardian_present: bool,
    /// A social worker present.
    pub social_worker_present: bool,
    /// The person was a minor on the day.
    pub minor: bool,
    /// An allegation made at the hearing, with its account.
    pub allegation: Option<(IncidentKind, String)>,
}

/// Checks a hearing against the fair-trial safeguards, every refusal at once.
pub fn check_hearing(d: &HearingDraft, facts: &HearingFacts) -> Result<Hearing, Invalid> {
    let mut errors = Errors::new();
    let hearing_date = errors.take(parse_date("hearing_date", &d.hearing_date));
    let next_date = opt_date(&mut errors, "next_date", &d.next_date);
    if let (Some(h), Some(n)) = (hearing_date, next_date)
        && n <= h
    {
        errors.push(FieldError::new(
            "next_date",
            "HW-COURT-0008",
            "the next hearing must come after this one",
        ));
    }
    if let Some(h) = hearing_date
        && d.held
        && h > facts.today
    {
        errors.push(FieldError::new(
            "hearing_date",
            "HW-COURT-0011",
            "a hearing on a day still to come cannot be recorded as held",
        ));
    }
    let summary = opt(&d.summary).unwrap_or_default();
    if d.held && summary.is_empty() {
        errors.push(FieldError::new(
            "summary",
            "HW-COURT-0009",
            "write what happened at the hearing",
        ));
    }
    let counsel_waiver_reason = opt(&d.counsel_waiver_reason);
    let interpreter_waiver_reason = opt(&d.interpreter_waiver_reason);
    let interpreter_language = match opt(&d.interpreter_language) {
        Some(l) => errors.take(parse_language("interpreter_language", &l)),
        None => None,
    };
    let speaks = |l: &str| facts.languages.iter().any(|s| s == l);
    let minor = facts.age_on_hearing < 18;
    if d.held {
        if !d.counsel_present && counsel_waiver_reason.is_none() {
            errors.push(FieldError::new(
                "counsel_present",
                "HW-COURT-0001",
                "a hearing cannot be recorded as held without counsel: record counsel as present, \
                 or a waiver with its reason",
            ));
        }
        if interpreter_waiver_reason.is_none() && !speaks(COURT_LANGUAGE) {
            if facts.languages.is_empty() {
                errors.push(FieldError::new(
                    "interpreter_language",
                    "HW-COURT-0003",
                    "the languages this person speaks are not recorded: record them first, so \
                     the interpreter's language can be checked",
                ));
            } else {
                match &interpreter_language {
                    None => errors.push(FieldError::new(
                        "interpreter_language",
                        "HW-COURT-0002",
                        format!(
                            "a hearing cannot be recorded as held without an interpreter in a \
                             language the person speaks ({}), or a waiver with its reason",
                            facts.languages.join(", ")
                        ),
                    )),
                    Some(l) if !speaks(l) => errors.push(FieldError::new(
                        "interpreter_language",
                        "HW-COURT-0004",
                        format!(
                            "the person does not speak '{l}': the interpreter must use a \
                             language they speak ({})",
                            facts.languages.join(", ")
                        ),
                    )),
                    Some(_) => {}
                }
            }
        }
        if minor && !d.guardian_present && !d.social_worker_present {
            errors.push(FieldError::new(
                "guardian_present",
                "HW-COURT-0005",
                format!(
                    "the person was {} on the hearing date: a minor's hearing needs a guardian or \
                     a social worker present",
                    facts.age_on_hearing
                ),
            ));
        }
    }
    let allegation = match opt(&d.allegation) {
        None => {
            if opt(&d.allegation_narrative).is_some() {
                errors.push(FieldError::new(
                    "allegation",
                    "HW-COURT-0006",
                    "say what kind of coercion or ill-treatment was alleged",
                ));
            }
            None
        }
        Some(k) => {
            let kind = match IncidentKind::parse("allegation", &k) {
                Ok(kind) if kind.alleged_at_hearing() => Some(kind),
                Ok(kind) => {
                    errors.push(FieldError::new(
                        "allegation",
                        "HW-COURT-0007",
                        format!(
                            "'{}' is not an allegation of coercion or ill-treatment: report it \
                             as a protection incident",
                            kind.key()
                        ),
                    ));
                    None
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            let narrative = errors.take(check_narrative(
                "allegation_narrative",
                &d.allegation_narrative,
            ));
            kind.zip(narrative)
        }
    };
    errors.finish()?;
    let Some(hearing_date) = hearing_date else {
        return Err(Invalid::one("hearing_date", "HW-COURT-0000", "incomplete"));
    };
    Ok(Hearing {
        hearing_date,
        held: d.held,
        summary,
        next_date,
        counsel_present: d.counsel_present,
        counsel_waiver_reason,
        interpreter_language,
        interpreter_name: opt(&d.interpreter_name),
        interpreter_waiver_reason,
        guardian_present: d.guardian_present,
        social_worker_present: d.social_worker_present,
        minor,
        allegation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held() -> HearingDraft {
        HearingDraft {
            hearing_date: "2018-02-05".into(),
            held: true,
            summary: "charges read".into(),
            counsel_present: true,
            interpreter_language: "tr".into(),
            ..HearingDraft::default()
        }
    }

    fn adult_turkish() -> HearingFacts {
        HearingFacts {
            age_on_hearing: 30,
            languages: vec!["tr".into()],
            today: NaiveDate::from_ymd_opt(2018, 2, 10).unwrap(),
        }
    }

    fn codes(r: Result<Hearing, Invalid>) -> Vec<(String, &'static str)> {
        r.unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_held_hearing_with_counsel_and_interpreter_passes() {
        let h = check_hearing(&held(), &adult_turkish()).unwrap();
        assert!(h.held && !h.minor && h.allegation.is_none());
    }

    #[test]
    fn counsel_and_interpreter_are_required_unless_waived_with_a_reason() {
        let mut d = held();
        d.counsel_present = false;
        d.interpreter_language = "ru".into();
        assert_eq!(
            codes(check_hearing(&d, &adult_turkish())),
            vec![
                ("counsel_present".into(), "HW-COURT-0001"),
                ("interpreter_language".into(), "HW-COURT-0004")
            ]
        );
        d.interpreter_language.clear();
        assert_eq!(
            codes(check_hearing(&d, &adult_turkish()))[1],
            ("interpreter_language".into(), "HW-COURT-0002")
        );
        d.counsel_waiver_reason = "the person refused counsel in writing".into();
        d.interpreter_waiver_reason = "the person asked to go on in Arabic".into();
        assert!(check_hearing(&d, &adult_turkish()).is_ok());
        // A hearing that did not take place needs none of it.
        let mut not_held = held();
        not_held.held = false;
        not_held.counsel_present = false;
        not_held.interpreter_language.clear();
        assert!(check_hearing(&not_held, &adult_turkish()).is_ok());
    }

    #[test]
    fn an_arabic_speaker_needs_no_interpreter_and_unknown_languages_are_refused() {
        let mut d = held();
        d.interpreter_language.clear();
        let ar = HearingFacts {
            age_on_hearing: 30,
            languages: vec!["ar".into(), "tr".into()],
            ..adult_turkish()
        };
        assert!(check_hearing(&d, &ar).is_ok());
        let none = HearingFacts {
            age_on_hearing: 30,
            languages: vec![],
            ..adult_turkish()
        };
        assert_eq!(
            codes(check_hearing(&d, &none)),
            vec![("interpreter_language".into(), "HW-COURT-0003")]
        );
    }

    #[test]
    fn a_minor_needs_a_guardian_or_social_worker_and_this_is_not_waived() {
        let mut d = held();
        d.counsel_waiver_reason = "x".into();
        d.interpreter_waiver_reason = "y".into();
        let minor = HearingFacts {
            age_on_hearing: 15,
            ..adult_turkish()
        };
        assert_eq!(
            codes(check_hearing(&d, &minor)),
            vec![("guardian_present".into(), "HW-COURT-0005")]
        );
        d.social_worker_present = true;
        assert!(check_hearing(&d, &minor).unwrap().minor);
    }

    #[test]
    fn an_allegation_needs_its_kind_and_account() {
        let mut d = held();
        d.allegation = "coerced_confession".into();
        assert_eq!(
            codes(check_hearing(&d, &adult_turkish())),
            vec![("allegation_narrative".into(), "HW-PROT-0003")]
        );
        d.allegation_narrative = "she said she signed under threat".into();
        let h = check_hearing(&d, &adult_turkish()).unwrap();
        assert_eq!(h.allegation.unwrap().0, IncidentKind::CoercedConfession);
        d.allegation = "separation".into();
        assert_eq!(
            codes(check_hearing(&d, &adult_turkish())),
            vec![("allegation".into(), "HW-COURT-0007")]
        );
    }

    #[test]
    fn a_case_names_every_bad_field_and_computes_its_detention_limit() {
        let bad = LegalCaseDraft {
            counsel: "assigned".into(),
            detention_limit_days: Some(0),
            sentence: "5 years".into(),
            ..LegalCaseDraft::default()
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        for f in [
            "charges",
            "court",
            "case_number",
            "counsel_name",
            "detention_limit_days",
            "detained_since",
            "sentence",
        ] {
            assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
        }
        let ok = LegalCaseDraft {
            charges: "membership".into(),
            court: "Central Criminal Court, Baghdad".into(),
            case_number: "2018/114".into(),
            detained_since: "2017-09-01".into(),
            detention_limit_days: Some(180),
            ..LegalCaseDraft::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.detention_limit(), NaiveDate::from_ymd_opt(2018, 2, 28));
        assert_eq!(ok.counsel, Counsel::None);
    }
}
