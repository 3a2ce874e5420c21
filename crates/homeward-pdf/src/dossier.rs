//! The repatriation dossier: a person or a family laid out for an embassy, in Arabic and the
//! embassy's language (English, French or Russian).
//!
//! This module only turns plain data into a [`Document`]; gathering the data (and deciding what
//! the reader may see) is the application's work. Labels live in the table below in the four
//! languages; an Arabic dossier is in Arabic only, any other is bilingual: each label in the
//! embassy's language followed by its Arabic, values as they were recorded.

use crate::{Block, Column, Direction, Document, TextDir};

/// The language of a dossier besides Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ar,
    En,
    Fr,
    Ru,
}

impl Lang {
    /// Parses `ar`, `en`, `fr` or `ru`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            "fr" => Some(Lang::Fr),
            "ru" => Some(Lang::Ru),
            _ => None,
        }
    }

    /// The language code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ru => "ru",
        }
    }

    fn col(self) -> usize {
        match self {
            Lang::Ar => 0,
            Lang::En => 1,
            Lang::Fr => 2,
            Lang::Ru => 3,
        }
    }
}

/// Labels and recorded codes: key, Arabic, English, French, Russian.
const LABELS: &[[&str; 5]] = &[
    [
        "title",
        "ملف الإعادة إلى الوطن",
        "Repatriation dossier",
        "Dossier de rapatriement",
        "Досье на репатриацию",
    ],
    [
        "family_title",
        "ملف الإعادة إلى الوطن: الأسرة",
        "Repatriation dossier: family",
        "Dossier de rapatriement : famille",
        "Досье на репатриацию: семья",
    ],
    [
        "confidential",
        "سري",
        "CONFIDENTIAL",
        "CONFIDENTIEL",
        "КОНФИДЕНЦИАЛЬНО",
    ],
    [
        "page",
        "صفحة {page} من {pages}",
        "Page {page} of {pages}",
        "Page {page} sur {pages}",
        "Страница {page} из {pages}",
    ],
    [
        "synthetic",
        "بيانات اصطناعية للتجربة، لا تخص أي شخص حقيقي",
        "Synthetic demonstration data, about no real person",
        "Données fictives de démonstration, sans lien avec une personne réelle",
        "Вымышленные демонстрационные данные, не о реальном человеке",
    ],
    [
        "prepared",
        "أعد في",
        "Prepared on",
        "Établi le",
        "Составлено",
    ],
    [
        "for_country",
        "إلى سفارة",
        "For the embassy of",
        "À l'ambassade de",
        "Для посольства",
    ],
    ["reference", "المرجع", "Reference", "Référence", "Ссылка"],
    [
        "members",
        "أفراد الأسرة في هذا الملف",
        "Family members in this dossier",
        "Membres de la famille dans ce dossier",
        "Члены семьи в этом досье",
    ],
    ["person", "الشخص", "Person", "Personne", "Лицо"],
    ["identity", "الهوية", "Identity", "Identité", "Личность"],
    [
        "registration_number",
        "رقم التسجيل",
        "Registration number",
        "Numéro d'enregistrement",
        "Регистрационный номер",
    ],
    ["name", "الاسم", "Name", "Nom", "Имя"],
    ["sex", "الجنس", "Sex", "Sexe", "Пол"],
    [
        "date_of_birth",
        "تاريخ الميلاد",
        "Date of birth",
        "Date de naissance",
        "Дата рождения",
    ],
    [
        "place_of_birth",
        "مكان الميلاد",
        "Place of birth",
        "Lieu de naissance",
        "Место рождения",
    ],
    ["status", "الوضع", "Status", "Statut", "Статус"],
    ["relation", "صلة القرابة", "Relation", "Lien", "Родство"],
    [
        "names",
        "صيغ الاسم",
        "Name variants",
        "Variantes du nom",
        "Варианты имени",
    ],
    ["script", "الكتابة", "Script", "Écriture", "Письменность"],
    ["kind", "النوع", "Kind", "Type", "Вид"],
    ["source", "المصدر", "Source", "Source", "Источник"],
    ["photos", "الصور", "Photos", "Photos", "Фотографии"],
    [
        "no_photos",
        "لا توجد صور في الملف.",
        "No photo on file.",
        "Aucune photo au dossier.",
        "Фотографий в деле нет.",
    ],
    [
        "documents",
        "الوثائق",
        "Documents",
        "Documents",
        "Документы",
    ],
    [
        "no_documents",
        "لا توجد وثائق مسجلة.",
        "No document recorded.",
        "Aucun document enregistré.",
        "Документы не записаны.",
    ],
    [
        "doc_type",
        "نوع الوثيقة",
        "Document",
        "Document",
        "Документ",
    ],
    ["number", "الرقم", "Number", "Numéro", "Номер"],
    [
        "issuing_country",
        "بلد الإصدار",
        "Issued by",
        "Délivré par",
        "Выдан",
    ],
    [
        "expiry",
        "تاريخ الانتهاء",
        "Expires",
        "Expire le",
        "Действителен до",
    ],
    ["sighted", "اطلع عليها", "Sighted", "Vu", "Предъявлен"],
    [
        "nationality",
        "الجنسية: الادعاءات والأدلة",
        "Nationality: claims and evidence",
        "Nationalité : revendications et preuves",
        "Гражданство: заявления и доказательства",
    ],
    [
        "no_claims",
        "لا يوجد ادعاء جنسية مسجل.",
        "No nationality claim recorded.",
        "Aucune revendication de nationalité enregistrée.",
        "Заявления о гражданстве не записаны.",
    ],
    ["country", "البلد", "Country", "Pays", "Страна"],
    ["state", "الحالة", "State", "État", "Состояние"],
    ["decided", "القرار", "Decision", "Décision", "Решение"],
    ["evidence", "الأدلة", "Evidence", "Preuves", "Доказательства"],
    [
        "no_evidence",
        "لا توجد أدلة مسجلة.",
        "No evidence recorded.",
        "Aucune preuve enregistrée.",
        "Доказательства не записаны.",
    ],
    ["note", "ملاحظة", "Note", "Note", "Примечание"],
    [
        "recorded_on",
        "تاريخ التسجيل",
        "Recorded on",
        "Enregistré le",
        "Записано",
    ],
    ["family", "الأسرة", "Family", "Famille", "Семья"],
    [
        "no_family",
        "لا توجد روابط أسرية مسجلة.",
        "No family link recorded.",
        "Aucun lien familial enregistré.",
        "Семейные связи не записаны.",
    ],
    [
        "father_unknown",
        "الأب مجهول",
        "Father unknown",
        "Père inconnu",
        "Отец неизвестен",
    ],
    [
        "father_declared",
        "الأب المصرح به (غير مسجل)",
        "Declared father (not registered)",
        "Père déclaré (non enregistré)",
        "Заявленный отец (не зарегистрирован)",
    ],
    [
        "custody",
        "سجل الاحتجاز",
        "Custody history",
        "Historique de la garde",
        "История содержания",
    ],
    [
        "no_custody",
        "لا توجد فترات احتجاز مسجلة.",
        "No custody episode recorded.",
        "Aucune période de garde enregistrée.",
        "Периоды содержания не записаны.",
    ],
    [
        "custody_withheld",
        "سجل الاحتجاز لا يعرض لهذا القارئ.",
        "Custody history is not shown to this reader.",
        "L'historique de la garde n'est pas montré à ce lecteur.",
        "История содержания этому читателю не показывается.",
    ],
    ["site", "الموقع", "Site", "Site", "Место"],
    ["from", "من", "From", "Du", "С"],
    ["to", "إلى", "To", "Au", "По"],
    ["reason", "السبب", "Reason", "Motif", "Основание"],
    [
        "fitness",
        "اللياقة للسفر",
        "Fitness to travel",
        "Aptitude au voyage",
        "Пригодность к поездке",
    ],
    [
        "fitness_missing",
        "لم تسجل اللياقة للسفر بعد.",
        "Fitness to travel has not been recorded yet.",
        "L'aptitude au voyage n'a pas encore été enregistrée.",
        "Пригодность к поездке ещё не записана.",
    ],
    [
        "fit",
        "لائق للسفر",
        "Fit to travel",
        "Apte au voyage",
        "Может путешествовать",
    ],
    [
        "not_fit",
        "غير لائق للسفر",
        "Not fit to travel",
        "Inapte au voyage",
        "Не может путешествовать",
    ],
    [
        "assessed_on",
        "تاريخ التقييم",
        "Assessed on",
        "Évalué le",
        "Дата оценки",
    ],
    ["yes", "نعم", "yes", "oui", "да"],
    ["no", "لا", "no", "non", "нет"],
    [
        "present",
        "حتى الآن",
        "present",
        "à ce jour",
        "по настоящее время",
    ],
    // recorded codes
    ["female", "أنثى", "female", "féminin", "женский"],
    ["male", "ذكر", "male", "masculin", "мужской"],
    [
        "in_custody",
        "محتجز",
        "in custody",
        "en détention",
        "под стражей",
    ],
    ["released", "مفرج عنه", "released", "libéré", "освобождён"],
    ["handed_over", "سلم", "handed over", "remis", "передан"],
    [
        "repatriated",
        "أعيد إلى الوطن",
        "repatriated",
        "rapatrié",
        "репатриирован",
    ],
    ["deceased", "متوفى", "deceased", "décédé", "умер"],
    [
        "self",
        "الشخص نفسه",
        "this person",
        "cette personne",
        "это лицо",
    ],
    ["mother", "الأم", "mother", "mère", "мать"],
    ["father", "الأب", "father", "père", "отец"],
    ["child", "طفل", "child", "enfant", "ребёнок"],
    [
        "sibling",
        "أخ أو أخت",
        "sibling",
        "frère ou sœur",
        "брат или сестра",
    ],
    ["spouse", "الزوج", "spouse", "conjoint", "супруг"],
    ["claimed", "مدعاة", "claimed", "revendiquée", "заявлено"],
    [
        "under_verification",
        "قيد التحقق",
        "under verification",
        "en vérification",
        "на проверке",
    ],
    [
        "confirmed",
        "مؤكدة",
        "confirmed",
        "confirmée",
        "подтверждено",
    ],
    ["rejected", "مرفوضة", "rejected", "rejetée", "отклонено"],
    [
        "document_sighted",
        "وثيقة اطلع عليها",
        "document sighted",
        "document vu",
        "документ предъявлен",
    ],
    [
        "embassy_confirmation",
        "تأكيد السفارة",
        "embassy confirmation",
        "confirmation de l'ambassade",
        "подтверждение посольства",
    ],
    ["arabic", "عربية", "Arabic", "arabe", "арабская"],
    ["latin", "لاتينية", "Latin", "latine", "латиница"],
    ["cyrillic", "سيريلية", "Cyrillic", "cyrillique", "кириллица"],
    ["other", "أخرى", "other", "autre", "другая"],
    ["kunya", "كنية", "kunya", "kunya", "кунья"],
    ["alias", "اسم مستعار", "alias", "alias", "псевдоним"],
    ["passport", "جواز سفر", "passport", "passeport", "паспорт"],
    [
        "birth_certificate",
        "شهادة ميلاد",
        "birth certificate",
        "acte de naissance",
        "свидетельство о рождении",
    ],
    ["placed", "مودع", "placed", "placé", "размещён"],
    [
        "transferred",
        "منقول",
        "transferred",
        "transféré",
        "переведён",
    ],
    ["missing", "مفقود", "missing", "disparu", "пропал"],
    [
        "as_registered",
        "كما سجل",
        "as registered",
        "tel qu'enregistré",
        "как записано",
    ],
    [
        "self_declared",
        "مصرح به ذاتيا",
        "self-declared",
        "déclaré par la personne",
        "со слов",
    ],
    [
        "maiden_name",
        "اسم قبل الزواج",
        "maiden name",
        "nom de jeune fille",
        "девичья фамилия",
    ],
    [
        "national_id",
        "بطاقة هوية وطنية",
        "national identity card",
        "carte nationale d'identité",
        "национальное удостоверение",
    ],
    [
        "travel_document",
        "وثيقة سفر",
        "travel document",
        "document de voyage",
        "проездной документ",
    ],
    [
        "dna_result_reference",
        "مرجع نتيجة الحمض النووي",
        "DNA result reference",
        "référence du résultat ADN",
        "ссылка на результат ДНК",
    ],
    [
        "interview_record",
        "محضر مقابلة",
        "interview record",
        "procès-verbal d'entretien",
        "протокол беседы",
    ],
    ["georgian", "جورجية", "Georgian", "géorgienne", "грузинская"],
    ["mixed", "مختلطة", "mixed", "mixte", "смешанная"],
];

fn lookup(key: &str, col: usize) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|row| row[0] == key)
        .map(|row| row[col + 1])
}

/// The label for `key` in one language (the key itself when the table lacks it).
pub fn label(key: &str, lang: Lang) -> String {
    lookup(key, lang.col()).unwrap_or(key).to_owned()
}

/// Every label key, for completeness tests.
pub fn label_keys() -> impl Iterator<Item = &'static str> {
    LABELS.iter().map(|row| row[0])
}

/// A name as written.
#[derive(Debug, Clone, Default)]
pub struct NameEntry {
    pub text: String,
    pub script: String,
    pub kind: String,
    pub source: String,
}

/// An identity document.
#[derive(Debug, Clone, Default)]
pub struct DocumentEntry {
    pub doc_type: String,
    pub number: String,
    pub issuing_country: String,
    pub expiry: Option<String>,
    pub sighted: bool,
}

/// A photo to print (JPEG or PNG).
#[derive(Debug, Clone, Default)]
pub struct Photo {
    pub bytes: Vec<u8>,
    pub label: String,
}

/// One item of nationality evidence.
#[derive(Debug, Clone, Default)]
pub struct EvidenceEntry {
    pub kind: String,
    pub reference: String,
    pub note: String,
    pub recorded_on: String,
}

/// A nationality claim with its decision and evidence.
#[derive(Debug, Clone, Default)]
pub struct ClaimEntry {
    /// The country as the reader should see it (name and code).
    pub country: String,
    pub state: String,
    /// Who decided and when, if decided.
    pub decided: Option<String>,
    pub evidence: Vec<EvidenceEntry>,
}

/// A family member as listed in a person's section.
#[derive(Debug, Clone, Default)]
pub struct Relative {
    pub relation: String,
    pub registration_number: String,
    pub name: String,
}

/// A custody episode.
#[derive(Debug, Clone, Default)]
pub struct CustodyEntry {
    pub site: String,
    pub from: String,
    pub to: Option<String>,
    pub reason: String,
}

/// A recorded fitness-to-travel assessment.
#[derive(Debug, Clone, Default)]
pub struct Fitness {
    pub fit: bool,
    pub assessed_on: String,
    pub note: String,
}

/// Everything the dossier shows about one person.
#[derive(Debug, Clone, Default)]
pub struct PersonEntry {
    pub registration_number: String,
    /// Relation to the dossier's subject (`self`, `mother`, `child`, ...).
    pub relation: String,
    pub name: String,
    pub sex: String,
    pub date_of_birth: String,
    pub place_of_birth: Option<String>,
    pub status: String,
    pub names: Vec<NameEntry>,
    pub documents: Vec<DocumentEntry>,
    pub photos: Vec<Photo>,
    pub claims: Vec<ClaimEntry>,
    pub relatives: Vec<Relative>,
    pub father_unknown: bool,
    pub father_name: Option<String>,
    /// `None`: custody history withheld from this reader.
    pub custody: Option<Vec<CustodyEntry>>,
    /// `None`: not recorded yet.
    pub fitness: Option<Fitness>,
}

/// A dossier's content.
#[derive(Debug, Clone, Default)]
pub struct Dossier {
    /// The receiving country as the reader should see it, if there is one.
    pub for_country: Option<String>,
    /// Date of preparation (ISO).
    pub prepared_on: String,
    /// A reference the disclosure register can find it by.
    pub reference: String,
    /// The persons: the subject first, then the family members included.
    pub persons: Vec<PersonEntry>,
    /// The data is synthetic (demo): said on every page.
    pub synthetic: bool,
}

struct L {
    lang: Lang,
}

impl L {
    /// A label in the dossier's language, followed by its Arabic in a bilingual dossier.
    fn t(&self, key: &str) -> String {
        let ar = label(key, Lang::Ar);
        if self.lang == Lang::Ar {
            ar
        } else {
            format!("{} / {}", label(key, self.lang), ar)
        }
    }

    /// A recorded code translated when the table knows it, else shown as recorded.
    fn code(&self, key: &str) -> String {
        if lookup(key, 0).is_some() {
            self.t(key)
        } else {
            key.to_owned()
        }
    }
}

fn kv(l: &L, key: &str, value: impl Into<String>) -> (String, String) {
    (l.t(key), value.into())
}

fn person_blocks(l: &L, p: &PersonEntry, out: &mut Vec<Block>) {
    let heading = if p.name.is_empty() {
        p.registration_number.clone()
    } else {
        format!("{} ({})", p.name, p.registration_number)
    };
    out.push(Block::Heading(format!("{}: {}", l.t("person"), heading)));

    // Identity
    out.push(Block::Heading(l.t("identity")));
    let mut pairs = vec![
        kv(l, "registration_number", p.registration_number.clone()),
        kv(l, "name", p.name.clone()),
        kv(l, "sex", l.code(&p.sex)),
        kv(l, "date_of_birth", p.date_of_birth.clone()),
    ];
    if let Some(pob) = &p.place_of_birth {
        pairs.push(kv(l, "place_of_birth", pob.clone()));
    }
    pairs.push(kv(l, "status", l.code(&p.status)));
    if !p.relation.is_empty() {
        pairs.push(kv(l, "relation", l.code(&p.relation)));
    }
    out.push(Block::KeyValue(pairs));

    // Name variants
    out.push(Block::Heading(l.t("names")));
    out.push(Block::Table {
        columns: vec![
            Column {
                title: l.t("name"),
                weight: 3.0,
            },
            Column {
                title: l.t("script"),
                weight: 1.3,
            },
            Column {
                title: l.t("kind"),
                weight: 1.3,
            },
            Column {
                title: l.t("source"),
                weight: 1.6,
            },
        ],
        rows: p
            .names
            .iter()
            .map(|n| {
                vec![
                    n.text.clone(),
                    l.code(&n.script),
                    l.code(&n.kind),
                    n.source.clone(),
                ]
            })
            .collect(),
    });

    // Photos
    out.push(Block::Heading(l.t("photos")));
    if p.photos.is_empty() {
        out.push(Block::Paragraph {
            text: l.t("no_photos"),
            dir: own_dir(l),
        });
    }
    for photo in &p.photos {
        out.push(Block::Image {
            bytes: photo.bytes.clone(),
            max_width: 160.0,
            max_height: 180.0,
            caption: photo.label.clone(),
        });
    }

    // Documents
    out.push(Block::Heading(l.t("documents")));
    if p.documents.is_empty() {
        out.push(Block::Paragraph {
            text: l.t("no_documents"),
            dir: own_dir(l),
        });
    } else {
        out.push(Block::Table {
            columns: vec![
                Column {
                    title: l.t("doc_type"),
                    weight: 1.5,
                },
                Column {
                    title: l.t("number"),
                    weight: 1.5,
                },
                Column {
                    title: l.t("issuing_country"),
                    weight: 1.5,
                },
                Column {
                    title: l.t("expiry"),
                    weight: 1.2,
                },
                Column {
                    title: l.t("sighted"),
                    weight: 0.9,
                },
            ],
            rows: p
                .documents
                .iter()
                .map(|d| {
                    vec![
                        l.code(&d.doc_type),
                        d.number.clone(),
                        d.issuing_country.clone(),
                        d.expiry.clone().unwrap_or_default(),
                        l.t(if d.sighted { "yes" } else { "no" }),
                    ]
                })
                .collect(),
        });
    }

    // Nationality claims and evidence
    out.push(Block::Heading(l.t("nationality")));
    if p.claims.is_empty() {
        out.push(Block::Paragraph {
            text: l.t("no_claims"),
            dir: own_dir(l),
        });
    }
    for c in &p.claims {
        let mut pairs = vec![
            kv(l, "country", c.country.clone()),
            kv(l, "state", l.code(&c.state)),
        ];
        if let Some(d) = &c.decided {
            pairs.push(kv(l, "decided", d.clone()));
        }
        out.push(Block::KeyValue(pairs));
        if c.evidence.is_empty() {
            out.push(Block::Paragraph {
                text: l.t("no_evidence"),
                dir: own_dir(l),
            });
        } else {
            out.push(Block::Table {
                columns: vec![
                    Column {
                        title: l.t("evidence"),
                        weight: 1.6,
                    },
                    Column {
                        title: l.t("reference"),
                        weight: 1.4,
                    },
                    Column {
                        title: l.t("note"),
                        weight: 2.4,
                    },
                    Column {
                        title: l.t("recorded_on"),
                        weight: 1.1,
                    },
                ],
                rows: c
                    .evidence
                    .iter()
                    .map(|e| {
                        vec![
                            l.code(&e.kind),
                            e.reference.clone(),
                            e.note.clone(),
                            e.recorded_on.clone(),
                        ]
                    })
                    .collect(),
            });
        }
    }

    // Family
    out.push(Block::Heading(l.t("family")));
    if p.relatives.is_empty() && !p.father_unknown && p.father_name.is_none() {
        out.push(Block::Paragraph {
            text: l.t("no_family"),
            dir: own_dir(l),
        });
    }
    if !p.relatives.is_empty() {
        out.push(Block::Table {
            columns: vec![
                Column {
                    title: l.t("relation"),
                    weight: 1.2,
                },
                Column {
                    title: l.t("name"),
                    weight: 3.0,
                },
                Column {
                    title: l.t("registration_number"),
                    weight: 1.6,
                },
            ],
            rows: p
                .relatives
                .iter()
                .map(|r| {
                    vec![
                        l.code(&r.relation),
                        r.name.clone(),
                        r.registration_number.clone(),
                    ]
                })
                .collect(),
        });
    }
    if p.father_unknown {
        out.push(Block::Paragraph {
            text: l.t("father_unknown"),
            dir: own_dir(l),
        });
    } else if let Some(f) = &p.father_name {
        out.push(Block::KeyValue(vec![kv(l, "father_declared", f.clone())]));
    }

    // Custody history
    out.push(Block::Heading(l.t("custody")));
    match &p.custody {
        None => out.push(Block::Paragraph {
            text: l.t("custody_withheld"),
            dir: own_dir(l),
        }),
        Some(eps) if eps.is_empty() => out.push(Block::Paragraph {
            text: l.t("no_custody"),
            dir: own_dir(l),
        }),
        Some(eps) => out.push(Block::Table {
            columns: vec![
                Column {
                    title: l.t("site"),
                    weight: 2.2,
                },
                Column {
                    title: l.t("from"),
                    weight: 1.2,
                },
                Column {
                    title: l.t("to"),
                    weight: 1.2,
                },
                Column {
                    title: l.t("reason"),
                    weight: 2.4,
                },
            ],
            rows: eps
                .iter()
                .map(|e| {
                    vec![
                        e.site.clone(),
                        e.from.clone(),
                        e.to.clone().unwrap_or_else(|| l.t("present")),
                        e.reason.clone(),
                    ]
                })
                .collect(),
        }),
    }

    // Fitness to travel
    out.push(Block::Heading(l.t("fitness")));
    match &p.fitness {
        None => out.push(Block::Paragraph {
            text: l.t("fitness_missing"),
            dir: own_dir(l),
        }),
        Some(f) => {
            let mut pairs = vec![
                (l.t("fitness"), l.t(if f.fit { "fit" } else { "not_fit" })),
                kv(l, "assessed_on", f.assessed_on.clone()),
            ];
            if !f.note.is_empty() {
                pairs.push(kv(l, "note", f.note.clone()));
            }
            out.push(Block::KeyValue(pairs));
        }
    }
}

fn own_dir(l: &L) -> TextDir {
    if l.lang == Lang::Ar {
        TextDir::Rtl
    } else {
        TextDir::Ltr
    }
}

/// Lays the dossier out as a document in `lang` (Arabic alone, or the language plus Arabic).
pub fn build(d: &Dossier, lang: Lang) -> Document {
    let l = L { lang };
    let family = d.persons.len() > 1;
    let title = l.t(if family { "family_title" } else { "title" });
    let subject = d
        .persons
        .first()
        .map(|p| p.registration_number.clone())
        .unwrap_or_default();
    let mut blocks = vec![Block::Title(title.clone())];
    let mut head = vec![kv(&l, "prepared", d.prepared_on.clone())];
    if let Some(c) = &d.for_country {
        head.push(kv(&l, "for_country", c.clone()));
    }
    if !d.reference.is_empty() {
        head.push(kv(&l, "reference", d.reference.clone()));
    }
    blocks.push(Block::KeyValue(head));
    if d.synthetic {
        blocks.push(Block::Paragraph {
            text: l.t("synthetic"),
            dir: own_dir(&l),
        });
    }
    if family {
        blocks.push(Block::Heading(l.t("members")));
        blocks.push(Block::Table {
            columns: vec![
                Column {
                    title: l.t("relation"),
                    weight: 1.2,
                },
                Column {
                    title: l.t("name"),
                    weight: 3.0,
                },
                Column {
                    title: l.t("registration_number"),
                    weight: 1.6,
                },
            ],
            rows: d
                .persons
                .iter()
                .map(|p| {
                    vec![
                        l.code(&p.relation),
                        p.name.clone(),
                        p.registration_number.clone(),
                    ]
                })
                .collect(),
        });
    }
    for p in &d.persons {
        person_blocks(&l, p, &mut blocks);
    }
    let mut footer = d.reference.clone();
    if d.synthetic {
        footer = format!("{footer}  {}", label("synthetic", lang));
    }
    Document {
        title: format!("{title} {subject}"),
        lang: lang.code().to_owned(),
        direction: if lang == Lang::Ar {
            Direction::Rtl
        } else {
            Direction::Ltr
        },
        header: format!(
            "{} {subject}",
            label(if family { "family_title" } else { "title" }, lang)
        ),
        mark: l.t("confidential"),
        footer,
        page_label: label("page", lang),
        blocks,
    }
}
