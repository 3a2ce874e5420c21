//! Users, sessions and the access log of views.

use chrono::NaiveDateTime;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::sealing::Cipher;
use crate::{Result, Store, StoreError, classify};

/// How stale a session's `last_seen` may be before a request writes it again.
const SEEN_EVERY_SECONDS: i64 = 60;

/// A user as stored (the password hash is never serialised).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub country_code: Option<String>,
    pub site_id: Option<i64>,
    #[serde(skip)]
    pub password_hash: String,
    pub demo: bool,
    pub active: bool,
    pub created_at: String,
    pub version: i64,
    /// The TOTP secret (base32), once enrolment has started; never serialised. Stored sealed
    /// (`users.totp_secret`, bound to the user's id) and opened on read.
    #[serde(skip)]
    pub totp_secret: Option<String>,
    /// When the second factor was confirmed; `None` until then.
    pub totp_enabled_at: Option<String>,
    /// The last TOTP time step accepted.
    pub totp_last_step: i64,
    /// Failed sign-ins since the last success.
    pub failed_sign_ins: i64,
    /// Sign-in is refused until this moment.
    pub locked_until: Option<String>,
}

/// A session as its owner sees it in their list (never the token or its hash).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionRow {
    /// A short public id: the first 16 hex digits of the token hash.
    pub id: String,
    pub user_id: i64,
    pub created_at: String,
    pub last_seen: String,
    pub expires_at: String,
    /// Last time the password (and second factor) was given in this session.
    pub confirmed_at: Option<String>,
    /// The browser or client, as it described itself.
    pub agent: String,
}

impl SessionRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let hash: String = r.try_get("token_hash")?;
        Ok(Self {
            id: hash.chars().take(16).collect(),
            user_id: r.try_get("user_id")?,
            created_at: r.try_get("created_at")?,
            last_seen: r.try_get("last_seen")?,
            expires_at: r.try_get("expires_at")?,
            confirmed_at: r.try_get("confirmed_at")?,
            agent: r.try_get("agent")?,
        })
    }
}

impl UserRow {
    fn from_row(r: &AnyRow, c: &Cipher) -> Result<Self> {
        let id: i64 = r.try_get("id")?;
        let mut totp_secret: Option<String> = r.try_get("totp_secret")?;
        c.open_opt("users", "totp_secret", id, &mut totp_secret)?;
        Ok(Self {
            id,
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: r.try_get("role")?,
            country_code: r.try_get("country_code")?,
            site_id: r.try_get("site_id")?,
            password_hash: r.try_get("password_hash")?,
            demo: r.try_get::<i64, _>("demo")? != 0,
            active: r.try_get::<i64, _>("active")? != 0,
            created_at: r.try_get("created_at")?,
            version: r.try_get("version")?,
            totp_secret,
            totp_enabled_at: r.try_get("totp_enabled_at")?,
            totp_last_step: r.try_get("totp_last_step")?,
            failed_sign_ins: r.try_get("failed_sign_ins")?,
            locked_until: r.try_get("locked_until")?,
        })
    }
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub country_code: Option<&'a str>,
    pub site_id: Option<i64>,
    pub password_hash: &'a str,
    pub demo: bool,
}

impl WriteTx {
    /// Creates a user.
    pub async fn insert_user(&mut self, u: &NewUser<'_>, at: NaiveDateTime) -> Result<UserRow> {
        let row = sqlx::query(
            "INSERT INTO users (username, display_name, role, country_code, site_id, \
             password_hash, demo, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind(u.username)
        .bind(u.display_name)
        .bind(u.role)
        .bind(u.country_code)
        .bind(u.site_id)
        .bind(u.password_hash)
        .bind(i64::from(u.demo))
        .bind(moment(at))
        .fetch_one(self.conn())
        .await
        .map_err(classify)?;
        UserRow::from_row(&row, &self.cipher)
    }

    /// Opens a session for a user, keeping only the hash of its token. A session opens
    /// confirmed: the password was just given.
    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
        agent: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at, \
             confirmed_at, agent) VALUES ($1, $2, $3, $3, $4, $3, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(moment(at))
        .bind(moment(expires_at))
        .bind(agent)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Marks that the password was given again in this session.
    pub async fn confirm_session(&mut self, token_hash: &str, at: NaiveDateTime) -> Result<()> {
        sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2")
            .bind(moment(at))
            .bind(token_hash)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Ends one of a user's sessions by its public id; returns whether one was ended.
    pub async fn delete_session_of(&mut self, user_id: i64, public_id: &str) -> Result<bool> {
        if public_id.len() != 16 || !public_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(false);
        }
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash LIKE $2")
            .bind(user_id)
            .bind(format!("{public_id}%"))
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of a user; returns how many.
    pub async fn delete_sessions_of_user(&mut self, user_id: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected())
    }

    /// Records a failed sign-in, and the lock it may bring.
    pub async fn record_failed_sign_in(
        &mut self,
        user_id: i64,
        failures: i64,
        locked_until: Option<NaiveDateTime>,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET failed_sign_ins = $1, locked_until = $2 WHERE id = $3")
            .bind(failures)
            .bind(locked_until.map(moment))
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records the TOTP time step just accepted, so its code is not accepted again.
    pub async fn set_totp_step(&mut self, user_id: i64, step: i64) -> Result<()> {
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Clears the failed sign-ins after a success.
    pub async fn clear_failed_sign_ins(&mut self, user_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE users SET failed_sign_ins = 0, locked_until = NULL \
             WHERE id = $1 AND (failed_sign_ins <> 0 OR locked_until IS NOT NULL)",
        )
        .bind(user_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets (or clears) a user's TOTP secret, sealed, and when it was confirmed.
    pub async fn set_totp(
        &mut self,
        user_id: i64,
        secret: Option<&str>,
        enabled_at: Option<NaiveDateTime>,
    ) -> Result<()> {
        let secret = self
            .cipher
            .seal_opt("users", "totp_secret", user_id, secret)?;
        sqlx::query("UPDATE users SET totp_secret = $1, totp_enabled_at = $2 WHERE id = $3")
            .bind(secret)
            .bind(enabled_at.map(moment))
            .bind(user_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Replaces a user's recovery codes (only their hashes are given).
    pub async fn replace_recovery_codes(&mut self, user_id: i64, hashes: &[String]) -> Result<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(self.conn())
            .await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(h)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Uses an unused recovery code; returns whether one matched.
    pub async fn use_recovery_code(
        &mut self,
        user_id: i64,
        hash: &str,
        at: NaiveDateTime,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(moment(at))
        .bind(user_id)
        .bind(hash)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends a session.
    pub async fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// A user by sign-in name.
    pub async fn user_by_name(&self, username: &str) -> Result<UserRow> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound("user".into()))?;
        UserRow::from_row(&row, self.cipher())
    }

    /// Every user, in id order.
    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| UserRow::from_row(r, self.cipher()))
            .collect()
    }

    /// The user of a live session, marking it as seen: not past its absolute expiry at `now`,
    /// and used since `idle_since`.
    pub async fn session_user(
        &self,
        token_hash: &str,
        now: NaiveDateTime,
        idle_since: NaiveDateTime,
    ) -> Result<(UserRow, SessionRow)> {
        let row = sqlx::query(
            "SELECT u.*, s.token_hash, s.user_id, s.created_at AS s_created_at, s.last_seen, \
             s.expires_at, s.confirmed_at, s.agent FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen > $3 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(moment(now))
        .bind(moment(idle_since))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("session".into()))?;
        // Marking the session as seen is a write; idle expiry counts in minutes, so a session
        // seen within the last minute is not written again (a busy client would otherwise
        // queue one write per request behind every other writer).
        let seen: String = row.try_get("last_seen")?;
        if seen < moment(now - chrono::Duration::seconds(SEEN_EVERY_SECONDS)) {
            sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
                .bind(moment(now))
                .bind(token_hash)
                .execute(self.pool())
                .await?;
        }
        let mut session = SessionRow::from_row(&row)?;
        session.created_at = row.try_get("s_created_at")?;
        Ok((UserRow::from_row(&row, self.cipher())?, session))
    }

    /// A user's live sessions, newest first.
    pub async fn sessions_of(&self, user_id: i64, now: NaiveDateTime) -> Result<Vec<SessionRow>> {
        let rows = sqlx::query(
            "SELECT * FROM sessions WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY created_at DESC",
        )
        .bind(user_id)
        .bind(moment(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(SessionRow::from_row).collect()
    }

    /// Records that a user viewed or downloaded something.
    pub async fn log_access(
        &self,
        at: NaiveDateTime,
        username: &str,
        action: &str,
        entity_type: &str,
        entity_id: &str,
        detail: &str,
    ) -> Result<()> {
        // Written in groups with other views arriving at the same time (see `access_log`);
        // this returns once the entry is committed.
        self.views()
            .append(
                self.pool(),
                crate::access_log::Entry {
                    at: moment(at),
                    username: username.to_owned(),
                    action: action.to_owned(),
                    entity_type: entity_type.to_owned(),
                    entity_id: entity_id.to_owned(),
                    detail: detail.to_owned(),
                },
            )
            .await
    }

    /// Who viewed a record, newest first.
    pub async fn access_of(
        &self,
        entity_type: &str,
        entity_id: &str,
    ) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query(
            "SELECT at, username, action FROM access_log WHERE entity_type = $1 AND entity_id = $2 \
             ORDER BY id DESC",
        )
        .bind(entity_type)
        .bind(entity_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("at")?,
                    r.try_get("username")?,
                    r.try_get("action")?,
                ))
            })
            .collect()
    }
}
