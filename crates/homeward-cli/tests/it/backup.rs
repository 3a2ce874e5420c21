//! `homeward backup` and `homeward restore`: an encrypted copy of a working database restores
//! into an empty one of the same engine with its audit chain intact; a wrong key, an altered
//! or cut-off file and a non-empty target are refused.

use std::process::{Command, Output};

use homeward_testkit::backends;

fn homeward(db: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_homeward"));
    c.arg("--database")
        .arg(db)
        .args(args)
        .env_remove("HOMEWARD_DATABASE_URL")
        .env_remove("HOMEWARD_BACKUP_KEY");
    if let Some(k) = key {
        c.env("HOMEWARD_BACKUP_KEY", k);
    }
    c.output().expect("the homeward binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const KEY: &str = "a backup passphrase kept offline";

#[tokio::test]
async fn an_encrypted_backup_restores_into_an_empty_database() {
    let sources = backends().await;
    let targets = backends().await;
    let spares = backends().await;
    for ((src, dst), spare) in sources.iter().zip(&targets).zip(&spares) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("copy.hwbk");
        let f = file.to_str().unwrap();
        let out = homeward(&src.url, None, &["demo", "--seed", "3", "--persons", "200"]);
        assert!(out.status.success(), "{}", text(&out));
        let out = homeward(&src.url, None, &["backup", "--out", f]);
        assert!(!out.status.success(), "no key, no backup");
        assert!(text(&out).contains("HOMEWARD_BACKUP_KEY"), "{}", text(&out));
        let out = homeward(&src.url, Some(KEY), &["backup", "--out", f]);
        assert!(out.status.success(), "{}", text(&out));
        let bytes = std::fs::read(&file).unwrap();
        // Encrypted: no name, no registration number in clear.
        assert!(!bytes.windows(3).any(|w| w == b"HW-"), "{}", src.backend);

        let out = homeward(&dst.url, Some("not the right passphrase"), &["restore", f]);
        assert!(!out.status.success());
        assert!(text(&out).contains("wrong key"), "{}", text(&out));
        // An altered byte, or a cut-off file: refused, the target stays empty.
        let mut altered = bytes.clone();
        let i = altered.len() / 2;
        altered[i] ^= 1;
        let bad = dir.path().join("altered.hwbk");
        std::fs::write(&bad, &altered).unwrap();
        let out = homeward(&spare.url, Some(KEY), &["restore", bad.to_str().unwrap()]);
        assert!(!out.status.success(), "{}", text(&out));
        std::fs::write(&bad, &bytes[..bytes.len() - 40]).unwrap();
        let out = homeward(&spare.url, Some(KEY), &["restore", bad.to_str().unwrap()]);
        assert!(!out.status.success(), "{}", text(&out));

        let out = homeward(&dst.url, Some(KEY), &["restore", f]);
        assert!(out.status.success(), "{} {}", dst.backend, text(&out));
        assert!(text(&out).contains("200 persons"), "{}", text(&out));
        let out = homeward(&dst.url, None, &["audit", "verify"]);
        assert!(out.status.success(), "{}", text(&out));
        let a = homeward(&src.url, None, &["stats", "--json"]);
        let b = homeward(&dst.url, None, &["stats", "--json"]);
        assert_eq!(text(&a), text(&b), "the same figures");
        let out = homeward(&dst.url, Some(KEY), &["restore", f]);
        assert!(!out.status.success(), "a second restore into it is refused");
    }
}
