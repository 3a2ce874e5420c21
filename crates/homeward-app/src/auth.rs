//! Accounts, sign-in and sessions, and the principal every request acts as.
//!
//! Passwords are hashed with Argon2id; a session token is 256 random bits handed to the client
//! once, and only its SHA-256 is stored, so a copy of the database holds no usable session.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Duration;
use homeward_domain::access::{Principal, Role};
use homeward_domain::country::CountryCode;
use homeward_domain::error::{Errors, FieldError};
use homeward_domain::site::SiteId;
use homeward_store::audit::NewEvent;
use homeward_store::users::{NewUser, UserRow};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Actor, App, AppError};

/// How long a session lives without being used.
pub const SESSION_HOURS: i64 = 8;

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
        if d.password.chars().count() < MIN_PASSWORD_CHARS && !demo {
            errors.push(FieldError::new(
                "password",
                "HW-USER-0004",
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
            ));
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
    /// A wrong name and a wrong password give the same answer.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(String, Principal), AppError> {
        let user = match self.store().user_by_name(username.trim()).await {
            Ok(u) if u.active => Some(u),
            Ok(_) | Err(homeward_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash),
            None => {
                // Spend the same effort on an unknown name as on a known one.
                let _ = hash_password(password);
                false
            }
        };
        let Some(user) = user.filter(|_| ok) else {
            return Err(AppError::Unauthorized);
        };
        let mut raw = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let token = hex::encode(raw);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.insert_session(
            &hash_token(&token),
            user.id,
            now,
            now + Duration::hours(SESSION_HOURS),
        )
        .await?;
        tx.audit(NewEvent {
            actor: &user.username,
            at: now,
            action: "session.sign_in",
            entity_type: "user",
            entity_id: user.id.to_string(),
            before: None,
            after: None,
        })
        .await?;
        tx.commit().await?;
        Ok((token, principal(&user)?))
    }

    /// The principal of a live session token.
    pub async fn session(&self, token: &str) -> Result<Principal, AppError> {
        match self
            .store()
            .session_user(&hash_token(token), self.now())
            .await
        {
            Ok(u) => principal(&u),
            Err(homeward_store::StoreError::NotFound(_)) => Err(AppError::Unauthorized),
            Err(e) => Err(e.into()),
        }
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        let mut tx = self.store().begin().await?;
        tx.delete_session(&hash_token(token)).await?;
        tx.commit().await?;
        Ok(())
    }
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
