//! The signed-in user's own account: live sessions (each can be ended), the second factor
//! (set up with a QR code, recovery codes shown once), and the password confirmation asked for
//! before sensitive actions.
//!
//! These pages open for any live session, also one whose role still has to set up its second
//! factor (every other page sends such a user here).

use askama::Template;
use axum::Form;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use homeward_app::auth::{CONFIRM_MINUTES, second_factor_required};
use homeward_app::{App, AppError};
use homeward_domain::access::Role;
use homeward_store::users::{SessionRow, UserRow};
use serde::Deserialize;

use super::{Lang, Layout, PageError, ShownError, i18n, render, same_origin};

/// A live session, whatever its second-factor state.
pub struct AccountCtx {
    token: String,
    user: UserRow,
    session: SessionRow,
    layout: Layout,
}

impl FromRequestParts<App> for AccountCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(parts);
        let to_sign_in = || Redirect::to("/sign-in").into_response();
        let Some(token) = i18n::cookie(parts, crate::auth::COOKIE_NAME) else {
            return Err(to_sign_in());
        };
        let (user, session) = match app.session_details(&token).await {
            Ok(found) => found,
            Err(AppError::Unauthorized) => return Err(to_sign_in()),
            Err(e) => return Err(PageError::from_app(e, &lang).into_response()),
        };
        // The navigation shows only what the full session would allow.
        let mut layout = match app.session(&token).await {
            Ok(p) => super::layout_for(&p, lang, parts.uri.path()),
            Err(_) => Layout::anonymous(lang, parts.uri.path()),
        };
        layout.user = Some(user.username.clone());
        layout.role = layout.lang.key("role", &user.role);
        Ok(AccountCtx {
            token,
            user,
            session,
            layout,
        })
    }
}

struct SessionLine {
    id: String,
    started: String,
    last_seen: String,
    agent: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    username: String,
    sessions: Vec<SessionLine>,
    totp_on: bool,
    totp_required: bool,
    ended: bool,
}

#[derive(Deserialize, Default)]
pub struct AccountQuery {
    ended: Option<String>,
}

pub async fn page(
    ctx: AccountCtx,
    State(app): State<App>,
    Query(q): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let lang = ctx.layout.lang.clone();
    let sessions = app
        .my_sessions(&ctx.token)
        .await
        .map_err(|e| PageError::from_app(e, &lang))?
        .into_iter()
        .map(|s| SessionLine {
            current: s.id == ctx.session.id,
            started: lang.moment(&s.created_at),
            last_seen: lang.moment(&s.last_seen),
            agent: if s.agent.is_empty() {
                lang.t("acc-agent-unknown")
            } else {
                s.agent
            },
            id: s.id,
        })
        .collect();
    let role =
        Role::parse("role", &ctx.user.role).map_err(|_| PageError::Internal(lang.clone()))?;
    render(&AccountPage {
        username: ctx.user.username.clone(),
        sessions,
        totp_on: ctx.user.totp_enabled_at.is_some(),
        totp_required: second_factor_required(role) && !ctx.user.demo,
        ended: q.ended.is_some(),
        l: ctx.layout,
    })
}

#[derive(Deserialize)]
pub struct RevokeForm {
    session: String,
}

/// Ends one of the user's sessions; ending the current one signs out.
pub async fn revoke(
    ctx: AccountCtx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let lang = ctx.layout.lang.clone();
    app.revoke_session(&ctx.token, f.session.trim())
        .await
        .map_err(|e| PageError::from_app(e, &lang))?;
    let to = if f.session.trim() == ctx.session.id {
        "/sign-in"
    } else {
        "/account?ended=1"
    };
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    Ok(r)
}

#[derive(Template)]
#[template(path = "account_totp.html")]
struct TotpPage {
    l: Layout,
    required: bool,
    secret: String,
    qr_svg: String,
    errors: Vec<ShownError>,
    recovery: Vec<String>,
}

/// The set-up page: a button that creates the secret, or (after it) the QR code and the code
/// field.
pub async fn totp_page(ctx: AccountCtx) -> Result<Response, PageError> {
    if ctx.user.totp_enabled_at.is_some() {
        let mut r = Redirect::to("/account").into_response();
        *r.status_mut() = StatusCode::SEE_OTHER;
        return Ok(r);
    }
    let lang = ctx.layout.lang.clone();
    let role = Role::parse("role", &ctx.user.role).map_err(|_| PageError::Internal(lang))?;
    render(&TotpPage {
        required: second_factor_required(role) && !ctx.user.demo,
        secret: String::new(),
        qr_svg: String::new(),
        errors: Vec::new(),
        recovery: Vec::new(),
        l: ctx.layout,
    })
}

/// Starts the set-up: a new secret, shown as a QR code and as text.
pub async fn totp_start(
    ctx: AccountCtx,
    State(app): State<App>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let lang = ctx.layout.lang.clone();
    let (secret, url) = app
        .begin_totp(&ctx.token)
        .await
        .map_err(|e| PageError::from_app(e, &lang))?;
    show_secret(ctx, secret, &url, Vec::new())
}

fn show_secret(
    ctx: AccountCtx,
    secret: String,
    url: &str,
    errors: Vec<ShownError>,
) -> Result<Response, PageError> {
    let lang = ctx.layout.lang.clone();
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|_| PageError::Internal(lang.clone()))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let role = Role::parse("role", &ctx.user.role).map_err(|_| PageError::Internal(lang))?;
    render(&TotpPage {
        required: second_factor_required(role) && !ctx.user.demo,
        secret,
        qr_svg,
        errors,
        recovery: Vec::new(),
        l: ctx.layout,
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

/// Finishes the set-up with the app's current code; shows the recovery codes once.
pub async fn totp_confirm(
    ctx: AccountCtx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let lang = ctx.layout.lang.clone();
    match app.confirm_totp(&ctx.token, &f.code).await {
        Ok(recovery) => render(&TotpPage {
            required: false,
            secret: String::new(),
            qr_svg: String::new(),
            errors: Vec::new(),
            recovery,
            l: ctx.layout,
        }),
        Err(AppError::Invalid(inv)) => {
            let errors = inv.0.iter().map(|e| ShownError::of(e, &lang)).collect();
            let secret = ctx.user.totp_secret.clone().unwrap_or_default();
            let url = homeward_app::auth::totp_for(&secret, &ctx.user.username)
                .ok()
                .and_then(|t| t.to_url().ok())
                .unwrap_or_default();
            let mut r = show_secret(ctx, secret, &url, errors)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}

#[derive(Template)]
#[template(path = "account_confirm.html")]
struct ConfirmPage {
    l: Layout,
    next: String,
    hint: String,
    totp_on: bool,
    errors: Vec<ShownError>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// A local path to go back to after confirming (never another site).
fn safe_next(next: Option<&str>) -> String {
    next.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains(['\r', '\n', '\\']))
        .unwrap_or("/")
        .to_owned()
}

/// Asks for the password again before a sensitive action.
pub async fn confirm_form(
    ctx: AccountCtx,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    render(&ConfirmPage {
        next: safe_next(q.next.as_deref()),
        hint: ctx.layout.lang.ta(
            "acc-confirm-hint",
            &[("minutes", CONFIRM_MINUTES.to_string())],
        ),
        totp_on: ctx.user.totp_enabled_at.is_some(),
        errors: Vec::new(),
        l: ctx.layout,
    })
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    password: String,
    code: Option<String>,
    next: Option<String>,
}

pub async fn confirm(
    ctx: AccountCtx,
    State(app): State<App>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let lang = ctx.layout.lang.clone();
    let next = safe_next(f.next.as_deref());
    match app
        .confirm(&ctx.token, &f.password, f.code.as_deref())
        .await
    {
        Ok(()) => {
            let mut r = Redirect::to(&next).into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            Ok(r)
        }
        Err(AppError::Invalid(inv)) => {
            let mut r = render(&ConfirmPage {
                next,
                hint: ctx.layout.lang.ta(
                    "acc-confirm-hint",
                    &[("minutes", CONFIRM_MINUTES.to_string())],
                ),
                totp_on: ctx.user.totp_enabled_at.is_some(),
                errors: inv.0.iter().map(|e| ShownError::of(e, &lang)).collect(),
                l: ctx.layout,
            })?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}
