//! Care for children and health on a need-to-know basis: the rules of care plans and their
//! reviews, the best-interests procedure (assessment, a panel of at least three distinct
//! people in named roles, decision, implementation), programmes and their attendance, and the
//! fitness-to-travel assessment that is the only health fact an embassy sees.
//!
//! A completed procedure is cited as `BIP-<id>`; [`parse_reference`] reads such a reference so
//! the placement and repatriation rules can check that it names a decided procedure for the
//! same child.

use chrono::NaiveDate;

use crate::country::parse_key;
use crate::date::parse_date;
use crate::error::{Errors, FieldError, Invalid};
use crate::repatriation::{BidDecision, PANEL_ROLES, PanelMember};

/// The programmes run for children in custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Programme {
    /// Psychosocial support.
    Psychosocial,
    /// Education (classes inside the site).
    Education,
    /// The rehabilitation programme.
    Rehabilitation,
    /// Recreation.
    Recreation,
}

impl Programme {
    /// Every programme.
    pub const ALL: [Programme; 4] = [
        Programme::Psychosocial,
        Programme::Education,
        Programme::Rehabilitation,
        Programme::Recreation,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Programme::Psychosocial => "psychosocial",
            Programme::Education => "education",
            Programme::Rehabilitation => "rehabilitation",
            Programme::Recreation => "recreation",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text.trim(), &Self::ALL, Self::key)
    }
}

/// What a best-interests procedure is asked to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BiQuestion {
    /// A placement other than the one the protocol proposes.
    Placement,
    /// Separating a young child from the mother.
    Separation,
    /// Return to a home country (decided as `return`, `return_without_mother` or `remain`).
    Repatriation,
    /// Anything else about the child.
    Other,
}

impl BiQuestion {
    /// Every question.
    pub const ALL: [BiQuestion; 4] = [
        BiQuestion::Placement,
        BiQuestion::Separation,
        BiQuestion::Repatriation,
        BiQuestion::Other,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            BiQuestion::Placement => "placement",
            BiQuestion::Separation => "separation",
            BiQuestion::Repatriation => "repatriation",
            BiQuestion::Other => "other",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text.trim(), &Self::ALL, Self::key)
    }

    /// The decisions a panel can reach on this question.
    pub fn decisions(self) -> &'static [&'static str] {
        match self {
            BiQuestion::Repatriation => &["return", "return_without_mother", "remain"],
            _ => &["approve", "refuse"],
        }
    }
}

/// Whether a decision lets the action it was asked about go ahead (`approve`, or a return).
pub fn decision_allows(decision: &str) -> bool {
    match decision {
        "approve" => true,
        other => BidDecision::parse("decision", other).is_ok_and(BidDecision::allows_return),
    }
}

/// The steps of a best-interests procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BiState {
    /// Opened: the assessment is being made.
    Open,
    /// Assessed: waiting for the panel's decision.
    Assessed,
    /// Decided by the panel.
    Decided,
    /// The decision was carried out.
    Implemented,
}

impl BiState {
    /// Every state.
    pub const ALL: [BiState; 4] = [
        BiState::Open,
        BiState::Assessed,
        BiState::Decided,
        BiState::Implemented,
    ];

    /// The key stored.
    pub fn key(self) -> &'static str {
        match self {
            BiState::Open => "open",
            BiState::Assessed => "assessed",
            BiState::Decided => "decided",
            BiState::Implemented => "implemented",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// A decision was reached (decided or implemented).
    pub fn is_decided(self) -> bool {
        matches!(self, BiState::Decided | BiState::Implemented)
    }
}

/// The reference a decided procedure is cited by.
pub fn reference(id: i64) -> String {
    format!("BIP-{id}")
}

/// Reads a `BIP-<id>` reference (case and surrounding spaces ignored); `None` for any other
/// text, which stays a free reference to a decision recorded elsewhere.
pub fn parse_reference(text: &str) -> Option<i64> {
    let t = text.trim();
    t.get(..4).filter(|p| p.eq_ignore_ascii_case("BIP-"))?;
    t.get(4..)?.parse::<i64>().ok().filter(|id| *id > 0)
}

fn day(field: &str, text: &str, today: NaiveDate, errors: &mut Errors) -> Option<NaiveDate> {
    let d = errors.take(parse_date(field, text.trim()))?;
    if d > today {
        errors.push(FieldError::new(
            field,
            "HW-CARE-0001",
            "this date is in the future",
        ));
    }
    Some(d)
}

fn required(field: &str, text: &str, what: &str, errors: &mut Errors) {
    if text.trim().is_empty() {
        errors.push(FieldError::new(
            field,
            "HW-CARE-0002",
            format!("write {what}"),
        ));
    }
}

/// A new care plan: its goals and the first review date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarePlanDraft {
    /// Goals, one per entry (blank entries are ignored).
    pub goals: Vec<String>,
    /// First review due, `YYYY-MM-DD`.
    pub next_review_due: String,
}

impl CarePlanDraft {
    /// Checks the plan; returns the goals and the first review date.
    pub fn parse(&self, today: NaiveDate) -> Result<(Vec<String>, NaiveDate), Invalid> {
        let mut errors = Errors::new();
        let goals: Vec<String> = self
            .goals
            .iter()
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty())
            .collect();
        if goals.is_empty() {
            errors.push(FieldError::new(
                "goals",
                "HW-CARE-0003",
                "a care plan needs at least one goal",
            ));
        }
        let due = errors.take(parse_date("next_review_due", self.next_review_due.trim()));
        if due.is_some_and(|d| d <= today) {
            errors.push(FieldError::new(
                "next_review_due",
                "HW-CARE-0004",
                "the next review is due after today",
            ));
        }
        errors.finish()?;
        Ok((goals, due.unwrap_or(today)))
    }
}

/// A dated review of a care plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewDraft {
    /// When the review took place, `YYYY-MM-DD`.
    pub reviewed_on: String,
    /// What the review found (a care note).
    pub review_note: String,
    /// The next review, `YYYY-MM-DD`, after the review date.
    pub next_review_due: String,
}

impl ReviewDraft {
    /// Checks the review; returns its date and the next one.
    pub fn parse(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), Invalid> {
        let mut errors = Errors::new();
        let on = day("reviewed_on", &self.reviewed_on, today, &mut errors);
        required(
            "review_note",
            &self.review_note,
            "what the review found",
            &mut errors,
        );
        let next = errors.take(parse_date("next_review_due", self.next_review_due.trim()));
        if let (Some(on), Some(next)) = (on, next)
            && next <= on
        {
            errors.push(FieldError::new(
                "next_review_due",
                "HW-CARE-0005",
                "the next review comes after this one",
            ));
        }
        errors.finish()?;
        match (on, next) {
            (Some(on), Some(next)) => Ok((on, next)),
            _ => Err(Invalid::one(
                "reviewed_on",
                "HW-CARE-0005",
                "incomplete review",
            )),
        }
    }
}

/// The assessment step of a best-interests procedure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessmentDraft {
    /// What was found about the child's situation, needs and wishes (a care note).
    pub assessment_note: String,
    /// When assessed, `YYYY-MM-DD`.
    pub assessed_on: String,
}

impl AssessmentDraft {
    /// Checks the assessment; returns its date.
    pub fn parse(&self, today: NaiveDate) -> Result<NaiveDate, Invalid> {
        let mut errors = Errors::new();
        required(
            "assessment_note",
            &self.assessment_note,
            "the assessment of the child's situation and wishes",
            &mut errors,
        );
        let on = day("assessed_on", &self.assessed_on, today, &mut errors);
        errors.finish()?;
        on.ok_or_else(|| Invalid::one("assessed_on", "HW-CARE-0006", "give the date"))
    }
}

/// Checks a best-interests panel: every member named and in one of [`PANEL_ROLES`], and at
/// least three distinct people (names compared without case). Blank rows are ignored.
pub fn check_panel(members: &[PanelMember], errors: &mut Errors) -> Vec<PanelMember> {
    let mut panel = Vec::new();
    for (i, m) in members.iter().enumerate() {
        let (name, role) = (m.name.trim(), m.role.trim());
        if name.is_empty() && role.is_empty() {
            continue;
        }
        if name.is_empty() {
            errors.push(FieldError::new(
                format!("panel[{i}].name"),
                "HW-CARE-0011",
                "name the panel member",
            ));
        }
        if !PANEL_ROLES.contains(&role) {
            errors.push(FieldError::new(
                format!("panel[{i}].role"),
                "HW-CARE-0012",
                format!("'{role}' is not one of: {}", PANEL_ROLES.join(", ")),
            ));
        }
        panel.push(PanelMember {
            name: name.to_owned(),
            role: role.to_owned(),
        });
    }
    let mut distinct: Vec<String> = panel
        .iter()
        .map(|m| m.name.to_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() < 3 {
        errors.push(FieldError::new(
            "panel",
            "HW-CARE-0010",
            format!(
                "a best-interests panel needs at least 3 different people; {} named",
                distinct.len()
            ),
        ));
    }
    panel
}

/// The decision step of a best-interests procedure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionDraft {
    /// The panel.
    pub panel: Vec<PanelMember>,
    /// The decision key (see [`BiQuestion::decisions`]).
    pub decision: String,
    /// The panel's reasons (a care note).
    pub decision_note: String,
    /// When decided, `YYYY-MM-DD`, not before the assessment.
    pub decided_on: String,
}

/// A checked decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The panel.
    pub panel: Vec<PanelMember>,
    /// The decision key.
    pub decision: String,
    /// When decided.
    pub decided_on: NaiveDate,
}

impl DecisionDraft {
    /// Checks the decision for a procedure on `question` assessed on `assessed_on`.
    pub fn parse(
        &self,
        question: BiQuestion,
        assessed_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<Decision, Invalid> {
        let mut errors = Errors::new();
        let panel = check_panel(&self.panel, &mut errors);
        let decision = self.decision.trim();
        if !question.decisions().contains(&decision) {
            errors.push(FieldError::new(
                "decision",
                "HW-CARE-0013",
                format!(
                    "for a {} question the decision is one of: {}",
                    question.key(),
                    question.decisions().join(", ")
                ),
            ));
        }
        required(
            "decision_note",
            &self.decision_note,
            "the panel's reasons",
            &mut errors,
        );
        let on = day("decided_on", &self.decided_on, today, &mut errors);
        if on.is_some_and(|d| d < assessed_on) {
            errors.push(FieldError::new(
                "decided_on",
                "HW-CARE-0014",
                "a decision follows the assessment",
            ));
        }
        errors.finish()?;
        Ok(Decision {
            panel,
            decision: decision.to_owned(),
            decided_on: on.unwrap_or(today),
        })
    }
}

/// The implementation step: when and how the decision was carried out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImplementationDraft {
    /// When, `YYYY-MM-DD`, not before the decision.
    pub implemented_on: String,
    /// What was done (a care note).
    pub implementation_note: String,
}

impl ImplementationDraft {
    /// Checks the step for a procedure decided on `decided_on`.
    pub fn parse(&self, decided_on: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Invalid> {
        let mut errors = Errors::new();
        let on = day("implemented_on", &self.implemented_on, today, &mut errors);
        if on.is_some_and(|d| d < decided_on) {
            errors.push(FieldError::new(
                "implemented_on",
                "HW-CARE-0015",
                "a decision is carried out after it is made",
            ));
        }
        required(
            "implementation_note",
            &self.implementation_note,
            "what was done",
            &mut errors,
        );
        errors.finish()?;
        on.ok_or_else(|| Invalid::one("implemented_on", "HW-CARE-0015", "give the date"))
    }
}

/// What kind of lasting health fact a condition record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKind {
    /// A chronic condition.
    Chronic,
    /// A disability.
    Disability,
}

impl ConditionKind {
    /// Every kind.
    pub const ALL: [ConditionKind; 2] = [ConditionKind::Chronic, ConditionKind::Disability];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            ConditionKind::Chronic => "chronic",
            ConditionKind::Disability => "disability",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text.trim(), &Self::ALL, Self::key)
    }
}

/// A fitness-to-travel assessment as drafted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FitnessDraft {
    /// Fit to travel.
    pub fit: bool,
    /// When assessed, `YYYY-MM-DD`.
    pub assessed_on: String,
    /// Who assessed (a health worker's name).
    pub assessed_by: String,
    /// Conditions of travel the receiving officials must know (escort, medication on board).
    pub fitness_note: String,
}

impl FitnessDraft {
    /// Checks the assessment; returns its date.
    pub fn parse(&self, today: NaiveDate) -> Result<NaiveDate, Invalid> {
        let mut errors = Errors::new();
        let on = day("assessed_on", &self.assessed_on, today, &mut errors);
        if self.assessed_by.trim().is_empty() {
            errors.push(FieldError::new(
                "assessed_by",
                "HW-HEALTH-0001",
                "name the health worker who assessed",
            ));
        }
        if !self.fit && self.fitness_note.trim().is_empty() {
            errors.push(FieldError::new(
                "fitness_note",
                "HW-HEALTH-0002",
                "say why the person is not fit to travel",
            ));
        }
        errors.finish()?;
        on.ok_or_else(|| Invalid::one("assessed_on", "HW-HEALTH-0003", "give the date"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2018, 2, 1).unwrap()
    }

    fn member(name: &str, role: &str) -> PanelMember {
        PanelMember {
            name: name.into(),
            role: role.into(),
        }
    }

    #[test]
    fn a_panel_of_two_people_is_refused_naming_the_panel() {
        let d = DecisionDraft {
            panel: vec![
                member("Amal", "case_worker"),
                member("amal ", "psychologist"),
                member("Huda", "guardian"),
            ],
            decision: "approve".into(),
            decision_note: "stays with the aunt".into(),
            decided_on: "2018-01-30".into(),
        };
        let e = d
            .parse(BiQuestion::Placement, today(), today())
            .unwrap_err();
        assert!(
            e.0.iter()
                .any(|f| f.field == "panel" && f.code == "HW-CARE-0010")
        );
        let mut ok = d.clone();
        ok.panel.push(member("Sami", "legal_officer"));
        ok.decided_on = "2018-02-01".into();
        assert_eq!(
            ok.parse(BiQuestion::Placement, today(), today())
                .unwrap()
                .panel
                .len(),
            4
        );
    }

    #[test]
    fn decisions_follow_the_question() {
        let d = DecisionDraft {
            panel: vec![
                member("A", "case_worker"),
                member("B", "psychologist"),
                member("C", "guardian"),
            ],
            decision: "approve".into(),
            decision_note: "n".into(),
            decided_on: "2018-02-01".into(),
        };
        assert!(d.parse(BiQuestion::Repatriation, today(), today()).is_err());
        assert!(d.parse(BiQuestion::Separation, today(), today()).is_ok());
        assert!(decision_allows("return_without_mother"));
        assert!(!decision_allows("remain") && !decision_allows("refuse"));
    }

    #[test]
    fn references_read_back() {
        assert_eq!(parse_reference(" bip-12 "), Some(12));
        assert_eq!(parse_reference(&reference(7)), Some(7));
        assert_eq!(parse_reference("BID-2018-004"), None);
        assert_eq!(parse_reference("BIP-x"), None);
    }

    #[test]
    fn a_review_needs_a_note_and_a_later_next_date() {
        let r = ReviewDraft {
            reviewed_on: "2018-01-31".into(),
            review_note: " ".into(),
            next_review_due: "2018-01-30".into(),
        };
        let e = r.parse(today()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["review_note", "next_review_due"]);
    }
}
