//! The running tallies behind the dashboard equal a recount from the tables after every kind
//! of change the triggers must follow: single and multi-row inserts, updates of each counted
//! column, a document moved to another person, a backdated custody episode, deletions.

use homeward_store::Store;
use homeward_testkit::backends;

use crate::story::{family, store};

async fn write(s: &Store, sql: &str) {
    let mut tx = s.begin().await.unwrap();
    tx.raw_execute(sql).await.unwrap();
    tx.commit().await.unwrap();
}

async fn agree(s: &Store, backend: &str, after: &str) {
    let drift = s.tally_drift().await.unwrap();
    assert!(drift.is_empty(), "{backend}, after {after}: {drift:#?}");
}

fn person(reg: &str, sex: &str, birth: &str, site: Option<i64>) -> String {
    let site = site.map_or("NULL".to_owned(), |s| s.to_string());
    format!(
        "('{reg}', '{sex}', 'exact', '{birth}', '{birth}', 'in_custody', 'foreign_families', \
         {site}, '2018-01-01T09:00:00', '2018-01-01T09:00:00')"
    )
}

const PERSON_COLUMNS: &str = "INSERT INTO persons (registration_number, sex, dob_kind, dob_date, \
     birth_approx, status, separation_group, current_site_id, created_at, updated_at) VALUES ";

#[tokio::test]
async fn tallies_follow_every_change_on_every_backend() {
    for db in backends().await {
        let s = store(&db).await;
        let b = db.backend;
        agree(&s, b, "migration").await;
        let (mother, child, site) = family(&s).await;
        agree(&s, b, "a family through the registry").await;
        let (m, c) = (mother.0, child.0);

        write(
            &s,
            &format!(
                "{PERSON_COLUMNS}{}, {}, {}",
                person("T-1", "female", "1990-03-04", Some(site)),
                person("T-2", "male", "2015-06-07", Some(site)),
                person("T-3", "female", "2016-06-07", None)
            ),
        )
        .await;
        agree(&s, b, "three persons in one statement").await;
        let ids: Vec<i64> = {
            let mut v = Vec::new();
            for r in ["T-1", "T-2", "T-3"] {
                v.push(s.person_by_number(r).await.unwrap().id);
            }
            v
        };
        let (t1, t2, t3) = (ids[0], ids[1], ids[2]);

        write(
            &s,
            &format!(
                "UPDATE persons SET status = 'released', current_site_id = NULL, \
                 pregnant_due = '2018-05-01', unaccompanied = 1 WHERE id = {t1}; \
                 UPDATE persons SET birth_approx = '2014-01-01', dob_kind = 'estimated', \
                 father_unknown = 1 WHERE id = {t2}; \
                 UPDATE persons SET version = version + 1 WHERE id = {m}"
            ),
        )
        .await;
        agree(&s, b, "updates of every counted column").await;

        write(
            &s,
            &format!(
                "INSERT INTO documents (person_id, doc_type, number, issuing_country, sighted, \
                 created_at) VALUES ({t1}, 'passport', 'P-1', 'RU', 1, '2018-01-01'), \
                 ({t1}, 'birth_certificate', 'B-1', 'RU', 0, '2018-01-01'), \
                 ({t2}, 'passport', 'P-2', 'FR', 1, '2018-01-01')"
            ),
        )
        .await;
        agree(&s, b, "two documents of one person in one statement").await;
        write(
            &s,
            &format!(
                "UPDATE documents SET person_id = {t3} WHERE number = 'P-2'; \
                 DELETE FROM documents WHERE number = 'P-1'"
            ),
        )
        .await;
        agree(&s, b, "a document moved and one deleted").await;
        write(
            &s,
            &format!("UPDATE documents SET person_id = {c} WHERE person_id IN ({t1}, {t3})"),
        )
        .await;
        agree(&s, b, "every document of two persons given to a third").await;

        write(
            &s,
            &format!(
                "INSERT INTO nationality_claims (person_id, country_code, state, created_at) \
                 VALUES ({t1}, 'RU', 'claimed', '2018-01-01'), ({t1}, 'TR', 'claimed', \
                 '2018-01-01'), ({t2}, 'FR', 'verified', '2018-01-01'); \
                 UPDATE nationality_claims SET state = 'verified' WHERE person_id = {t1}; \
                 DELETE FROM nationality_claims WHERE person_id = {t2}"
            ),
        )
        .await;
        agree(&s, b, "claims added, verified and withdrawn").await;

        write(
            &s,
            &format!(
                "INSERT INTO custody_episodes (person_id, site_id, start_at, end_at, \
                 authorised_by, reason, recorded_by) VALUES \
                 ({t1}, {site}, '2017-11-03T10:00:00', '2017-12-01T10:00:00', 'x', 'x', 'x'), \
                 ({t1}, {site}, '2017-12-01T10:00:00', NULL, 'x', 'x', 'x'), \
                 ({t3}, {site}, '2018-01-05T10:00:00', NULL, 'x', 'x', 'x')"
            ),
        )
        .await;
        agree(&s, b, "episodes, two of one person in one statement").await;
        write(
            &s,
            &format!(
                "INSERT INTO custody_episodes (person_id, site_id, start_at, end_at, \
                 authorised_by, reason, recorded_by) VALUES \
                 ({t3}, {site}, '2016-07-01T10:00:00', '2016-08-01T10:00:00', 'x', 'x', 'x')"
            ),
        )
        .await;
        agree(&s, b, "an episode earlier than the first one").await;
        write(
            &s,
            &format!(
                "UPDATE custody_episodes SET start_at = '2015-01-01T10:00:00' \
                 WHERE person_id = {t1} AND end_at IS NOT NULL; \
                 DELETE FROM custody_episodes WHERE person_id = {t3} AND end_at IS NOT NULL; \
                 UPDATE custody_episodes SET end_at = '2018-01-20T10:00:00' \
                 WHERE person_id = {t1} AND end_at IS NULL"
            ),
        )
        .await;
        agree(&s, b, "a backdated, a deleted and a closed episode").await;

        write(
            &s,
            &format!(
                "DELETE FROM custody_episodes WHERE person_id = {t3}; \
                 DELETE FROM persons WHERE id = {t3}"
            ),
        )
        .await;
        agree(&s, b, "a person deleted").await;
        assert_eq!(s.count_persons().await.unwrap(), 4, "{b}");
        assert_eq!(s.count_unaccompanied().await.unwrap(), 1, "{b}");
        assert_eq!(s.count_without_documents().await.unwrap(), 2, "{b}");
    }
}

#[tokio::test]
async fn the_search_epoch_moves_with_what_the_index_holds_and_only_then() {
    for db in backends().await {
        let s = store(&db).await;
        let b = db.backend;
        let (mother, _, site) = family(&s).await;
        let m = mother.0;
        let e0 = s.search_epoch().await.unwrap();
        assert!(e0 > 0, "{b}: the family's registration moved it");
        // Neither a custody move, a status change nor a new site touches what search holds.
        write(
            &s,
            &format!(
                "UPDATE persons SET status = 'released', current_site_id = NULL, \
                 version = version + 1 WHERE id = {m}; \
                 UPDATE sites SET capacity = capacity + 1 WHERE id = {site}"
            ),
        )
        .await;
        assert_eq!(s.search_epoch().await.unwrap(), e0, "{b}");
        for (what, sql) in [
            (
                "a name",
                format!(
                    "INSERT INTO name_variants (person_id, text, script, kind, recorded_by, \
                     source, created_at) VALUES ({m}, 'Sveta', 'latin', 'alias', 'x', 'x', \
                     '2018-01-01')"
                ),
            ),
            (
                "a place of birth",
                format!("UPDATE persons SET place_of_birth = 'Ufa' WHERE id = {m}"),
            ),
            (
                "a claim",
                format!("UPDATE nationality_claims SET country_code = 'TR' WHERE person_id = {m}"),
            ),
            (
                "a document",
                format!("DELETE FROM documents WHERE person_id = {m}"),
            ),
        ] {
            let before = s.search_epoch().await.unwrap();
            write(&s, &sql).await;
            assert!(
                s.search_epoch().await.unwrap() > before,
                "{b}: {what} must move it"
            );
        }
    }
}
