//! A logical copy of the whole database: every table's rows, as JSON lines, read from one
//! consistent snapshot while the server keeps running, and written back into an empty database
//! of the same engine in one transaction.
//!
//! Sessions are left out (a restored database starts with nobody signed in). The copy carries
//! the migrations it was taken at; a restore refuses a copy from another engine or another
//! schema, and a database that already holds people or events.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use crate::connect::Backend;
use crate::{Result, Store, StoreError};

/// Tables never copied.
const SKIPPED: &[&str] = &["sessions", "schema_migrations"];

/// Where a copy goes, line by line.
pub trait LineSink {
    /// Takes one JSON line (without its newline).
    fn line(&mut self, line: &str) -> std::io::Result<()>;
}

impl<F: FnMut(&str) -> std::io::Result<()>> LineSink for F {
    fn line(&mut self, line: &str) -> std::io::Result<()> {
        self(line)
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Config(format!("cannot write the backup: {e}"))
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// What a copy held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
}

impl Copied {
    /// Every row.
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

impl Store {
    /// The tables, parents before children (by their foreign keys). The running tallies and
    /// the change counters are not among them: they are derived, and the triggers rebuild them
    /// as a restore writes the rows they follow.
    async fn tables_in_order(&self, conn: &mut sqlx::AnyConnection) -> Result<Vec<String>> {
        let names: Vec<String> = match self.backend() {
            Backend::Sqlite => sqlx::query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 ORDER BY name",
            ),
            Backend::Postgres => sqlx::query(
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            ),
        }
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .filter(|n| !matches!(n.as_deref(), Ok("tallies" | "change_epochs")))
        .collect::<std::result::Result<_, _>>()?;
        let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for t in &names {
            let rows = match self.backend() {
                Backend::Sqlite => {
                    sqlx::query("SELECT \"table\" AS parent FROM pragma_foreign_key_list($1)")
                        .bind(t)
                        .fetch_all(&mut *conn)
                        .await?
                }
                Backend::Postgres => {
                    sqlx::query(
                        "SELECT DISTINCT CAST(ccu.table_name AS TEXT) AS parent \
                         FROM information_schema.table_constraints tc \
                         JOIN information_schema.constraint_column_usage ccu \
                           ON tc.constraint_name = ccu.constraint_name \
                          AND tc.table_schema = ccu.table_schema \
                         WHERE tc.constraint_type = 'FOREIGN KEY' \
                           AND tc.table_schema = current_schema() AND tc.table_name = $1",
                    )
                    .bind(t)
                    .fetch_all(&mut *conn)
                    .await?
                }
            };
            let ps = rows
                .iter()
                .map(|r| r.try_get::<String, _>("parent"))
                .collect::<std::result::Result<BTreeSet<_>, _>>()?;
            parents.insert(t.clone(), ps);
        }
        let mut order = Vec::new();
        let mut placed = BTreeSet::new();
        while order.len() < names.len() {
            let before = order.len();
            for t in &names {
                if placed.contains(t) {
                    continue;
                }
                let ready = parents[t]
                    .iter()
                    .all(|p| p == t || placed.contains(p) || !names.contains(p));
                if ready {
                    placed.insert(t.clone());
                    order.push(t.clone());
                }
            }
            if order.len() == before {
                return Err(StoreError::Config(
                    "the tables' foreign keys form a cycle; cannot order the copy".into(),
                ));
            }
        }
        Ok(order
            .into_iter()
            .filter(|t| !SKIPPED.contains(&t.as_str()))
            .collect())
    }

    /// Writes a copy of every table to `sink`, from one snapshot; writers are not held up.
    pub async fn dump(&self, at: &str, sink: &mut dyn LineSink) -> Result<Copied> {
        let mut conn = self.pool().acquire().await?;
        sqlx::raw_sql(match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })
        .execute(&mut *conn)
        .await?;
        let result = self.dump_in(&mut conn, at, sink).await;
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
        result
    }

    async fn dump_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        at: &str,
        sink: &mut dyn LineSink,
    ) -> Result<Copied> {
        let migrations: Vec<i64> =
            sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("version"))
                .collect::<std::result::Result<_, _>>()?;
        let tables = self.tables_in_order(conn).await?;
        let header = json!({
            "format": "homeward-backup", "version": 1, "backend": backend_name(self.backend()),
            "migrations": migrations, "taken_at": at,
        });
        sink.line(&header.to_string()).map_err(io)?;
        let mut copied = Copied::default();
        for t in &tables {
            let sql = format!("SELECT * FROM {t}");
            let mut rows = sqlx::query(&sql).fetch(&mut *conn);
            let mut n = 0u64;
            let mut announced = false;
            while let Some(row) = rows.try_next().await? {
                if !announced {
                    let cols: Vec<&str> = row.columns().iter().map(Column::name).collect();
                    sink.line(&json!({ "table": t, "columns": cols }).to_string())
                        .map_err(io)?;
                    announced = true;
                }
                sink.line(&Value::Array(values(&row)?).to_string())
                    .map_err(io)?;
                n += 1;
            }
            copied.rows.insert(t.clone(), n);
        }
        sink.line(&json!({ "end": true, "rows": copied.total() }).to_string())
            .map_err(io)?;
        Ok(copied)
    }

    /// Writes a copy back, in one transaction, into a database that holds no people and no
    /// events yet (freshly migrated). Nothing is written if any line is refused.
    pub async fn restore(
        &self,
        lines: &mut dyn Iterator<Item = std::io::Result<String>>,
    ) -> Result<Copied> {
        let bad = |m: String| StoreError::Config(format!("the backup cannot be restored: {m}"));
        let header: Value = match lines.next() {
            Some(Ok(l)) => serde_json::from_str(&l).map_err(|e| bad(format!("line 1: {e}")))?,
            Some(Err(e)) => return Err(bad(e.to_string())),
            None => return Err(bad("it is empty".into())),
        };
        if header["format"] != "homeward-backup" {
            return Err(bad("line 1 is not a homeward backup header".into()));
        }
        if header["backend"] != backend_name(self.backend()) {
            return Err(bad(format!(
                "it was taken from {} and this database is {}: restore into the same engine",
                header["backend"],
                backend_name(self.backend())
            )));
        }
        let mut tx = self.pool().begin().await?;
        let here: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("version"))
            .collect::<std::result::Result<_, _>>()?;
        let theirs: Vec<i64> = header["migrations"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        if here != theirs {
            return Err(bad(format!(
                "it holds schema {theirs:?} and this database {here:?}: use the homeward \
                 version that took it"
            )));
        }
        for t in ["persons", "audit_events", "users"] {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {t}"))
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if n > 0 {
                return Err(bad(format!(
                    "the target database already holds {t}: restore only into an empty database"
                )));
            }
        }
        // Rows that migrations seed (the audit head, countries, rules) give way to the copy's.
        let mut order = {
            let mut conn = self.pool().acquire().await?;
            self.tables_in_order(&mut conn).await?
        };
        order.reverse();
        for t in &order {
            sqlx::query(&format!("DELETE FROM {t}"))
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM tallies").execute(&mut *tx).await?;
        let pg = self.backend() == Backend::Postgres;
        let mut copied = Copied::default();
        let mut table: Option<(String, String)> = None;
        let mut line_no = 1u64;
        let mut ended = false;
        for line in lines {
            line_no += 1;
            let line = line.map_err(|e| bad(e.to_string()))?;
            let v: Value =
                serde_json::from_str(&line).map_err(|e| bad(format!("line {line_no}: {e}")))?;
            match v {
                Value::Array(cells) => {
                    let Some((name, sql)) = &table else {
                        return Err(bad(format!("line {line_no}: a row before its table")));
                    };
                    let mut q = sqlx::query(sql);
                    for c in cells {
                        if pg {
                            q = q
                                .bind(pg_text(c).map_err(|m| bad(format!("line {line_no}: {m}")))?);
                            continue;
                        }
                        q = match c {
                            Value::Null => q.bind(None::<String>),
                            Value::Number(n) if n.is_i64() => q.bind(n.as_i64()),
                            Value::Number(n) => q.bind(n.as_f64()),
                            Value::String(s) => q.bind(s),
                            Value::Object(o) => {
                                let hexed = o.get("hex").and_then(Value::as_str).unwrap_or("");
                                q.bind(
                                    hex::decode(hexed)
                                        .map_err(|e| bad(format!("line {line_no}: bytes: {e}")))?,
                                )
                            }
                            Value::Bool(b) => q.bind(i64::from(b)),
                            Value::Array(_) => {
                                return Err(bad(format!("line {line_no}: a nested list")));
                            }
                        };
                    }
                    q.execute(&mut *tx).await?;
                    *copied.rows.entry(name.clone()).or_default() += 1;
                }
                Value::Object(o) if o.contains_key("table") => {
                    let name = o["table"].as_str().unwrap_or_default().to_owned();
                    if !order.contains(&name) {
                        return Err(bad(format!("line {line_no}: unknown table '{name}'")));
                    }
                    let cols: Vec<String> = o["columns"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c.as_str().map(quote)).collect())
                        .unwrap_or_default();
                    let marks: Vec<String> = if pg {
                        // PostgreSQL does not turn a text parameter into a number, a date or
                        // a boolean on its own: every cell travels as text and is cast to
                        // the column's own type.
                        let types = column_types(&mut tx, &name).await?;
                        let names: Vec<&str> = o["columns"]
                            .as_array()
                            .map(|a| a.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        let mut marks = Vec::with_capacity(names.len());
                        for (i, c) in names.iter().enumerate() {
                            let ty = types.get(*c).ok_or_else(|| {
                                bad(format!("line {line_no}: unknown column '{name}.{c}'"))
                            })?;
                            marks.push(format!("CAST(${} AS {ty})", i + 1));
                        }
                        marks
                    } else {
                        (1..=cols.len()).map(|i| format!("${i}")).collect()
                    };
                    let sql = format!(
                        "INSERT INTO {name} ({}) VALUES ({})",
                        cols.join(", "),
                        marks.join(", ")
                    );
                    table = Some((name, sql));
                }
                Value::Object(o) if o.contains_key("end") => {
                    let expected = o["rows"].as_u64().unwrap_or(u64::MAX);
                    if expected != copied.total() {
                        return Err(bad(format!(
                            "it announces {expected} rows but holds {}",
                            copied.total()
                        )));
                    }
                    ended = true;
                    break;
                }
                _ => return Err(bad(format!("line {line_no}: not a backup line"))),
            }
        }
        if !ended {
            return Err(bad(
                "it ends early (a cut-off file?): nothing was restored".into()
            ));
        }
        if self.backend() == Backend::Postgres {
            // Identity columns continue after the restored ids.
            let seqs = sqlx::query(
                "SELECT CAST(table_name AS TEXT) AS t FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND column_name = 'id' \
                 AND is_identity = 'YES'",
            )
            .fetch_all(&mut *tx)
            .await?;
            for r in seqs {
                let t: String = r.try_get("t")?;
                sqlx::raw_sql(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                     COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                ))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(copied)
    }
}

fn quote(c: &str) -> String {
    format!("\"{}\"", c.replace('"', "\"\""))
}

/// The declared type of each column of a PostgreSQL table, as SQL would write it.
async fn column_types(
    conn: &mut sqlx::AnyConnection,
    table: &str,
) -> Result<std::collections::HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT CAST(a.attname AS TEXT) AS c, format_type(a.atttypid, a.atttypmod) AS t \
         FROM pg_attribute a WHERE a.attrelid = CAST($1 AS regclass) AND a.attnum > 0 \
         AND NOT a.attisdropped",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("c")?, r.try_get("t")?)))
        .collect()
}

/// A cell as PostgreSQL's text form, for a `CAST($n AS type)`.
fn pg_text(cell: Value) -> std::result::Result<Option<String>, String> {
    Ok(match cell {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s),
        Value::Object(o) => {
            let hexed = o.get("hex").and_then(Value::as_str).unwrap_or("");
            hex::decode(hexed).map_err(|e| format!("bytes: {e}"))?;
            Some(format!("\\x{hexed}"))
        }
        Value::Array(_) => return Err("a nested list".into()),
    })
}

/// A row's cells as JSON: integers, floats, text, bytes (hex in an object) or null.
fn values(row: &AnyRow) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(row.columns().len());
    for i in 0..row.columns().len() {
        let v = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
            v.map_or(Value::Null, |b| json!({ "hex": hex::encode(b) }))
        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else {
            return Err(StoreError::Config(format!(
                "cannot copy column {} of a row",
                row.columns()[i].name()
            )));
        };
        out.push(v);
    }
    Ok(out)
}
