//! The fixed catalogue of places of custody (two camps with their sections, a section of
//! displaced Iraqi families kept apart, a women's detention centre, two state orphanages, a
//! juvenile facility, a hospital) and how their capacities follow the generated occupancy.

use crate::model::{DemoSite, SeparationGroup, SiteKind};

/// A site of the catalogue before its capacity is known.
pub(crate) struct SiteDef {
    pub code: &'static str,
    pub name_en: &'static str,
    pub name_ar: &'static str,
    pub kind: SiteKind,
    pub parent: Option<&'static str>,
    pub group: SeparationGroup,
    /// Target occupancy as a share of capacity (close to 1 for a crowded section).
    pub fill: f64,
    /// Share of the women placed in this camp section.
    pub women_share: u32,
}

const fn def(
    code: &'static str,
    name_en: &'static str,
    name_ar: &'static str,
    kind: SiteKind,
    parent: Option<&'static str>,
    fill: f64,
    women_share: u32,
) -> SiteDef {
    SiteDef {
        code,
        name_en,
        name_ar,
        kind,
        parent,
        group: SeparationGroup::ForeignFamilies,
        fill,
        women_share,
    }
}

/// Number of sites in the catalogue.
pub(crate) const SITE_COUNT: usize = 14;
/// Index of the displaced Iraqi families' section in [`SITES`].
pub(crate) const IDP_SECTION: usize = 8;
/// Index of the women's detention centre.
pub(crate) const DETENTION: usize = 9;
/// Indexes of the two state orphanages.
pub(crate) const ORPHANAGES: [usize; 2] = [10, 11];
/// Index of the juvenile facility.
pub(crate) const JUVENILE: usize = 12;
/// Index of the hospital.
pub(crate) const HOSPITAL: usize = 13;

/// The catalogue; camps come before their sections.
pub(crate) static SITES: [SiteDef; SITE_COUNT] = [
    def(
        "MOSUL",
        "Mosul camp (Nineveh)",
        "مخيم الموصل (نينوى)",
        SiteKind::Camp,
        None,
        1.0,
        0,
    ),
    def(
        "MOSUL-A",
        "Mosul camp, section A (foreign families)",
        "مخيم الموصل - القاطع أ (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("MOSUL"),
        0.97,
        20,
    ),
    def(
        "MOSUL-B",
        "Mosul camp, section B (foreign families)",
        "مخيم الموصل - القاطع ب (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("MOSUL"),
        0.78,
        14,
    ),
    def(
        "RUSAFA",
        "al-Rusafa camp (Baghdad)",
        "مخيم الرصافة (بغداد)",
        SiteKind::Camp,
        None,
        1.0,
        0,
    ),
    def(
        "RUSAFA-A",
        "al-Rusafa camp, section A (foreign families)",
        "مخيم الرصافة - القاطع أ (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("RUSAFA"),
        0.98,
        22,
    ),
    def(
        "RUSAFA-B",
        "al-Rusafa camp, section B (foreign families)",
        "مخيم الرصافة - القاطع ب (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("RUSAFA"),
        0.95,
        20,
    ),
    def(
        "RUSAFA-C",
        "al-Rusafa camp, section C (foreign families)",
        "مخيم الرصافة - القاطع ج (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("RUSAFA"),
        0.74,
        14,
    ),
    def(
        "RUSAFA-D",
        "al-Rusafa camp, section D (foreign families)",
        "مخيم الرصافة - القاطع د (العوائل الأجنبية)",
        SiteKind::CampSection,
        Some("RUSAFA"),
        0.62,
        10,
    ),
    SiteDef {
        group: SeparationGroup::DisplacedIraqiFamilies,
        ..def(
            "RUSAFA-IDP",
            "al-Rusafa camp, displaced Iraqi families",
            "مخيم الرصافة - قاطع العوائل النازحة",
            SiteKind::CampSection,
            Some("RUSAFA"),
            1.0,
            0,
        )
    },
    def(
        "WDC-BAGHDAD",
        "Women's detention centre (Baghdad)",
        "مركز احتجاز النساء (بغداد)",
        SiteKind::DetentionCentre,
        None,
        0.9,
        0,
    ),
    def(
        "ORPHANAGE-1",
        "State orphanage no. 1 (Baghdad)",
        "دار الدولة للأيتام رقم 1 (بغداد)",
        SiteKind::Orphanage,
        None,
        0.93,
        0,
    ),
    def(
        "ORPHANAGE-2",
        "State orphanage no. 2 (Baghdad)",
        "دار الدولة للأيتام رقم 2 (بغداد)",
        SiteKind::Orphanage,
        None,
        0.8,
        0,
    ),
    def(
        "JUVENILE",
        "Juvenile reform facility (Baghdad)",
        "دار إصلاح الأحداث (بغداد)",
        SiteKind::JuvenileFacility,
        None,
        0.85,
        0,
    ),
    def(
        "HOSPITAL",
        "Referral hospital (Baghdad)",
        "مستشفى الإحالة (بغداد)",
        SiteKind::Hospital,
        None,
        0.5,
        0,
    ),
];

/// The camp sections that hold foreign women, with their shares.
pub(crate) fn women_sections() -> impl Iterator<Item = (usize, u32)> {
    SITES
        .iter()
        .enumerate()
        .filter(|(_, s)| s.women_share > 0)
        .map(|(i, s)| (i, s.women_share))
}

/// The site where a child born in custody is recorded as born: the camp of a section,
/// otherwise the site itself.
pub(crate) fn birthplace(site: usize) -> &'static str {
    let s = &SITES[site];
    match s.parent {
        Some(camp) => SITES
            .iter()
            .find(|p| p.code == camp)
            .map_or(s.name_en, |p| p.name_en),
        None => s.name_en,
    }
}

/// The sites with capacities derived from the final occupancy and the population size.
pub(crate) fn with_capacities(occupancy: &[u64; SITE_COUNT], persons: usize) -> Vec<DemoSite> {
    let persons = persons as f64;
    let mut capacity = [0u32; SITE_COUNT];
    for (i, s) in SITES.iter().enumerate() {
        let occ = occupancy[i] as f64;
        let floor = match i {
            IDP_SECTION => persons * 0.8,
            HOSPITAL => persons / 60.0,
            _ => 4.0,
        };
        let cap = (occ / s.fill).ceil().max(floor.ceil()).max(1.0);
        capacity[i] = cap.min(f64::from(u32::MAX)) as u32;
    }
    // A camp holds what its sections hold.
    for (i, s) in SITES.iter().enumerate() {
        if s.kind == SiteKind::Camp {
            capacity[i] = SITES
                .iter()
                .enumerate()
                .filter(|(_, c)| c.parent == Some(s.code))
                .map(|(j, _)| capacity[j])
                .fold(0u32, u32::saturating_add);
        }
    }
    SITES
        .iter()
        .zip(capacity)
        .map(|(s, capacity)| DemoSite {
            code: s.code,
            name_en: s.name_en,
            name_ar: s.name_ar,
            kind: s.kind,
            parent: s.parent,
            capacity,
            separation_group: s.group,
        })
        .collect()
}
