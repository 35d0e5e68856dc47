//! The store against moto server over the wire, through the real `aws-sdk-dynamodb`: no mocks.
//! `make test` starts moto and sets `RPPS_TEST_AWS_ENDPOINT`; each test gets its own tables.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;

use rpps_domain::SequenceRange;
use rpps_domain::{Email, Finess, RppsNumber};
use rpps_store::testing::fresh_store;
use rpps_store::{AllocationError, AuditEntry, Establishment};

#[tokio::test]
async fn tables_are_created_from_the_sam_template_with_indexes_and_ttl() {
    let store = fresh_store().await;
    // A second call finds them and does nothing.
    store.ensure_tables().await.unwrap();
    store.ping().await.unwrap();
    let client = store.client();
    let table = client
        .describe_table()
        .table_name(&store.tables().registry)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let indexes: BTreeSet<_> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|i| i.index_name())
        .collect();
    assert_eq!(indexes, BTreeSet::from(["GSI1", "GSI2", "GSI3"]));
    assert!(
        table
            .stream_specification()
            .is_some_and(|s| s.stream_enabled())
    );
    let ttl = client
        .describe_time_to_live()
        .table_name(&store.tables().registry)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|t| t.attribute_name()),
        Some("expires_at")
    );
}

#[tokio::test]
async fn faq_r18_the_counter_hands_out_distinct_valid_rpps_numbers_under_concurrency() {
    let store = fresh_store().await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.next_rpps_number(SequenceRange::FULL).await
        }));
    }
    let mut numbers = BTreeSet::new();
    for task in tasks {
        let number = task.await.unwrap().unwrap();
        // Every allocated number carries its Luhn key: it parses as a typed number would.
        assert_eq!(RppsNumber::parse(number.as_str()).unwrap(), number);
        assert!(
            numbers.insert(number.as_str().to_owned()),
            "{number} handed out twice"
        );
    }
    assert_eq!(numbers.len(), 50);
    // The sequence went 1..=50: the next one is the 51st.
    let next = store.next_rpps_number(SequenceRange::FULL).await.unwrap();
    assert_eq!(next, RppsNumber::from_sequence(51).unwrap());
}

/// The range this instance may allocate is configuration (a deployment parameter): never a
/// number below its first value, a clean refusal after its last, nothing changed by it.
#[tokio::test]
async fn faq_r3_numbers_come_from_the_configured_range_and_end_cleanly() {
    let store = fresh_store().await;
    let range = SequenceRange::new(500_000_000, 500_000_002).unwrap();
    // No counter yet: the first value of the range, not 1.
    let first = store.next_rpps_number(range).await.unwrap();
    assert_eq!(first, RppsNumber::from_sequence(500_000_000).unwrap());
    assert_eq!(
        store.next_rpps_number(range).await.unwrap(),
        RppsNumber::from_sequence(500_000_001).unwrap()
    );
    assert_eq!(
        store.next_rpps_number(range).await.unwrap(),
        RppsNumber::from_sequence(500_000_002).unwrap()
    );
    // Exhausted: refused, the counter unchanged.
    let err = store.next_rpps_number(range).await.unwrap_err();
    assert!(
        matches!(err, AllocationError::Exhausted { last: 500_000_002 }),
        "{err}"
    );
    assert_eq!(store.rpps_counter().await.unwrap(), Some(500_000_002));
    // A new range reserved above: the counter jumps to its start.
    let next_range = SequenceRange::new(600_000_000, 699_999_999).unwrap();
    assert_eq!(
        store.next_rpps_number(next_range).await.unwrap(),
        RppsNumber::from_sequence(600_000_000).unwrap()
    );
    // A range below what was used never hands out a value twice: it is exhausted at once.
    let below = SequenceRange::new(1, 1_000).unwrap();
    assert!(matches!(
        store.next_rpps_number(below).await.unwrap_err(),
        AllocationError::Exhausted { last: 1_000 }
    ));
    assert_eq!(store.rpps_counter().await.unwrap(), Some(600_000_000));
}

#[tokio::test]
async fn audit_entries_read_back_by_subject_and_by_actor_in_order() {
    let store = fresh_store().await;
    let mut first = AuditEntry::new("EST#010000024", "operator:alice", "establishments.import");
    first.at -= time::Duration::seconds(5);
    let first = first.with_after(&serde_json::json!({"name": "CH DE FLEYRIAT"}));
    store.record_audit(&first).await.unwrap();
    let second = AuditEntry::new("EST#010000024", "operator:bob", "establishments.import")
        .with_before(&serde_json::json!({"name": "CH DE FLEYRIAT"}))
        .with_after(&serde_json::json!({"name": "CH FLEYRIAT"}));
    store.record_audit(&second).await.unwrap();
    store
        .record_audit(&AuditEntry::new("EST#750012346", "operator:alice", "x"))
        .await
        .unwrap();

    let trail = store.audit_trail("EST#010000024").await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].actor, "operator:alice");
    assert_eq!(
        trail[1].before.as_deref(),
        Some(r#"{"name":"CH DE FLEYRIAT"}"#)
    );
    assert_eq!(trail[1].after.as_deref(), Some(r#"{"name":"CH FLEYRIAT"}"#));
    let alice: Vec<_> = store
        .audit_by_actor("operator:alice")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.subject)
        .collect();
    assert_eq!(alice, ["EST#010000024", "EST#750012346"]);
}

fn establishment(finess: &str, name: &str, long_name: &str, town: &str) -> Establishment {
    Establishment {
        finess: Finess::parse(finess).unwrap(),
        legal_entity_finess: None,
        name: name.into(),
        long_name: long_name.into(),
        siret: None,
        category_code: "460".into(),
        category_label: "Service d'Aide et d'Accompagnement à Domicile (S.A.A.D)".into(),
        address: "1 RUE DE LA PAIX".into(),
        postal_code: "01000".into(),
        town: town.into(),
        commune_insee: "01053".into(),
        phone: None,
        updated_on: Some("2026-10-15".into()),
    }
}

fn finess_of(results: &[rpps_store::EstablishmentSummary]) -> Vec<&str> {
    results.iter().map(|r| r.finess.as_str()).collect()
}

#[tokio::test]
async fn faq_r15_establishments_are_found_by_finess_and_name_and_reimports_are_idempotent() {
    let store = fresh_store().await;
    let fleyriat = establishment(
        "010000024",
        "CH DE FLEYRIAT",
        "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT",
        "VIRIAT",
    );
    let aad = establishment(
        "010009090",
        "AAD BOURG EN BRESSE",
        "ASSOCIATION D'AIDE A DOMICILE DE BOURG-EN-BRESSE",
        "BOURG EN BRESSE",
    );
    let paris = establishment("750012346", "SAAD PARIS 15", "AIDE ET PRÉSENCE", "PARIS");
    let all = vec![fleyriat.clone(), aad.clone(), paris.clone()];
    let report = store.import_establishments(&all).await.unwrap();
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (3, 0, 0)
    );
    let again = store.import_establishments(&all).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));

    // Exact FINESS, and prefixes from the département on.
    assert_eq!(
        store.establishment(&fleyriat.finess).await.unwrap(),
        Some(fleyriat.clone())
    );
    assert_eq!(
        store
            .establishment(&Finess::parse("010780054").unwrap())
            .await
            .unwrap(),
        None
    );
    let ain = store
        .establishments_by_finess_prefix("01", 10)
        .await
        .unwrap();
    assert_eq!(finess_of(&ain), ["010000024", "010009090"]);
    let narrow = store
        .establishments_by_finess_prefix("01000", 10)
        .await
        .unwrap();
    assert_eq!(finess_of(&narrow), ["010000024", "010009090"]);
    let one = store
        .establishments_by_finess_prefix("010009", 10)
        .await
        .unwrap();
    assert_eq!(finess_of(&one), ["010009090"]);

    // Names: any word, case and accents ignored, every word must match.
    let by_word = store.establishments_by_name("fleyriat", 10).await.unwrap();
    assert_eq!(finess_of(&by_word), ["010000024"]);
    let bourg = store.establishments_by_name("Bourg", 10).await.unwrap();
    assert_eq!(
        finess_of(&bourg),
        ["010009090", "010000024"],
        "alphabetical when no name starts with the query"
    );
    let two_words = store
        .establishments_by_name("bourg aide", 10)
        .await
        .unwrap();
    assert_eq!(finess_of(&two_words), ["010009090"]);
    let accents = store.establishments_by_name("présence", 10).await.unwrap();
    assert_eq!(finess_of(&accents), ["750012346"]);
    assert!(
        store
            .establishments_by_name("presence lyon", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A renamed establishment: its old words no longer find it.
    let mut renamed = paris.clone();
    renamed.long_name = "ENTRAIDE QUINZIEME".into();
    let report = store.import_establishments(&[renamed]).await.unwrap();
    assert_eq!((report.created, report.updated), (0, 1));
    assert!(
        store
            .establishments_by_name("presence", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let found = store.establishments_by_name("quinz", 10).await.unwrap();
    assert_eq!(finess_of(&found), ["750012346"]);
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Pending {
    nonce: String,
}

#[tokio::test]
async fn a_login_state_is_taken_once_and_not_after_it_expires() {
    let store = fresh_store().await;
    let now = time::OffsetDateTime::now_utc();
    let later = now + time::Duration::minutes(10);
    let pending = Pending {
        nonce: "n".repeat(32),
    };
    store
        .put_login_state("state-1", &pending, later)
        .await
        .unwrap();
    let taken: Option<Pending> = store.take_login_state("state-1", now).await.unwrap();
    assert_eq!(taken, Some(pending));
    // Replayed: gone.
    let again: Option<Pending> = store.take_login_state("state-1", now).await.unwrap();
    assert_eq!(again, None);
    // Forged: never existed.
    let forged: Option<Pending> = store.take_login_state("forged", now).await.unwrap();
    assert_eq!(forged, None);
    // Expired (TTL deletion is lazy: the read checks the expiry itself).
    store
        .put_login_state(
            "state-2",
            &Pending { nonce: "x".into() },
            now - time::Duration::seconds(1),
        )
        .await
        .unwrap();
    let expired: Option<Pending> = store.take_login_state("state-2", now).await.unwrap();
    assert_eq!(expired, None);
}

#[tokio::test]
async fn sessions_are_read_until_they_expire_and_deleted_on_sign_out() {
    let store = fresh_store().await;
    let now = time::OffsetDateTime::now_utc();
    let until = now + time::Duration::minutes(30);
    store
        .put_session("hash-1", &serde_json::json!({"role": "applicant"}), until)
        .await
        .unwrap();
    let (data, expires): (serde_json::Value, _) =
        store.session("hash-1", now).await.unwrap().unwrap();
    assert_eq!(data["role"], "applicant");
    assert_eq!(expires.unix_timestamp(), until.unix_timestamp());
    let after: Option<(serde_json::Value, _)> = store
        .session("hash-1", until + time::Duration::seconds(1))
        .await
        .unwrap();
    assert!(after.is_none());
    store.delete_session("hash-1").await.unwrap();
    let gone: Option<(serde_json::Value, _)> = store.session("hash-1", now).await.unwrap();
    assert!(gone.is_none());
    store.delete_session("never-existed").await.unwrap();
}

#[tokio::test]
async fn faq_r9_managers_are_designated_per_establishment_and_revoked_audited() {
    let store = fresh_store().await;
    let a = establishment("750012346", "SAAD PARIS 15", "AIDE ET PRÉSENCE", "PARIS");
    let b = establishment("690011226", "SSIAD LYON 3", "SOINS A DOMICILE", "LYON");
    store
        .import_establishments(&[a.clone(), b.clone()])
        .await
        .unwrap();
    let unknown = Finess::parse("010000024").unwrap();
    let err = store
        .designate_manager(&unknown, "3750012346/42", None, "operator:alice")
        .await
        .unwrap_err();
    assert!(
        matches!(err, rpps_store::DesignationError::UnknownEstablishment(_)),
        "{err}"
    );

    store
        .designate_manager(
            &a.finess,
            "810001045367",
            Some(&Email::parse("direction@saad-paris15.example").unwrap()),
            "operator:alice",
        )
        .await
        .unwrap();
    store
        .designate_manager(&b.finess, "810001045367", None, "operator:alice")
        .await
        .unwrap();
    store
        .designate_manager(&a.finess, "3750012346/42", None, "operator:alice")
        .await
        .unwrap();
    let again = store
        .designate_manager(&a.finess, "810001045367", None, "operator:bob")
        .await
        .unwrap_err();
    assert!(
        matches!(
            again,
            rpps_store::DesignationError::AlreadyDesignated { .. }
        ),
        "{again}"
    );

    let managed = store
        .establishments_managed_by("810001045367")
        .await
        .unwrap();
    assert_eq!(
        managed,
        [b.finess.clone(), a.finess.clone()],
        "in FINESS order"
    );
    let managers: Vec<_> = store
        .managers_of(&a.finess)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.national_id, m.email.map(|e| e.as_str().to_owned())))
        .collect();
    assert_eq!(
        managers,
        [
            ("3750012346/42".to_owned(), None),
            (
                "810001045367".to_owned(),
                Some("direction@saad-paris15.example".to_owned())
            )
        ],
        "the address announced to by FAQ-R11 notifications is kept"
    );

    store
        .revoke_manager(&a.finess, "810001045367", "operator:bob")
        .await
        .unwrap();
    assert_eq!(
        store
            .establishments_managed_by("810001045367")
            .await
            .unwrap(),
        std::slice::from_ref(&b.finess)
    );
    let twice = store
        .revoke_manager(&a.finess, "810001045367", "operator:bob")
        .await
        .unwrap_err();
    assert!(
        matches!(twice, rpps_store::DesignationError::NotDesignated { .. }),
        "{twice}"
    );

    let trail: Vec<_> = store
        .audit_trail(&format!("EST#{}", a.finess))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor))
        .collect();
    assert_eq!(
        trail,
        [
            ("manager.designate".to_owned(), "operator:alice".to_owned()),
            ("manager.designate".to_owned(), "operator:alice".to_owned()),
            ("manager.revoke".to_owned(), "operator:bob".to_owned()),
        ]
    );
}

#[tokio::test]
async fn faq_r12_a_professional_is_found_by_franceconnect_subject_and_by_civil_identity() {
    let store = fresh_store().await;
    let rpps = RppsNumber::from_sequence(7).unwrap();
    let record = rpps_store::ProfessionalRecord {
        rpps: rpps.clone(),
        family_name: "Nguyễn".into(),
        given_names: "Thị Hoa".into(),
    };
    assert_eq!(
        store.rpps_of_franceconnect_subject("sub-1").await.unwrap(),
        None
    );
    store
        .record_professional(&record, Some("sub-1"), "key-1", "operator:seed")
        .await
        .unwrap();
    assert_eq!(
        store.rpps_of_franceconnect_subject("sub-1").await.unwrap(),
        Some(rpps.clone())
    );
    assert_eq!(
        store.rpps_of_civil_identity("key-1").await.unwrap(),
        Some(rpps.clone())
    );
    // The same person cannot be recorded again, by either route, and nothing is half-written.
    let other = rpps_store::ProfessionalRecord {
        rpps: RppsNumber::from_sequence(8).unwrap(),
        ..record.clone()
    };
    let err = store
        .record_professional(&other, Some("sub-2"), "key-1", "operator:seed")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        rpps_store::ProfessionalError::AlreadyRegistered
    ));
    assert_eq!(
        store.rpps_of_franceconnect_subject("sub-2").await.unwrap(),
        None
    );
}

/// Directory pages over the wire: following the cursors of a name, a commune and a département
/// search gives every entry exactly once, and a crafted cursor (a start key outside the index
/// page, which DynamoDB answers with a `ValidationException`) is refused as `BadCursor` before
/// any call (issue 15).
#[tokio::test]
async fn directory_cursors_page_through_every_entry_once_and_crafted_ones_are_refused() {
    use rpps_store::{DirectoryEntry, DirectoryError, DirectorySearch, DirectorySite};
    use time::macros::{date, datetime};

    let store = fresh_store().await;
    let at = datetime!(2026-11-20 10:00 UTC);
    let site = |finess: &str, commune: &str| DirectorySite {
        finess: Finess::parse(finess).unwrap(),
        establishment_name: format!("Service {finess}"),
        commune_code: commune.to_owned(),
        commune_name: String::new(),
        departement: commune[..2].to_owned(),
        started_on: date!(2026 - 01 - 05),
        ended_on: None,
        active: true,
    };
    let mut numbers = Vec::new();
    for i in 0..5u64 {
        let rpps = RppsNumber::from_sequence(600 + i).unwrap();
        let mut sites = vec![site("750012346", "75115")];
        if i % 2 == 0 {
            sites.push(site("690000880", "69383"));
        }
        store
            .write_directory_entry(&DirectoryEntry {
                rpps: rpps.clone(),
                family_name: "Dupont".into(),
                given_names: format!(
                    "Marie {}",
                    ["Anne", "Béa", "Cléo", "Dina", "Emma"][i as usize]
                ),
                profession: "aide_a_domicile_qualifiee".into(),
                sites,
                ecps_activable_from: None,
                published_at: at,
                updated_at: at,
            })
            .await
            .unwrap();
        numbers.push(rpps.to_string());
    }
    let mut last_cursor = None;
    for (search, expected) in [
        (DirectorySearch::Name("dupont".into()), numbers.clone()),
        (DirectorySearch::Commune("75115".into()), numbers.clone()),
        (
            DirectorySearch::Departement("69".into()),
            vec![numbers[0].clone(), numbers[2].clone(), numbers[4].clone()],
        ),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .search_directory(&search, 2, cursor.as_deref())
                .await
                .unwrap();
            seen.extend(page.results.iter().map(|e| e.rpps.to_string()));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
            last_cursor.clone_from(&cursor);
        }
        seen.sort();
        assert_eq!(seen, expected, "{search:?}");
    }

    // A genuine cursor of the département search continues only that search.
    let genuine = last_cursor.expect("the searches had several pages");
    for other in [
        DirectorySearch::Departement("75".into()),
        DirectorySearch::Commune("69383".into()),
        DirectorySearch::Name("dupont".into()),
    ] {
        assert!(
            matches!(
                store.search_directory(&other, 2, Some(&genuine)).await,
                Err(DirectoryError::BadCursor)
            ),
            "{other:?}"
        );
    }
    // Crafted: the search's own partition, but a start key no page of it holds.
    let crafted = |pairs: &[(&str, &str)]| {
        use base64::Engine;
        let map: std::collections::BTreeMap<&str, &str> = pairs.iter().copied().collect();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&map).unwrap())
    };
    let pk = format!("DIR#{}", numbers[0]);
    for pairs in [
        vec![("PK", pk.as_str()), ("SK", "DIR"), ("GSI1PK", "DIRNAME#du")],
        vec![
            ("PK", pk.as_str()),
            ("SK", "DIR"),
            ("GSI1PK", "DIRNAME#du"),
            ("GSI1SK", "zzz"),
        ],
        vec![
            ("PK", ""),
            ("SK", ""),
            ("GSI1PK", "DIRNAME#du"),
            ("GSI1SK", ""),
        ],
    ] {
        assert!(
            matches!(
                store
                    .search_directory(
                        &DirectorySearch::Name("dupont".into()),
                        2,
                        Some(&crafted(&pairs))
                    )
                    .await,
                Err(DirectoryError::BadCursor)
            ),
            "{pairs:?}"
        );
    }
}

/// Issue 18: an outbox event stays in the undone index until every consumer has recorded it
/// handled; the sweeper's re-drive is a copy with the same id, counted, once per count read.
#[tokio::test]
async fn an_outbox_event_stays_undone_until_every_consumer_is_done() {
    use rpps_contract::events::{Event, RegistrationRejected};
    use rpps_store::outbox::{CONSUMERS, new_event, uuid_v7_instant};
    use time::OffsetDateTime;

    let store = fresh_store().await;
    let now = OffsetDateTime::now_utc();
    let event = new_event(
        "REQ#r1",
        now,
        Event::RegistrationRejected(RegistrationRejected {
            request_id: "r1".into(),
            reason: "Motif".into(),
        }),
    );
    store.write_event(&event).await.unwrap();
    let written = uuid_v7_instant(&event.id).unwrap();
    assert!((written - now).abs() < time::Duration::seconds(1));

    // Not yet old enough for a sweep at `now`; undone for one a minute later.
    assert!(
        store
            .undone_events(now - time::Duration::minutes(5), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let later = now + time::Duration::minutes(1);
    let undone = store.undone_events(later, 10).await.unwrap();
    assert_eq!(undone.len(), 1);
    let mut pending = undone[0].pending.clone();
    pending.sort();
    assert_eq!(pending, CONSUMERS.map(str::to_owned).to_vec());

    // Re-driven once per count read: a second sweeper with the same read does nothing.
    assert!(store.redrive(&undone[0], now, later).await.unwrap());
    assert!(!store.redrive(&undone[0], now, later).await.unwrap());
    let copy = store
        .client()
        .get_item()
        .table_name(&store.tables().registry)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("OUTBOX#{}#R1", event.id)),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("EVENT".into()),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("the re-driven copy");
    assert_eq!(copy["id"].as_s().unwrap(), &event.id);
    assert!(!copy.contains_key("GSI1PK") && !copy.contains_key("pending"));
    let counted = store.undone_events(later, 10).await.unwrap();
    assert_eq!(counted[0].redriven, 1);
    assert_eq!(
        counted[0].next_redrive_at.map(|t| t.unix_timestamp()),
        Some(later.unix_timestamp())
    );

    // One consumer done (twice: idempotent): still undone for the other.
    store.outbox_done(&event.id, "mailer", now).await.unwrap();
    store.outbox_done(&event.id, "mailer", now).await.unwrap();
    let undone = store.undone_events(later, 10).await.unwrap();
    assert_eq!(undone[0].pending, vec!["publisher".to_owned()]);
    // The last one: out of the index, with its expiry; done again changes nothing.
    store
        .outbox_done(&event.id, "publisher", now)
        .await
        .unwrap();
    store
        .outbox_done(&event.id, "publisher", now)
        .await
        .unwrap();
    assert!(store.undone_events(later, 10).await.unwrap().is_empty());
    // An event the outbox does not hold (expired, or of before): nothing to do, no error.
    store
        .outbox_done("0190-unknown", "mailer", now)
        .await
        .unwrap();
}

/// Issue 18: two rebuilds of one directory entry from different readings of the registry: the
/// one that read the entry before the other wrote it is refused, so the older never overwrites
/// the newer.
#[tokio::test]
async fn an_older_rebuild_never_overwrites_a_newer_directory_entry() {
    use rpps_store::DirectoryEntry;
    let store = fresh_store().await;
    let rpps = RppsNumber::from_sequence(700).unwrap();
    let at = time::OffsetDateTime::now_utc();
    let entry = |family: &str| DirectoryEntry {
        rpps: rpps.clone(),
        family_name: family.into(),
        given_names: "Marie".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: Vec::new(),
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    };
    // Both rebuilds read "no entry"; the first writes, the second is refused.
    assert!(
        store
            .directory_entry_for_rebuild(&rpps)
            .await
            .unwrap()
            .is_none()
    );
    store
        .replace_directory_entry(&entry("Older"), None)
        .await
        .unwrap();
    let refused = store.replace_directory_entry(&entry("Stale"), None).await;
    assert!(
        matches!(refused, Err(rpps_store::StoreError::Conflict { .. })),
        "{refused:?}"
    );
    // Two rebuilds read version 1; the newer writes first, the older is refused.
    let (previous, read) = store
        .directory_entry_for_rebuild(&rpps)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, 1);
    store
        .replace_directory_entry(&entry("Newer"), Some((&previous, read)))
        .await
        .unwrap();
    let refused = store
        .replace_directory_entry(&entry("Older"), Some((&previous, read)))
        .await;
    assert!(
        matches!(refused, Err(rpps_store::StoreError::Conflict { .. })),
        "{refused:?}"
    );
    let (kept, version) = store
        .directory_entry_for_rebuild(&rpps)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((kept.family_name.as_str(), version), ("Newer", 2));
}

/// Issue 18: an attempt that stalled past its lease and was taken over must not undo the
/// claim of the attempt that took over (its late release would let a third attempt send the
/// email again beside the second).
#[tokio::test]
async fn a_delivery_taken_over_after_its_lease_is_not_released_by_the_stalled_attempt() {
    let store = fresh_store().await;
    let lease = time::Duration::minutes(2);
    let t0 = time::OffsetDateTime::now_utc() - time::Duration::minutes(10);
    let first = store
        .claim_delivery("mailer", "event-1", t0, lease)
        .await
        .unwrap();
    let rpps_store::DeliveryClaim::Acquired(stalled) = first else {
        panic!("{first:?}")
    };
    // Three minutes on, the first attempt's lease has run out: a second one takes over.
    let later = t0 + time::Duration::minutes(3);
    let second = store
        .claim_delivery("mailer", "event-1", later, lease)
        .await
        .unwrap();
    assert!(matches!(second, rpps_store::DeliveryClaim::Acquired(_)));
    // The first attempt wakes up, fails and gives back what it thinks is its lease.
    store
        .release_delivery("mailer", "event-1", &stalled)
        .await
        .unwrap();
    store
        .mark_sending("mailer", "event-1", later, lease, &stalled)
        .await
        .expect_err("no longer its lease");
    // The second attempt still holds it: a third one is told to wait.
    let third = store
        .claim_delivery("mailer", "event-1", later, lease)
        .await
        .unwrap();
    assert_eq!(third, rpps_store::DeliveryClaim::InProgress);
}

/// The emulator as `make test` runs it (`tests/moto/server.py`: moto with per-item transaction
/// rollback instead of a copy of the whole table): a cancelled transaction leaves every item as
/// it was, creates nothing, and adds no stream record; a committed one adds one per item.
#[tokio::test]
async fn a_cancelled_transaction_leaves_no_item_and_no_stream_record() {
    use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
    let store = fresh_store().await;
    let client = store.client();
    let table = store.tables().registry.clone();
    let key = |pk: &str| {
        [
            ("PK".to_owned(), AttributeValue::S(pk.to_owned())),
            ("SK".to_owned(), AttributeValue::S("X".to_owned())),
        ]
    };
    let get = |pk: &'static str| {
        let (client, table) = (client.clone(), table.clone());
        async move {
            client
                .get_item()
                .table_name(table)
                .set_key(Some(key(pk).into()))
                .consistent_read(true)
                .send()
                .await
                .unwrap()
                .item
        }
    };
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(
            key("TX#A")
                .into_iter()
                .chain([("n".to_owned(), AttributeValue::N("1".into()))])
                .collect(),
        ))
        .send()
        .await
        .unwrap();
    let streams = aws_sdk_dynamodbstreams::Client::new(&rpps_runtime::aws::for_local_endpoint(
        &rpps_store::testing::endpoint(),
    ));
    let stream_records = || {
        let (client, streams, table) = (client.clone(), streams.clone(), table.clone());
        async move {
            let arn = client
                .describe_table()
                .table_name(table)
                .send()
                .await
                .unwrap()
                .table
                .unwrap()
                .latest_stream_arn
                .unwrap();
            let shard = streams
                .describe_stream()
                .stream_arn(&arn)
                .send()
                .await
                .unwrap()
                .stream_description
                .unwrap()
                .shards
                .unwrap()[0]
                .shard_id
                .clone()
                .unwrap();
            let iterator = streams
                .get_shard_iterator()
                .stream_arn(&arn)
                .shard_id(shard)
                .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
                .send()
                .await
                .unwrap()
                .shard_iterator
                .unwrap();
            streams
                .get_records()
                .shard_iterator(iterator)
                .limit(1000)
                .send()
                .await
                .unwrap()
                .records
                .unwrap_or_default()
                .len()
        }
    };
    let before = stream_records().await;
    let transaction = || {
        client
            .transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&table)
                            .set_item(Some(key("TX#B").into()))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name(&table)
                            .set_key(Some(key("TX#A").into()))
                            .update_expression("SET n = :two")
                            .expression_attribute_values(":two", AttributeValue::N("2".into()))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&table)
                            .set_key(Some(key("TX#C").into()))
                            .condition_expression("attribute_exists(PK)")
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .send()
    };
    // The check (TX#C exists) fails after the put and the update were applied: both undone.
    let cancelled = transaction().await.unwrap_err();
    assert_eq!(
        cancelled.as_service_error().and_then(|e| e.meta().code()),
        Some("TransactionCanceledException"),
        "{cancelled:?}"
    );
    assert!(get("TX#B").await.is_none(), "the put is undone");
    assert_eq!(
        get("TX#A").await.unwrap()["n"],
        AttributeValue::N("1".into()),
        "the update is undone"
    );
    assert_eq!(
        stream_records().await,
        before,
        "no stream record of a cancelled transaction"
    );
    // The same transaction, its check holding: both applied, their two records.
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(key("TX#C").into()))
        .send()
        .await
        .unwrap();
    transaction().await.unwrap();
    assert!(get("TX#B").await.is_some());
    assert_eq!(
        get("TX#A").await.unwrap()["n"],
        AttributeValue::N("2".into())
    );
    assert_eq!(
        stream_records().await,
        before + 3,
        "C's put, then B's and A's"
    );
}

/// Issue 16: a listing's pages give every entry exactly once while the entries change between
/// pages (by update: as they were when the listing started, thanks to the versions kept), the
/// departed are listed with the unlisted, and `_lastUpdated` deltas find what changed.
#[tokio::test]
async fn listings_give_each_entry_once_while_entries_change_between_pages() {
    use rpps_store::{DirectoryEntry, DirectorySite, Listing, ListingOrder};
    use time::Duration;
    use time::macros::date;

    let store = fresh_store().await;
    let now = time::OffsetDateTime::now_utc();
    let base = now - Duration::hours(2);
    let site = |active: bool| DirectorySite {
        finess: Finess::parse("750012346").unwrap(),
        establishment_name: "Service".into(),
        commune_code: "75115".into(),
        commune_name: "Paris 15e".into(),
        departement: "75".into(),
        started_on: date!(2026 - 01 - 05),
        ended_on: (!active).then_some(date!(2026 - 06 - 30)),
        active,
    };
    let entry = |i: u64, family: &str, active: bool, at: time::OffsetDateTime| DirectoryEntry {
        rpps: RppsNumber::from_sequence(900 + i).unwrap(),
        family_name: family.into(),
        given_names: format!("Personne {i}"),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: vec![site(active)],
        ecps_activable_from: None,
        published_at: base,
        updated_at: at,
    };
    // The way the publisher writes: read the version, then replace it.
    let rebuild = async |e: DirectoryEntry| {
        let previous = store.directory_entry_for_rebuild(&e.rpps).await.unwrap();
        store
            .replace_directory_entry(&e, previous.as_ref().map(|(p, v)| (p, *v)))
            .await
            .unwrap();
    };
    const N: u64 = 30;
    for i in 0..N {
        // One in five has left (no site in the directory any more).
        rebuild(entry(
            i,
            "Avant",
            i % 5 != 4,
            base + Duration::seconds(i as i64),
        ))
        .await;
    }
    let all: BTreeSet<String> = (0..N)
        .map(|i| RppsNumber::from_sequence(900 + i).unwrap().to_string())
        .collect();
    let by_update = Listing {
        order: ListingOrder::ByUpdate {
            since: Some(base),
            before: None,
        },
        active: None,
    };
    for listing in [
        by_update.clone(),
        Listing {
            order: ListingOrder::ByNumber,
            active: None,
        },
    ] {
        let first = store.list_directory(&listing, 7, None, now).await.unwrap();
        assert_eq!(first.results.len(), 7, "{listing:?}");
        // Between pages: every other entry changes, seen or not, some twice.
        let later = now + Duration::minutes(1);
        for i in (0..N).step_by(2) {
            rebuild(entry(i, "Après", true, later)).await;
            if i % 4 == 0 {
                rebuild(entry(i, "Encore", true, later + Duration::seconds(1))).await;
            }
        }
        let mut seen: Vec<DirectoryEntry> = first.results;
        let mut cursor = first.next;
        while let Some(c) = cursor {
            let page = store
                .list_directory(&listing, 7, Some(&c), later + Duration::seconds(5))
                .await
                .unwrap();
            assert!(page.results.len() <= 7);
            seen.extend(page.results);
            cursor = page.next;
        }
        let numbers: Vec<String> = seen.iter().map(|e| e.rpps.to_string()).collect();
        let unique: BTreeSet<String> = numbers.iter().cloned().collect();
        assert_eq!(numbers.len(), unique.len(), "{listing:?}: an entry twice");
        assert_eq!(unique, all, "{listing:?}: an entry missed");
        if listing == by_update {
            // As they were when the listing started: the versions kept were read.
            assert!(seen.iter().all(|e| e.family_name == "Avant"), "{seen:?}");
        }
        // Back as they were for the next listing.
        for i in (0..N).step_by(2) {
            rebuild(entry(i, "Avant", i % 5 != 4, later + Duration::seconds(2))).await;
        }
    }

    // A delta: what changed since an instant, the departed among them, as they are now.
    let since = now + Duration::minutes(1) + Duration::seconds(2);
    let delta = Listing {
        order: ListingOrder::ByUpdate {
            since: Some(since),
            before: None,
        },
        active: None,
    };
    let page = store
        .list_directory(&delta, 200, None, now + Duration::minutes(2))
        .await
        .unwrap();
    let changed: BTreeSet<String> = page.results.iter().map(|e| e.rpps.to_string()).collect();
    assert_eq!(changed.len(), (N / 2) as usize);
    assert!(page.next.is_none());
    let departed = Listing {
        order: ListingOrder::ByUpdate {
            since: Some(since),
            before: None,
        },
        active: Some(false),
    };
    let page = store
        .list_directory(&departed, 200, None, now + Duration::minutes(2))
        .await
        .unwrap();
    let gone: Vec<u64> = page
        .results
        .iter()
        .map(|e| e.rpps.to_string().parse::<u64>().unwrap())
        .collect();
    assert_eq!(gone.len(), 3, "{gone:?}");
    assert!(
        page.results
            .iter()
            .all(|e| e.active_sites().next().is_none())
    );
    // Before an instant: nothing of the delta.
    let before = Listing {
        order: ListingOrder::ByUpdate {
            since: None,
            before: Some(since),
        },
        active: None,
    };
    let page = store
        .list_directory(&before, 200, None, now + Duration::minutes(2))
        .await
        .unwrap();
    let old: BTreeSet<String> = page.results.iter().map(|e| e.rpps.to_string()).collect();
    assert_eq!(old.len(), (N / 2) as usize);
    assert!(old.is_disjoint(&changed));

    // Empty ranges are empty pages, never a refused query: from tomorrow, an interval that
    // ends before it starts, changes of the last seconds (after the snapshot).
    let later = now + Duration::minutes(2);
    for (since, before) in [
        (Some(later + Duration::days(1)), None),
        (
            Some(later - Duration::hours(1)),
            Some(later - Duration::hours(2)),
        ),
        (Some(later - Duration::seconds(2)), None),
    ] {
        let empty = Listing {
            order: ListingOrder::ByUpdate { since, before },
            active: None,
        };
        let page = store.list_directory(&empty, 50, None, later).await;
        assert!(
            matches!(&page, Ok(p) if p.results.is_empty() && p.next.is_none()),
            "{since:?}..{before:?}: {page:?}"
        );
    }

    // An entry written before the listings existed (no index keys): found by the operator's
    // `rpps-admin index-directory`, and only it.
    assert!(
        store
            .unlisted_directory_entries(2)
            .await
            .unwrap()
            .is_empty()
    );
    // Entry items as earlier versions wrote them, with these index keys and attributes.
    let put_entry = async |rpps: &RppsNumber, i: u64, more: &[(&str, AttributeValue)]| {
        let json = serde_json::to_string(&entry(i, "Ancien", true, base)).unwrap();
        let mut item = std::collections::HashMap::from([
            ("PK".to_owned(), AttributeValue::S(format!("DIR#{rpps}"))),
            ("SK".to_owned(), AttributeValue::S("DIR".into())),
            ("entry".to_owned(), AttributeValue::S(json)),
        ]);
        for (name, value) in more {
            item.insert((*name).to_owned(), value.clone());
        }
        put_raw(&store, item).await;
    };
    let legacy = RppsNumber::from_sequence(990).unwrap();
    put_entry(&legacy, 90, &[]).await;
    assert_eq!(
        store.unlisted_directory_entries(2).await.unwrap(),
        std::slice::from_ref(&legacy)
    );
    // An entry in the listings but of the first items layout (no name tokens nor site copies
    // by establishment): too.
    let first_layout = RppsNumber::from_sequence(992).unwrap();
    let listed = [
        ("GSI3PK", AttributeValue::S("DIRALL".into())),
        ("GSI3SK", AttributeValue::S(first_layout.to_string())),
    ];
    put_entry(&first_layout, 92, &listed).await;
    // And one of the second (no inner suffixes for `name:contains`).
    let second_layout = RppsNumber::from_sequence(993).unwrap();
    put_entry(
        &second_layout,
        93,
        &[
            ("GSI3PK", AttributeValue::S("DIRALL".into())),
            ("GSI3SK", AttributeValue::S(second_layout.to_string())),
            ("items_layout", AttributeValue::N("2".into())),
        ],
    )
    .await;
    let mut found = store.unlisted_directory_entries(2).await.unwrap();
    found.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(found, [legacy, first_layout, second_layout]);
}

/// Issue 16, `PractitionerRole?organization=`: the entries with a published site at an
/// establishment, by RPPS number, a page at a time; an ended site is not there.
#[tokio::test]
async fn the_entries_practising_at_an_establishment_are_read_by_number() {
    use rpps_store::DirectoryEntry;
    let store = fresh_store().await;
    let at = time::OffsetDateTime::now_utc();
    let site = |finess: &str, active: bool| service_site(&Finess::parse(finess).unwrap(), active);
    let mut here = Vec::new();
    for i in 0..7u64 {
        let sites = match i % 3 {
            0 => vec![site("750012346", true), site("690011226", true)],
            1 => vec![site("750012346", true)],
            _ => vec![site("750012346", false), site("690011226", true)],
        };
        let e = DirectoryEntry {
            rpps: RppsNumber::from_sequence(700 + i).unwrap(),
            family_name: format!("Site{i}"),
            given_names: "Anne".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites,
            ecps_activable_from: None,
            published_at: at,
            updated_at: at,
        };
        store.write_directory_entry(&e).await.unwrap();
        if i % 3 != 2 {
            here.push(e.rpps.to_string());
        }
    }
    let paris = Finess::parse("750012346").unwrap();
    let mut read = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, more) = store
            .directory_entries_at(
                &paris,
                after
                    .as_deref()
                    .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
                2,
            )
            .await
            .unwrap();
        assert!(page.len() <= 2);
        read.extend(page.iter().map(|e| e.rpps.to_string()));
        if !more {
            break;
        }
        after = read.last().cloned();
    }
    assert_eq!(read, here);
    // From a number on (several establishments' pages merged by role id).
    let (from_second, _) = store
        .directory_entries_at(&paris, std::ops::Bound::Included(&here[1]), 10)
        .await
        .unwrap();
    let from_second: Vec<String> = from_second.iter().map(|e| e.rpps.to_string()).collect();
    assert_eq!(from_second, here[1..]);
}

/// Issue 16, `Organization`: the establishments by postal code, by name and town words, by
/// update (a snapshot: each once while an import changes them between pages), and the items
/// written before `changed_at` was kept put in the indexes by the next import.
#[tokio::test]
async fn organizations_are_searched_and_listed_once_each_while_imports_change_them() {
    use rpps_store::OrganizationSearch;
    use time::Duration;

    let store = fresh_store().await;
    let start = time::OffsetDateTime::now_utc() - Duration::hours(3);
    let numbered = |i: u32, postal: &str, town: &str| {
        // FINESS: 8 digits and a Luhn key (the domain checks it).
        let body = format!("{}{:06}", &postal[..2], 100 + i);
        let finess = (0..10)
            .map(|k| format!("{body}{k}"))
            .find(|f| Finess::parse(f).is_ok())
            .unwrap();
        let mut e = establishment(
            &finess,
            &format!("SAAD NUMERO {i}"),
            &format!("SAINTE AIDE {i}"),
            town,
        );
        e.postal_code = postal.into();
        e
    };
    let mut all: Vec<Establishment> = (0..12)
        .map(|i| match i % 3 {
            0 => numbered(i, "01000", "BOURG-EN-BRESSE"),
            1 => numbered(i, "01440", "VIRIAT"),
            _ => numbered(i, "69003", "LYON 3E ARRONDISSEMENT"),
        })
        .collect();
    store.import_establishments_at(&all, start).await.unwrap();
    let finess = |page: &[rpps_store::StoredEstablishment]| -> Vec<String> {
        page.iter()
            .map(|s| s.establishment.finess.to_string())
            .collect()
    };
    let now = time::OffsetDateTime::now_utc();
    let search = |s: OrganizationSearch| {
        let store = store.clone();
        async move {
            store
                .search_organizations(&s, 200, None, now)
                .await
                .unwrap()
                .results
        }
    };
    let by_postal = search(OrganizationSearch {
        postal_code: Some("014".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_postal.len(), 4);
    assert!(by_postal.iter().all(|s| s.establishment.town == "VIRIAT"));
    assert!(by_postal.iter().all(|s| s.changed_at == Some(start)));
    let by_city = search(OrganizationSearch {
        city: Some("bourg en".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_city.len(), 4);
    // Word search: "aide" is a word of every name; each establishment once.
    let by_name = search(OrganizationSearch {
        name_words: vec!["aid".into(), "10".into()],
        ..Default::default()
    })
    .await;
    assert_eq!(finess(&by_name), [all[10].finess.to_string()]);
    // Two at a time (review of issue 16: across pages, not only within one).
    let mut named = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .search_organizations(
                &OrganizationSearch {
                    name_words: vec!["sa".into()],
                    ..Default::default()
                },
                2,
                cursor.as_deref(),
                now,
            )
            .await
            .unwrap();
        named.extend(finess(&page.results));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        named.len(),
        12,
        "saad and sainte both start with sa: once each"
    );
    named.sort();
    named.dedup();
    assert_eq!(named.len(), 12);
    let in_lyon = search(OrganizationSearch {
        name_words: vec!["sa".into()],
        city: Some("lyon".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(in_lyon.len(), 4);

    // The whole list by update, two at a time, while an import changes some of the ones not
    // yet read and some already read: each establishment once, as it was at the snapshot.
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = store
            .search_organizations(
                &OrganizationSearch::default(),
                2,
                cursor.as_deref(),
                time::OffsetDateTime::now_utc(),
            )
            .await
            .unwrap();
        listed.extend(page.results);
        pages += 1;
        if pages == 2 {
            for e in all.iter_mut().step_by(2) {
                e.long_name = format!("{} RENOMME", e.long_name);
            }
            let report = store.import_establishments(&all).await.unwrap();
            assert_eq!((report.updated, report.unchanged), (6, 6));
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut numbers = finess(&listed);
    numbers.sort();
    let mut expected: Vec<String> = all.iter().map(|e| e.finess.to_string()).collect();
    expected.sort();
    assert_eq!(numbers, expected, "each establishment once");
    assert!(
        listed
            .iter()
            .all(|s| !s.establishment.long_name.ends_with("RENOMME")),
        "as they were at the snapshot"
    );
    // A delta since the import: the six renamed, as they are now.
    let delta = search(OrganizationSearch {
        since: Some(start + Duration::minutes(1)),
        ..Default::default()
    })
    .await;
    assert!(
        delta.is_empty(),
        "the snapshot of `now` (taken before the import) holds none"
    );
    let delta = store
        .search_organizations(
            &OrganizationSearch {
                since: Some(start + Duration::minutes(1)),
                ..Default::default()
            },
            200,
            None,
            time::OffsetDateTime::now_utc() + Duration::minutes(1),
        )
        .await
        .unwrap()
        .results;
    assert_eq!(delta.len(), 6);
    assert!(
        delta
            .iter()
            .all(|s| s.establishment.long_name.ends_with("RENOMME"))
    );

    // An item written before `changed_at` was kept: in no index until the next import.
    let old = numbered(40, "38000", "GRENOBLE");
    let mut item: std::collections::HashMap<String, AttributeValue> =
        serde_dynamo::to_item(&old).unwrap();
    item.insert(
        "PK".into(),
        AttributeValue::S(format!("EST#{}", old.finess)),
    );
    item.insert("SK".into(), AttributeValue::S("EST".into()));
    put_raw(&store, item).await;
    let grenoble = OrganizationSearch {
        postal_code: Some("38".into()),
        ..Default::default()
    };
    assert!(search(grenoble.clone()).await.is_empty());
    let report = store
        .import_establishments(std::slice::from_ref(&old))
        .await
        .unwrap();
    assert_eq!((report.indexed, report.updated, report.created), (1, 0, 0));
    let found = store
        .search_organizations(&grenoble, 10, None, time::OffsetDateTime::now_utc())
        .await
        .unwrap()
        .results;
    assert_eq!(finess(&found), [old.finess.to_string()]);
}

/// Review of issue 16: establishments are read 100 keys a `BatchGetItem` at most (a page of 200
/// Organizations, or a role page's establishments, asks for more).
#[tokio::test]
async fn more_than_a_hundred_establishments_are_read_in_batches_of_a_hundred() {
    let store = fresh_store().await;
    let all: Vec<Establishment> = (0..150u32)
        .map(|i| {
            let body = format!("38{:06}", 300 + i);
            let finess = (0..10)
                .map(|k| format!("{body}{k}"))
                .find(|f| Finess::parse(f).is_ok())
                .unwrap();
            establishment(&finess, &format!("SAAD {i}"), "SERVICE", "GRENOBLE")
        })
        .collect();
    store.import_establishments(&all).await.unwrap();
    let read = store
        .get_establishments(all.iter().map(|e| &e.finess))
        .await
        .unwrap();
    assert_eq!(read.len(), 150);
}

/// Review of issue 16: an import writes the version it keeps before the item replacing it; a
/// listing reading in between finds the establishment twice at one position, and serves it
/// once.
#[tokio::test]
async fn an_establishment_half_way_through_an_import_is_listed_once() {
    use rpps_store::OrganizationSearch;
    use time::Duration;

    let store = fresh_store().await;
    let t0 = time::OffsetDateTime::now_utc() - Duration::hours(1);
    let all = vec![
        establishment(
            "010000024",
            "CH DE FLEYRIAT",
            "CENTRE HOSPITALIER",
            "VIRIAT",
        ),
        establishment(
            "010009090",
            "AAD BOURG",
            "AIDE A DOMICILE",
            "BOURG EN BRESSE",
        ),
        establishment("750012346", "SAAD PARIS 15", "AIDE ET PRESENCE", "PARIS"),
    ];
    store.import_establishments_at(&all, t0).await.unwrap();
    // The first write of an import of a renamed 010009090: its kept version, at its position.
    let position = rpps_store::listing::instant_key(t0);
    let mut version: std::collections::HashMap<String, AttributeValue> =
        serde_dynamo::to_item(&all[1]).unwrap();
    for (name, value) in [
        ("PK", "EST#010009090".to_owned()),
        ("SK", format!("ESTV#{position}")),
        ("GSI3PK", "ESTUPD".to_owned()),
        ("GSI3SK", format!("{position}#010009090")),
        ("changed_at", position.clone()),
        (
            "superseded_at",
            rpps_store::listing::instant_key(time::OffsetDateTime::now_utc()),
        ),
    ] {
        version.insert(name.into(), AttributeValue::S(value));
    }
    put_raw(&store, version).await;
    let listed: Vec<String> = store
        .search_organizations(
            &OrganizationSearch::default(),
            10,
            None,
            time::OffsetDateTime::now_utc() - Duration::seconds(30),
        )
        .await
        .unwrap()
        .results
        .iter()
        .map(|s| s.establishment.finess.to_string())
        .collect();
    assert_eq!(listed, ["010000024", "010009090", "750012346"]);
}

/// Review of issue 16: a rebuild removes the name tokens and site copies an entry no longer
/// has (renamed, then departed): nothing of it stays findable by `given`, `name` or
/// `organization`, and its partition holds the entry and the versions kept only.
#[tokio::test]
async fn a_rebuild_removes_the_tokens_and_site_copies_an_entry_no_longer_has() {
    use rpps_store::{DirectoryEntry, DirectorySearch};
    let store = fresh_store().await;
    let paris = Finess::parse("750012346").unwrap();
    let site = |active: bool| service_site(&paris, active);
    let at = time::OffsetDateTime::now_utc();
    let mut entry = DirectoryEntry {
        rpps: RppsNumber::from_sequence(800).unwrap(),
        family_name: "Quelvennec".into(),
        given_names: "Yannick Gwenaël".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: vec![site(true)],
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    };
    let rebuild = async |e: &DirectoryEntry| {
        let previous = store.directory_entry_for_rebuild(&e.rpps).await.unwrap();
        store
            .replace_directory_entry(e, previous.as_ref().map(|(p, v)| (p, *v)))
            .await
            .unwrap();
    };
    let found = async |word: &str| how_many(&store, DirectorySearch::Token(word.into())).await;
    let inside = async |part: &str| how_many(&store, DirectorySearch::Contains(part.into())).await;
    rebuild(&entry).await;
    assert_eq!(found("gwen").await, 1);
    assert_eq!(found("quel").await, 1);
    assert_eq!(inside("venn").await, 1);
    assert_eq!(inside("quel").await, 1, "the words too");
    assert_eq!(
        store
            .directory_entries_at(&paris, std::ops::Bound::Unbounded, 10)
            .await
            .unwrap()
            .0
            .len(),
        1
    );
    // Renamed: the old words go, the new ones come.
    entry.family_name = "Le Goff".into();
    entry.updated_at = at + time::Duration::seconds(1);
    rebuild(&entry).await;
    assert_eq!(found("quel").await, 0);
    assert_eq!(found("goff").await, 1);
    assert_eq!(inside("venn").await, 0);
    assert_eq!(inside("off").await, 1);
    // Departed: no word, no site copy.
    entry.sites = vec![site(false)];
    entry.updated_at = at + time::Duration::seconds(2);
    rebuild(&entry).await;
    assert_eq!(found("goff").await, 0);
    assert_eq!(found("yannick").await, 0);
    assert_eq!(inside("nnick").await, 0);
    assert!(
        store
            .directory_entries_at(&paris, std::ops::Bound::Unbounded, 10)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    let sks = partition_keys(&store, &entry.rpps).await;
    assert!(
        sks.iter().all(|sk| sk == "DIR" || sk.starts_with("DIRV#")),
        "{sks:?}"
    );
}

/// Review of issue 16: a rename of an entry with 40 sites and names of 32 name items each
/// (words and inner suffixes) would be 2 + 40 + 32 + 32 items, over a transaction's 100: the
/// stale name items are deleted first, and the rename goes through, findable by its new names
/// only.
#[tokio::test]
async fn a_rename_with_many_sites_stays_within_a_transaction() {
    use rpps_store::{DirectoryEntry, DirectorySearch};
    let store = fresh_store().await;
    let finess: Vec<Finess> = (0..40u32)
        .map(|i| {
            (0..10)
                .find_map(|key| Finess::parse(&format!("75{:06}{key}", 1000 + i)).ok())
                .unwrap()
        })
        .collect();
    let at = time::OffsetDateTime::now_utc();
    let mut entry = DirectoryEntry {
        rpps: RppsNumber::from_sequence(801).unwrap(),
        family_name: "Bartholomew-Vanderschueren Montgomery-Fitzwilliam".into(),
        given_names: "Marie-Christine Alexandrine Maximilienne".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: finess.iter().map(|f| service_site(f, true)).collect(),
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    };
    assert_eq!(entry.name_tokens().len() + entry.name_suffixes().len(), 32);
    let rebuild = async |e: &DirectoryEntry| {
        let previous = store.directory_entry_for_rebuild(&e.rpps).await.unwrap();
        store
            .replace_directory_entry(e, previous.as_ref().map(|(p, v)| (p, *v)))
            .await
    };
    let inside = async |part: &str| how_many(&store, DirectorySearch::Contains(part.into())).await;
    rebuild(&entry).await.unwrap();
    assert_eq!(inside("schueren").await, 1);
    let stale = store
        .directory_entry_for_rebuild(&entry.rpps)
        .await
        .unwrap()
        .unwrap();
    entry.family_name = "Quintanilla-Wolkenstein Hohenzollern-Sigmaringen".into();
    entry.given_names = "Anne-Gwendoline Bernadette Clementine".into();
    entry.updated_at = at + time::Duration::seconds(1);
    assert_eq!(entry.name_tokens().len() + entry.name_suffixes().len(), 32);
    rebuild(&entry).await.unwrap();
    assert_eq!(inside("schueren").await, 0);
    assert_eq!(inside("olkenst").await, 1);
    // A rebuild from an older reading loses, and deletes nothing of the newer one (review of
    // issue 16: its stale items were deleted before the version was checked).
    let mut late = entry.clone();
    late.family_name = "Zuckermann-Oppenheimer Rosenkavalier-Stradivarius".into();
    late.updated_at = at + time::Duration::seconds(2);
    assert!(matches!(
        store
            .replace_directory_entry(&late, Some((&stale.0, stale.1)))
            .await,
        Err(rpps_store::StoreError::Conflict { .. })
    ));
    assert_eq!(inside("olkenst").await, 1);
    assert_eq!(inside("oppenhe").await, 0);
    // The entry, the version kept, 40 site copies, 32 name items.
    assert_eq!(
        partition_keys(&store, &entry.rpps).await.len(),
        1 + 1 + 40 + 32
    );
}

/// The sort keys of a directory entry's partition.
async fn partition_keys(store: &rpps_store::Store, rpps: &RppsNumber) -> Vec<String> {
    store
        .client()
        .query()
        .table_name(&store.tables().registry)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("DIR#{rpps}")))
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .map(|i| i["SK"].as_s().unwrap().clone())
        .collect()
}

/// How many entries a directory search's first page (of 10) finds.
async fn how_many(store: &rpps_store::Store, search: rpps_store::DirectorySearch) -> usize {
    store
        .search_directory(&search, 10, None)
        .await
        .unwrap()
        .results
        .len()
}

/// Writes an item as it is (an item as an earlier version wrote it).
async fn put_raw(
    store: &rpps_store::Store,
    item: std::collections::HashMap<String, AttributeValue>,
) {
    store
        .client()
        .put_item()
        .table_name(&store.tables().registry)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

/// A practice site in Paris 15e, started 2026-01-05, ended 2026-06-30 unless `active`.
fn service_site(finess: &Finess, active: bool) -> rpps_store::DirectorySite {
    rpps_store::DirectorySite {
        finess: finess.clone(),
        establishment_name: "Service".into(),
        commune_code: "75115".into(),
        commune_name: "Paris 15e".into(),
        departement: "75".into(),
        started_on: time::macros::date!(2026 - 01 - 05),
        ended_on: (!active).then_some(time::macros::date!(2026 - 06 - 30)),
        active,
    }
}

#[tokio::test]
async fn issue_19_an_import_is_kept_whole_and_changed_only_on_the_version_read() {
    use rpps_store::{ImportJob, ImportStoreError};
    let store = fresh_store().await;
    let job = ImportJob {
        id: "0193a5b0-7c1e-7000-8000-00000000imp1".into(),
        owner: "manager:810000000001".into(),
        status: "preview".into(),
        version: 1,
        created_at: time::OffsetDateTime::now_utc(),
        summary: r#"{"filename":"équipe.csv"}"#.into(),
    };
    // 30 chunks: more than one BatchWriteItem of 25.
    let chunks: Vec<String> = (0..30).map(|i| format!("[{{\"line\":{i}}}]")).collect();
    store.create_import(&job, &chunks).await.unwrap();
    // A second job of the same id is refused: an import is created once.
    assert!(store.create_import(&job, &chunks[..1]).await.is_err());
    let read = store.import(&job.id).await.unwrap().expect("kept");
    assert_eq!(read.job, job);
    assert_eq!(read.chunks.len(), 30);
    assert_eq!(read.chunks[29], (29, "[{\"line\":29}]".to_owned()));
    // A change on the version read: one version on, the chunk replaced.
    let saved = store
        .save_import(&read.job, "preview", "{}", &[(3, "[]".into())])
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let again = store.import(&job.id).await.unwrap().unwrap();
    assert_eq!(again.job.version, 2);
    assert_eq!(again.chunks[3].1, "[]");
    // The stale reading's change is refused, and writes nothing.
    let stale = store
        .save_import(&read.job, "running", "{\"x\":1}", &[(4, "[]".into())])
        .await;
    assert!(matches!(stale, Err(ImportStoreError::Changed)), "{stale:?}");
    let after = store.import(&job.id).await.unwrap().unwrap();
    assert_eq!(
        (after.job.status.as_str(), after.job.summary.as_str()),
        ("preview", "{}")
    );
    assert_eq!(after.chunks[4].1, "[{\"line\":4}]");
    assert!(store.import("absent").await.unwrap().is_none());
}

#[tokio::test]
async fn issue_19_an_import_s_lease_is_released_and_saved_only_by_the_step_holding_it() {
    use rpps_store::{ImportJob, ImportStoreError};
    let store = fresh_store().await;
    let job = ImportJob {
        id: "0193a5b0-7c1e-7000-8000-00000000imp2".into(),
        owner: "810000000001".into(),
        status: "preview".into(),
        version: 1,
        created_at: time::OffsetDateTime::now_utc(),
        summary: "{}".into(),
    };
    store.create_import(&job, &["[]".to_owned()]).await.unwrap();
    // A job in preview cannot be leased.
    assert!(
        !store
            .lease_import(&job.id, "a", 1_000, 31_000)
            .await
            .unwrap()
    );
    let running = store.save_import(&job, "running", "{}", &[]).await.unwrap();
    assert_eq!(
        store.running_imports(10).await.unwrap(),
        vec![job.id.clone()]
    );
    // Step A takes it; B cannot while A's lease holds, can once it has run out.
    assert!(
        store
            .lease_import(&job.id, "a", 1_000, 31_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .lease_import(&job.id, "b", 2_000, 32_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .lease_import(&job.id, "b", 40_000, 70_000)
            .await
            .unwrap()
    );
    // A, late, neither releases B's lease nor saves over B's work.
    store.release_import(&job.id, "a").await.unwrap();
    assert!(
        !store
            .lease_import(&job.id, "c", 41_000, 71_000)
            .await
            .unwrap()
    );
    let late = store
        .save_import_leased(&running, "a", "done", "{}", &[])
        .await;
    assert!(matches!(late, Err(ImportStoreError::Changed)), "{late:?}");
    // B saves, done: out of the running index, its lease gone.
    let done = store
        .save_import_leased(&running, "b", "done", "{}", &[])
        .await
        .unwrap();
    assert_eq!(done.status, "done");
    assert!(store.running_imports(10).await.unwrap().is_empty());
    store.release_import(&job.id, "b").await.unwrap();
}
