//! Downloads of lists and figures as CSV and XLSX: the persons list (CSV in `persons.rs`, XLSX
//! here) and the dashboard's tables. What each role gets is one table,
//! `homeward_app::reports::EXPORT_SHARES`; every download is registered in the register of
//! exports (with its audit event) before the file leaves. CSV carries a UTF-8 byte-order mark
//! so that spreadsheet programs read Arabic; a cell a spreadsheet would run as a formula gets a
//! leading apostrophe, in CSV and XLSX alike, and XLSX cells are written as text (figures as
//! numbers).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use homeward_app::reports::{HEADLINE, export_scope, share_of};
use homeward_app::{App, AppError};
use homeward_domain::access::Action;
use homeward_store::reports::NewExport;

use super::persons::{Filters, csv_cell};
use super::reports::{AsOf, panels};
use super::{Ctx, PageError, non_blank, secure_headers};

/// The media type of a workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The routes of this module.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/persons.xlsx", get(persons_xlsx))
        .route("/dashboard.csv", get(dashboard_csv))
        .route("/dashboard.xlsx", get(dashboard_xlsx))
}

/// A cell a spreadsheet would read as a formula gets a leading apostrophe.
pub fn neutral(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// One table of a download: a sheet name (ASCII, for the workbook), a title, the column
/// heads and the rows.
pub struct Table {
    pub sheet: String,
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Several tables as one CSV (with a byte-order mark): each table's title, heads and rows,
/// a blank line between tables; a single table has no title line.
pub fn csv_of(tables: &[Table]) -> String {
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: &[String]| {
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    };
    for (i, t) in tables.iter().enumerate() {
        if tables.len() > 1 {
            if i > 0 {
                out.push_str("\r\n");
            }
            line(&mut out, std::slice::from_ref(&t.title));
        }
        line(&mut out, &t.head);
        for r in &t.rows {
            line(&mut out, r);
        }
    }
    out
}

/// Tables as a workbook, one sheet each: text as text (neutralised), whole numbers in
/// columns after the first as numbers.
pub fn xlsx_of(tables: &[Table], numbers: bool) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(&t.sheet).map_err(e)?;
        for (c, h) in t.head.iter().enumerate() {
            let c = u16::try_from(c).map_err(|e| e.to_string())?;
            sheet.write_string(0, c, neutral(h)).map_err(e)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|e| e.to_string())?;
            for (c, v) in row.iter().enumerate() {
                let number = if numbers && c > 0 {
                    v.parse::<i64>().ok()
                } else {
                    None
                };
                let c = u16::try_from(c).map_err(|e| e.to_string())?;
                match number {
                    #[allow(clippy::cast_precision_loss)]
                    Some(n) => sheet.write_number(r, c, n as f64).map_err(e)?,
                    None => sheet.write_string(r, c, neutral(v)).map_err(e)?,
                };
            }
        }
    }
    book.save_to_buffer().map_err(e)
}

/// A file response that is never cached.
pub fn file(body: Vec<u8>, media: &'static str, name: &str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    secure_headers(h);
    h.insert(CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    r
}

/// A bulk list of persons is sensitive: the password must have been given within a few
/// minutes, else the reader is sent to give it and brought back.
pub async fn confirmed(ctx: &Ctx, app: &App, uri: &axum::http::Uri) -> Result<(), PageError> {
    match app.require_confirmation(&ctx.token).await {
        Ok(()) => Ok(()),
        Err(AppError::Authentication(_)) => {
            let back = uri.path_and_query().map_or("/persons", |p| p.as_str());
            Err(PageError::SeeOther(format!(
                "/account/confirm?next={}",
                super::persons::urlencoding(back)
            )))
        }
        Err(other) => Err(ctx.err(other)),
    }
}

/// The persons list as the principal may export it: the role's columns (message ids) and the
/// table in the reader's language. Refused (403) for a role without a persons share.
pub async fn person_table(
    ctx: &Ctx,
    app: &App,
    f: &Filters,
) -> Result<(&'static [&'static str], Table), PageError> {
    ctx.may(Action::ReadPersons)?;
    ctx.may(Action::Export)?;
    let columns = share_of(ctx.principal.role).persons;
    if columns.is_empty() {
        return Err(PageError::Forbidden(ctx.lang().clone()));
    }
    let lang = ctx.lang().clone();
    let filter = f.to_filter(app, &lang)?;
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = app
            .list_persons_for(&ctx.principal, filter.clone(), 1000, offset)
            .await
            .map_err(|e| ctx.err(e))?;
        if page.items.is_empty() {
            break;
        }
        offset += i64::try_from(page.items.len()).unwrap_or(i64::MAX);
        for r in super::persons::rows(app, &lang, page.items).await? {
            rows.push(
                columns
                    .iter()
                    .map(|c| match *c {
                        "col-registration" => r.number.clone(),
                        "col-names" => r.names.join(" | "),
                        "col-sex" => r.sex.clone(),
                        "col-age" => r.age.to_string(),
                        "col-nationalities" => r.nationalities.clone(),
                        "col-site" => r.site.clone(),
                        "col-status" => r.status.clone(),
                        "col-flags" => r.flags.join(" | "),
                        _ => String::new(),
                    })
                    .collect(),
            );
        }
    }
    let table = Table {
        sheet: "persons".into(),
        title: lang.t("nav-persons"),
        head: columns.iter().map(|c| lang.t(c)).collect(),
        rows,
    };
    Ok((columns, table))
}

/// Registers a download of `rows` rows with these columns.
pub async fn register(
    ctx: &Ctx,
    app: &App,
    what: &str,
    format: &str,
    rows: usize,
    fields: &str,
    scope: &str,
) -> Result<(), PageError> {
    app.record_export(
        &ctx.principal,
        &NewExport {
            username: &ctx.principal.username,
            role: ctx.principal.role.key(),
            what,
            format,
            row_count: i64::try_from(rows).unwrap_or(i64::MAX),
            fields,
            scope,
        },
    )
    .await
    .map_err(|e| ctx.err(e))?;
    Ok(())
}

async fn persons_xlsx(
    ctx: Ctx,
    State(app): State<App>,
    uri: axum::http::Uri,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    ctx.may(Action::ReadPersons)?;
    ctx.may(Action::Export)?;
    confirmed(&ctx, &app, &uri).await?;
    let (columns, table) = person_table(&ctx, &app, &f).await?;
    let body = xlsx_of(std::slice::from_ref(&table), false).map_err(|e| {
        tracing::error!(error = %e, "workbook failed");
        PageError::Internal(ctx.lang().clone())
    })?;
    register(
        &ctx,
        &app,
        "persons",
        "xlsx",
        table.rows.len(),
        &columns.join(","),
        &export_scope(&ctx.principal),
    )
    .await?;
    Ok(file(body, XLSX, "persons.xlsx"))
}

/// The dashboard's tables the principal may see, in the reader's language.
async fn dashboard_tables(
    ctx: &Ctx,
    app: &App,
    q: &AsOf,
) -> Result<(String, Vec<&'static str>, Vec<Table>), PageError> {
    ctx.may(Action::ReadStats)?;
    let as_of = match non_blank(&q.date) {
        Some(d) => homeward_domain::date::parse_date("date", &d)
            .map_err(|_| PageError::BadRequest(ctx.lang().clone()))?,
        None => app.today(),
    };
    let d = app
        .dashboard(&ctx.principal, as_of)
        .await
        .map_err(|e| ctx.err(e))?;
    let lang = ctx.lang();
    let share = share_of(ctx.principal.role);
    let mut names = Vec::new();
    let mut tables = Vec::new();
    if share.tables.contains(&"headline") {
        names.push("headline");
        tables.push(Table {
            sheet: "headline".into(),
            title: lang.t("rpt-headline"),
            head: vec![lang.t("rpt-headline"), lang.t("rpt-persons")],
            rows: HEADLINE
                .iter()
                .map(|k| vec![lang.t(&format!("rpt-h-{k}")), d.figure(k).to_string()])
                .collect(),
        });
    }
    for p in panels(&d, lang) {
        let Some(name) = share.tables.iter().find(|t| **t == p.id) else {
            continue;
        };
        names.push(name);
        tables.push(Table {
            sheet: p.id.clone(),
            title: p.title,
            head: p.head,
            rows: p.rows,
        });
    }
    Ok((d.as_of, names, tables))
}

fn dashboard_scope(ctx: &Ctx) -> String {
    match (
        &ctx.principal.country,
        share_of(ctx.principal.role).own_country_only,
    ) {
        (Some(c), true) => format!("aggregates {c}"),
        _ => "aggregates".to_owned(),
    }
}

async fn dashboard_csv(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<AsOf>,
) -> Result<Response, PageError> {
    let (as_of, names, tables) = dashboard_tables(&ctx, &app, &q).await?;
    let body = csv_of(&tables);
    let rows = tables.iter().map(|t| t.rows.len()).sum();
    register(
        &ctx,
        &app,
        "dashboard",
        "csv",
        rows,
        &names.join(","),
        &dashboard_scope(&ctx),
    )
    .await?;
    Ok(file(
        body.into_bytes(),
        "text/csv; charset=utf-8",
        &format!("dashboard-{as_of}.csv"),
    ))
}

async fn dashboard_xlsx(
    ctx: Ctx,
    State(app): State<App>,
    Query(q): Query<AsOf>,
) -> Result<Response, PageError> {
    let (as_of, names, tables) = dashboard_tables(&ctx, &app, &q).await?;
    let body = xlsx_of(&tables, true).map_err(|e| {
        tracing::error!(error = %e, "workbook failed");
        PageError::Internal(ctx.lang().clone())
    })?;
    let rows = tables.iter().map(|t| t.rows.len()).sum();
    register(
        &ctx,
        &app,
        "dashboard",
        "xlsx",
        rows,
        &names.join(","),
        &dashboard_scope(&ctx),
    )
    .await?;
    Ok(file(body, XLSX, &format!("dashboard-{as_of}.xlsx")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_arabic_kept_in_csv() {
        let t = Table {
            sheet: "s".into(),
            title: "t".into(),
            head: vec!["الاسم".into(), "n".into()],
            rows: vec![vec!["=HYPERLINK(\"x\")".into(), "3".into()]],
        };
        let csv = csv_of(std::slice::from_ref(&t));
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"الاسم\""));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""));
        let book = xlsx_of(&[t], true).unwrap();
        assert!(book.starts_with(b"PK"));
    }
}
