//! The situation report as a PDF document: headline figures with the change since the
//! previous report, then each breakdown as a table (the PDF shows tables, not drawn charts:
//! the figures are what ministries copy into their own reports), in Arabic or English.

use std::collections::BTreeMap;

use homeward_domain::country::CountryCode;
use homeward_pdf::{Block, Column, Direction, Document};

use crate::reports::{Dashboard, FUNNEL, HEADLINE};

/// Labels in English and Arabic.
const LABELS: &[(&str, &str, &str)] = &[
    ("title", "Situation report", "تقرير الوضع"),
    ("date", "Date", "التاريخ"),
    ("made", "Made on", "أُعدّ في"),
    ("previous", "Compared with the report of", "مقارنةً بتقرير"),
    (
        "no_previous",
        "first report: no earlier report to compare with",
        "التقرير الأول: لا تقرير سابق للمقارنة",
    ),
    ("headline", "Headline figures", "الأرقام الرئيسية"),
    ("figure", "Figure", "الرقم"),
    ("now", "Now", "الآن"),
    ("before", "Before", "سابقاً"),
    ("change", "Change", "التغيّر"),
    ("count", "Persons", "الأشخاص"),
    ("total", "Persons registered", "الأشخاص المسجّلون"),
    ("women", "Women (18 and over)", "النساء (18 فأكثر)"),
    ("children", "Children (under 18)", "الأطفال (دون 18)"),
    ("pregnant", "Pregnant", "الحوامل"),
    (
        "unaccompanied",
        "Unaccompanied children",
        "الأطفال غير المصحوبين",
    ),
    ("father_unknown", "Father unknown", "الأب مجهول"),
    ("without_documents", "Without any document", "بلا أي وثيقة"),
    ("nationalities", "Nationalities claimed", "الجنسيات المدّعاة"),
    (
        "by_nationality",
        "By nationality claimed",
        "حسب الجنسية المدّعاة",
    ),
    ("country", "Country", "البلد"),
    ("by_sex", "By sex", "حسب الجنس"),
    ("sex", "Sex", "الجنس"),
    ("female", "female", "أنثى"),
    ("male", "male", "ذكر"),
    ("by_age", "By age band", "حسب الفئة العمرية"),
    ("band", "Age band", "الفئة العمرية"),
    ("adult", "adults", "بالغون"),
    ("by_status", "By status", "حسب الحالة"),
    ("status", "Status", "الحالة"),
    (
        "by_verification",
        "Nationality claims by verification state",
        "ادعاءات الجنسية حسب حالة التحقق",
    ),
    ("state", "State", "الحالة"),
    ("sites", "Capacity per site", "السعة حسب الموقع"),
    ("site", "Site", "الموقع"),
    ("capacity", "Capacity", "السعة"),
    ("occupancy", "Present", "الموجودون"),
    ("trends", "Per month", "حسب الشهر"),
    ("month", "Month", "الشهر"),
    ("admissions", "Admissions", "الإدخالات"),
    ("births", "Births", "الولادات"),
    ("handovers", "Handovers", "التسليمات"),
    (
        "funnel",
        "Repatriation by country: persons who reached each stage",
        "الإعادة حسب البلد: الأشخاص الذين بلغوا كل مرحلة",
    ),
    (
        "no_cases",
        "No repatriation case yet.",
        "لا توجد حالات إعادة بعد.",
    ),
    (
        "aggregates",
        "Aggregate figures only: no person is named in this report.",
        "أرقام إجمالية فقط: لا يُذكر أي شخص في هذا التقرير.",
    ),
    ("identified", "identified", "محدَّد"),
    ("embassy_notified", "embassy notified", "أُبلغت السفارة"),
    ("verification_in_progress", "verifying", "قيد التحقق"),
    ("nationality_confirmed", "confirmed", "الجنسية مؤكدة"),
    ("accepted", "accepted", "مقبول"),
    ("travel_documents_issued", "documents", "وثائق السفر"),
    ("handover_scheduled", "scheduled", "التسليم مجدول"),
    ("handed_over", "handed over", "سُلِّم"),
];

struct L {
    ar: bool,
}

impl L {
    fn t(&self, key: &str) -> String {
        LABELS.iter().find(|(k, _, _)| *k == key).map_or_else(
            || key.replace('_', " "),
            |(_, en, ar)| {
                if self.ar {
                    (*ar).to_owned()
                } else {
                    (*en).to_owned()
                }
            },
        )
    }

    fn country(&self, code: &str) -> String {
        match CountryCode::parse("country", code) {
            Ok(c) => {
                let i = c.info();
                format!("{} ({code})", if self.ar { i.name_ar } else { i.name_en })
            }
            Err(_) => code.to_owned(),
        }
    }
}

fn cols(l: &L, keys: &[(&str, f32)]) -> Vec<Column> {
    keys.iter()
        .map(|(k, w)| Column {
            title: l.t(k),
            weight: *w,
        })
        .collect()
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

/// Two-column tables of `(label, count)` with the change since the previous report.
fn counted(
    l: &L,
    head: &str,
    rows: &[(String, i64)],
    before: Option<&[(String, i64)]>,
    label: impl Fn(&str) -> String,
) -> Block {
    let prev: BTreeMap<&str, i64> = before
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    let mut columns = cols(l, &[(head, 3.0), ("count", 1.2)]);
    if before.is_some() {
        columns.extend(cols(l, &[("change", 1.0)]));
    }
    Block::Table {
        columns,
        rows: rows
            .iter()
            .map(|(k, v)| {
                let mut r = vec![label(k), v.to_string()];
                if before.is_some() {
                    r.push(signed(v - prev.get(k.as_str()).copied().unwrap_or(0)));
                }
                r
            })
            .collect(),
    }
}

/// The report for `now` compared with `before` (its figures and date), in `lang`.
pub fn build(
    now: &Dashboard,
    before: Option<(&Dashboard, &str)>,
    lang: &str,
    made: &str,
) -> Document {
    let l = L { ar: lang == "ar" };
    let title = l.t("title");
    let mut blocks = vec![
        Block::Title(format!("{title} — {}", now.as_of)),
        Block::KeyValue(vec![
            (l.t("date"), now.as_of.clone()),
            (l.t("made"), made.to_owned()),
            (
                l.t("previous"),
                before.map_or_else(|| l.t("no_previous"), |(_, d)| d.to_owned()),
            ),
        ]),
        Block::para(l.t("aggregates")),
        Block::Heading(l.t("headline")),
    ];
    let prev = before.map(|(d, _)| d);
    blocks.push(Block::Table {
        columns: cols(
            &l,
            &[
                ("figure", 3.0),
                ("now", 1.2),
                ("before", 1.2),
                ("change", 1.0),
            ],
        ),
        rows: HEADLINE
            .iter()
            .map(|k| {
                let n = now.figure(k);
                let (b, c) = match prev {
                    Some(p) => (p.figure(k).to_string(), signed(n - p.figure(k))),
                    None => ("—".to_owned(), "—".to_owned()),
                };
                vec![l.t(k), n.to_string(), b, c]
            })
            .collect(),
    });
    blocks.push(Block::Heading(l.t("by_nationality")));
    blocks.push(counted(
        &l,
        "country",
        &now.by_nationality,
        prev.map(|p| p.by_nationality.as_slice()),
        |k| l.country(k),
    ));
    blocks.push(Block::Heading(l.t("by_sex")));
    blocks.push(counted(
        &l,
        "sex",
        &now.by_sex,
        prev.map(|p| p.by_sex.as_slice()),
        |k| l.t(k),
    ));
    blocks.push(Block::Heading(l.t("by_age")));
    blocks.push(counted(
        &l,
        "band",
        &now.by_age_band,
        prev.map(|p| p.by_age_band.as_slice()),
        |k| l.t(k),
    ));
    blocks.push(Block::Heading(l.t("by_status")));
    blocks.push(counted(
        &l,
        "status",
        &now.by_status,
        prev.map(|p| p.by_status.as_slice()),
        |k| k.replace('_', " "),
    ));
    blocks.push(Block::Heading(l.t("by_verification")));
    blocks.push(counted(
        &l,
        "state",
        &now.by_verification,
        prev.map(|p| p.by_verification.as_slice()),
        |k| k.replace('_', " "),
    ));
    blocks.push(Block::Heading(l.t("sites")));
    blocks.push(Block::Table {
        columns: cols(&l, &[("site", 3.0), ("capacity", 1.0), ("occupancy", 1.0)]),
        rows: now
            .sites
            .iter()
            .map(|s| {
                vec![
                    format!(
                        "{} ({})",
                        if l.ar { &s.name_ar } else { &s.name_en },
                        s.code
                    ),
                    s.capacity.to_string(),
                    s.occupancy.to_string(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading(l.t("trends")));
    blocks.push(Block::Table {
        columns: cols(
            &l,
            &[
                ("month", 1.2),
                ("admissions", 1.0),
                ("births", 1.0),
                ("handovers", 1.0),
            ],
        ),
        rows: now
            .months
            .iter()
            .filter(|m| m.admissions + m.births + m.handovers > 0)
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.admissions.to_string(),
                    m.births.to_string(),
                    m.handovers.to_string(),
                ]
            })
            .collect(),
    });
    blocks.push(Block::Heading(l.t("funnel")));
    if now.funnel.is_empty() {
        blocks.push(Block::para(l.t("no_cases")));
    } else {
        let mut columns = cols(&l, &[("country", 2.2)]);
        columns.extend(FUNNEL.iter().map(|s| Column {
            title: l.t(s),
            weight: 1.0,
        }));
        blocks.push(Block::Table {
            columns,
            rows: now
                .funnel
                .iter()
                .map(|(c, stages)| {
                    let mut r = vec![l.country(c)];
                    r.extend(stages.iter().map(ToString::to_string));
                    r
                })
                .collect(),
        });
    }
    Document {
        title: format!("{title} {}", now.as_of),
        lang: if l.ar { "ar".into() } else { "en".into() },
        direction: if l.ar { Direction::Rtl } else { Direction::Ltr },
        header: format!("homeward — {title}"),
        mark: String::new(),
        footer: l.t("aggregates"),
        page_label: String::new(),
        blocks,
    }
}
