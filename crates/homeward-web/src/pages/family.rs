//! The family drawn as a small inline SVG: parents above, the person, siblings beside,
//! children below, each with their current site; members held elsewhere are marked apart
//! (colour, a dashed border and the words "at another site", never colour alone).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use homeward_app::App;
use homeward_app::views::Member;
use homeward_domain::access::Action;
use homeward_domain::person::PersonId;

use super::persons::{father_text, site_names};
use super::{Ctx, Layout, PageError, render};

const W: i64 = 190;
const H: i64 = 96;
const GAP: i64 = 20;

/// A box in the drawing.
pub struct Node {
    pub x: i64,
    pub y: i64,
    pub cx: i64,
    pub relation: String,
    pub name: String,
    pub site: String,
    pub href: String,
    pub apart: bool,
    pub unknown: bool,
    pub me: bool,
}

/// A line between two boxes.
pub struct Edge {
    pub x1: i64,
    pub y1: i64,
    pub x2: i64,
    pub y2: i64,
}

/// A member in the table under the drawing.
pub struct Line {
    pub relation: String,
    pub name: String,
    pub number: String,
    pub id: i64,
    pub site: String,
    pub apart: bool,
}

#[derive(Template)]
#[template(path = "family.html")]
struct FamilyPage {
    l: Layout,
    id: i64,
    name: String,
    number: String,
    width: i64,
    height: i64,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    lines: Vec<Line>,
    apart: usize,
    father: String,
}

pub async fn page(
    ctx: Ctx,
    State(app): State<App>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    let lang = ctx.lang().clone();
    let fam = app
        .family_for(&ctx.principal, PersonId(id))
        .await
        .map_err(|e| ctx.err(e))?;
    let sites = site_names(&app, &lang).await?;
    let site_text = |sid: Option<i64>| {
        sid.and_then(|i| sites.get(&i))
            .map(|(code, name)| format!("{name} ({code})"))
            .unwrap_or_else(|| lang.t("no-site"))
    };
    let my_site = fam.person.person.current_site_id;
    let is_apart = |m: &Member| {
        let s = m.summary.person.current_site_id;
        s.is_some() && my_site.is_some() && s != my_site
    };
    let of =
        |rel: &str| -> Vec<&Member> { fam.members.iter().filter(|m| m.relation == rel).collect() };
    let (mothers, fathers, children, siblings) =
        (of("mother"), of("father"), of("child"), of("sibling"));
    let others: Vec<&Member> = fam
        .members
        .iter()
        .filter(|m| !["mother", "father", "child", "sibling"].contains(&m.relation.as_str()))
        .collect();
    let middle_count = 1 + siblings.len() + others.len();
    let columns = [2usize, children.len(), middle_count]
        .into_iter()
        .max()
        .unwrap_or(2);
    let cols = i64::try_from(columns).unwrap_or(2);
    let width = cols * (W + GAP) + GAP;
    let height = if children.is_empty() { 2 } else { 3 } * (H + 50) + GAP;
    let row_x = |n: usize, i: usize| -> i64 {
        let n = i64::try_from(n).unwrap_or(1);
        let i = i64::try_from(i).unwrap_or(0);
        let used = n * (W + GAP) - GAP;
        (width - used) / 2 + i * (W + GAP)
    };
    let site_code = |sid: Option<i64>| {
        sid.and_then(|i| sites.get(&i))
            .map(|(code, _)| code.clone())
            .unwrap_or_else(|| lang.t("no-site"))
    };
    let node = |m: &Member, x: i64, y: i64| Node {
        x,
        y,
        cx: x + W / 2,
        relation: lang.key("relation", &m.relation),
        name: m.summary.names.first().cloned().unwrap_or_default(),
        site: site_code(m.summary.person.current_site_id),
        href: format!("/persons/{}", m.summary.person.id),
        apart: is_apart(m),
        unknown: false,
        me: false,
    };
    let mut nodes = Vec::new();
    let (top, mid, low) = (GAP, GAP + H + 50, GAP + 2 * (H + 50));
    // Parents: mother and father (or the father's recorded state).
    let mother_node = match mothers.first() {
        Some(m) => node(m, row_x(2, 0), top),
        None => Node {
            x: row_x(2, 0),
            y: top,
            cx: row_x(2, 0) + W / 2,
            relation: lang.t("relation-mother"),
            name: lang.t("not-recorded"),
            site: String::new(),
            href: String::new(),
            apart: false,
            unknown: true,
            me: false,
        },
    };
    let father_node = match fathers.first() {
        Some(f) => node(f, row_x(2, 1), top),
        None => Node {
            x: row_x(2, 1),
            y: top,
            cx: row_x(2, 1) + W / 2,
            relation: lang.t("relation-father"),
            name: if fam.father_unknown {
                lang.t("father-unknown")
            } else {
                fam.father_name
                    .clone()
                    .unwrap_or_else(|| lang.t("not-recorded"))
            },
            site: String::new(),
            href: String::new(),
            apart: false,
            unknown: true,
            me: false,
        },
    };
    nodes.push(mother_node);
    nodes.push(father_node);
    // The person, siblings and others on the middle row.
    let me_x = row_x(middle_count, 0);
    nodes.push(Node {
        x: me_x,
        y: mid,
        cx: me_x + W / 2,
        relation: lang.t("this-person"),
        name: fam.person.names.first().cloned().unwrap_or_default(),
        site: site_code(my_site),
        href: format!("/persons/{id}"),
        apart: false,
        unknown: false,
        me: true,
    });
    for (i, m) in siblings.iter().chain(others.iter()).enumerate() {
        nodes.push(node(m, row_x(middle_count, i + 1), mid));
    }
    for (i, m) in children.iter().enumerate() {
        nodes.push(node(m, row_x(children.len(), i), low));
    }
    let mut edges = Vec::new();
    for parent in nodes.iter().take(2).filter(|n| !n.unknown) {
        for n in nodes.iter().filter(|n| n.y == mid) {
            let sibling_or_me = n.me
                || siblings
                    .iter()
                    .any(|s| format!("/persons/{}", s.summary.person.id) == n.href);
            if sibling_or_me {
                edges.push(Edge {
                    x1: parent.cx,
                    y1: parent.y + H,
                    x2: n.cx,
                    y2: n.y,
                });
            }
        }
    }
    for n in nodes.iter().filter(|n| n.y == low) {
        edges.push(Edge {
            x1: me_x + W / 2,
            y1: mid + H,
            x2: n.cx,
            y2: n.y,
        });
    }
    // Right to left: the drawing reads from the right, like the page.
    if lang.dir() == "rtl" {
        for n in &mut nodes {
            n.x = width - n.x - W;
            n.cx = n.x + W / 2;
        }
        for e in &mut edges {
            e.x1 = width - e.x1;
            e.x2 = width - e.x2;
        }
    }
    let lines: Vec<Line> = fam
        .members
        .iter()
        .map(|m| Line {
            relation: lang.key("relation", &m.relation),
            name: m.summary.names.first().cloned().unwrap_or_default(),
            number: m.summary.person.registration_number.clone(),
            id: m.summary.person.id,
            site: site_text(m.summary.person.current_site_id),
            apart: is_apart(m),
        })
        .collect();
    let apart = lines.iter().filter(|l| l.apart).count();
    render(&FamilyPage {
        id,
        name: fam.person.names.first().cloned().unwrap_or_default(),
        number: fam.person.person.registration_number.clone(),
        width,
        height,
        nodes,
        edges,
        lines,
        apart,
        father: father_text(&lang, &fam),
        l: ctx.layout,
    })
}
