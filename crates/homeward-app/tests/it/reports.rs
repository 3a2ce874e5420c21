//! The dashboard's figures over a demo registry written by the bulk writer: the audit chain
//! stays whole, the figures match the registry, and figures kept between views follow every
//! change.

use homeward_app::registry::{NameDraft, RegisterPerson};
use homeward_app::{Actor, App};
use homeward_domain::access::{Principal, Role};
use homeward_domain::person::PersonDraft;
use homeward_store::audit::Verdict;
use homeward_testkit::{app, backends};

fn monitor() -> Principal {
    Principal {
        user_id: 1,
        username: "monitor".into(),
        role: Role::Monitor,
        country: None,
        site: None,
    }
}

async fn register(app: &App) {
    let cmd = RegisterPerson {
        person: PersonDraft {
            sex: "female".into(),
            date_of_birth: Some("1990-03-07".into()),
            ..PersonDraft::default()
        },
        names: vec![NameDraft {
            text: "Svetlana Ivanova".into(),
            ..NameDraft::default()
        }],
        nationalities: vec!["RU".into()],
        ..RegisterPerson::default()
    };
    app.register_person(&Actor::named("registrar"), &cmd)
        .await
        .unwrap();
}

#[tokio::test]
async fn bulk_written_demo_keeps_the_chain_and_the_dashboard_follows_each_change() {
    for db in backends().await {
        let app = app(&db).await;
        let as_of = app.now().date();
        let summary = app
            .load_demo(&Actor::named("demo"), 2018, 4_500, as_of)
            .await
            .unwrap();
        assert_eq!(summary.persons, 4_500, "{}", db.backend);
        // More persons than one write batch: every event chained across batches.
        match app.store().verify_audit().await.unwrap() {
            Verdict::Intact { events, .. } => assert!(events > 4_500, "{}", db.backend),
            other => panic!(
                "{}: audit chain broken after the demo: {other:?}",
                db.backend
            ),
        }
        // The dashboard reads running tallies: they equal a recount of the tables.
        assert_eq!(
            app.store().tally_drift().await.unwrap(),
            Vec::<String>::new(),
            "{}",
            db.backend
        );
        let first = app.dashboard(&monitor(), as_of).await.unwrap();
        assert_eq!(first.figure("total"), 4_500, "{}", db.backend);
        assert_eq!(
            first.figure("total"),
            app.store().count_persons().await.unwrap(),
            "{}",
            db.backend
        );
        let again = app.dashboard(&monitor(), as_of).await.unwrap();
        assert_eq!(first, again, "{}", db.backend);
        register(&app).await;
        let after = app.dashboard(&monitor(), as_of).await.unwrap();
        assert_eq!(
            after.figure("total"),
            4_501,
            "{}: a change must show",
            db.backend
        );
        assert_eq!(
            after,
            app.figures(as_of).await.unwrap().scoped_for(&monitor())
        );
        assert_eq!(
            app.store().tally_drift().await.unwrap(),
            Vec::<String>::new(),
            "{}",
            db.backend
        );
    }
}
