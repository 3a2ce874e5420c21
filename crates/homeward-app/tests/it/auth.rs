//! Sign-in hardening: the password list, the second factor and its recovery codes, the pause
//! after failed attempts, session expiry and revocation, and the confirmation before sensitive
//! actions.

use chrono::Duration;
use homeward_app::auth::{SignIn, UserDraft, totp_for};
use homeward_app::{Actor, App, AppError, AuthNeed, ManualClock};
use homeward_testkit::{app_with_clock, backends, test_now};

const PASSWORD: &str = "a long and quiet river";

async fn account(app: &App, name: &str, role: &str, country: Option<&str>) {
    app.add_user(
        &Actor::named("test"),
        &UserDraft {
            username: name.into(),
            role: role.into(),
            country: country.map(str::to_owned),
            site: None,
            password: PASSWORD.into(),
        },
        false,
    )
    .await
    .unwrap();
}

fn code_at(secret: &str, clock: &ManualClock) -> String {
    use homeward_app::Clock;
    let t = u64::try_from(clock.now().and_utc().timestamp()).unwrap();
    totp_for(secret, "x").unwrap().generate(t).to_string()
}

fn with_code<'a>(name: &'a str, code: Option<&'a str>) -> SignIn<'a> {
    SignIn {
        username: name,
        password: PASSWORD,
        code,
        agent: "test",
    }
}

#[tokio::test]
async fn passwords_are_judged_by_length_and_the_common_list() {
    let db = &backends().await[0];
    let clock = ManualClock::new(test_now());
    let app = app_with_clock(db, clock).await;
    for (pw, code) in [
        ("short one", "HW-USER-0004"),
        ("q1w2e3r4t5y6", "HW-USER-0007"),
        ("aaaaaaaaaaaaaaaa", "HW-USER-0007"),
        ("my name is layla-k indeed", "HW-USER-0007"),
    ] {
        let e = app
            .add_user(
                &Actor::named("t"),
                &UserDraft {
                    username: "layla-k".into(),
                    role: "registrar".into(),
                    password: pw.into(),
                    ..UserDraft::default()
                },
                false,
            )
            .await
            .unwrap_err();
        let AppError::Invalid(inv) = e else {
            panic!("{e:?}")
        };
        assert_eq!(inv.0[0].code, code, "{pw}");
        assert_eq!(inv.0[0].field, "password");
    }
    // No composition rule: a long phrase of lower-case words is fine.
    account(&app, "layla", "registrar", None).await;
}

#[tokio::test]
async fn an_administrator_must_enrol_a_second_factor_and_then_sign_in_with_it() {
    for db in &backends().await {
        let clock = ManualClock::new(test_now());
        let app = app_with_clock(db, clock.clone()).await;
        account(&app, "chief", "administrator", None).await;
        let (token, _) = app.sign_in("chief", PASSWORD).await.unwrap();
        // Until a second factor is set up, the session opens nothing.
        assert!(matches!(
            app.session(&token).await,
            Err(AppError::Authentication(AuthNeed::Enrolment))
        ));
        let (secret, url) = app.begin_totp(&token).await.unwrap();
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        // A wrong code is refused, naming the field.
        let Err(AppError::Invalid(inv)) = app.confirm_totp(&token, "000000").await else {
            panic!("a wrong code must be refused")
        };
        assert_eq!(inv.0[0].field, "code");
        let recovery = app
            .confirm_totp(&token, &code_at(&secret, &clock))
            .await
            .unwrap();
        assert_eq!(recovery.len(), 10);
        assert!(app.session(&token).await.is_ok(), "{}", db.backend);

        // Signing in now needs the code; the same code is not accepted twice.
        assert!(matches!(
            app.sign_in("chief", PASSWORD).await,
            Err(AppError::Authentication(AuthNeed::SecondFactor))
        ));
        clock.advance(Duration::seconds(30));
        let code = code_at(&secret, &clock);
        app.sign_in_with(&with_code("chief", Some(&code)))
            .await
            .unwrap();
        assert!(matches!(
            app.sign_in_with(&with_code("chief", Some(&code))).await,
            Err(AppError::Unauthorized)
        ));
        // A recovery code works once.
        app.sign_in_with(&with_code("chief", Some(&recovery[0].to_uppercase())))
            .await
            .unwrap();
        assert!(matches!(
            app.sign_in_with(&with_code("chief", Some(&recovery[0])))
                .await,
            Err(AppError::Unauthorized)
        ));
        // Every step is in the audit trail.
        let verdict = app.store().verify_audit().await.unwrap();
        assert!(
            matches!(verdict, homeward_store::audit::Verdict::Intact { .. }),
            "{verdict:?}"
        );
    }
}

#[tokio::test]
async fn five_wrong_passwords_pause_the_account_for_fifteen_minutes() {
    for db in &backends().await {
        let clock = ManualClock::new(test_now());
        let app = app_with_clock(db, clock.clone()).await;
        account(&app, "reg", "registrar", None).await;
        for _ in 0..5 {
            assert!(matches!(
                app.sign_in("reg", "not the password at all").await,
                Err(AppError::Unauthorized)
            ));
        }
        // Paused: even the right password gets the same answer as a wrong one.
        assert!(matches!(
            app.sign_in("reg", PASSWORD).await,
            Err(AppError::Unauthorized)
        ));
        clock.advance(Duration::minutes(16));
        app.sign_in("reg", PASSWORD).await.unwrap();
    }
}

#[tokio::test]
async fn sessions_end_when_idle_or_old_and_can_be_listed_and_ended() {
    for db in &backends().await {
        let clock = ManualClock::new(test_now());
        let app = app_with_clock(db, clock.clone()).await;
        account(&app, "cw", "case_worker", None).await;
        let (a, _) = app.sign_in("cw", PASSWORD).await.unwrap();
        let (b, _) = app.sign_in("cw", PASSWORD).await.unwrap();
        let list = app.my_sessions(&a).await.unwrap();
        assert_eq!(list.len(), 2);
        // End the other one from this one.
        let (_, sb) = app.session_details(&b).await.unwrap();
        app.revoke_session(&a, &sb.id).await.unwrap();
        assert!(matches!(app.session(&b).await, Err(AppError::Unauthorized)));
        // Another user's session id is "not found", never ended.
        account(&app, "cw2", "case_worker", None).await;
        let (c, _) = app.sign_in("cw2", PASSWORD).await.unwrap();
        let (_, sa) = app.session_details(&a).await.unwrap();
        assert!(matches!(
            app.revoke_session(&c, &sa.id).await,
            Err(AppError::NotFound(_))
        ));
        assert!(app.session(&a).await.is_ok());

        // Used every 20 minutes it lives on, up to eight hours after sign-in.
        for _ in 0..23 {
            clock.advance(Duration::minutes(20));
            assert!(app.session(&a).await.is_ok());
        }
        clock.advance(Duration::minutes(20));
        assert!(matches!(app.session(&a).await, Err(AppError::Unauthorized)));
        // Idle for more than thirty minutes: ended.
        let (d, _) = app.sign_in("cw", PASSWORD).await.unwrap();
        clock.advance(Duration::minutes(31));
        assert!(matches!(app.session(&d).await, Err(AppError::Unauthorized)));
    }
}

#[tokio::test]
async fn a_sensitive_action_needs_a_recent_password_confirmation() {
    for db in &backends().await {
        let clock = ManualClock::new(test_now());
        let app = app_with_clock(db, clock.clone()).await;
        account(&app, "cw", "case_worker", None).await;
        let (t, _) = app.sign_in("cw", PASSWORD).await.unwrap();
        app.require_confirmation(&t).await.unwrap();
        clock.advance(Duration::minutes(11));
        assert!(matches!(
            app.require_confirmation(&t).await,
            Err(AppError::Authentication(AuthNeed::Confirmation))
        ));
        assert!(matches!(
            app.confirm(&t, "wrong password here", None).await,
            Err(AppError::Invalid(_))
        ));
        app.confirm(&t, PASSWORD, None).await.unwrap();
        app.require_confirmation(&t).await.unwrap();
    }
}
