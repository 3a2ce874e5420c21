//! Family links and the rules that keep a family tree possible.

use chrono::NaiveDate;

use crate::country::parse_key;
use crate::date::DateOfBirth;
use crate::error::FieldError;
use crate::person::{PersonId, Sex};

/// How two persons are related, read as "`from` is the `relation` of `to`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `from` is the mother of `to`.
    Mother,
    /// `from` is the father of `to`.
    Father,
    /// `from` and `to` are siblings.
    Sibling,
    /// `from` and `to` are spouses.
    Spouse,
}

impl Relation {
    /// Every stored relation.
    pub const ALL: [Relation; 4] = [
        Relation::Mother,
        Relation::Father,
        Relation::Sibling,
        Relation::Spouse,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Relation::Mother => "mother",
            Relation::Father => "father",
            Relation::Sibling => "sibling",
            Relation::Spouse => "spouse",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// Whether the relation is parenthood, which has a direction and must not loop.
    pub fn is_parent(self) -> bool {
        matches!(self, Relation::Mother | Relation::Father)
    }
}

/// What a family link rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Said by the person or a relative.
    Declared,
    /// Shown by a document.
    Document,
    /// Shown by a DNA result (its reference is kept, never the result itself).
    Dna,
    /// Seen by an officer (a mother caring for a baby).
    Observed,
}

impl Basis {
    /// Every basis.
    pub const ALL: [Basis; 4] = [
        Basis::Declared,
        Basis::Document,
        Basis::Dna,
        Basis::Observed,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Basis::Declared => "declared",
            Basis::Document => "document",
            Basis::Dna => "dna",
            Basis::Observed => "observed",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// How sure the registry is of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confidence {
    /// Established (document or DNA).
    Confirmed,
    /// Likely, not yet established.
    Probable,
    /// Claimed, doubtful.
    Possible,
}

impl Confidence {
    /// Every level.
    pub const ALL: [Confidence; 3] = [
        Confidence::Confirmed,
        Confidence::Probable,
        Confidence::Possible,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            Confidence::Confirmed => "confirmed",
            Confidence::Probable => "probable",
            Confidence::Possible => "possible",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// A family link to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The first person (the mother, for `Mother`).
    pub from: PersonId,
    /// The second person (the child, for `Mother`).
    pub to: PersonId,
    /// The relation.
    pub relation: Relation,
    /// What it rests on.
    pub basis: Basis,
    /// How sure.
    pub confidence: Confidence,
    /// A reference to the evidence (document number, DNA result reference).
    pub evidence_ref: Option<String>,
}

/// The youngest a mother can plausibly be at a child's birth; below that it is a recording error.
pub const MIN_MOTHER_AGE_AT_BIRTH: u32 = 12;

/// What the rules need to know of each person in a link.
#[derive(Debug, Clone)]
pub struct LinkEnd {
    /// The person.
    pub id: PersonId,
    /// Sex.
    pub sex: Sex,
    /// Date of birth as known.
    pub date_of_birth: DateOfBirth,
    /// Whether the person is recorded as having an unknown father.
    pub father_unknown: bool,
}

/// A parent link already recorded for the child of a new parent link.
#[derive(Debug, Clone, Copy)]
pub struct ExistingParent {
    /// Mother or father.
    pub relation: Relation,
    /// How sure.
    pub confidence: Confidence,
    /// Who.
    pub parent: PersonId,
}

/// Checks a new link against the people it joins and what is already recorded:
/// nobody their own relative or ancestor, a mother who is female and at least
/// [`MIN_MOTHER_AGE_AT_BIRTH`] at the birth (a father likewise male), no second confirmed
/// mother or father, no father for a child whose father is recorded as unknown.
/// `ancestors_of_from` are all recorded ancestors of `from`.
pub fn check_link(
    link: &NewLink,
    from: &LinkEnd,
    to: &LinkEnd,
    parents_of_to: &[ExistingParent],
    ancestors_of_from: &[PersonId],
) -> Result<(), FieldError> {
    if link.from == link.to {
        return Err(FieldError::new(
            "to",
            "HW-FAMILY-0001",
            "a person cannot be linked to themselves",
        ));
    }
    if !link.relation.is_parent() {
        return Ok(());
    }
    let (want_sex, word) = match link.relation {
        Relation::Mother => (Sex::Female, "mother"),
        _ => (Sex::Male, "father"),
    };
    if from.sex != want_sex {
        return Err(FieldError::new(
            "from",
            "HW-FAMILY-0002",
            format!("a {word} must be registered as {}", want_sex.key()),
        ));
    }
    let parent_birth = from.date_of_birth.approximate();
    let child_birth = to.date_of_birth.approximate();
    if crate::date::whole_years(parent_birth, child_birth) < MIN_MOTHER_AGE_AT_BIRTH
        || child_birth <= parent_birth
    {
        return Err(FieldError::new(
            "from",
            "HW-FAMILY-0003",
            format!(
                "the {word} (born about {}) is too young to be the parent of a child born about {}",
                year(parent_birth),
                year(child_birth)
            ),
        ));
    }
    if ancestors_of_from.contains(&link.to) {
        return Err(FieldError::new(
            "to",
            "HW-FAMILY-0004",
            "this link would make a person their own ancestor",
        ));
    }
    if link.relation == Relation::Father && to.father_unknown {
        return Err(FieldError::new(
            "to",
            "HW-FAMILY-0005",
            "the child's father is recorded as unknown: change that first",
        ));
    }
    if link.confidence == Confidence::Confirmed {
        let taken = parents_of_to.iter().any(|p| {
            p.relation == link.relation
                && p.confidence == Confidence::Confirmed
                && p.parent != link.from
        });
        if taken {
            return Err(FieldError::new(
                "confidence",
                "HW-FAMILY-0006",
                format!("the child already has a confirmed {word}"),
            ));
        }
    }
    Ok(())
}

fn year(d: NaiveDate) -> String {
    d.format("%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_date;

    fn end(id: i64, sex: Sex, dob: &str) -> LinkEnd {
        LinkEnd {
            id: PersonId(id),
            sex,
            date_of_birth: DateOfBirth::Exact(parse_date("d", dob).unwrap()),
            father_unknown: false,
        }
    }

    fn mother_link(confidence: Confidence) -> NewLink {
        NewLink {
            from: PersonId(1),
            to: PersonId(2),
            relation: Relation::Mother,
            basis: Basis::Declared,
            confidence,
            evidence_ref: None,
        }
    }

    #[test]
    fn a_plausible_mother_is_accepted() {
        let m = end(1, Sex::Female, "1990-01-01");
        let c = end(2, Sex::Male, "2014-01-01");
        assert!(check_link(&mother_link(Confidence::Probable), &m, &c, &[], &[]).is_ok());
    }

    #[test]
    fn a_mother_younger_than_her_child_is_refused() {
        let m = end(1, Sex::Female, "2012-01-01");
        let c = end(2, Sex::Male, "2010-01-01");
        let e = check_link(&mother_link(Confidence::Probable), &m, &c, &[], &[]).unwrap_err();
        assert_eq!(e.code, "HW-FAMILY-0003");
    }

    #[test]
    fn a_male_mother_is_refused() {
        let m = end(1, Sex::Male, "1990-01-01");
        let c = end(2, Sex::Male, "2014-01-01");
        let e = check_link(&mother_link(Confidence::Probable), &m, &c, &[], &[]).unwrap_err();
        assert_eq!(e.code, "HW-FAMILY-0002");
    }

    #[test]
    fn a_second_confirmed_mother_is_refused() {
        let m = end(1, Sex::Female, "1990-01-01");
        let c = end(2, Sex::Male, "2014-01-01");
        let existing = [ExistingParent {
            relation: Relation::Mother,
            confidence: Confidence::Confirmed,
            parent: PersonId(9),
        }];
        let e =
            check_link(&mother_link(Confidence::Confirmed), &m, &c, &existing, &[]).unwrap_err();
        assert_eq!(e.code, "HW-FAMILY-0006");
    }

    #[test]
    fn a_loop_of_ancestors_is_refused() {
        let m = end(1, Sex::Female, "1950-01-01");
        let c = end(2, Sex::Female, "1980-01-01");
        let e = check_link(
            &mother_link(Confidence::Probable),
            &m,
            &c,
            &[],
            &[PersonId(2)],
        )
        .unwrap_err();
        assert_eq!(e.code, "HW-FAMILY-0004");
    }
}
