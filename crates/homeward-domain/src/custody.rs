//! Custody: where each held person is, and the rules every move must keep.

use chrono::{NaiveDate, NaiveDateTime};

use crate::error::{Errors, FieldError, Invalid};
use crate::person::{PersonId, Sex};
use crate::site::{SeparationGroup, Site, SiteId};

/// A stay of one person at one site; the current one has no end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    /// The person.
    pub person: PersonId,
    /// Where.
    pub site: SiteId,
    /// From when.
    pub start: NaiveDateTime,
    /// Until when; `None` while it lasts.
    pub end: Option<NaiveDateTime>,
    /// Who authorised the move into this site.
    pub authorised_by: String,
    /// Why.
    pub reason: String,
}

/// The site a person was at on `at`, from their episodes (`None` when not held then).
pub fn site_at(episodes: &[Episode], at: NaiveDateTime) -> Option<SiteId> {
    episodes
        .iter()
        .find(|e| e.start <= at && e.end.is_none_or(|end| at < end))
        .map(|e| e.site)
}

/// The youngest a child is allowed to be apart from the mother without a best-interests
/// decision: children aged 3 and under stay with their mothers.
pub const STAYS_WITH_MOTHER_UP_TO: u32 = 3;

/// What a move needs to know about the person moved.
#[derive(Debug, Clone)]
pub struct Mover {
    /// The person.
    pub id: PersonId,
    /// Sex.
    pub sex: Sex,
    /// Age in whole years on the day of the move.
    pub age: u32,
    /// The population the person belongs to.
    pub separation_group: SeparationGroup,
    /// The mother's site after the move, when she is in custody.
    pub mother_site_after: Option<SiteId>,
}

/// A requested move into a site.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    /// Destination.
    pub to: SiteId,
    /// When.
    pub at: NaiveDateTime,
    /// Who authorised it.
    pub authorised_by: String,
    /// Why.
    pub reason: String,
    /// A best-interests decision reference, required to separate a young child from the mother.
    pub best_interests_ref: Option<String>,
    /// The user confirmed they accept the site going over capacity.
    pub confirm_over_capacity: bool,
}

/// Checks one move: the site holds people, the separation groups stay apart, a minor is never
/// alone in an adults' facility, an adult never in a children's one, a child aged 3 or under
/// stays with the mother unless a best-interests decision is recorded, and a full site needs an
/// explicit confirmation. `occupancy_after` counts the people at the destination after the move.
pub fn check_move(
    mover: &Mover,
    req: &MoveRequest,
    dest: &Site,
    occupancy_after: u32,
) -> Result<(), Invalid> {
    let mut errors = Errors::new();
    if req.authorised_by.trim().is_empty() {
        errors.push(FieldError::new(
            "authorised_by",
            "HW-CUSTODY-0001",
            "say who authorised the move",
        ));
    }
    if req.reason.trim().is_empty() {
        errors.push(FieldError::new(
            "reason",
            "HW-CUSTODY-0002",
            "say why the person is moved",
        ));
    }
    if !dest.holds_people() {
        errors.push(FieldError::new(
            "site",
            "HW-CUSTODY-0003",
            format!(
                "{} is a whole camp: choose one of its sections",
                dest.name_en
            ),
        ));
    }
    if let Some(group) = dest.separation_group
        && group != mover.separation_group
    {
        errors.push(FieldError::new(
            "site",
            "HW-CUSTODY-0004",
            format!(
                "{} holds {} only; this person belongs to {}, who never share a section",
                dest.name_en,
                group.key(),
                mover.separation_group.key()
            ),
        ));
    }
    let minor = mover.age < 18;
    let with_mother = mover.mother_site_after == Some(dest.id);
    if minor && dest.kind.is_adults_only() && !(mover.age <= STAYS_WITH_MOTHER_UP_TO && with_mother)
    {
        errors.push(FieldError::new(
            "site",
            "HW-CUSTODY-0005",
            format!(
                "a child aged {} cannot be placed alone in an adults' facility ({})",
                mover.age, dest.name_en
            ),
        ));
    }
    if !minor && dest.kind.is_minors_only() {
        errors.push(FieldError::new(
            "site",
            "HW-CUSTODY-0006",
            format!(
                "an adult cannot be placed in a children's facility ({})",
                dest.name_en
            ),
        ));
    }
    if mover.age <= STAYS_WITH_MOTHER_UP_TO
        && mover.mother_site_after.is_some()
        && !with_mother
        && req
            .best_interests_ref
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        errors.push(FieldError::new(
            "best_interests_ref",
            "HW-CUSTODY-0007",
            format!(
                "a child aged {} stays with the mother: a best-interests decision is required \
                 to separate them",
                mover.age
            ),
        ));
    }
    if occupancy_after > dest.capacity && !req.confirm_over_capacity {
        errors.push(FieldError::new(
            "confirm_over_capacity",
            "HW-CUSTODY-0008",
            format!(
                "{} would hold {occupancy_after} people for a capacity of {}: confirm to go over",
                dest.name_en, dest.capacity
            ),
        ));
    }
    errors.finish()
}

/// The day part of a moment, for rules judged by date.
pub fn day(at: NaiveDateTime) -> NaiveDate {
    at.date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::SiteKind;

    fn site(id: i64, kind: SiteKind, capacity: u32) -> Site {
        Site {
            id: SiteId(id),
            code: format!("S{id}"),
            name_en: format!("Site {id}"),
            name_ar: String::new(),
            kind,
            parent: None,
            capacity,
            separation_group: Some(SeparationGroup::ForeignFamilies),
        }
    }

    fn mover(age: u32, mother_site_after: Option<i64>) -> Mover {
        Mover {
            id: PersonId(1),
            sex: Sex::Male,
            age,
            separation_group: SeparationGroup::ForeignFamilies,
            mother_site_after: mother_site_after.map(SiteId),
        }
    }

    fn req(to: i64) -> MoveRequest {
        MoveRequest {
            to: SiteId(to),
            at: NaiveDate::from_ymd_opt(2018, 1, 1)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            authorised_by: "camp director".into(),
            reason: "protocol".into(),
            best_interests_ref: None,
            confirm_over_capacity: false,
        }
    }

    fn codes(r: Result<(), Invalid>) -> Vec<&'static str> {
        r.err()
            .map(|Invalid(e)| e.into_iter().map(|e| e.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_child_alone_in_a_detention_centre_is_refused() {
        let dc = site(5, SiteKind::DetentionCentre, 100);
        assert_eq!(
            codes(check_move(&mover(8, None), &req(5), &dc, 1)),
            ["HW-CUSTODY-0005"]
        );
    }

    #[test]
    fn a_baby_beside_the_mother_in_a_detention_centre_is_allowed() {
        let dc = site(5, SiteKind::DetentionCentre, 100);
        assert!(check_move(&mover(2, Some(5)), &req(5), &dc, 1).is_ok());
    }

    #[test]
    fn a_baby_taken_from_the_mother_needs_a_best_interests_decision() {
        let o = site(6, SiteKind::Orphanage, 100);
        assert_eq!(
            codes(check_move(&mover(2, Some(5)), &req(6), &o, 1)),
            ["HW-CUSTODY-0007"]
        );
        let mut r = req(6);
        r.best_interests_ref = Some("BID-2018-004".into());
        assert!(check_move(&mover(2, Some(5)), &r, &o, 1).is_ok());
    }

    #[test]
    fn separation_groups_never_share_a_section() {
        let mut s = site(7, SiteKind::CampSection, 100);
        s.separation_group = Some(SeparationGroup::DisplacedIraqiFamilies);
        assert_eq!(
            codes(check_move(&mover(30, None), &req(7), &s, 1)),
            ["HW-CUSTODY-0004"]
        );
    }

    #[test]
    fn going_over_capacity_needs_confirmation() {
        let s = site(8, SiteKind::CampSection, 10);
        assert_eq!(
            codes(check_move(&mover(30, None), &req(8), &s, 11)),
            ["HW-CUSTODY-0008"]
        );
        let mut r = req(8);
        r.confirm_over_capacity = true;
        assert!(check_move(&mover(30, None), &r, &s, 11).is_ok());
    }

    #[test]
    fn the_site_on_a_date_comes_from_the_episodes() {
        let t = |d: u32| {
            NaiveDate::from_ymd_opt(2018, 1, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        };
        let eps = vec![
            Episode {
                person: PersonId(1),
                site: SiteId(1),
                start: t(1),
                end: Some(t(10)),
                authorised_by: "a".into(),
                reason: "r".into(),
            },
            Episode {
                person: PersonId(1),
                site: SiteId(2),
                start: t(10),
                end: None,
                authorised_by: "a".into(),
                reason: "r".into(),
            },
        ];
        assert_eq!(site_at(&eps, t(5)), Some(SiteId(1)));
        assert_eq!(site_at(&eps, t(10)), Some(SiteId(2)));
        assert_eq!(site_at(&eps, t(30)), Some(SiteId(2)));
        assert_eq!(site_at(&eps, t(1) - chrono::Duration::days(1)), None);
    }
}
