//! Places of custody and care: camps and their sections, centres, orphanages, hospitals.

use std::fmt;

use crate::country::parse_key;
use crate::error::FieldError;

/// The internal id of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SiteId(pub i64);

impl fmt::Display for SiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What kind of place a site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SiteKind {
    /// A camp as a whole.
    Camp,
    /// A section of a camp, where people actually live.
    CampSection,
    /// A detention centre for adults (young children may stay with their mothers).
    DetentionCentre,
    /// A state orphanage for children.
    Orphanage,
    /// A facility for minors held under the rules for detaining minors.
    JuvenileFacility,
    /// A hospital.
    Hospital,
}

impl SiteKind {
    /// Every kind.
    pub const ALL: [SiteKind; 6] = [
        SiteKind::Camp,
        SiteKind::CampSection,
        SiteKind::DetentionCentre,
        SiteKind::Orphanage,
        SiteKind::JuvenileFacility,
        SiteKind::Hospital,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            SiteKind::Camp => "camp",
            SiteKind::CampSection => "camp_section",
            SiteKind::DetentionCentre => "detention_centre",
            SiteKind::Orphanage => "orphanage",
            SiteKind::JuvenileFacility => "juvenile_facility",
            SiteKind::Hospital => "hospital",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }

    /// Whether the site holds adults, where a minor may only stay beside their mother.
    pub fn is_adults_only(self) -> bool {
        self == SiteKind::DetentionCentre
    }

    /// Whether only children may be placed there.
    pub fn is_minors_only(self) -> bool {
        matches!(self, SiteKind::Orphanage | SiteKind::JuvenileFacility)
    }
}

/// A population that must live apart from the others, for its own safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeparationGroup {
    /// Foreign women and children linked to the group's fighters.
    ForeignFamilies,
    /// Displaced Iraqi families living in the same camp.
    DisplacedIraqiFamilies,
}

impl SeparationGroup {
    /// Every group.
    pub const ALL: [SeparationGroup; 2] = [
        SeparationGroup::ForeignFamilies,
        SeparationGroup::DisplacedIraqiFamilies,
    ];

    /// The key stored and sent over the API.
    pub fn key(self) -> &'static str {
        match self {
            SeparationGroup::ForeignFamilies => "foreign_families",
            SeparationGroup::DisplacedIraqiFamilies => "displaced_iraqi_families",
        }
    }

    /// Parses a key.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        parse_key(field, text, &Self::ALL, Self::key)
    }
}

/// A site as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Internal id.
    pub id: SiteId,
    /// Short stable code, such as `RUSAFA-A`.
    pub code: String,
    /// English name.
    pub name_en: String,
    /// Arabic name.
    pub name_ar: String,
    /// Kind of place.
    pub kind: SiteKind,
    /// The camp a section belongs to.
    pub parent: Option<SiteId>,
    /// How many people it can hold.
    pub capacity: u32,
    /// The one population it holds, when it is a section of a shared camp.
    pub separation_group: Option<SeparationGroup>,
}

impl Site {
    /// Whether people can be placed here (a whole camp is not a place: its sections are).
    pub fn holds_people(&self) -> bool {
        self.kind != SiteKind::Camp
    }
}
