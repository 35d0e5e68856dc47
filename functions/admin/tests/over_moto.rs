//! The operator's identity commands over moto, through the built `rpps-admin` binary (FAQ-R3,
//! R12): `index-identities` puts old requests into their identity partition, `duplicates` lists
//! the pairs of one person.

use std::process::Command;

use rpps_store::testing::{CANDIDATE_KEY, endpoint, fresh_store, submitted};

fn admin(table: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rpps-admin"))
        .args(args)
        .env("RPPS_REGISTRY_TABLE", table)
        .env("RPPS_OPERATOR", "test")
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "eu-west-3")
        .output()
        .expect("rpps-admin runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

#[tokio::test]
async fn faq_r12_old_requests_are_indexed_and_the_register_s_duplicates_listed() {
    let store = fresh_store().await;
    let table = store.tables().registry.clone();
    // Two writings of one person, one other person; the first two as stored before the index
    // existed (no identity partition).
    let one = submitted(&store, "req-a", "sub-a", "N'Diaye").await;
    let two = submitted(&store, "req-b", "sub-b", "NDIAYE").await;
    submitted(&store, "req-c", "sub-c", "Petit").await;
    let unindexed: Vec<_> = [one, two]
        .into_iter()
        .map(|s| rpps_store::StoredRegistration {
            candidate_key: None,
            version: s.version + 1,
            ..s
        })
        .collect();
    store.import_registrations(&unindexed).await.unwrap();
    let before = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    assert_eq!(before.requests.len(), 1, "only req-c is in the partition");

    let (dry, _) = admin(&table, &["index-identities", "--dry-run"]);
    assert!(
        dry.contains("3 requests read, 2 without an identity partition"),
        "{dry}"
    );
    let (done, _) = admin(&table, &["index-identities"]);
    assert!(done.contains("2 indexed"), "{done}");
    let after = store.identity_candidates(CANDIDATE_KEY).await.unwrap();
    assert_eq!(after.requests.len(), 3);
    let (again, _) = admin(&table, &["index-identities"]);
    assert!(again.contains("0 without an identity partition"), "{again}");

    let (csv, summary) = admin(&table, &["duplicates"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("same,"), "{csv}");
    assert!(
        lines[1].contains("req-a") && lines[1].contains("req-b"),
        "{csv}"
    );
    assert!(
        summary.contains("1 pairs (1 same, 0 probable)"),
        "{summary}"
    );
}
