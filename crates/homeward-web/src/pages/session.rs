//! Sign-in, sign-out, the language switch and the home page.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use homeward_app::auth::SignIn;
use homeward_app::{App, AppError, AuthNeed};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, cookie_header};
use super::{Ctx, Lang, Layout, PageError, PageLang, render, same_origin};
use crate::auth::COOKIE_NAME;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Layout,
    username: String,
    failed: bool,
    need_code: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
}

pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    render(&HomePage { l: ctx.layout })
}

pub async fn sign_in_form(PageLang(lang): PageLang) -> Result<Response, PageError> {
    render(&SignInPage {
        l: Layout::anonymous(lang, "/sign-in"),
        username: String::new(),
        failed: false,
        need_code: false,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
    code: Option<String>,
}

pub async fn sign_in(
    State(app): State<App>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let attempt = SignIn {
        username: &f.username,
        password: &f.password,
        code: f.code.as_deref().filter(|c| !c.trim().is_empty()),
        agent,
    };
    match app.sign_in_with(&attempt).await {
        Ok((token, _)) => {
            let mut r = Redirect::to("/").into_response();
            *r.status_mut() = StatusCode::SEE_OTHER;
            let c = format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/");
            r.headers_mut().append(SET_COOKIE, header(&c)?);
            Ok(r)
        }
        Err(e @ (AppError::Unauthorized | AppError::Authentication(AuthNeed::SecondFactor))) => {
            let need_code = matches!(e, AppError::Authentication(_));
            let mut r = render(&SignInPage {
                l: Layout::anonymous(lang, "/sign-in"),
                username: f.username,
                failed: !need_code,
                need_code,
            })?;
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(r)
        }
        Err(e) => Err(PageError::from_app(e, &lang)),
    }
}

fn header(v: &str) -> Result<HeaderValue, PageError> {
    HeaderValue::from_str(v).map_err(|_| PageError::Internal(Lang::english()))
}

pub async fn sign_out(
    State(app): State<App>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    if let Some(token) = cookie_header(&headers, COOKIE_NAME) {
        app.sign_out(&token)
            .await
            .map_err(|e| PageError::from_app(e, &lang))?;
    }
    let mut r = Redirect::to("/sign-in").into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    let c = format!("{COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    r.headers_mut().append(SET_COOKIE, header(&c)?);
    Ok(r)
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    back: Option<String>,
}

pub async fn set_language(
    headers: HeaderMap,
    Form(f): Form<LanguageForm>,
) -> Result<Response, PageError> {
    same_origin(&headers)?;
    let lang = Lang::from_tag(&f.lang).unwrap_or_else(Lang::english);
    let back = f
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains(['\r', '\n']))
        .unwrap_or_else(|| "/".to_owned());
    let mut r = Redirect::to(&back).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    let c = format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000",
        lang.code()
    );
    r.headers_mut().append(SET_COOKIE, header(&c)?);
    Ok(r)
}
