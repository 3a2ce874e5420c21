//! Nationality claims and their verification.

use crate::country::parse_key;
use crate::error::FieldError;

/// Where the verification of one claimed nationality stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimState {
    /// Said by the person or a relative; nothing checked yet.
    Claimed,
    /// Evidence is being gathered or the embassy has been asked.
    UnderVerification,
    /// Established.
    Confirmed,
    /// Established as false.
    Rejected,
}

impl ClaimState {
    /// Every state.
    pub const ALL: [ClaimState; 4] = [
        ClaimState::Claimed,
        ClaimState::UnderVerification,
        ClaimState::Confirmed,
        ClaimState::Rejected,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            ClaimState::Claimed => "claimed",
            ClaimState::UnderVerification => "under_verification",
            ClaimState::Confirmed => "confirmed",
            ClaimState::Rejected => "rejected",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// Whether moving to `next` is allowed: a claim is verified before it is decided, and a
    /// decision can only be reopened for verification (new evidence), never flipped directly.
    pub fn can_move_to(self, next: ClaimState) -> bool {
        use ClaimState::*;
        matches!(
            (self, next),
            (Claimed, UnderVerification)
                | (UnderVerification, Confirmed)
                | (UnderVerification, Rejected)
                | (Confirmed, UnderVerification)
                | (Rejected, UnderVerification)
        )
    }

    /// Checks a transition, with a message naming both states.
    pub fn transition(self, next: ClaimState) -> Result<ClaimState, FieldError> {
        if self.can_move_to(next) {
            Ok(next)
        } else {
            Err(FieldError::new(
                "state",
                "HW-CLAIM-0001",
                format!("a claim cannot go from {} to {}", self.key(), next.key()),
            ))
        }
    }
}

/// Kinds of evidence for a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// A document seen by staff.
    DocumentSighted,
    /// The embassy confirmed the person is a national.
    EmbassyConfirmation,
    /// A reference to a DNA result held elsewhere.
    DnaResultReference,
    /// The record of an interview.
    InterviewRecord,
}

impl EvidenceKind {
    /// Every kind.
    pub const ALL: [EvidenceKind; 4] = [
        EvidenceKind::DocumentSighted,
        EvidenceKind::EmbassyConfirmation,
        EvidenceKind::DnaResultReference,
        EvidenceKind::InterviewRecord,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            EvidenceKind::DocumentSighted => "document_sighted",
            EvidenceKind::EmbassyConfirmation => "embassy_confirmation",
            EvidenceKind::DnaResultReference => "dna_result_reference",
            EvidenceKind::InterviewRecord => "interview_record",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// A person faces a risk of statelessness when they have claims and every one was rejected.
pub fn statelessness_risk(states: &[ClaimState]) -> bool {
    !states.is_empty() && states.iter().all(|s| *s == ClaimState::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_verified_before_it_is_decided() {
        assert!(
            ClaimState::Claimed
                .transition(ClaimState::Confirmed)
                .is_err()
        );
        assert!(
            ClaimState::Claimed
                .transition(ClaimState::UnderVerification)
                .is_ok()
        );
        assert!(
            ClaimState::UnderVerification
                .transition(ClaimState::Rejected)
                .is_ok()
        );
        assert!(
            ClaimState::Rejected
                .transition(ClaimState::Confirmed)
                .is_err()
        );
    }

    #[test]
    fn statelessness_risk_needs_every_claim_rejected() {
        use ClaimState::*;
        assert!(statelessness_risk(&[Rejected, Rejected]));
        assert!(!statelessness_risk(&[Rejected, Claimed]));
        assert!(!statelessness_risk(&[]));
    }
}
