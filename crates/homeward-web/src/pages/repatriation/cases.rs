//! Repatriation cases: the list (by country and state), opening a case, and one case with its
//! members, the mothers' own situation, the timeline (each step: who, when, why), a form for
//! each step the reader may record next (an illegal step is refused with the domain's reason)
//! and the best-interests determination of a child.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use homeward_app::App;
use homeward_app::repatriation::{CaseView, OpenCase, StepDraft};
use homeward_domain::access::{Action, Role};
use homeward_domain::error::FieldError;
use homeward_domain::repatriation::{BidDecision, BidDraft, CaseState, PANEL_ROLES, PanelMember};
use homeward_store::repatriation::CaseFilter;
use serde::Deserialize;
use serde_json::Value;

use super::{Fields, country_name, refused, see_other, shown, with_status};
use crate::pages::{Ctx, Lang, Layout, PageError, non_blank, render, same_origin};

/// How many panel members the form offers (three are required).
const PANEL_ROWS: usize = 5;

/// A case as the list shows it.
pub struct CaseLine {
    pub id: i64,
    pub label: String,
    pub country: String,
    pub state: String,
    pub state_key: String,
    pub waiting_for: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "rep_cases.html")]
struct ListPage {
    l: Layout,
    country: String,
    state: String,
    open_only: bool,
    countries: Vec<(String, String)>,
    states: Vec<(String, String)>,
    may_choose_country: bool,
    may_open: bool,
    cases: Vec<CaseLine>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    country: Option<String>,
    state: Option<String>,
    open: Option<String>,
}

fn state_name(lang: &Lang, key: &str) -> String {
    lang.key("rep-state", key)
}

fn waiting_name(lang: &Lang, state: &str) -> String {
    CaseState::parse("state", state)
        .map(|s| lang.key("rep-wait", s.waiting_for()))
        .unwrap_or_default()
}

pub async fn list(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadCases)?;
    let lang = ctx.lang().clone();
    let consular = ctx.principal.role == Role::ConsularOfficer;
    let country = if consular {
        ctx.principal
            .country
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default()
    } else {
        non_blank(&q.country)
            .map(|c| c.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let state = non_blank(&q.state)
        .filter(|s| CaseState::parse("state", s).is_ok())
        .unwrap_or_default();
    let open_only = q.open.as_deref() == Some("on");
    let rows = app
        .cases_for(
            &ctx.principal,
            CaseFilter {
                country: (!country.is_empty()).then(|| country.clone()),
                state: (!state.is_empty()).then(|| state.clone()),
                person: None,
                open_only,
            },
        )
        .await
        .map_err(|e| ctx.err(e))?;
    let cases = rows
        .into_iter()
        .map(|c| CaseLine {
            id: c.id,
            label: c.label.clone(),
            country: country_name(&c.country_code, &lang),
            state: state_name(&lang, &c.state),
            waiting_for: waiting_name(&lang, &c.state),
            since: lang.date(&c.state_since),
            state_key: c.state,
        })
        .collect();
    let countries = if consular {
        Vec::new()
    } else {
        crate::pages::countries(&app, &lang).await?
    };
    render(&ListPage {
        countries,
        states: CaseState::ALL
            .iter()
            .map(|s| (s.key().to_owned(), state_name(&lang, s.key())))
            .collect(),
        may_choose_country: !consular,
        may_open: ctx.can(Action::ManageCases),
        country,
        state,
        open_only,
        cases,
        l: ctx.layout,
    })
}

#[derive(Template)]
#[template(path = "rep_case_new.html")]
struct NewPage {
    l: Layout,
    f: Fields,
    countries: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    person: Option<String>,
    country: Option<String>,
}

pub async fn new_form(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    ctx.may(Action::ManageCases)?;
    let mut pairs = Vec::new();
    if let Some(p) = non_blank(&q.person) {
        pairs.push(("members".to_owned(), p));
    }
    if let Some(c) = non_blank(&q.country) {
        pairs.push(("country".to_owned(), c.to_ascii_uppercase()));
    }
    render(&NewPage {
        f: Fields::of(&pairs),
        countries: crate::pages::countries(&app, ctx.lang()).await?,
        l: ctx.layout,
    })
}

pub async fn open(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ManageCases)?;
    let mut f = Fields::of(&pairs);
    // Members are given by registration number, separated by commas, spaces or lines.
    let mut members = Vec::new();
    let mut errors = Vec::new();
    for (i, number) in f
        .v("members")
        .split([',', ' ', '\n', '\r', ';'])
        .filter(|s| !s.trim().is_empty())
        .enumerate()
    {
        let found = match app.store().person_by_number(number.trim()).await {
            Ok(row) => app
                .can_see(&ctx.principal, row.person_id())
                .await
                .map_err(|e| ctx.err(e))?
                .then_some(row.id),
            Err(_) => None,
        };
        match found {
            Some(id) => members.push(id),
            None => errors.push(FieldError::new(
                "members",
                "HW-REPAT-0017",
                format!("no person {} (member {})", number.trim(), i + 1),
            )),
        }
    }
    if errors.is_empty() {
        let cmd = OpenCase {
            country: f.v("country").to_owned(),
            members,
            label: f.v("label").to_owned(),
        };
        match app.open_case(&ctx.principal, &cmd).await {
            Ok(view) => return Ok(see_other(&format!("/cases/{}", view.case.id))),
            Err(e) => {
                f.errors = refused(&ctx, e)?;
                // `members[2]` and the like belong to the one members field of the form.
                for e in &mut f.errors {
                    if e.field.starts_with("members") {
                        e.field = "members".into();
                    }
                }
            }
        }
    } else {
        f.errors = shown(&errors, ctx.lang());
    }
    let page = render(&NewPage {
        f,
        countries: crate::pages::countries(&app, ctx.lang()).await?,
        l: ctx.layout,
    })?;
    Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
}

/// A case member as the case page shows them.
pub struct MemberLine {
    pub id: i64,
    pub number: String,
    pub names: Vec<String>,
    pub age: u32,
    pub child: bool,
    pub claims: Vec<(String, String)>,
    pub accepted: String,
    pub needs_determination: bool,
    pub determination: String,
}

/// A mother's own situation beside her children's determinations.
pub struct MotherLine {
    pub id: i64,
    pub number: String,
    pub names: Vec<String>,
    pub claims: Vec<(String, String)>,
    pub cases: Vec<(i64, String, String, String)>,
}

/// One step of the timeline.
pub struct StepLine {
    pub from: String,
    pub to: String,
    pub to_key: String,
    pub actor: String,
    pub at: String,
    pub note: String,
    pub details: Vec<(String, String)>,
}

/// A recorded best-interests determination.
pub struct BidLine {
    pub child: String,
    pub decision: String,
    pub decided_on: String,
    pub assessment: String,
    pub panel: Vec<(String, String)>,
    pub recorded_by: String,
}

/// A form for one step the reader may record next.
pub struct StepForm {
    pub to: String,
    pub name: String,
    pub hint: String,
    pub risk: bool,
    pub travel_document: bool,
    pub handover: bool,
    pub official: bool,
}

#[derive(Template)]
#[template(path = "rep_case.html")]
struct CasePage {
    l: Layout,
    id: i64,
    version: i64,
    label: String,
    country: String,
    country_code: String,
    state: String,
    state_key: String,
    stance: String,
    waiting_for: String,
    handover: Vec<(String, String)>,
    members: Vec<MemberLine>,
    mothers: Vec<MotherLine>,
    timeline: Vec<StepLine>,
    determinations: Vec<BidLine>,
    forms: Vec<StepForm>,
    /// The form the errors belong to (`to` of the step), or `bid`.
    failed: String,
    f: Fields,
    children: Vec<(i64, String, bool)>,
    may_bid: bool,
    panel_rows: Vec<usize>,
    panel_roles: Vec<(String, String)>,
    decisions: Vec<(String, String)>,
    may_dossier: bool,
    may_register: bool,
    done: bool,
}

impl CasePage {
    /// The submitted value of a panel row's field.
    pub fn panel_v(&self, field: &str, i: &usize) -> String {
        self.f.v(&format!("panel_{field}_{i}")).to_owned()
    }
}

fn claim_pairs(lang: &Lang, claims: &[homeward_store::rows::ClaimRow]) -> Vec<(String, String)> {
    claims
        .iter()
        .map(|c| (c.country_code.clone(), lang.key("claim", &c.state)))
        .collect()
}

fn details_of(lang: &Lang, json: &str) -> Vec<(String, String)> {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(r) = v.get("risk").filter(|r| !r.is_null()) {
        for k in ["torture", "death_penalty", "persecution"] {
            let found = r.get(k).and_then(Value::as_bool).unwrap_or(false);
            out.push((
                lang.t(&format!("rep-risk-{k}")),
                lang.t(if found { "yes" } else { "no" }),
            ));
        }
    }
    for k in [
        "travel_document",
        "handover_date",
        "handover_place",
        "receiving_official",
    ] {
        if let Some(s) = v.get(k).and_then(Value::as_str) {
            let shown = if k == "handover_date" {
                lang.date(s)
            } else {
                s.to_owned()
            };
            out.push((lang.t(&format!("rep-{k}")), shown));
        }
    }
    if let Some(list) = v.get("custody_closed").and_then(Value::as_array)
        && !list.is_empty()
    {
        out.push((lang.t("rep-custody-closed"), list.len().to_string()));
    }
    out
}

fn number_of(view: &CaseView, id: i64) -> String {
    view.members
        .iter()
        .find(|m| m.person.id == id)
        .map(|m| m.person.registration_number.clone())
        .unwrap_or_default()
}

async fn show(
    app: &App,
    ctx: Ctx,
    id: i64,
    f: Fields,
    failed: &str,
    done: bool,
) -> Result<Response, PageError> {
    let lang = ctx.lang().clone();
    let view = app
        .case_for(&ctx.principal, id)
        .await
        .map_err(|e| ctx.err(e))?;
    let consular = ctx.principal.role == Role::ConsularOfficer;
    let may_move = if consular {
        ctx.can(Action::RecordCountryDecision)
    } else {
        ctx.can(Action::ManageCases)
    };
    let forms = view
        .next
        .iter()
        .filter_map(|k| CaseState::parse("to", k).ok())
        .filter(|s| may_move && (!consular || s.consular_may_record()))
        .map(|s| StepForm {
            to: s.key().to_owned(),
            name: state_name(&lang, s.key()),
            hint: lang.key("rep-hint", s.key()),
            risk: matches!(s, CaseState::RiskCleared | CaseState::ReturnBlocked),
            travel_document: s == CaseState::TravelDocumentsIssued,
            handover: matches!(s, CaseState::HandoverScheduled | CaseState::HandedOver),
            official: s == CaseState::HandedOver,
        })
        .collect();
    let members: Vec<MemberLine> = view
        .members
        .iter()
        .map(|m| MemberLine {
            id: m.person.id,
            number: m.person.registration_number.clone(),
            names: m.names.clone(),
            age: m.age,
            child: m.age < 18,
            claims: claim_pairs(&lang, &m.claims),
            accepted: match m.member.accepted {
                Some(true) => lang.t("rep-accepted-yes"),
                Some(false) => lang.t("rep-accepted-no"),
                None => String::new(),
            },
            needs_determination: m.needs_determination,
            determination: m
                .determination
                .as_ref()
                .map(|b| {
                    format!(
                        "{} · {}",
                        lang.key("rep-decision", &b.decision),
                        lang.date(&b.decided_on)
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    let children: Vec<(i64, String, bool)> = members
        .iter()
        .filter(|m| m.child)
        .map(|m| (m.id, m.number.clone(), m.needs_determination))
        .collect();
    let mothers = view
        .mothers
        .iter()
        .map(|m| MotherLine {
            id: m.person.id,
            number: m.person.registration_number.clone(),
            names: m.names.clone(),
            claims: claim_pairs(&lang, &m.claims),
            cases: m
                .cases
                .iter()
                .map(|(c, accepted)| {
                    (
                        c.id,
                        country_name(&c.country_code, &lang),
                        state_name(&lang, &c.state),
                        match accepted {
                            Some(true) => lang.t("rep-accepted-yes"),
                            Some(false) => lang.t("rep-accepted-no"),
                            None => String::new(),
                        },
                    )
                })
                .collect(),
        })
        .collect();
    let timeline = view
        .timeline
        .iter()
        .map(|t| StepLine {
            from: t
                .from_state
                .as_deref()
                .map(|s| state_name(&lang, s))
                .unwrap_or_default(),
            to: state_name(&lang, &t.to_state),
            to_key: t.to_state.clone(),
            actor: t.actor.clone(),
            at: lang.moment(&t.at),
            note: t.note.clone(),
            details: details_of(&lang, &t.details_json),
        })
        .collect();
    let determinations = view
        .determinations
        .iter()
        .map(|b| BidLine {
            child: number_of(&view, b.child_id),
            decision: lang.key("rep-decision", &b.decision),
            decided_on: lang.date(&b.decided_on),
            assessment: b.assessment.clone(),
            panel: serde_json::from_str::<Vec<Value>>(&b.panel_json)
                .unwrap_or_default()
                .iter()
                .map(|m| {
                    (
                        m.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        lang.key(
                            "rep-role",
                            m.get("role").and_then(Value::as_str).unwrap_or_default(),
                        ),
                    )
                })
                .collect(),
            recorded_by: b.recorded_by.clone(),
        })
        .collect();
    let c = &view.case;
    let mut handover = Vec::new();
    if let Some(t) = &c.travel_document {
        handover.push((lang.t("rep-travel_document"), t.clone()));
    }
    if let Some(d) = &c.handover_date {
        handover.push((lang.t("rep-handover_date"), lang.date(d)));
    }
    if let Some(p) = &c.handover_place {
        handover.push((lang.t("rep-handover_place"), p.clone()));
    }
    if let Some(o) = &c.receiving_official {
        handover.push((lang.t("rep-receiving_official"), o.clone()));
    }
    let page = CasePage {
        id: c.id,
        version: c.version,
        label: c.label.clone(),
        country: country_name(&c.country_code, &lang),
        country_code: c.country_code.clone(),
        state: state_name(&lang, &c.state),
        state_key: c.state.clone(),
        stance: lang.key("rep-stance", &view.stance),
        waiting_for: lang.key("rep-wait", &view.waiting_for),
        handover,
        members,
        mothers,
        timeline,
        determinations,
        forms,
        failed: failed.to_owned(),
        f,
        may_bid: ctx.can(Action::RecordBestInterests) && !children.is_empty(),
        children,
        panel_rows: (0..PANEL_ROWS).collect(),
        panel_roles: PANEL_ROLES
            .iter()
            .map(|r| ((*r).to_owned(), lang.key("rep-role", r)))
            .collect(),
        decisions: BidDecision::ALL
            .iter()
            .map(|d| (d.key().to_owned(), lang.key("rep-decision", d.key())))
            .collect(),
        may_dossier: ctx.can(Action::ExportEmbassyList),
        may_register: ctx.can(Action::ReadDisclosures),
        done,
        l: ctx.layout,
    };
    render(&page)
}

#[derive(Deserialize, Default)]
pub struct CaseQuery {
    done: Option<String>,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    show(&app, ctx, id, Fields::default(), "", q.done.is_some()).await
}

pub async fn step(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::ReadCases)?;
    let mut f = Fields::of(&pairs);
    let to = f.v("to").to_owned();
    let risk = matches!(to.as_str(), "risk_cleared" | "return_blocked");
    let draft = StepDraft {
        to: to.clone(),
        version: f.v("version").trim().parse().unwrap_or(-1),
        note: f.v("note").to_owned(),
        risk_torture: risk.then(|| f.checked("risk_torture")),
        risk_death_penalty: risk.then(|| f.checked("risk_death_penalty")),
        risk_persecution: risk.then(|| f.checked("risk_persecution")),
        travel_document: f.text("travel_document"),
        handover_date: f.text("handover_date"),
        handover_place: f.text("handover_place"),
        receiving_official: f.text("receiving_official"),
    };
    match app.move_case(&ctx.principal, id, &draft).await {
        Ok(_) => Ok(see_other(&format!("/cases/{id}?done=step#timeline"))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            let page = show(&app, ctx, id, f, &to, false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}

pub async fn best_interests(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::RecordBestInterests)?;
    let mut f = Fields::of(&pairs);
    let draft = BidDraft {
        assessment: f.v("assessment").to_owned(),
        panel: (0..PANEL_ROWS)
            .map(|i| PanelMember {
                name: f.v(&format!("panel_name_{i}")).to_owned(),
                role: f.v(&format!("panel_role_{i}")).to_owned(),
            })
            .collect(),
        decision: f.v("decision").to_owned(),
        decided_on: f.v("decided_on").to_owned(),
    };
    let child = f.v("child").trim().parse::<i64>().unwrap_or(-1);
    match app
        .record_best_interests(&ctx.principal, id, child, &draft)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/cases/{id}?done=bid#determinations"))),
        Err(e) => {
            f.errors = refused(&ctx, e)?;
            // `panel[2].name` belongs to the form's `panel_name_2`.
            for e in &mut f.errors {
                if let Some(rest) = e.field.strip_prefix("panel[")
                    && let Some((i, k)) = rest.split_once("].")
                {
                    e.field = format!("panel_{k}_{i}");
                }
            }
            let page = show(&app, ctx, id, f, "bid", false).await?;
            Ok(with_status(page, StatusCode::UNPROCESSABLE_ENTITY))
        }
    }
}
