//! A tiny client for the in-process router.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use homeward_app::App;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct Client {
    pub app: App,
    router: Router,
    token: Option<String>,
}

impl Client {
    /// A client signed in as a case worker named `tester`.
    pub async fn new(app: App) -> Self {
        Self::signed_in(app, "tester", "case_worker", None).await
    }

    /// A client signed in with a new account of `role` (bound to `country` for consuls).
    pub async fn signed_in(app: App, name: &str, role: &str, country: Option<&str>) -> Self {
        let draft = homeward_app::auth::UserDraft {
            username: name.into(),
            role: role.into(),
            country: country.map(str::to_owned),
            site: None,
            password: "correct horse battery".into(),
        };
        app.add_user(&homeward_app::Actor::named("test"), &draft, false)
            .await
            .unwrap();
        let (token, _) = app.sign_in(name, "correct horse battery").await.unwrap();
        homeward_testkit::enrol_if_required(&app, &token).await;
        Self {
            router: homeward_web::router(app.clone()),
            app,
            token: Some(token),
        }
    }

    /// A client with no session.
    pub fn anonymous(app: App) -> Self {
        Self {
            router: homeward_web::router(app.clone()),
            app,
            token: None,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                req = req.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let resp = self
            .router
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    /// Sends raw bytes as the body of a POST.
    pub async fn upload(&self, uri: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let mut req = Request::builder().method(Method::POST).uri(uri);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(bytes)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A GET returning the raw body.
    pub async fn raw_get(&self, uri: &str) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(Method::GET).uri(uri);
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        (
            status,
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, Value) {
        self.call(Method::GET, uri, None).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, uri, Some(body)).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, uri, Some(body)).await
    }

    /// Everything that a refused request must leave unchanged.
    pub async fn fingerprint(&self) -> (i64, usize, String) {
        let store = self.app.store();
        let persons = store.count_persons().await.unwrap();
        let events = store.audit_recent(1_000_000).await.unwrap().len();
        let stats = serde_json::to_string(&self.app.stats().await.unwrap()).unwrap();
        (persons, events, stats)
    }
}

/// The field names of a refusal body.
pub fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The codes of a refusal body.
pub fn codes(body: &Value) -> Vec<String> {
    body["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub fn woman() -> Value {
    serde_json::json!({
        "sex": "female",
        "date_of_birth": "1990-04-02",
        "names": [
            { "text": "سفيتلانا ايفانوفا", "kind": "as_registered" },
            { "text": "Светлана Иванова", "kind": "self_declared" }
        ],
        "documents": [
            { "doc_type": "passport", "number": "75 1234567", "issuing_country": "RU", "sighted": true }
        ],
        "nationalities": ["RU"]
    })
}

pub fn child(dob: &str) -> Value {
    serde_json::json!({
        "sex": "male",
        "date_of_birth": dob,
        "father_unknown": true,
        "names": [{ "text": "عبدالله" }],
        "nationalities": ["RU"]
    })
}

/// Creates a site as an administrator would (sites are not the case worker's to create).
pub async fn site(c: &Client, code: &str, kind: &str, capacity: u32) -> i64 {
    let site = homeward_store::registry::NewSite {
        code: code.into(),
        name_en: code.into(),
        name_ar: "موقع".into(),
        kind: homeward_domain::site::SiteKind::parse("kind", kind).unwrap(),
        parent: None,
        capacity,
        separation_group: Some(homeward_domain::site::SeparationGroup::ForeignFamilies),
        synthetic: false,
    };
    c.app
        .create_site(&homeward_app::Actor::named("admin"), &site)
        .await
        .unwrap()
        .id
}

pub async fn register(c: &Client, body: Value) -> i64 {
    let (s, v) = c.post("/api/v1/persons", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["person"]["id"].as_i64().unwrap()
}
