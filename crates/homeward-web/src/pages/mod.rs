//! Server-rendered pages for people at work: sign-in, search, person lists, registration,
//! the person file, the family view and sites, in every language with a message file.
//!
//! Every page handler asks [`authorize`] before reading anything; person reads go through the
//! app's scoped use-cases. Personal pages are never cached, no script runs inline (so a
//! `script-src 'self'` policy holds), and every form that changes something is a POST whose
//! `Origin` (or `Referer`) must name this host.

mod account;
mod assets;
mod care;
mod charts;
mod courts;
mod custody;
mod downloads;
mod family;
mod i18n;
mod identity;
mod import;
mod persons;
mod register;
mod repatriation;
mod reports;
mod search;
mod session;
mod sites;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, ORIGIN, REFERER, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use homeward_app::auth::DEMO_ACCOUNTS;
use homeward_app::{App, AppError, AuthNeed};
use homeward_domain::access::{Action, Principal, authorize};
use homeward_domain::error::FieldError;

pub use i18n::Lang;

/// The page routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(session::home))
        .route(
            "/sign-in",
            get(session::sign_in_form).post(session::sign_in),
        )
        .route("/sign-out", post(session::sign_out))
        .route("/account", get(account::page))
        .route("/account/sessions/end", post(account::revoke))
        .route("/account/second-factor", get(account::totp_page))
        .route("/account/second-factor/start", post(account::totp_start))
        .route(
            "/account/second-factor/confirm",
            post(account::totp_confirm),
        )
        .route(
            "/account/confirm",
            get(account::confirm_form).post(account::confirm),
        )
        .route("/language", post(session::set_language))
        .route("/search", get(search::page))
        .route("/persons", get(persons::list))
        .route("/persons.csv", get(persons::csv))
        .route("/persons/new", get(register::form).post(register::submit))
        .route("/persons/{id}", get(persons::file))
        .route("/persons/{id}/links", post(persons::link))
        .route(
            "/persons/{id}/files",
            post(persons::upload).layer(axum::extract::DefaultBodyLimit::max(
                homeward_domain::upload::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/persons/{id}/family", get(family::page))
        .route("/sites", get(sites::list))
        .route("/sites/{id}", get(sites::page))
        .route("/assets/{file}", get(assets::serve))
        .merge(custody::routes())
        .merge(identity::routes())
        .merge(repatriation::routes())
        .merge(care::routes())
        .merge(reports::routes())
        .merge(downloads::routes())
        .merge(import::routes())
        .merge(courts::routes())
}

/// What every page shows around its content: language, who is signed in, what they may do.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The page language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<String>,
    /// Their role, in words.
    pub role: String,
    /// The account is a demo account: the data is synthetic.
    pub demo: bool,
    /// The path of the page, for the language switch to come back to.
    pub path: String,
    /// Main navigation entries the user may use.
    pub can_read: bool,
    /// May register persons.
    pub can_write: bool,
    /// May see sites.
    pub can_sites: bool,
    /// May download lists.
    pub can_export: bool,
    /// May move persons: transfers, roll calls, the task lists.
    pub can_move: bool,
    /// May administer (placement rules, the daily review on demand).
    pub can_admin: bool,
}

impl Layout {
    /// The frame for a signed-out page.
    pub fn anonymous(lang: Lang, path: &str) -> Self {
        Self {
            lang,
            user: None,
            role: String::new(),
            demo: false,
            path: path.to_owned(),
            can_read: false,
            can_write: false,
            can_sites: false,
            can_export: false,
            can_move: false,
            can_admin: false,
        }
    }

    /// A message in the page language.
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// Every offered language: (code, its own name, is current).
    pub fn languages(&self) -> Vec<(String, String, bool)> {
        Lang::available()
            .into_iter()
            .map(|l| {
                let current = l.code() == self.lang.code();
                (l.code().to_owned(), l.t("language-self-name"), current)
            })
            .collect()
    }
}

/// A signed-in request: the principal, the language and the page frame.
pub struct Ctx {
    /// Who is asking.
    pub principal: Principal,
    /// The frame every template gets.
    pub layout: Layout,
    /// The session token, for checks on the session itself (a recent password confirmation).
    pub token: String,
}

impl Ctx {
    /// Checks an action with the one authorisation function.
    pub fn may(&self, action: Action) -> Result<(), PageError> {
        authorize(&self.principal, action)
            .map_err(|_| PageError::Forbidden(self.layout.lang.clone()))
    }

    /// Whether the principal may do `action`.
    pub fn can(&self, action: Action) -> bool {
        authorize(&self.principal, action).is_ok()
    }

    /// The language.
    pub fn lang(&self) -> &Lang {
        &self.layout.lang
    }

    /// An app error as a page error in this language.
    pub fn err(&self, e: AppError) -> PageError {
        PageError::from_app(e, self.lang())
    }
}

impl FromRequestParts<App> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(parts);
        let to_sign_in = || Redirect::to("/sign-in").into_response();
        let Some(token) = i18n::cookie(parts, crate::auth::COOKIE_NAME) else {
            return Err(to_sign_in());
        };
        let principal = match app.session(&token).await {
            Ok(p) => p,
            Err(AppError::Unauthorized) => return Err(to_sign_in()),
            Err(e) => return Err(PageError::from_app(e, &lang).into_response()),
        };
        let layout = layout_for(&principal, lang, parts.uri.path());
        Ok(Ctx {
            principal,
            layout,
            token,
        })
    }
}

/// The frame of a page for a signed-in principal.
pub fn layout_for(principal: &Principal, lang: Lang, path: &str) -> Layout {
    let can = |a| authorize(principal, a).is_ok();
    Layout {
        user: Some(principal.username.clone()),
        role: lang.key("role", principal.role.key()),
        demo: is_demo_account(&principal.username),
        path: path.to_owned(),
        can_read: can(Action::ReadPersons),
        can_write: can(Action::WriteRegistry),
        can_sites: can(Action::ReadSites),
        can_export: can(Action::Export),
        can_move: can(Action::MovePersons),
        can_admin: can(Action::Administer),
        lang,
    }
}

/// The demo banner is shown for the demo accounts by name (the principal does not carry the
/// stored `demo` flag).
pub fn is_demo_account(username: &str) -> bool {
    DEMO_ACCOUNTS.iter().any(|(name, _, _)| *name == username)
}

/// The language of a request that needs no sign-in.
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(Lang::of(parts)))
    }
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum PageError {
    /// Not allowed for this role.
    Forbidden(Lang),
    /// No such record, or one the user may not know of.
    NotFound(Lang),
    /// The request came from another site.
    CrossSite,
    /// A malformed request.
    BadRequest(Lang),
    /// Anything else; logged, never shown.
    Internal(Lang),
    /// Something must happen first (set up the second factor, confirm the password): go there.
    SeeOther(String),
}

impl PageError {
    /// Maps an app error to a page.
    pub fn from_app(e: AppError, lang: &Lang) -> Self {
        match e {
            AppError::Forbidden | AppError::Unauthorized => PageError::Forbidden(lang.clone()),
            AppError::Authentication(AuthNeed::Enrolment) => {
                PageError::SeeOther("/account/second-factor".into())
            }
            AppError::Authentication(AuthNeed::Confirmation) => {
                PageError::SeeOther("/account/confirm".into())
            }
            AppError::Authentication(AuthNeed::SecondFactor) => PageError::Forbidden(lang.clone()),
            AppError::NotFound(_) => PageError::NotFound(lang.clone()),
            AppError::Invalid(_) | AppError::Conflict(_) => PageError::BadRequest(lang.clone()),
            other => {
                tracing::error!(error = %other, "page failed");
                PageError::Internal(lang.clone())
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, lang, id) = match self {
            PageError::SeeOther(to) => {
                let mut r = Redirect::to(&to).into_response();
                *r.status_mut() = StatusCode::SEE_OTHER;
                return r;
            }
            PageError::Forbidden(l) => (StatusCode::FORBIDDEN, l, "error-forbidden"),
            PageError::NotFound(l) => (StatusCode::NOT_FOUND, l, "error-not-found"),
            PageError::CrossSite => (StatusCode::FORBIDDEN, Lang::english(), "error-cross-site"),
            PageError::BadRequest(l) => (StatusCode::BAD_REQUEST, l, "error-bad-request"),
            PageError::Internal(l) => (StatusCode::INTERNAL_SERVER_ERROR, l, "error-internal"),
        };
        let body = format!(
            "<!doctype html><html lang=\"{code}\" dir=\"{dir}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{msg}</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head>\
             <body><main id=\"main\" class=\"error-page\"><h1>{msg}</h1>\
             <p><a href=\"/\">{home}</a></p></main></body></html>",
            code = lang.code(),
            dir = lang.dir(),
            msg = escape(&lang.t(id)),
            home = escape(&lang.t("nav-home")),
        );
        let mut r = html_response(body);
        *r.status_mut() = status;
        r
    }
}

/// Minimal HTML escaping for text built outside templates.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The headers every page carries: no caching of personal data, a strict content policy.
pub fn secure_headers(h: &mut HeaderMap) {
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
}

/// An HTML page response.
pub fn html_response(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure_headers(r.headers_mut());
    r
}

/// Renders a template into a page.
pub fn render<T: askama::Template>(t: &T) -> Result<Response, PageError> {
    match t.render() {
        Ok(body) => Ok(html_response(body)),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Err(PageError::Internal(Lang::english()))
        }
    }
}

/// Refuses a state-changing request that did not come from a page of this host
/// (a simple defence against cross-site request forgery, on top of `SameSite=Strict`).
pub fn same_origin(headers: &HeaderMap) -> Result<(), PageError> {
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or(PageError::CrossSite)?;
    let source = headers
        .get(ORIGIN)
        .or_else(|| headers.get(REFERER))
        .and_then(|v| v.to_str().ok())
        .ok_or(PageError::CrossSite)?;
    let rest = source
        .strip_prefix("http://")
        .or_else(|| source.strip_prefix("https://"))
        .ok_or(PageError::CrossSite)?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.eq_ignore_ascii_case(host) {
        Ok(())
    } else {
        Err(PageError::CrossSite)
    }
}

/// A field error shown next to its field: the message in the page language when a message
/// for its code exists, else the English message from the rules.
#[derive(Debug, Clone)]
pub struct ShownError {
    /// The form field it belongs to.
    pub field: String,
    /// The code, for support.
    pub code: String,
    /// The message to show.
    pub message: String,
}

impl ShownError {
    /// Translates a field error.
    pub fn of(e: &FieldError, lang: &Lang) -> Self {
        let message = lang.try_t(e.code).unwrap_or_else(|| e.message.clone());
        Self {
            field: e.field.clone(),
            code: e.code.to_owned(),
            message,
        }
    }
}

/// Query-string helper: a value that is present and not blank.
pub fn non_blank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Country names for the reader: (code, name) sorted by name.
pub async fn countries(app: &App, lang: &Lang) -> Result<Vec<(String, String)>, PageError> {
    let mut all: Vec<(String, String)> = app
        .store()
        .countries()
        .await
        .map_err(|e| PageError::from_app(e.into(), lang))?
        .into_iter()
        .map(|(code, en, ar)| {
            let name = if lang.code() == "ar" { ar } else { en };
            (code, name)
        })
        .collect();
    all.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(all)
}
