//! Load generator for `scripts/load.sh`: person file, search and list (keyset paging from a
//! random point, and page numbers up to page 2,000 for comparison) at N concurrent
//! keep-alive connections on loopback, each connection with its own session, paced at `--rate`
//! calls a second (at most 95: the server's per-session limit is 100), and prints the latency
//! percentiles of each and the throughput reached. A connection waits for each answer before
//! its next call, so at most `--connections` calls are in flight. Each connection starts at
//! a random point of its first period, as independent users do; `--lockstep yes` starts them
//! all at once instead, so every period begins with a burst of `--connections` calls.
//!
//! cargo run --release -p homeward-cli --example load -- \
//!     --database URL --addr 127.0.0.1:PORT [--connections 64] [--seconds 20] [--rate 10] \
//!     [--scenarios file,search,list,page] [--lockstep no] [--rounds 1]
//!
//! With `--rounds N` the kinds are measured N times in turn on the same server, and the median
//! of each kind's p50 and p99 over the rounds is printed at the end (the machines are shared
//! and noisy: one round can land on a busy moment).
//!
//! Sessions are opened directly in the database (sign-in over HTTP is limited per address), as
//! a case worker account `load-test` it creates when missing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use homeward_app::{Actor, App, SystemClock};
use homeward_store::Store;
use homeward_store::registry::PersonFilter;
use rand::Rng;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const PASSWORD: &str = "load test password 2018";

struct Args {
    database: String,
    addr: String,
    connections: usize,
    seconds: u64,
    rate: u64,
    scenarios: Vec<String>,
    lockstep: bool,
    rounds: usize,
}

fn args() -> Args {
    let mut a = Args {
        database: String::new(),
        addr: "127.0.0.1:8080".into(),
        connections: 64,
        seconds: 20,
        rate: 10,
        scenarios: ["file", "search", "list", "page"]
            .map(String::from)
            .to_vec(),
        lockstep: false,
        rounds: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--database" => a.database = v,
            "--addr" => a.addr = v,
            "--connections" => a.connections = v.parse().expect("--connections N"),
            "--seconds" => a.seconds = v.parse().expect("--seconds N"),
            "--rate" => a.rate = v.parse::<u64>().expect("--rate N").clamp(1, 95),
            "--scenarios" => a.scenarios = v.split(',').map(str::to_owned).collect(),
            "--rounds" => a.rounds = v.parse::<usize>().expect("--rounds N").max(1),
            "--lockstep" => a.lockstep = matches!(v.as_str(), "yes" | "true" | "1"),
            _ => panic!("unknown flag {flag}"),
        }
    }
    assert!(!a.database.is_empty(), "--database URL is required");
    a
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    r: BufReader<TcpStream>,
    token: String,
}

impl Conn {
    async fn get(&mut self, path: &str) -> std::io::Result<u16> {
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\r\n",
            self.token
        );
        self.r.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.r.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let (mut length, mut chunked) = (0usize, false);
        loop {
            line.clear();
            self.r.read_line(&mut line).await?;
            let l = line.trim_end().to_ascii_lowercase();
            if l.is_empty() {
                break;
            }
            if let Some(v) = l.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if l.starts_with("transfer-encoding:") && l.contains("chunked") {
                chunked = true;
            }
        }
        if chunked {
            loop {
                line.clear();
                self.r.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
                let mut skip = vec![0u8; size + 2];
                self.r.read_exact(&mut skip).await?;
                if size == 0 {
                    break;
                }
            }
        } else {
            let mut body = vec![0u8; length];
            self.r.read_exact(&mut body).await?;
        }
        Ok(status)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let a = args();
    let store = Store::connect(&a.database).await.expect("connect");
    let app = App::new(store, Arc::new(SystemClock));
    if !app
        .store()
        .users()
        .await
        .unwrap()
        .iter()
        .any(|u| u.username == "load-test")
    {
        let draft = homeward_app::auth::UserDraft {
            username: "load-test".into(),
            role: "case_worker".into(),
            country: None,
            site: None,
            password: PASSWORD.into(),
        };
        app.add_user(&Actor::named("load"), &draft, false)
            .await
            .expect("account");
    }
    let mut tokens = Vec::new();
    for _ in 0..a.connections {
        tokens.push(app.sign_in("load-test", PASSWORD).await.expect("sign in").0);
    }
    let total = app
        .store()
        .list_persons(&PersonFilter::default(), 1, 0)
        .await
        .unwrap()
        .total;
    let mut rng = rand::thread_rng();
    let mut ids = Vec::new();
    for _ in 0..200 {
        let page = app
            .store()
            .list_persons(&PersonFilter::default(), 5, rng.gen_range(0..total.max(1)))
            .await
            .unwrap();
        ids.extend(page.items.iter().map(|p| p.id));
    }
    let names: Vec<String> = app
        .store()
        .names_of(&ids)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|n| n.text.split_whitespace().next().map(str::to_owned))
        .collect();
    let pages = (total / 50).clamp(1, 2000);
    println!(
        "{total} persons; {} connections, {} s each, paced at {} calls/s per connection \
         ({} calls/s offered)",
        a.connections,
        a.seconds,
        a.rate,
        a.rate * a.connections as u64
    );
    let ids = Arc::new(ids);
    let names = Arc::new(names);
    let max_id = ids.iter().copied().max().unwrap_or(1);
    let mut rounds: Vec<(String, f64, f64)> = Vec::new();
    let plan: Vec<&str> = (0..a.rounds)
        .flat_map(|_| a.scenarios.iter().map(String::as_str))
        .collect();
    for scenario in plan {
        // Warm up (the search index is built on first use).
        let mut warm = Conn {
            r: BufReader::new(TcpStream::connect(&a.addr).await.expect("the server")),
            token: tokens[0].clone(),
        };
        let path = request(scenario, &ids, &names, pages, max_id);
        // Until it answers 200: the first search starts the index build and may time out
        // while it runs; the measurement is of the registry ready to serve.
        let t = Instant::now();
        let mut s = 0;
        while t.elapsed() < Duration::from_secs(900) {
            s = warm.get(&path).await.expect("warm-up");
            if s == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        eprintln!("warm-up {scenario}: {s} in {:?}", t.elapsed());
        let end = Instant::now() + Duration::from_secs(a.seconds);
        let mut tasks = Vec::new();
        for token in &tokens {
            let (scenario, addr, token, ids, names, rate, lockstep) = (
                scenario.to_owned(),
                a.addr.clone(),
                token.clone(),
                ids.clone(),
                names.clone(),
                a.rate,
                a.lockstep,
            );
            tasks.push(tokio::spawn(async move {
                let mut c = Conn {
                    r: BufReader::new(TcpStream::connect(&addr).await.expect("connect")),
                    token,
                };
                let (mut lat, mut errors) = (Vec::new(), 0usize);
                let gap = Duration::from_micros(1_000_000 / rate);
                let mut next = Instant::now();
                if !lockstep {
                    next += gap.mul_f64(rand::thread_rng().gen_range(0.0..1.0));
                }
                while Instant::now() < end {
                    tokio::time::sleep_until(next.into()).await;
                    let path = request(&scenario, &ids, &names, pages, max_id);
                    let t = Instant::now();
                    match c.get(&path).await {
                        Ok(200) => lat.push(t.elapsed()),
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            c.r = BufReader::new(TcpStream::connect(&addr).await.expect("connect"));
                        }
                    }
                    next = (t + gap).max(Instant::now());
                }
                (lat, errors)
            }));
        }
        let (mut all, mut errors) = (Vec::new(), 0);
        for t in tasks {
            let (l, e) = t.await.unwrap();
            all.extend(l);
            errors += e;
        }
        all.sort();
        println!(
            "{scenario:<7} {:>7} ok {:>5} errors {:>7.0} req/s  p50 {:>7.2} ms  p90 {:>7.2} ms  \
             p99 {:>7.2} ms  max {:>7.2} ms",
            all.len(),
            errors,
            all.len() as f64 / a.seconds as f64,
            percentile(&all, 0.50),
            percentile(&all, 0.90),
            percentile(&all, 0.99),
            percentile(&all, 1.0),
        );
        rounds.push((
            scenario.to_owned(),
            percentile(&all, 0.50),
            percentile(&all, 0.99),
        ));
    }
    if a.rounds > 1 {
        for scenario in &a.scenarios {
            let of = |pick: fn(&(String, f64, f64)) -> f64| {
                let mut v: Vec<f64> = rounds
                    .iter()
                    .filter(|r| &r.0 == scenario)
                    .map(pick)
                    .collect();
                v.sort_by(f64::total_cmp);
                let text: Vec<String> = v.iter().map(|x| format!("{x:.1}")).collect();
                (v[v.len() / 2], text.join(" "))
            };
            let ((p50, _), (p99, all99)) = (of(|r| r.1), of(|r| r.2));
            println!(
                "{scenario:<7} median of {} rounds: p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  \
                 (p99 of each round: {all99})",
                a.rounds
            );
        }
    }
}

fn request(scenario: &str, ids: &[i64], names: &[String], pages: i64, max_id: i64) -> String {
    let mut rng = rand::thread_rng();
    match scenario {
        "file" => format!("/api/v1/persons/{}", ids[rng.gen_range(0..ids.len())]),
        "search" => {
            let q: String = names[rng.gen_range(0..names.len())]
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("/api/v1/search?q={q}")
        }
        "list" => format!(
            "/api/v1/persons?after={}&per_page=50",
            rng.gen_range(0..max_id.max(1))
        ),
        _ => format!(
            "/api/v1/persons?page={}&per_page=50",
            rng.gen_range(1..=pages)
        ),
    }
}
