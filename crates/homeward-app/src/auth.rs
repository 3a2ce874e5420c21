//! Accounts, sign-in and sessions, and the principal every request acts as.
//!
//! Passwords are hashed with Argon2id and judged by length and a list of common passwords, not
//! by composition rules. A session token is 256 random bits handed to the client once, and only
//! its SHA-256 is stored, so a copy of the database holds no usable session. Sessions end after
//! [`IDLE_MINUTES`] without use and [`SESSION_HOURS`] after sign-in, whichever comes first.
//!
//! A TOTP second factor (RFC 6238, with one-time recovery codes) is available to everyone and
//! required of administrators and consular officers: until they enrol, their session opens
//! nothing but the account page. Five wrong attempts in a row pause an account's sign-in for
//! [`LOCK_MINUTES`]. Sensitive actions (bulk export, dossier release, account changes) need the
//! password given again within [`CONFIRM_MINUTES`].

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Duration;
use homeward_domain::access::{Principal, Role};
use homeward_domain::country::CountryCode;
use homeward_domain::error::{Errors, FieldError};
use homeward_domain::site::SiteId;
use homeward_store::audit::NewEvent;
use homeward_store::users::{NewUser, SessionRow, UserRow};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Secret, Totp};

use crate::{Actor, App, AppError, AuthNeed};

/// The longest a session lives after sign-in.
pub const SESSION_HOURS: i64 = 8;

/// A session unused for this long has ended.
pub const IDLE_MINUTES: i64 = 30;

/// Failed sign-ins in a row that pause an account.
pub const LOCK_AFTER: i64 = 5;

/// How long the pause lasts.
pub const LOCK_MINUTES: i64 = 15;

/// How recent a password confirmation must be for a sensitive action.
pub const CONFIRM_MINUTES: i64 = 10;

/// Recovery codes handed out when a second factor is set up.
pub const RECOVERY_CODES: usize = 10;

/// The longest password accepted (Argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Whether a role must use a second factor.
pub fn second_factor_required(role: Role) -> bool {
    matches!(role, Role::Administrator | Role::ConsularOfficer)
}

/// Whether a password is on the list of common passwords (case-insensitive).
pub fn is_common_password(password: &str) -> bool {
    use std::io::Read;
    static LIST: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        let gz: &[u8] = include_bytes!("../data/common-passwords.txt.gz");
        let mut text = String::new();
        let _ = flate2::read::GzDecoder::new(gz).read_to_string(&mut text);
        text.lines().map(|l| l.trim().to_owned()).collect()
    });
    list.contains(&password.trim().to_lowercase())
}

/// The problems with a new password, if any: length, and the common-password list.
pub fn check_password(field: &str, password: &str, username: &str) -> Option<FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(FieldError::new(
            field,
            "HW-USER-0004",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Some(FieldError::new(
            field,
            "HW-USER-0006",
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let one_char = password.chars().all(|c| password.starts_with(c));
    if is_common_password(password)
        || one_char
        || (!username.is_empty() && lower.contains(&username.to_lowercase()))
    {
        return Some(FieldError::new(
            field,
            "HW-USER-0007",
            "this password is too easy to guess (a common password, or one containing the user name): choose a longer phrase",
        ));
    }
    None
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The password every demo account shares; demo databases only.
pub const DEMO_PASSWORD: &str = "homeward-demo";

/// The demo accounts: one per role, a French consular officer for the embassy view.
pub const DEMO_ACCOUNTS: &[(&str, Role, Option<&str>)] = &[
    ("registrar", Role::Registrar, None),
    ("caseworker", Role::CaseWorker, None),
    ("judicial", Role::JudicialLiaison, None),
    ("consul-fr", Role::ConsularOfficer, Some("FR")),
    ("monitor", Role::Monitor, None),
    ("admin", Role::Administrator, None),
    ("auditor", Role::Auditor, None),
];

/// An account to create.
#[derive(Debug, Clone, Default)]
pub struct UserDraft {
    /// Sign-in name.
    pub username: String,
    /// Role key.
    pub role: String,
    /// Country code, required for a consular officer.
    pub country: Option<String>,
    /// Site code, for staff bound to one site.
    pub site: Option<String>,
    /// The password (at least 12 characters; any characters).
    pub password: String,
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hash: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The principal a stored user acts as.
pub fn principal(u: &UserRow) -> Result<Principal, AppError> {
    Ok(Principal {
        user_id: u.id,
        username: u.username.clone(),
        role: Role::parse("role", &u.role)?,
        country: u
            .country_code
            .as_deref()
            .map(|c| CountryCode::parse("country", c))
            .transpose()?,
        site: u.site_id.map(SiteId),
    })
}

impl App {
    /// Creates an account after checking the role, its binding and the password.
    pub async fn add_user(
        &self,
        actor: &Actor,
        d: &UserDraft,
        demo: bool,
    ) -> Result<UserRow, AppError> {
        let now = self.now();
        let mut errors = Errors::new();
        let username = d.username.trim();
        if username.is_empty() || username.chars().any(char::is_whitespace) {
            errors.push(FieldError::new(
                "username",
                "HW-USER-0001",
                "a user name is one word",
            ));
        }
        let role = errors.take(Role::parse("role", &d.role));
        let country = match d.country.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => errors.take(CountryCode::parse("country", c)),
            None => None,
        };
        if role == Some(Role::ConsularOfficer) && country.is_none() {
            errors.push(FieldError::new(
                "country",
                "HW-USER-0002",
                "a consular officer is bound to one country: give --country ISO",
            ));
        }
        if role.is_some() && role != Some(Role::ConsularOfficer) && country.is_some() {
            errors.push(FieldError::new(
                "country",
                "HW-USER-0003",
                "only a consular officer is bound to a country",
            ));
        }
        if !demo && let Some(e) = check_password("password", &d.password, username) {
            errors.push(e);
        }
        let site_id = match d.site.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(code) => {
                let found = self
                    .store()
                    .sites()
                    .await?
                    .into_iter()
                    .find(|s| s.code == code.trim());
                if found.is_none() {
                    errors.push(FieldError::new(
                        "site",
                        "HW-USER-0005",
                        format!("no site '{code}'"),
                    ));
                }
                found.map(|s| s.id)
            }
            None => None,
        };
        errors.finish()?;
        let Some(role) = role else {
            return Err(AppError::Internal("role checked above".into()));
        };
        let hash = hash_password(&d.password)?;
        let mut tx = self.store().begin().await?;
        let row = tx
            .insert_user(
                &NewUser {
                    username,
                    display_name: username,
                    role: role.key(),
                    country_code: country.as_ref().map(CountryCode::as_str),
                    site_id,
                    password_hash: &hash,
                    demo,
                },
                now,
            )
            .await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "user.add",
            entity_type: "user",
            entity_id: row.id.to_string(),
            before: None,
            after: Some(serde_json::to_value(&row).unwrap_or_default()),
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Creates the demo accounts (one per role) when there is no account yet.
    pub async fn add_demo_accounts(&self) -> Result<usize, AppError> {
        if !self.store().users().await?.is_empty() {
            return Ok(0);
        }
        for (name, role, country) in DEMO_ACCOUNTS {
            let d = UserDraft {
                username: (*name).to_owned(),
                role: role.key().to_owned(),
                country: country.map(str::to_owned),
                site: None,
                password: DEMO_PASSWORD.to_owned(),
            };
            self.add_user(&Actor::named("demo"), &d, true).await?;
        }
        Ok(DEMO_ACCOUNTS.len())
    }

    /// Checks a user name and password; on success opens a session and returns its token.
    /// A wrong name and a wrong password give the same answer. For an account with a second
    /// factor, use [`App::sign_in_with`].
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(String, Principal), AppError> {
        self.sign_in_with(&SignIn {
            username,
            password,
            code: None,
            agent: "",
        })
        .await
    }

    /// Signs in with a password and, when the account has one, the second factor's code (or a
    /// recovery code). A wrong name, a wrong password, a wrong code and a paused account all
    /// give the same answer; a right password without a needed code asks for the code.
    pub async fn sign_in_with(&self, s: &SignIn<'_>) -> Result<(String, Principal), AppError> {
        let now = self.now();
        let user = match self.store().user_by_name(s.username.trim()).await {
            Ok(u) if u.active => u,
            Ok(_) | Err(homeward_store::StoreError::NotFound(_)) => {
                // Spend the same effort on an unknown name as on a known one.
                let _ = hash_password(s.password);
                return Err(AppError::Unauthorized);
            }
            Err(e) => return Err(e.into()),
        };
        let password_ok = verify_password(s.password, &user.password_hash);
        let locked = user
            .locked_until
            .as_deref()
            .and_then(parse_moment)
            .is_some_and(|until| until > now);
        if locked {
            return Err(AppError::Unauthorized);
        }
        if !password_ok {
            return Err(self.failed_sign_in(&user, "password").await);
        }
        let mut step = None;
        let mut recovery = None;
        if user.totp_enabled_at.is_some() {
            let code = s.code.map(str::trim).unwrap_or_default();
            if code.is_empty() {
                return Err(AppError::Authentication(AuthNeed::SecondFactor));
            }
            match self.totp_step(&user, code) {
                Some(st) => step = Some(st),
                None if code.len() > 8 => recovery = Some(hash_token(&normalise_code(code))),
                None => return Err(self.failed_sign_in(&user, "code").await),
            }
        }
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let mut tx = self.store().begin().await?;
        if let Some(h) = &recovery
            && !tx.use_recovery_code(user.id, h, now).await?
        {
            drop(tx);
            return Err(self.failed_sign_in(&user, "code").await);
        }
        if let Some(st) = step {
            tx.set_totp_step(user.id, st).await?;
        }
        tx.clear_failed_sign_ins(user.id).await?;
        tx.insert_session(
            &hash_token(&token),
            user.id,
            now,
            now + Duration::hours(SESSION_HOURS),
            &s.agent.chars().take(200).collect::<String>(),
        )
        .await?;
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "session.sign_in",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "second_factor": if step.is_some() { "totp" } else if recovery.is_some() { "recovery_code" } else { "none" },
            })),
        })
        .await?;
        tx.commit().await?;
        Ok((token, principal(&user)?))
    }

    /// Counts a failed sign-in (and pauses the account at [`LOCK_AFTER`]); the answer is always
    /// the same "not signed in", so the caller learns nothing about the account.
    async fn failed_sign_in(&self, user: &UserRow, what: &str) -> AppError {
        let now = self.now();
        let failures = user.failed_sign_ins + 1;
        let lock = (failures >= LOCK_AFTER).then(|| now + Duration::minutes(LOCK_MINUTES));
        let result: Result<(), AppError> = async {
            let mut tx = self.store().begin().await?;
            tx.record_failed_sign_in(user.id, if lock.is_some() { 0 } else { failures }, lock)
                .await?;
            tx.audit(NewEvent {
                actor: &user.username,
                at: now,
                action: if lock.is_some() {
                    "session.sign_in_paused"
                } else {
                    "session.sign_in_refused"
                },
                entity_type: "user",
                entity_id: user.id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "wrong": what, "failures": failures })),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        match result {
            Ok(()) => AppError::Unauthorized,
            Err(e) => e,
        }
    }

    /// The time step a code is valid for, if it is right and newer than the last one used.
    fn totp_step(&self, user: &UserRow, code: &str) -> Option<i64> {
        let totp = totp_for(user.totp_secret.as_deref()?, &user.username).ok()?;
        let now = u64::try_from(self.now().and_utc().timestamp()).ok()?;
        let code: String = code.chars().filter(char::is_ascii_digit).collect();
        let step = i64::try_from(totp.check(&code, now)?).ok()?;
        (step > user.totp_last_step).then_some(step)
    }

    /// The principal of a live session, refusing a role that needs a second factor until one is
    /// set up (the account page uses [`App::session_details`] instead).
    pub async fn session(&self, token: &str) -> Result<Principal, AppError> {
        let (user, _) = self.session_details(token).await?;
        let role = Role::parse("role", &user.role)?;
        if second_factor_required(role) && user.totp_enabled_at.is_none() && !user.demo {
            return Err(AppError::Authentication(AuthNeed::Enrolment));
        }
        principal(&user)
    }

    /// The user and session of a live session token, whatever their second-factor state.
    pub async fn session_details(&self, token: &str) -> Result<(UserRow, SessionRow), AppError> {
        let now = self.now();
        match self
            .store()
            .session_user(
                &hash_token(token),
                now,
                now - Duration::minutes(IDLE_MINUTES),
            )
            .await
        {
            Ok(found) => Ok(found),
            Err(homeward_store::StoreError::NotFound(_)) => Err(AppError::Unauthorized),
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses a sensitive action unless the password was given in this session within
    /// [`CONFIRM_MINUTES`].
    pub async fn require_confirmation(&self, token: &str) -> Result<(), AppError> {
        let (_, session) = self.session_details(token).await?;
        let recent = session
            .confirmed_at
            .as_deref()
            .and_then(parse_moment)
            .is_some_and(|at| at > self.now() - Duration::minutes(CONFIRM_MINUTES));
        if recent {
            Ok(())
        } else {
            Err(AppError::Authentication(AuthNeed::Confirmation))
        }
    }

    /// Confirms the password (and the second factor's code, when there is one) in a session.
    pub async fn confirm(
        &self,
        token: &str,
        password: &str,
        code: Option<&str>,
    ) -> Result<(), AppError> {
        let (user, _) = self.session_details(token).await?;
        let wrong = || {
            AppError::Invalid(homeward_domain::Invalid::one(
                "password",
                "HW-AUTH-0005",
                "the password or code is not right",
            ))
        };
        if !verify_password(password, &user.password_hash) {
            let _ = self.failed_sign_in(&user, "password").await;
            return Err(wrong());
        }
        let mut step = None;
        if user.totp_enabled_at.is_some() {
            step = code.and_then(|c| self.totp_step(&user, c));
            if step.is_none() {
                let _ = self.failed_sign_in(&user, "code").await;
                return Err(wrong());
            }
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if let Some(st) = step {
            tx.set_totp_step(user.id, st).await?;
        }
        tx.confirm_session(&hash_token(token), now).await?;
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "session.confirm",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: None,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts setting up a second factor: a new secret, kept pending until a code from it is
    /// confirmed. Returns the secret (base32) and its `otpauth://` address for a QR code.
    pub async fn begin_totp(&self, token: &str) -> Result<(String, String), AppError> {
        let (user, _) = self.session_details(token).await?;
        if user.totp_enabled_at.is_some() {
            return Err(AppError::Invalid(homeward_domain::Invalid::one(
                "code",
                "HW-AUTH-0006",
                "a second factor is already set up for this account",
            )));
        }
        let secret = Secret::generate().to_base32();
        let url = totp_for(&secret, &user.username)?
            .to_url()
            .map_err(|e| AppError::Internal(format!("totp url: {e}")))?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.set_totp(user.id, Some(&secret), None).await?;
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "user.totp_started",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: None,
        })
        .await?;
        tx.commit().await?;
        Ok((secret, url))
    }

    /// Finishes setting up the second factor with a code from the app; returns the recovery
    /// codes, shown once.
    pub async fn confirm_totp(&self, token: &str, code: &str) -> Result<Vec<String>, AppError> {
        let (user, _) = self.session_details(token).await?;
        if user.totp_enabled_at.is_some() || user.totp_secret.is_none() {
            return Err(AppError::Invalid(homeward_domain::Invalid::one(
                "code",
                "HW-AUTH-0007",
                "start the set-up first",
            )));
        }
        let Some(step) = self.totp_step(&user, code) else {
            return Err(AppError::Invalid(homeward_domain::Invalid::one(
                "code",
                "HW-AUTH-0008",
                "this code is not right: check the phone's clock and type the current code",
            )));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| hash_token(&normalise_code(c)))
            .collect();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.set_totp(user.id, user.totp_secret.as_deref(), Some(now))
            .await?;
        tx.set_totp_step(user.id, step).await?;
        tx.replace_recovery_codes(user.id, &hashes).await?;
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "user.totp_enabled",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "recovery_codes": RECOVERY_CODES })),
        })
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// The caller's live sessions, newest first.
    pub async fn my_sessions(&self, token: &str) -> Result<Vec<SessionRow>, AppError> {
        let (user, _) = self.session_details(token).await?;
        Ok(self.store().sessions_of(user.id, self.now()).await?)
    }

    /// Ends one of the caller's sessions by its public id (another device, or this one).
    pub async fn revoke_session(&self, token: &str, id: &str) -> Result<(), AppError> {
        let (user, _) = self.session_details(token).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.delete_session_of(user.id, id).await? {
            return Err(AppError::NotFound("session".into()));
        }
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "session.revoke",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "session": id })),
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of a user (an administrator's action, or the command line's).
    pub async fn revoke_all_sessions(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<u64, AppError> {
        let user = self.store().user_by_name(username.trim()).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let n = tx.delete_sessions_of_user(user.id).await?;
        tx.audit(NewEvent {
            actor: &actor.name,
            at: now,
            action: "session.revoke_all",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "sessions": n })),
        })
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        tx.delete_session(&hash_token(token)).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What a sign-in gives.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignIn<'a> {
    /// Sign-in name.
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
    /// The second factor's current code, or a recovery code.
    pub code: Option<&'a str>,
    /// How the client describes itself (shown in the session list).
    pub agent: &'a str,
}

fn parse_moment(text: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
}

/// The TOTP of a secret: SHA-1, 6 digits, 30-second steps, one step of clock skew either way
/// (what every authenticator app does).
pub fn totp_for(secret_base32: &str, username: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| AppError::Internal(format!("totp secret: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_issuer(Some("homeward"))
        .with_account_name(username.replace(':', "_"))
        .build()
        .map_err(|e| AppError::Internal(format!("totp: {e}")))
}

/// A recovery code: 12 characters from an unambiguous alphabet, grouped by four.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed: without spaces and dashes, lower case.
fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A strong random password for a new account (20 characters from an unambiguous alphabet).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}
