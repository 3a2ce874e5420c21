//! The task list of the user's team, filled by the daily review (children reaching 4 or 15,
//! ages due for reassessment, deliveries near, long stays), soonest due first; an
//! administrator can run the review now and look at every team's list.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use homeward_app::App;
use homeward_domain::access::{Action, Role};
use homeward_domain::person::PersonId;
use serde::Deserialize;

use super::{actor, see_other};
use crate::pages::{Ctx, Layout, PageError, non_blank, render, same_origin};

/// The teams that get tasks.
const TEAMS: [&str; 4] = ["case_workers", "health", "registrars", "judicial"];

/// A task as the list shows it.
pub struct TaskLine {
    pub kind: String,
    pub team: String,
    pub person: Option<(i64, String)>,
    pub due: String,
    pub overdue: bool,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "custody_tasks.html")]
struct TasksPage {
    l: Layout,
    teams: Vec<(String, String)>,
    team: String,
    may_choose: bool,
    may_run: bool,
    tasks: Vec<TaskLine>,
    added: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct TasksQuery {
    team: Option<String>,
    added: Option<String>,
}

/// The teams whose lists a role works from.
fn teams_of(role: Role) -> &'static [&'static str] {
    match role {
        Role::CaseWorker => &["case_workers", "health", "judicial"],
        Role::Registrar => &["registrars"],
        Role::JudicialLiaison => &["judicial"],
        _ => &TEAMS,
    }
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<TasksQuery>,
) -> Result<Response, PageError> {
    let may_run = ctx.can(Action::Administer);
    if !may_run && !ctx.can(Action::ReadLegalCases) {
        ctx.may(Action::MovePersons)?;
    }
    let lang = ctx.lang().clone();
    let mine = teams_of(ctx.principal.role);
    let team = non_blank(&q.team).filter(|t| mine.contains(&t.as_str()));
    let mut rows = Vec::new();
    for t in mine {
        if team.as_deref().is_none_or(|c| c == *t) {
            rows.extend(
                app.store()
                    .tasks(Some(t))
                    .await
                    .map_err(|e| ctx.err(e.into()))?,
            );
        }
    }
    rows.sort_by(|a, b| (&a.due, a.id).cmp(&(&b.due, b.id)));
    let today = app.today().format("%Y-%m-%d").to_string();
    let mut tasks = Vec::new();
    for t in rows {
        let mut person = None;
        if let Some(p) = t.person_id
            && app
                .can_see(&ctx.principal, PersonId(p))
                .await
                .map_err(|e| ctx.err(e))?
        {
            person = app
                .store()
                .person(PersonId(p))
                .await
                .ok()
                .map(|r| (p, r.registration_number));
        }
        tasks.push(TaskLine {
            kind: lang.key("cust-task", &t.kind),
            team: lang.key("cust-team", &t.team),
            person,
            overdue: t.due < today,
            due: lang.date(&t.due),
            detail: t.detail,
        });
    }
    render(&TasksPage {
        teams: mine
            .iter()
            .map(|t| ((*t).to_owned(), lang.key("cust-team", t)))
            .collect(),
        team: team.unwrap_or_default(),
        may_choose: mine.len() > 1,
        may_run,
        tasks,
        added: non_blank(&q.added).filter(|a| a.chars().all(|c| c.is_ascii_digit())),
        l: ctx.layout,
    })
}

pub async fn run_review(
    ctx: Ctx,
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    ctx.may(Action::Administer)?;
    let added = app
        .run_daily_review(&actor(&ctx))
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(see_other(&format!("/tasks?added={added}")))
}
