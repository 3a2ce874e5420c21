//! Users, sessions and the access log of views.

use chrono::NaiveDateTime;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::moment;
use crate::connect::WriteTx;
use crate::{Result, Store, StoreError, classify};

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
}

impl UserRow {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: r.try_get("id")?,
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
        UserRow::from_row(&row)
    }

    /// Opens a session for a user, keeping only the hash of its token.
    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        at: NaiveDateTime,
        expires_at: NaiveDateTime,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at) \
             VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(moment(at))
        .bind(moment(expires_at))
        .execute(self.conn())
        .await?;
        Ok(())
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
        UserRow::from_row(&row)
    }

    /// Every user, in id order.
    pub async fn users(&self) -> Result<Vec<UserRow>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(UserRow::from_row).collect()
    }

    /// The user of a live session (not expired at `now`), marking it as seen.
    pub async fn session_user(&self, token_hash: &str, now: NaiveDateTime) -> Result<UserRow> {
        let row = sqlx::query(
            "SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
        )
        .bind(token_hash)
        .bind(moment(now))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound("session".into()))?;
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(moment(now))
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        UserRow::from_row(&row)
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
        sqlx::query(
            "INSERT INTO access_log (at, username, action, entity_type, entity_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(moment(at))
        .bind(username)
        .bind(action)
        .bind(entity_type)
        .bind(entity_id)
        .bind(detail)
        .execute(self.pool())
        .await?;
        Ok(())
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
