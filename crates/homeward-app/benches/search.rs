//! Search latency on the demo registry: `cargo bench -p homeward-app --bench search`.
//!
//! Loads the 1,500-person demo into a fresh SQLite file, builds the search index once (timed
//! apart), then runs a mixed set of queries (Latin, Cyrillic and Arabic names, typos, a
//! registration number) many times and prints the median and 95th percentile per query.

use std::time::Instant;

use homeward_app::{Actor, FixedClock};
use homeward_domain::access::{Principal, Role};

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = homeward_testkit::backends().await.remove(0);
        let now = chrono::Utc::now().naive_utc();
        let store = homeward_store::Store::connect(&db.url)
            .await
            .expect("connect");
        let app = homeward_app::App::new(store, std::sync::Arc::new(FixedClock(now)));
        app.migrate().await.expect("migrate");
        let summary = app
            .load_demo(&Actor::named("bench"), 2018, 1500, now.date())
            .await
            .expect("demo");
        let who = Principal {
            user_id: 0,
            username: "bench".into(),
            role: Role::Registrar,
            country: None,
            site: None,
        };
        let start = Instant::now();
        app.search(&who, "warm up", 10).await.expect("search");
        println!(
            "demo registry: {} persons; index build {:.1} ms",
            summary.persons,
            start.elapsed().as_secs_f64() * 1000.0
        );
        let queries = [
            "Svetlana Ivanova",
            "Светлана",
            "Mohammed",
            "محمد",
            "Ayse Yilmaz",
            "Aisha",
            "Umm Abdullah",
            "Fatima Aliyeva",
            "Gulnara",
            "HW-000742",
        ];
        let mut all = Vec::new();
        for q in queries {
            let mut times = Vec::new();
            let mut found = 0;
            for _ in 0..30 {
                let t = Instant::now();
                found = app.search(&who, q, 20).await.expect("search").len();
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "{q:<20} {found:>3} hits  median {:>6.2} ms",
                times[times.len() / 2]
            );
            all.extend(times);
        }
        all.sort_by(f64::total_cmp);
        println!(
            "all queries: median {:.2} ms, p95 {:.2} ms over {} searches",
            all[all.len() / 2],
            all[all.len() * 95 / 100],
            all.len()
        );
    });
}
