//! A copy of a working database restores into an empty one exactly, on every backend; a copy
//! from another engine, a cut-off copy and a non-empty target are refused and change nothing.

use homeward_app::Actor;
use homeward_store::Store;
use homeward_store::audit::Verdict;
use homeward_testkit::backends;

async fn dump(store: &Store) -> Vec<String> {
    let mut lines = Vec::new();
    store
        .dump("2018-02-01T10:00:00", &mut |l: &str| {
            lines.push(l.to_owned());
            Ok(())
        })
        .await
        .unwrap();
    lines
}

#[tokio::test]
async fn a_copy_restores_exactly_into_an_empty_database_and_nowhere_else() {
    let sources = backends().await;
    let targets = backends().await;
    for (src, dst) in sources.iter().zip(&targets) {
        let app = homeward_testkit::app(src).await;
        app.load_demo(
            &Actor::named("demo"),
            7,
            60,
            chrono::NaiveDate::from_ymd_opt(2018, 1, 15).unwrap(),
        )
        .await
        .unwrap();
        homeward_testkit::account(&app, "reg", "registrar", None).await;
        let lines = dump(app.store()).await;
        assert!(lines.len() > 100, "{}", lines.len());
        assert!(!lines.iter().any(|l| l.contains("\"table\":\"sessions\"")));

        let target = Store::connect(&dst.url).await.unwrap();
        target.migrate().await.unwrap();
        // Cut off before its end: refused, nothing written.
        let mut cut = lines[..lines.len() / 2].iter().cloned().map(Ok);
        assert!(target.restore(&mut cut).await.is_err(), "{}", dst.backend);
        let mut all = lines.iter().cloned().map(Ok);
        let copied = target.restore(&mut all).await.unwrap();
        assert_eq!(copied.rows["persons"], 60, "{}", dst.backend);
        assert!(matches!(
            target.verify_audit().await.unwrap(),
            Verdict::Intact { .. }
        ));
        // The triggers rebuilt the running tallies from the restored rows.
        assert_eq!(
            target.tally_drift().await.unwrap(),
            Vec::<String>::new(),
            "{}",
            dst.backend
        );
        assert_eq!(target.count_persons().await.unwrap(), 60, "{}", dst.backend);
        // The restored database holds the same rows.
        let again = dump(&target).await;
        assert_eq!(again[1..], lines[1..], "{}", dst.backend);
        // A second restore into it is refused: it is no longer empty.
        let mut all = lines.iter().cloned().map(Ok);
        let e = target.restore(&mut all).await.unwrap_err().to_string();
        assert!(e.contains("empty database"), "{e}");
        // New records continue after the restored ids.
        let restored = homeward_app::App::new(
            target,
            std::sync::Arc::new(homeward_app::FixedClock(homeward_testkit::test_now())),
        );
        homeward_testkit::account(&restored, "reg2", "registrar", None).await;
    }
    // A copy from one engine does not go into the other.
    if sources.len() == 2 {
        let app = homeward_testkit::app(&sources[0]).await;
        let lines = dump(app.store()).await;
        let pg = Store::connect(&backends().await[1].url).await.unwrap();
        pg.migrate().await.unwrap();
        let mut all = lines.iter().cloned().map(Ok);
        let e = pg.restore(&mut all).await.unwrap_err().to_string();
        assert!(e.contains("same engine"), "{e}");
    }
}
