//! Repatriation cases: the state machine from identification to handover, and family unity.
//!
//! A case covers one person or a family group and one country. It moves through an explicit
//! state machine; every refused move names the reason with a stable `HW-REPAT-00NN` code.
//! The rules that need several records (a confirmed claim, a best-interests determination for
//! each child, a cleared return-risk assessment) are plain functions over what the application
//! reads inside the transaction.

use chrono::NaiveDate;

use crate::country::{Stance, parse_key};
use crate::error::{Errors, FieldError, Invalid};

/// Where a repatriation case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CaseState {
    /// The case is opened: persons identified as possibly returnable.
    Identified,
    /// The embassy was told about the persons.
    EmbassyNotified,
    /// The embassy or staff are verifying nationality.
    VerificationInProgress,
    /// Nationality established.
    NationalityConfirmed,
    /// Nationality not established: the case cannot go on to the country.
    NationalityRejected,
    /// The country agreed to take the persons back.
    Accepted,
    /// The country refused.
    Refused,
    /// A return-risk assessment found no risk of torture, the death penalty or persecution.
    RiskCleared,
    /// A return-risk assessment found such a risk: no return.
    ReturnBlocked,
    /// Travel documents issued by the country.
    TravelDocumentsIssued,
    /// A handover date and place are set.
    HandoverScheduled,
    /// Custody passed to the country's officials.
    HandedOver,
    /// Nothing more to do.
    Closed,
}

impl CaseState {
    /// Every state, in the order of the procedure.
    pub const ALL: [CaseState; 13] = [
        CaseState::Identified,
        CaseState::EmbassyNotified,
        CaseState::VerificationInProgress,
        CaseState::NationalityConfirmed,
        CaseState::NationalityRejected,
        CaseState::Accepted,
        CaseState::Refused,
        CaseState::RiskCleared,
        CaseState::ReturnBlocked,
        CaseState::TravelDocumentsIssued,
        CaseState::HandoverScheduled,
        CaseState::HandedOver,
        CaseState::Closed,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            CaseState::Identified => "identified",
            CaseState::EmbassyNotified => "embassy_notified",
            CaseState::VerificationInProgress => "verification_in_progress",
            CaseState::NationalityConfirmed => "nationality_confirmed",
            CaseState::NationalityRejected => "nationality_rejected",
            CaseState::Accepted => "accepted",
            CaseState::Refused => "refused",
            CaseState::RiskCleared => "risk_cleared",
            CaseState::ReturnBlocked => "return_blocked",
            CaseState::TravelDocumentsIssued => "travel_documents_issued",
            CaseState::HandoverScheduled => "handover_scheduled",
            CaseState::HandedOver => "handed_over",
            CaseState::Closed => "closed",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// The states a case may move to from this one.
    pub fn next(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            Identified => &[EmbassyNotified, Closed],
            EmbassyNotified => &[VerificationInProgress, Closed],
            VerificationInProgress => &[NationalityConfirmed, NationalityRejected],
            // New evidence reopens a rejected verification.
            NationalityRejected => &[VerificationInProgress, Closed],
            NationalityConfirmed => &[Accepted, Refused],
            // A country that refused may reconsider.
            Refused => &[Accepted, Closed],
            Accepted => &[RiskCleared, ReturnBlocked],
            // A risk found blocks the return: the case can only be closed.
            ReturnBlocked => &[Closed],
            RiskCleared => &[TravelDocumentsIssued, ReturnBlocked],
            TravelDocumentsIssued => &[HandoverScheduled, ReturnBlocked],
            HandoverScheduled => &[HandedOver, ReturnBlocked],
            HandedOver => &[Closed],
            Closed => &[],
        }
    }

    /// Whether the case is finished (nothing more moves it towards a return).
    pub fn is_final(self) -> bool {
        matches!(self, CaseState::Closed)
    }

    /// Whether reaching this state moves a child towards handover (family unity applies).
    pub fn towards_handover(self) -> bool {
        matches!(
            self,
            CaseState::RiskCleared
                | CaseState::TravelDocumentsIssued
                | CaseState::HandoverScheduled
                | CaseState::HandedOver
        )
    }

    /// Whether a consular officer of the case's country may record this move: verification
    /// results, the country's decision, travel documents and the handover.
    pub fn consular_may_record(self) -> bool {
        matches!(
            self,
            CaseState::NationalityConfirmed
                | CaseState::NationalityRejected
                | CaseState::Accepted
                | CaseState::Refused
                | CaseState::TravelDocumentsIssued
                | CaseState::HandedOver
        )
    }

    /// Who the case waits for in this state, and for what: a message key suffix.
    pub fn waiting_for(self) -> &'static str {
        match self {
            CaseState::Identified => "notification",
            CaseState::EmbassyNotified => "verification_start",
            CaseState::VerificationInProgress => "verification_result",
            CaseState::NationalityConfirmed | CaseState::Refused => "country_decision",
            CaseState::NationalityRejected => "new_evidence",
            CaseState::Accepted => "risk_assessment",
            CaseState::RiskCleared => "travel_documents",
            CaseState::TravelDocumentsIssued => "handover_date",
            CaseState::HandoverScheduled => "handover",
            CaseState::ReturnBlocked | CaseState::HandedOver => "closing",
            CaseState::Closed => "nothing",
        }
    }

    /// Checks a move, with the reason when it is refused.
    pub fn transition(self, to: CaseState) -> Result<CaseState, FieldError> {
        if self.next().contains(&to) {
            return Ok(to);
        }
        let allowed: Vec<&str> = self.next().iter().map(|s| s.key()).collect();
        let reason = if self == to {
            format!("the case is already {}", to.key())
        } else if allowed.is_empty() {
            format!("the case is {}: it cannot change any more", self.key())
        } else {
            format!(
                "a case cannot go from {} to {}: from {} it can go to {}",
                self.key(),
                to.key(),
                self.key(),
                allowed.join(", ")
            )
        };
        Err(FieldError::new("to", "HW-REPAT-0001", reason))
    }
}

/// The risks a return-risk assessment looks for; any one found blocks the return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnRisk {
    /// A real risk of torture or ill-treatment.
    pub torture: bool,
    /// A real risk of the death penalty.
    pub death_penalty: bool,
    /// A real risk of persecution.
    pub persecution: bool,
}

impl ReturnRisk {
    /// Whether any risk was found.
    pub fn any(&self) -> bool {
        self.torture || self.death_penalty || self.persecution
    }
}

/// The details a move carries, as parsed from a form or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepDetails {
    /// Free note.
    pub note: String,
    /// The risk assessment (for `risk_cleared` and `return_blocked`).
    pub risk: Option<ReturnRisk>,
    /// Travel document kind and number (for `travel_documents_issued`).
    pub travel_document: Option<String>,
    /// Handover date (for `handover_scheduled` and `handed_over`).
    pub handover_date: Option<NaiveDate>,
    /// Handover place.
    pub handover_place: Option<String>,
    /// The country's receiving official (for `handed_over`).
    pub receiving_official: Option<String>,
}

/// Checks that a move brings the details it needs; every missing detail is named.
pub fn check_details(to: CaseState, d: &StepDetails) -> Result<(), Invalid> {
    let mut errors = Errors::new();
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    match to {
        CaseState::RiskCleared => match &d.risk {
            None => errors.push(FieldError::new(
                "risk",
                "HW-REPAT-0004",
                "record the return-risk assessment: torture, death penalty, persecution",
            )),
            Some(r) if r.any() => errors.push(FieldError::new(
                "risk",
                "HW-REPAT-0005",
                "a risk of torture, the death penalty or persecution was found: the return is \
                 blocked (record return_blocked instead)",
            )),
            Some(_) => {}
        },
        CaseState::ReturnBlocked if d.note.trim().is_empty() => {
            errors.push(FieldError::new(
                "note",
                "HW-REPAT-0006",
                "say what risk blocks the return",
            ));
        }
        CaseState::TravelDocumentsIssued if blank(&d.travel_document) => {
            errors.push(FieldError::new(
                "travel_document",
                "HW-REPAT-0007",
                "give the travel document's kind and number",
            ));
        }
        CaseState::HandoverScheduled | CaseState::HandedOver => {
            if d.handover_date.is_none() {
                errors.push(FieldError::new(
                    "handover_date",
                    "HW-REPAT-0008",
                    "give the date of the handover",
                ));
            }
            if blank(&d.handover_place) {
                errors.push(FieldError::new(
                    "handover_place",
                    "HW-REPAT-0009",
                    "give the place of the handover",
                ));
            }
            if to == CaseState::HandedOver && blank(&d.receiving_official) {
                errors.push(FieldError::new(
                    "receiving_official",
                    "HW-REPAT-0010",
                    "name the country's official who received the persons",
                ));
            }
        }
        _ => {}
    }
    errors.finish()
}

/// A member of a case as family unity reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnityMember {
    /// Person id.
    pub person_id: i64,
    /// Under 18 on the day of the move.
    pub child: bool,
    /// Countries of the person's claims that are not rejected.
    pub nationalities: Vec<String>,
    /// The person's mother, when she is recorded in the registry.
    pub mother: Option<i64>,
    /// The mother's countries (claims not rejected), when she is recorded.
    pub mother_nationalities: Vec<String>,
}

/// The children of a case who need a recorded best-interests determination before moving
/// towards handover: every child when the country accepts only children, or when the family
/// (the members and the children's mothers) spans several nationalities, or when a child's
/// mother is not part of the case (the family would be split).
pub fn children_needing_determination(stance: Stance, members: &[UnityMember]) -> Vec<i64> {
    let mut countries: Vec<&str> = Vec::new();
    for m in members {
        for c in m.nationalities.iter().chain(&m.mother_nationalities) {
            if !countries.contains(&c.as_str()) {
                countries.push(c);
            }
        }
    }
    let spans = countries.len() > 1;
    let ids: Vec<i64> = members.iter().map(|m| m.person_id).collect();
    members
        .iter()
        .filter(|m| m.child)
        .filter(|m| {
            stance == Stance::ChildrenOnly
                || spans
                || m.mother.is_some_and(|mother| !ids.contains(&mother))
        })
        .map(|m| m.person_id)
        .collect()
}

/// What a best-interests determination decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BidDecision {
    /// Return with the country's officials, with the mother when she returns.
    Return,
    /// Return even though the mother stays (a separation, decided for the child).
    ReturnWithoutMother,
    /// Stay for now: the child does not move towards handover.
    Remain,
}

impl BidDecision {
    /// Every decision.
    pub const ALL: [BidDecision; 3] = [
        BidDecision::Return,
        BidDecision::ReturnWithoutMother,
        BidDecision::Remain,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            BidDecision::Return => "return",
            BidDecision::ReturnWithoutMother => "return_without_mother",
            BidDecision::Remain => "remain",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// Whether the decision lets the child move towards handover.
    pub fn allows_return(self) -> bool {
        !matches!(self, BidDecision::Remain)
    }
}

/// The roles a best-interests panel member can sit in.
pub const PANEL_ROLES: [&str; 7] = [
    "case_worker",
    "child_protection_officer",
    "psychologist",
    "guardian",
    "legal_officer",
    "unhcr_observer",
    "health_worker",
];

/// One panel member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelMember {
    /// Their name.
    pub name: String,
    /// Their role, one of [`PANEL_ROLES`].
    pub role: String,
}

/// A best-interests determination as drafted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BidDraft {
    /// The assessment: what was found about the child's situation and wishes.
    pub assessment: String,
    /// The panel (at least three distinct people in named roles).
    pub panel: Vec<PanelMember>,
    /// The decision key.
    pub decision: String,
    /// The date decided, `YYYY-MM-DD`.
    pub decided_on: String,
}

/// A checked best-interests determination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    /// The assessment.
    pub assessment: String,
    /// The panel.
    pub panel: Vec<PanelMember>,
    /// The decision.
    pub decision: BidDecision,
    /// When decided.
    pub decided_on: NaiveDate,
}

impl BidDraft {
    /// Checks the determination, naming every bad field.
    pub fn parse(&self, today: NaiveDate) -> Result<Bid, Invalid> {
        let mut errors = Errors::new();
        if self.assessment.trim().is_empty() {
            errors.push(FieldError::new(
                "assessment",
                "HW-REPAT-0020",
                "write the assessment of the child's situation and wishes",
            ));
        }
        let mut panel = Vec::new();
        for (i, m) in self.panel.iter().enumerate() {
            let (name, role) = (m.name.trim(), m.role.trim());
            if name.is_empty() && role.is_empty() {
                continue;
            }
            let field = format!("panel[{i}]");
            if name.is_empty() {
                errors.push(FieldError::new(
                    format!("{field}.name"),
                    "HW-REPAT-0021",
                    "name the panel member",
                ));
            }
            if !PANEL_ROLES.contains(&role) {
                errors.push(FieldError::new(
                    format!("{field}.role"),
                    "HW-REPAT-0022",
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
                "HW-REPAT-0023",
                format!(
                    "a best-interests panel needs at least 3 different people; {} named",
                    distinct.len()
                ),
            ));
        }
        let decision = errors.take(BidDecision::parse("decision", &self.decision));
        let decided_on = errors.take(crate::date::parse_date("decided_on", &self.decided_on));
        if let Some(d) = decided_on
            && d > today
        {
            errors.push(FieldError::new(
                "decided_on",
                "HW-REPAT-0024",
                "a determination cannot be dated in the future",
            ));
        }
        errors.finish()?;
        match (decision, decided_on) {
            (Some(decision), Some(decided_on)) => Ok(Bid {
                assessment: self.assessment.trim().to_owned(),
                panel,
                decision,
                decided_on,
            }),
            _ => Err(Invalid::one(
                "decision",
                "HW-REPAT-0025",
                "incomplete determination",
            )),
        }
    }
}

/// Who gave or refused consent to a disclosure to the embassy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentGiver {
    /// The person themself (an adult).
    Person,
    /// A child's guardian.
    Guardian,
    /// A child's best-interests panel.
    BestInterestsPanel,
}

impl ConsentGiver {
    /// Every kind.
    pub const ALL: [ConsentGiver; 3] = [
        ConsentGiver::Person,
        ConsentGiver::Guardian,
        ConsentGiver::BestInterestsPanel,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            ConsentGiver::Person => "person",
            ConsentGiver::Guardian => "guardian",
            ConsentGiver::BestInterestsPanel => "best_interests_panel",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// Checks who may consent for whom: an adult consents for themself; for a child, a guardian
/// or the best-interests panel does.
pub fn check_consent_giver(giver: ConsentGiver, is_child: bool) -> Result<(), FieldError> {
    match (giver, is_child) {
        (ConsentGiver::Person, false)
        | (ConsentGiver::Guardian | ConsentGiver::BestInterestsPanel, true) => Ok(()),
        (ConsentGiver::Person, true) => Err(FieldError::new(
            "given_by",
            "HW-REPAT-0030",
            "for a child, consent is given by the guardian or the best-interests panel",
        )),
        (_, false) => Err(FieldError::new(
            "given_by",
            "HW-REPAT-0031",
            "an adult gives consent for themself",
        )),
    }
}

/// Checks a disclosure made without consent: it needs a legal basis and a second approver
/// who is not the person recording it.
pub fn check_legal_basis(
    legal_basis: &str,
    approver: &str,
    recorded_by: &str,
) -> Result<(), Invalid> {
    let mut errors = Errors::new();
    if legal_basis.trim().is_empty() {
        errors.push(FieldError::new(
            "legal_basis",
            "HW-REPAT-0032",
            "without consent, a disclosure needs a recorded legal basis",
        ));
    }
    if approver.trim().is_empty() {
        errors.push(FieldError::new(
            "approved_by",
            "HW-REPAT-0033",
            "without consent, a disclosure needs a second approver",
        ));
    } else if approver.trim().eq_ignore_ascii_case(recorded_by.trim()) {
        errors.push(FieldError::new(
            "approved_by",
            "HW-REPAT-0034",
            "the second approver must be a different user from the one recording",
        ));
    }
    errors.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_procedure_runs_in_order_and_illegal_moves_are_refused_with_the_reason() {
        use CaseState::*;
        let path = [
            Identified,
            EmbassyNotified,
            VerificationInProgress,
            NationalityConfirmed,
            Accepted,
            RiskCleared,
            TravelDocumentsIssued,
            HandoverScheduled,
            HandedOver,
            Closed,
        ];
        for w in path.windows(2) {
            assert_eq!(w[0].transition(w[1]).unwrap(), w[1]);
        }
        let e = Identified.transition(HandedOver).unwrap_err();
        assert_eq!(e.code, "HW-REPAT-0001");
        assert!(e.message.contains("embassy_notified"), "{}", e.message);
        assert!(ReturnBlocked.transition(TravelDocumentsIssued).is_err());
        assert!(Closed.transition(Identified).is_err());
        assert!(NationalityRejected.transition(Accepted).is_err());
    }

    #[test]
    fn every_key_parses_back() {
        for s in CaseState::ALL {
            assert_eq!(CaseState::parse("s", s.key()).unwrap(), s);
        }
    }

    #[test]
    fn a_risk_found_blocks_and_details_are_required() {
        let risky = StepDetails {
            risk: Some(ReturnRisk {
                death_penalty: true,
                ..ReturnRisk::default()
            }),
            ..StepDetails::default()
        };
        let e = check_details(CaseState::RiskCleared, &risky).unwrap_err();
        assert_eq!(e.0[0].code, "HW-REPAT-0005");
        let e = check_details(CaseState::HandedOver, &StepDetails::default()).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["handover_date", "handover_place", "receiving_official"]
        );
    }

    fn member(id: i64, child: bool, nat: &str, mother: Option<i64>) -> UnityMember {
        UnityMember {
            person_id: id,
            child,
            nationalities: vec![nat.into()],
            mother,
            mother_nationalities: vec![nat.into()],
        }
    }

    #[test]
    fn children_only_countries_and_mixed_families_need_a_determination() {
        let family = [
            member(1, false, "FR", None),
            member(2, true, "FR", Some(1)),
            member(3, true, "FR", Some(1)),
        ];
        assert!(children_needing_determination(Stance::AcceptsAll, &family).is_empty());
        assert_eq!(
            children_needing_determination(Stance::ChildrenOnly, &family),
            [2, 3]
        );
        let mut mixed = family.clone();
        mixed[2].nationalities = vec!["DE".into()];
        assert_eq!(
            children_needing_determination(Stance::AcceptsAll, &mixed),
            [2, 3]
        );
        // A child whose mother is not part of the case would be separated from her.
        let alone = [member(2, true, "FR", Some(1))];
        assert_eq!(
            children_needing_determination(Stance::AcceptsAll, &alone),
            [2]
        );
    }

    #[test]
    fn a_panel_has_three_distinct_people_in_named_roles() {
        let today = NaiveDate::from_ymd_opt(2018, 2, 1).unwrap();
        let m = |n: &str, r: &str| PanelMember {
            name: n.into(),
            role: r.into(),
        };
        let mut d = BidDraft {
            assessment: "wants to stay with her brother".into(),
            panel: vec![
                m("A", "case_worker"),
                m("a", "psychologist"),
                m("B", "guardian"),
            ],
            decision: "return".into(),
            decided_on: "2018-01-20".into(),
        };
        let e = d.parse(today).unwrap_err();
        assert_eq!(e.0[0].code, "HW-REPAT-0023");
        d.panel[1].name = "C".into();
        assert_eq!(d.parse(today).unwrap().decision, BidDecision::Return);
        d.panel[2].role = "boss".into();
        assert_eq!(d.parse(today).unwrap_err().0[0].field, "panel[2].role");
    }

    #[test]
    fn consent_is_given_by_the_right_person_and_a_legal_basis_needs_another_approver() {
        assert!(check_consent_giver(ConsentGiver::Person, false).is_ok());
        assert!(check_consent_giver(ConsentGiver::Person, true).is_err());
        assert!(check_consent_giver(ConsentGiver::BestInterestsPanel, true).is_ok());
        let e = check_legal_basis("court order 12/2018", "amal", "Amal").unwrap_err();
        assert_eq!(e.0[0].code, "HW-REPAT-0034");
        assert!(check_legal_basis("court order 12/2018", "sami", "amal").is_ok());
        assert_eq!(check_legal_basis("", "", "amal").unwrap_err().0.len(), 2);
    }
}
