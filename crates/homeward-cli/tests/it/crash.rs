//! Crash safety: `homeward serve` on a SQLite file is killed with SIGKILL at random moments while
//! four clients register persons, request, authorise and carry out transfers and move
//! repatriation cases through the API. After every kill the database must pass SQLite's
//! integrity check, hold no half-applied change (a transfer is carried out with its moves and its
//! audit event or not at all; every person in custody has one open custody stay matching their
//! current site; every case's state is its last transition's, each with its audit event), and
//! `homeward audit verify` must pass. The server is then restarted on the same file.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use homeward_app::sealed::KeyRing;
use homeward_app::{Actor, App, SystemClock};
use homeward_store::Store;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sqlx::{Connection, Row, SqliteConnection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends one request and returns the status and the JSON body (Null when there is none).
pub async fn call(
    port: u16,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Value)> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}

/// A free loopback port (bound and released; good enough for a test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `homeward serve` on `url` and waits until it answers. The caller kills and waits
/// for the child it gets back.
#[allow(clippy::zombie_processes)]
pub async fn start_server(url: &str, port: u16, keys: &str) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["serve", "--no-demo", "--database", url, "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env_remove("HOMEWARD_DATABASE_URL")
        .env("HOMEWARD_FIELD_KEY", keys)
        .env("HOMEWARD_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the homeward binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = call(port, "", "GET", "/healthz", None).await {
            return child;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A migrated demo registry of `persons` with ages as of today, and a case worker's session
/// token; sealed fields use `ring`, which the servers get too.
pub async fn prepare(url: &str, ring: &KeyRing, persons: usize, seed: u64) -> String {
    let store = Store::connect(url).await.expect("connect");
    let app = App::with_keys(store, Arc::new(SystemClock), Arc::new(ring.clone()));
    app.migrate().await.expect("migrate");
    app.load_demo(&Actor::named("demo"), seed, persons, app.today())
        .await
        .expect("demo");
    let token = homeward_testkit::account(&app, "crash-cw", "case_worker", None).await;
    app.store().close().await;
    token
}

pub fn ring_text(ring: &KeyRing) -> String {
    ring.to_text().trim_end().replace('\n', ",")
}

/// What the clients may work on: (person, site kind, site) in custody, sites by kind, and
/// persons with a claimed nationality.
struct World {
    held: Vec<(i64, String)>,
    sites: Vec<(i64, String)>,
    claims: Vec<(i64, String)>,
}

async fn world(url: &str) -> World {
    let mut c = SqliteConnection::connect(url).await.unwrap();
    let held = sqlx::query(
        "SELECT p.id, s.kind FROM persons p JOIN sites s ON s.id = p.current_site_id \
         WHERE p.sex = 'female' AND ((p.dob_kind = 'exact' AND p.dob_date < '2000-01-01') \
         OR (p.dob_kind = 'year' AND p.dob_year < 2000))",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
    .collect();
    let sites = sqlx::query("SELECT id, kind FROM sites")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .collect();
    let claims = sqlx::query("SELECT person_id, country_code FROM nationality_claims")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .collect();
    World {
        held,
        sites,
        claims,
    }
}

/// One client: random registrations, transfers and case steps until the server dies.
async fn client(port: u16, token: String, world: Arc<World>, seed: u64, done: Arc<AtomicUsize>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    loop {
        let r = match rng.gen_range(0..3) {
            0 => {
                let n: u32 = rng.r#gen();
                call(
                    port,
                    &token,
                    "POST",
                    "/api/v1/persons",
                    Some(&json!({
                        "sex": "female",
                        "date_of_birth": "1991-05-06",
                        "names": [{ "text": format!("Crash Test {n}") }],
                        "nationalities": ["TR"],
                    })),
                )
                .await
                .map(|_| ())
            }
            1 => {
                let (person, kind) = &world.held[rng.gen_range(0..world.held.len())];
                let targets: Vec<_> = world.sites.iter().filter(|(_, k)| k == kind).collect();
                let to = targets[rng.gen_range(0..targets.len())].0;
                transfer(port, &token, *person, to).await
            }
            _ => {
                let (person, country) = &world.claims[rng.gen_range(0..world.claims.len())];
                case(port, &token, *person, country).await
            }
        };
        match r {
            Ok(()) => {
                done.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => return,
        }
    }
}

async fn transfer(port: u16, token: &str, person: i64, to: i64) -> std::io::Result<()> {
    let (s, b) = call(
        port,
        token,
        "POST",
        "/api/v1/transfers",
        Some(&json!({ "to_site_id": to, "persons": [person], "reason": "crash test" })),
    )
    .await?;
    if s != 201 {
        return Ok(());
    }
    let id = b["transfer"]["id"].as_i64().unwrap();
    let v = b["transfer"]["version"].as_i64().unwrap();
    let (s, b) = call(
        port,
        token,
        "POST",
        &format!("/api/v1/transfers/{id}/authorise"),
        Some(&json!({ "version": v })),
    )
    .await?;
    if s != 200 {
        return Ok(());
    }
    let v = b["version"].as_i64().unwrap_or(v + 1);
    call(
        port,
        token,
        "POST",
        &format!("/api/v1/transfers/{id}/carry-out"),
        Some(&json!({ "version": v, "confirm_over_capacity": true })),
    )
    .await
    .map(|_| ())
}

async fn case(port: u16, token: &str, person: i64, country: &str) -> std::io::Result<()> {
    let (s, b) = call(
        port,
        token,
        "POST",
        "/api/v1/cases",
        Some(&json!({ "country": country, "members": [person] })),
    )
    .await?;
    if s != 201 {
        return Ok(());
    }
    let id = b["case"]["id"].as_i64().unwrap();
    let mut v = b["case"]["version"].as_i64().unwrap();
    for to in [
        "embassy_notified",
        "verification_in_progress",
        "nationality_confirmed",
    ] {
        let (s, b) = call(
            port,
            token,
            "POST",
            &format!("/api/v1/cases/{id}/steps"),
            Some(&json!({ "to": to, "version": v, "note": "crash test" })),
        )
        .await?;
        if s != 200 {
            break;
        }
        v = b["version"].as_i64().unwrap_or(v + 1);
    }
    Ok(())
}

async fn count(c: &mut SqliteConnection, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get::<i64, _>(0)
}

/// Every check of a database left by a killed server.
pub async fn check_whole(url: &str, keys: &str, round: usize) {
    let mut c = SqliteConnection::connect(url).await.unwrap();
    let ok: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!(ok, "ok", "integrity check after kill {round}");
    for (what, sql) in [
        (
            "a carried-out transfer without its audit event",
            "SELECT COUNT(*) FROM transfers t WHERE t.state = 'carried_out' AND NOT EXISTS \
             (SELECT 1 FROM audit_events a WHERE a.action = 'transfer.carry_out' \
             AND a.entity_id = CAST(t.id AS TEXT))",
        ),
        (
            "an audit event of a carry-out that did not happen",
            "SELECT COUNT(*) FROM audit_events a WHERE a.action = 'transfer.carry_out' AND NOT \
             EXISTS (SELECT 1 FROM transfers t WHERE t.state = 'carried_out' \
             AND CAST(t.id AS TEXT) = a.entity_id)",
        ),
        (
            "a carried-out transfer whose person did not move",
            "SELECT COUNT(*) FROM transfers t JOIN transfer_persons tp ON tp.transfer_id = t.id \
             WHERE t.state = 'carried_out' AND NOT EXISTS (SELECT 1 FROM custody_episodes e \
             WHERE e.person_id = tp.person_id AND e.reason LIKE 'transfer ' || t.id || ':%')",
        ),
        (
            "a move of a transfer that was not carried out",
            "SELECT COUNT(*) FROM transfers t JOIN custody_episodes e \
             ON e.reason LIKE 'transfer ' || t.id || ':%' WHERE t.state <> 'carried_out'",
        ),
        (
            "transfers and their request events differ",
            "SELECT ABS((SELECT COUNT(*) FROM transfers) - (SELECT COUNT(*) FROM audit_events \
             WHERE action = 'transfer.request'))",
        ),
        (
            "a person in custody without exactly one open stay at their current site",
            "SELECT COUNT(*) FROM persons p WHERE p.current_site_id IS NOT NULL AND \
             (SELECT COUNT(*) FROM custody_episodes e WHERE e.person_id = p.id AND e.end_at IS \
             NULL AND e.site_id = p.current_site_id) <> 1",
        ),
        (
            "open stays and persons in custody differ",
            "SELECT ABS((SELECT COUNT(*) FROM custody_episodes WHERE end_at IS NULL) - \
             (SELECT COUNT(*) FROM persons WHERE current_site_id IS NOT NULL))",
        ),
        (
            "a registered person without the audit event of the registration",
            "SELECT COUNT(*) FROM persons p JOIN name_variants n ON n.person_id = p.id \
             WHERE n.text LIKE 'Crash Test %' AND NOT EXISTS (SELECT 1 FROM audit_events a \
             WHERE a.action = 'person.register' AND a.entity_id = CAST(p.id AS TEXT))",
        ),
        (
            "a case whose state is not its last transition's",
            "SELECT COUNT(*) FROM repat_cases c WHERE c.state <> (SELECT to_state FROM \
             repat_transitions t WHERE t.case_id = c.id ORDER BY t.id DESC LIMIT 1)",
        ),
        (
            "case steps and their audit events differ",
            "SELECT ABS((SELECT COUNT(*) FROM repat_transitions WHERE from_state IS NOT NULL) - \
             (SELECT COUNT(*) FROM audit_events WHERE action = 'case.move'))",
        ),
        (
            "opened cases and their audit events differ",
            "SELECT ABS((SELECT COUNT(*) FROM repat_cases) - \
             (SELECT COUNT(*) FROM audit_events WHERE action = 'case.open'))",
        ),
    ] {
        assert_eq!(count(&mut c, sql).await, 0, "{what} (after kill {round})");
    }
    c.close().await.unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_homeward"))
        .args(["audit", "verify", "--database", url])
        .env_remove("HOMEWARD_DATABASE_URL")
        .env("HOMEWARD_FIELD_KEY", keys)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "audit verify after kill {round}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_server_mid_write_leaves_no_half_change() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    let ring = KeyRing::generate();
    let keys = ring_text(&ring);
    let token = prepare(&url, &ring, 160, 5).await;
    let world = Arc::new(world(&url).await);
    assert!(!world.held.is_empty() && !world.claims.is_empty());
    let seed: u64 = std::env::var("HOMEWARD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen());
    eprintln!("crash test seed {seed} (HOMEWARD_CRASH_SEED repeats it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let done = Arc::new(AtomicUsize::new(0));
    for round in 1..=6 {
        let port = free_port();
        let mut server = start_server(&url, port, &keys).await;
        let clients: Vec<_> = (0..4)
            .map(|i| {
                tokio::spawn(client(
                    port,
                    token.clone(),
                    world.clone(),
                    seed ^ (round * 16 + i),
                    done.clone(),
                ))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..2500))).await;
        server.kill().expect("SIGKILL the server");
        server.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        check_whole(&url, &keys, round as usize).await;
    }
    let writes = done.load(Ordering::Relaxed);
    assert!(
        writes > 50,
        "only {writes} requests were answered: the test drove too little"
    );
    eprintln!(
        "{writes} requests answered, 6 kills, {:?}",
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(120));
}
