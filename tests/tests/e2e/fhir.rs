//! Issue 16: the directory for machines, a read-only FHIR R4 API under `/fhir`, over the local
//! stack. Every resource and Bundle it serves here is also checked by an implementation this
//! project did not write: PyPI `fhir.resources` (R4B models), through `tests/fhir/validate.py`
//! in the virtualenv `make test` prepares (`RPPS_FHIR_PYTHON`).

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE};
use rpps_domain::{Finess, RppsNumber};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use rpps_store::{DirectoryEntry, DirectorySite};
use serde_json::Value;

use crate::support::allocated;

/// One answer of the FHIR API.
struct Answer {
    status: StatusCode,
    json: Value,
}

/// What the API served in a test, for the independent validator.
#[derive(Default)]
struct Served(Vec<Value>);

impl Served {
    async fn get(&mut self, app: &TestApp, path: &str) -> Answer {
        let response = reqwest::Client::new()
            .get(app.url(path))
            .header("Accept", "application/fhir+json")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        assert_eq!(
            headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("application/fhir+json; charset=utf-8"),
            "{path}"
        );
        assert_eq!(
            headers
                .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                .and_then(|v| v.to_str().ok()),
            Some("*"),
            "{path}: open to every origin"
        );
        let json: Value = response.json().await.unwrap();
        self.0.push(json.clone());
        Answer { status, json }
    }

    /// Every resource served so far, through `fhir.resources`.
    fn validate(&self) {
        let python = std::env::var("RPPS_FHIR_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/fhir/bin/python")
            });
        assert!(
            python.exists(),
            "{}: the FHIR validator's Python is missing; `make test` installs it (infra/local/stack.sh setup_fhir_validator)",
            python.display()
        );
        let file = std::env::temp_dir().join(format!("rpps-fhir-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(&file, serde_json::to_vec(&self.0).unwrap()).unwrap();
        let out = std::process::Command::new(&python)
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fhir/validate.py"))
            .arg(&file)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&file);
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "fhir.resources refused what the API served:\n{report}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            report.contains(&format!("{} resources, 0 invalid", self.0.len())),
            "{report}"
        );
    }
}

/// A directory entry written as the publisher writes one, for paging and departures.
fn entry(seq: u64, family: &str, given: &str, active: bool) -> DirectoryEntry {
    let at = time::OffsetDateTime::now_utc();
    DirectoryEntry {
        rpps: RppsNumber::from_sequence(9_000_000 + seq).unwrap(),
        family_name: family.into(),
        given_names: given.into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites: vec![DirectorySite {
            finess: Finess::parse(rpps_devidp::FINESS_A).unwrap(),
            establishment_name: "Aide à domicile".into(),
            commune_code: "75115".into(),
            commune_name: "Paris 15e Arrondissement".into(),
            departement: "75".into(),
            started_on: time::macros::date!(2026 - 09 - 01),
            ended_on: (!active).then_some(time::macros::date!(2026 - 11 - 30)),
            active,
        }],
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    }
}

/// Done when (issue 16): a professional validated through the API is found in `/fhir` by RPPS
/// within a minute, with a valid Bundle.
#[tokio::test]
async fn a_validated_professional_is_found_by_rpps_in_a_valid_bundle() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let mut served = Served::default();
    let (_, _, rpps, _) = allocated(&app).await;
    let validated = std::time::Instant::now();
    let search = format!("/fhir/Practitioner?identifier=https://rpps.esante.gouv.fr%7C{rpps}");
    let mut found = None;
    while validated.elapsed() < std::time::Duration::from_secs(60) {
        let answer = served.get(&app, &search).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        if answer.json["total"] == 1 {
            found = Some(answer.json);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let bundle = found.expect("found within a minute");
    assert_eq!(bundle["type"], "searchset");
    let practitioner = &bundle["entry"][0]["resource"];
    assert_eq!(practitioner["id"], rpps.as_str());
    assert_eq!(practitioner["active"], true);
    assert_eq!(
        bundle["entry"][0]["fullUrl"],
        format!("{}/fhir/Practitioner/{rpps}", app.options.public_origin)
    );
    assert!(
        practitioner["identifier"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |i| i["system"] == "urn:oid:1.2.250.1.71.4.2.1" && i["value"] == format!("8{rpps}")
            ),
        "{practitioner}"
    );
    // The same by idNatPs, bare, by _id, and read.
    for path in [
        format!("/fhir/Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1%7C8{rpps}"),
        format!("/fhir/Practitioner?identifier=8{rpps}"),
        format!("/fhir/Practitioner?_id={rpps}&family=n%27di"),
    ] {
        let answer = served.get(&app, &path).await;
        assert_eq!(answer.json["total"], 1, "{path}: {}", answer.json);
    }
    let read = served
        .get(&app, &format!("/fhir/Practitioner/{rpps}"))
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(&read.json, practitioner);
    // Private data never: the civil status's birth date is not there.
    assert!(!read.json.to_string().contains("1985"), "{}", read.json);
    // Its practice site, with the professional (_revinclude), then read by its own id.
    let with_roles = served
        .get(
            &app,
            &format!("/fhir/Practitioner?_id={rpps}&_revinclude=PractitionerRole:practitioner"),
        )
        .await;
    assert_eq!(with_roles.status, StatusCode::OK, "{}", with_roles.json);
    assert_eq!(
        with_roles.json["total"], 1,
        "matches only: {}",
        with_roles.json
    );
    let entries = with_roles.json["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{}", with_roles.json);
    assert_eq!(entries[1]["search"]["mode"], "include");
    let role = &entries[1]["resource"];
    assert_eq!(role["resourceType"], "PractitionerRole");
    assert_eq!(role["active"], true);
    assert_eq!(
        role["practitioner"]["reference"],
        format!("Practitioner/{rpps}")
    );
    let finess = role["organization"]["identifier"]["value"]
        .as_str()
        .unwrap();
    assert_eq!(role["id"], format!("{rpps}-{finess}"));
    assert_eq!(
        entries[1]["fullUrl"],
        format!(
            "{}/fhir/PractitionerRole/{rpps}-{finess}",
            app.options.public_origin
        )
    );
    let role_read = served
        .get(&app, &format!("/fhir/PractitionerRole/{rpps}-{finess}"))
        .await;
    assert_eq!(role_read.status, StatusCode::OK, "{}", role_read.json);
    assert_eq!(&role_read.json, role);
    // The role search: by the professional, with the professional included.
    let by_practitioner = served
        .get(
            &app,
            &format!(
                "/fhir/PractitionerRole?practitioner=Practitioner/{rpps}&_include=PractitionerRole:practitioner"
            ),
        )
        .await;
    assert_eq!(
        by_practitioner.status,
        StatusCode::OK,
        "{}",
        by_practitioner.json
    );
    assert_eq!(by_practitioner.json["total"], 1, "{}", by_practitioner.json);
    let found = by_practitioner.json["entry"].as_array().unwrap();
    assert_eq!(&found[0]["resource"], role);
    assert_eq!(found[1]["search"]["mode"], "include");
    assert_eq!(&found[1]["resource"], practitioner);
    for unknown in [
        format!("/fhir/PractitionerRole/{rpps}-130000011"),
        format!("/fhir/PractitionerRole/{rpps}"),
        // Review of issue 16: a well-formed number never published (the read's own 404), and
        // other spellings of this professional's ids (one URL per resource).
        format!(
            "/fhir/PractitionerRole/{}-{finess}",
            RppsNumber::from_sequence(9_999_999).unwrap()
        ),
        format!("/fhir/PractitionerRole/8{rpps}-{finess}"),
        format!("/fhir/Practitioner/8{rpps}"),
    ] {
        let answer = served.get(&app, &unknown).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{unknown}");
        assert_eq!(answer.json["resourceType"], "OperationOutcome");
    }
    let capabilities = served.get(&app, "/fhir/metadata").await;
    assert_eq!(capabilities.json["fhirVersion"], "4.0.1");
    served.validate();
}

/// The family search pages with an opaque cursor: every entry once, `next` until the end; a
/// professional who left is served as identifiers and `active: false` only.
#[tokio::test]
async fn family_search_pages_every_entry_once_and_the_departed_are_inactive() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let store = app.store();
    let mut expected = Vec::new();
    for (i, given) in ["Anne", "Bea", "Chloé", "Dora", "Emma"].iter().enumerate() {
        let e = entry(i as u64, "Fhirpage", given, true);
        store.write_directory_entry(&e).await.unwrap();
        expected.push(e.rpps.to_string());
    }
    let left = entry(9, "Fhirpage", "Zoé", false);
    store.write_directory_entry(&left).await.unwrap();
    let mut served = Served::default();
    let seen = sorted_ids(
        &follow(
            &app,
            &mut served,
            "/fhir/Practitioner?family=FHIRPAGE&_count=2",
            4,
        )
        .await,
    );
    assert_eq!(seen, expected, "every practising professional once");
    // One page, total given; :exact is the name as written.
    let all = served
        .get(&app, "/fhir/Practitioner?family:exact=Fhirpage")
        .await;
    assert_eq!(all.json["total"], 5, "{}", all.json);
    let none = served
        .get(&app, "/fhir/Practitioner?family:exact=FHIRPAGE")
        .await;
    assert_eq!(none.json["total"], 0, "{}", none.json);
    // `given` and `name` (issue 16): the words of the names, each professional once even
    // when two of their words start with the query, the one who left not found.
    let annick = entry(8, "Fhirtok", "Anna Annick", true);
    store.write_directory_entry(&annick).await.unwrap();
    let by_given = sorted_ids(
        &follow(
            &app,
            &mut served,
            "/fhir/Practitioner?given=ANN&_count=1",
            6,
        )
        .await,
    );
    let mut anne_and_annick = vec![expected[0].clone(), annick.rpps.to_string()];
    anne_and_annick.sort();
    assert_eq!(by_given, anne_and_annick);
    // name:contains a page at a time, each professional once: Anna Annick (two words start
    // with `ann`), Joanna Annie (a word and the inner suffix `anna`), Anne.
    let joanna = entry(7, "Fhirtok", "Joanna Annie", true);
    store.write_directory_entry(&joanna).await.unwrap();
    let by_inside = sorted_ids(
        &follow(
            &app,
            &mut served,
            "/fhir/Practitioner?name:contains=ANN&_count=1",
            6,
        )
        .await,
    );
    let mut with_joanna = anne_and_annick.clone();
    with_joanna.push(joanna.rpps.to_string());
    with_joanna.sort();
    assert_eq!(by_inside, with_joanna);
    for (query, total) in [
        ("name=fhirp", 5),
        ("name=chlo", 1),
        ("given=zo", 0),
        ("family=fhirpage&given=Anne", 1),
        ("name:exact=Dora", 1),
        ("name:exact=dora", 0),
        ("given=anna%20ann", 1),
        // name:contains (issue 16): inside a word, or a word; the one who left not found.
        ("name:contains=IRPAG", 5),
        ("name:contains=nnic", 1),
        ("name:contains=oann", 1),
        ("name:contains=hlo%C3%A9", 1),
        ("name:contains=zoe", 0),
        ("given=emma&name:contains=hirp", 1),
        // _total=accurate past the first page (issue 16).
        ("family=FHIRPAGE&_count=2&_total=accurate", 5),
        ("name:contains=ann&_count=1&_total=accurate", 3),
        ("name=fhirp&active=true&_count=2&_total=accurate", 5),
        ("_count=3&_total=accurate", 8),
        ("active=false&_count=1&_total=accurate", 1),
    ] {
        let answer = served
            .get(&app, &format!("/fhir/Practitioner?{query}"))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.json);
        assert_eq!(answer.json["total"], total, "{query}: {}", answer.json);
    }
    // The one who left.
    let gone = served
        .get(&app, &format!("/fhir/Practitioner/{}", left.rpps))
        .await;
    assert_eq!(gone.json["active"], false);
    assert!(gone.json.get("name").is_none(), "{}", gone.json);
    // The sites of all six, by id, two a page: each once; `active=false` keeps the one ended.
    let numbers: Vec<String> = expected
        .iter()
        .cloned()
        .chain([left.rpps.to_string()])
        .collect();
    let role_ids: Vec<String> = follow(
        &app,
        &mut served,
        &format!(
            "/fhir/PractitionerRole?practitioner={}&_count=2",
            numbers.join(",")
        ),
        3,
    )
    .await
    .iter()
    .map(|r| r["id"].as_str().unwrap().to_owned())
    .collect();
    let mut expected_roles: Vec<String> = numbers
        .iter()
        .map(|n| format!("{n}-{}", rpps_devidp::FINESS_A))
        .collect();
    expected_roles.sort();
    assert_eq!(role_ids, expected_roles, "in id order, each once");
    let ended = served
        .get(
            &app,
            &format!(
                "/fhir/PractitionerRole?practitioner={}&active=false",
                numbers.join(",")
            ),
        )
        .await;
    assert_eq!(ended.json["total"], 1, "{}", ended.json);
    assert_eq!(
        ended.json["entry"][0]["resource"]["id"],
        format!("{}-{}", left.rpps, rpps_devidp::FINESS_A)
    );
    // Their practice site: ended, nothing but the reference to them.
    let gone_role = served
        .get(
            &app,
            &format!(
                "/fhir/PractitionerRole/{}-{}",
                left.rpps,
                rpps_devidp::FINESS_A
            ),
        )
        .await;
    assert_eq!(gone_role.status, StatusCode::OK, "{}", gone_role.json);
    assert_eq!(gone_role.json["active"], false);
    assert!(
        gone_role.json.get("organization").is_none(),
        "{}",
        gone_role.json
    );
    // Errors are OperationOutcome resources, never a silently ignored parameter.
    for (path, status) in [
        ("/fhir/Practitioner?given=A", StatusCode::BAD_REQUEST),
        (
            "/fhir/Practitioner?name:contains=ab",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/Practitioner?family:contains=page",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/Practitioner?family=fhirpage&_count=500",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/Practitioner?family=fhirpage&_cursor=bm90LWEtY3Vyc29y",
            StatusCode::BAD_REQUEST,
        ),
        ("/fhir/Practitioner/19999999999", StatusCode::NOT_FOUND),
        ("/fhir/Location", StatusCode::NOT_FOUND),
        (
            "/fhir/Practitioner?family=fhirpage&_revinclude=PractitionerRole:organization",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/PractitionerRole?_cursor=bm90LWEtY3Vyc29y",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/PractitionerRole?organization=750012346,690011226,1,2,3,4,5,6,7,8,9",
            StatusCode::BAD_REQUEST,
        ),
        ("/fhir/PractitionerRole/x", StatusCode::NOT_FOUND),
    ] {
        let answer = served.get(&app, path).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.json);
        assert_eq!(answer.json["resourceType"], "OperationOutcome", "{path}");
    }
    served.validate();
}

/// The `next` links of a search, followed to the end: every resource id served, in order.
/// A search's Bundle has this `total`, or none.
async fn has_total(app: &TestApp, served: &mut Served, path: &str, total: Option<usize>) {
    let answer = served.get(app, path).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.json);
    match total {
        Some(total) => assert_eq!(answer.json["total"], total, "{path}: {}", answer.json),
        None => assert!(
            answer.json.get("total").is_none(),
            "{path}: {}",
            answer.json
        ),
    }
}

/// The ids of resources, sorted.
fn sorted_ids(resources: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = resources
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn follow(app: &TestApp, served: &mut Served, first: &str, max_pages: usize) -> Vec<Value> {
    let mut resources = Vec::new();
    let mut next = Some(first.to_owned());
    let mut pages = 0;
    while let Some(path) = next.take() {
        pages += 1;
        assert!(pages <= max_pages, "{first}: more than {max_pages} pages");
        let answer = served.get(app, &path).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.json);
        for entry in answer.json["entry"].as_array().into_iter().flatten() {
            resources.push(entry["resource"].clone());
        }
        next = next_path(app, &answer.json);
    }
    resources
}

/// The path of a Bundle's `next` link, if any.
fn next_path(app: &TestApp, bundle: &Value) -> Option<String> {
    bundle["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .map(|l| {
            l["url"]
                .as_str()
                .unwrap()
                .strip_prefix(&app.options.public_origin)
                .unwrap()
                .to_owned()
        })
}

/// Done when (issue 16): the departed show as `active=false` in a delta. A professional
/// validated through the API leaves (departure, then the night's purge): a `_lastUpdated`
/// delta from before the departure returns them inactive, identifiers only; the whole
/// directory lists every entry once, page by page, by number.
#[tokio::test]
async fn a_departed_professional_shows_as_inactive_in_a_last_updated_delta() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let mut served = Served::default();
    let (_, manager, rpps, _) = allocated(&app).await;
    crate::support::eventually(|| async {
        let store = app.store();
        let number = RppsNumber::parse(&rpps).unwrap();
        store.directory_entry(&number).await.unwrap()
    })
    .await
    .expect("published");
    let before_departure = time::OffsetDateTime::now_utc();
    let since = before_departure
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let delta = format!(
        "/fhir/Practitioner?_lastUpdated=ge{}",
        since.replace('+', "%2B")
    );

    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    let departure = format!(
        "/api/manager/staff/{rpps}/sites/{}/departure",
        rpps_devidp::FINESS_A
    );
    let (status, left) = manager
        .put(&departure, serde_json::json!({ "date": today.to_string() }))
        .await;
    assert_eq!(status, StatusCode::OK, "{left}");
    let (_, report) = crate::support::local_purge(&app, Some(today.next_day().unwrap())).await;
    assert_eq!(report["purged"][0]["rpps"], rpps.as_str(), "{report}");

    let gone = crate::support::eventually(|| {
        let delta = delta.clone();
        let app = &app;
        async move {
            let answer = reqwest::get(app.url(&delta)).await.ok()?;
            let json: Value = answer.json().await.ok()?;
            (json["total"] == 1).then_some(())
        }
    })
    .await;
    assert!(
        gone.is_some(),
        "the departure reaches the delta: {}",
        served.get(&app, &delta).await.json
    );
    for path in [delta.clone(), format!("{delta}&active=false")] {
        let answer = served.get(&app, &path).await;
        assert_eq!(answer.json["total"], 1, "{path}: {}", answer.json);
        let resource = &answer.json["entry"][0]["resource"];
        assert_eq!(resource["id"], rpps.as_str());
        assert_eq!(resource["active"], false);
        assert!(resource.get("name").is_none(), "{resource}");
    }
    let practising = served.get(&app, &format!("{delta}&active=true")).await;
    assert_eq!(practising.json["total"], 0, "{}", practising.json);
    // Before the departure, nothing changed since: an interval that ends there is empty of it.
    let until = served
        .get(
            &app,
            &format!(
                "/fhir/Practitioner?_lastUpdated=lt{}&_lastUpdated=ge2020",
                since.replace('+', "%2B")
            ),
        )
        .await;
    assert!(
        !until.json.to_string().contains(&format!("\"{rpps}\"")),
        "{}",
        until.json
    );

    // The whole directory, page by page (by number): every entry once.
    let store = app.store();
    let mut written = vec![rpps.clone()];
    for i in 0..5 {
        let e = entry(100 + i, "Fhirlist", "Anne", i % 2 == 0);
        store.write_directory_entry(&e).await.unwrap();
        written.push(e.rpps.to_string());
    }
    written.sort();
    let listed = follow(&app, &mut served, "/fhir/Practitioner?_count=2", 5).await;
    let ids: Vec<String> = listed
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, written, "by number, each once");
    let inactive = follow(
        &app,
        &mut served,
        "/fhir/Practitioner?active=false&_count=2",
        5,
    )
    .await;
    assert_eq!(inactive.len(), 3, "the departed and the two who left");
    assert!(inactive.iter().all(|r| r["active"] == false));
    // A cursor only continues its own search.
    let first = served.get(&app, "/fhir/Practitioner?_count=2").await;
    let next = first.json["link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["relation"] == "next")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let cursor = next.split("_cursor=").nth(1).unwrap();
    let other = served
        .get(
            &app,
            &format!("/fhir/Practitioner?_lastUpdated=ge2020&_cursor={cursor}"),
        )
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.json);
    assert_eq!(other.json["resourceType"], "OperationOutcome");
    served.validate();
}

/// Review of issue 16: a rebuild stamped with an instant taken before the version it replaces
/// (a retry after a conflict, a long purge event, the operator's `index-directory`) went back
/// in the last-update order: a delta client past that version never saw the rebuild. Now each
/// rebuild is stamped when it is written, after the version it replaces.
#[tokio::test]
async fn a_rebuild_is_stamped_after_the_version_it_replaces() {
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let (_, _, rpps, _) = allocated(&app).await;
    let store = app.store();
    let number = RppsNumber::parse(&rpps).unwrap();
    let first =
        crate::support::eventually(|| async { store.directory_entry(&number).await.unwrap() })
            .await
            .expect("published");
    let stale = first.updated_at - time::Duration::hours(1);
    assert!(
        rpps_publisher::publish(&store, &number, stale)
            .await
            .unwrap()
    );
    let rebuilt = store.directory_entry(&number).await.unwrap().unwrap();
    assert!(
        rebuilt.updated_at > first.updated_at,
        "{} then {}",
        first.updated_at,
        rebuilt.updated_at
    );
}

/// Issue 16, `Organization`: the establishments of the FINESS referential (the demo extraction,
/// 15 establishments, imported at start), read by FINESS, searched by identifier, name, town,
/// postal code and `_lastUpdated`, listed page by page each once; a role points to its
/// establishment and includes it on request; everything served valid for `fhir.resources`.
#[tokio::test]
async fn organizations_are_the_finess_establishments_read_searched_and_listed_once_each() {
    let app_started = std::time::Instant::now();
    let app = spawn_app(fresh_options(aws_endpoint())).await.unwrap();
    let mut served = Served::default();
    let ids = |resources: &[Value]| -> Vec<String> {
        resources
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // A professional's role points to its establishment, included on request.
    let (_, _, rpps, _) = allocated(&app).await;
    let path = format!(
        "/fhir/PractitionerRole?practitioner={rpps}&_include=PractitionerRole:organization"
    );
    let started = std::time::Instant::now();
    let roles = loop {
        let roles = served.get(&app, &path).await;
        assert_eq!(roles.status, StatusCode::OK, "{}", roles.json);
        if roles.json["total"] == 1 || started.elapsed() > std::time::Duration::from_secs(60) {
            break roles;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(roles.json["total"], 1, "{}", roles.json);
    let entries = roles.json["entry"].as_array().unwrap();
    let reference = entries[0]["resource"]["organization"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(entries[1]["search"]["mode"], "include");
    assert_eq!(
        format!(
            "Organization/{}",
            entries[1]["resource"]["id"].as_str().unwrap()
        ),
        reference
    );

    // A listing reads what changed up to its snapshot margin (10 s) before it starts: the
    // import of the start is in it past that.
    let since_start = app_started.elapsed();
    if since_start < std::time::Duration::from_secs(11) {
        tokio::time::sleep(std::time::Duration::from_secs(11) - since_start).await;
    }
    // The whole list, three at a time: each of the 15 once.
    let all = follow(&app, &mut served, "/fhir/Organization?_count=3", 6).await;
    let mut listed = ids(&all);
    assert_eq!(listed.len(), 15, "{listed:?}");
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), 15);
    assert!(
        listed.contains(&"2A0001230".to_owned()),
        "Corsica's letters"
    );

    let fleyriat = served.get(&app, "/fhir/Organization/010000024").await;
    assert_eq!(fleyriat.status, StatusCode::OK, "{}", fleyriat.json);
    let o = &fleyriat.json;
    assert_eq!(o["name"], "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT");
    assert_eq!(o["alias"][0], "CH DE FLEYRIAT");
    assert_eq!(o["identifier"][0]["value"], "1010000024");
    assert_eq!(o["address"][0]["postalCode"], "01440");
    assert_eq!(o["address"][0]["city"], "VIRIAT");
    assert_eq!(o["partOf"]["identifier"]["value"], "010780054");
    assert_eq!(o["active"], true);
    assert!(o["meta"]["lastUpdated"].is_string());

    let found = |answer: &Answer| -> Vec<String> {
        let mut ids: Vec<String> = answer.json["entry"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    // Today in Paris: every establishment was imported at start.
    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    let tomorrow = today.next_day().unwrap();
    for (query, expected) in [
        (
            "identifier=https://finess.esante.gouv.fr%7C010000024,urn:oid:1.2.250.1.71.4.2.2%7C1750012346".to_owned(),
            vec!["010000024", "750012346"],
        ),
        ("_id=690011226".to_owned(), vec!["690011226"]),
        ("name=fleyr".to_owned(), vec!["010000024"]),
        ("name=saad%20pres".to_owned(), vec!["750012346"]),
        // The town's words are not the name's.
        ("name=viriat".to_owned(), vec![]),
        (
            "address-city=bourg-en".to_owned(),
            vec!["010009090"],
        ),
        ("address-city=st%20d".to_owned(), vec!["970412342"]),
        ("address-postalcode=01".to_owned(), vec!["010000024", "010009090"]),
        ("address-postalcode=97".to_owned(), vec!["970109872", "970412342"]),
        (
            "address-postalcode=01&name=aad".to_owned(),
            vec!["010009090"],
        ),
        (format!("address-postalcode=01&_lastUpdated=ge{today}"), vec!["010000024", "010009090"]),
        (format!("address-postalcode=01&_lastUpdated=ge{tomorrow}"), vec![]),
        ("address-postalcode=01&active=false".to_owned(), vec![]),
    ] {
        let answer = served.get(&app, &format!("/fhir/Organization?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.json);
        assert_eq!(found(&answer), expected, "{query}");
        assert_eq!(answer.json["total"], expected.len(), "{query}");
    }
    let delta = follow(
        &app,
        &mut served,
        &format!("/fhir/Organization?_lastUpdated=ge{today}&_count=10"),
        2,
    )
    .await;
    assert_eq!(delta.len(), 15);
    // _total=accurate past the first page (issue 16); without it, no total.
    for (query, total) in [
        (
            format!("_lastUpdated=ge{today}&_count=10&_total=accurate"),
            Some(15),
        ),
        (format!("_lastUpdated=ge{today}&_count=10"), None),
        (
            "address-postalcode=97&_count=1&_total=accurate".to_owned(),
            Some(2),
        ),
        ("address-postalcode=97&_count=1".to_owned(), None),
    ] {
        has_total(
            &app,
            &mut served,
            &format!("/fhir/Organization?{query}"),
            total,
        )
        .await;
    }

    use rpps_devidp::FINESS_A;
    // Who practises at an establishment: its sites in force, by RPPS number, paged; the
    // departed and ended sites are not there.
    let store = app.store();
    let mut expected = vec![format!("{rpps}-{FINESS_A}")];
    for (i, given) in ["Anne", "Bea", "Chloé", "Dora", "Emma"].iter().enumerate() {
        let e = entry(20 + i as u64, "Fhirorg", given, true);
        store.write_directory_entry(&e).await.unwrap();
        expected.push(format!("{}-{FINESS_A}", e.rpps));
    }
    let departed = entry(29, "Fhirorg", "Zoé", false);
    store.write_directory_entry(&departed).await.unwrap();
    // Review of issue 16: an ended role points to no establishment, and includes none.
    let ended = served
        .get(
            &app,
            &format!(
                "/fhir/PractitionerRole?practitioner={}&_include=PractitionerRole:organization",
                departed.rpps
            ),
        )
        .await;
    let entries = ended.json["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{}", ended.json);
    assert!(entries[0]["resource"].get("organization").is_none());
    expected.sort();
    let at_a = follow(
        &app,
        &mut served,
        &format!("/fhir/PractitionerRole?organization=Organization/{FINESS_A}&_count=2"),
        4,
    )
    .await;
    assert_eq!(ids(&at_a), expected);
    let first = served
        .get(
            &app,
            &format!(
                "/fhir/PractitionerRole?organization={FINESS_A}&_include=PractitionerRole:practitioner"
            ),
        )
        .await;
    assert_eq!(first.json["total"], 6, "{}", first.json);
    let included = first.json["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["search"]["mode"] == "include")
        .count();
    assert_eq!(included, 6);
    let paris_today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    for (query, total) in [
        (
            format!("organization={FINESS_A}&_lastUpdated=ge{paris_today}"),
            6,
        ),
        (
            format!(
                "organization={FINESS_A}&_lastUpdated=ge{}",
                paris_today.next_day().unwrap()
            ),
            0,
        ),
        (format!("organization={FINESS_A}&active=false"), 0),
        (
            format!("organization={FINESS_A}&_count=2&_total=accurate"),
            6,
        ),
        (
            format!(
                "organization={FINESS_A}&_count=1&_total=accurate&_lastUpdated=ge{paris_today}"
            ),
            6,
        ),
        (format!("organization={FINESS_A}&practitioner={rpps}"), 1),
        (format!("organization=690011226&practitioner={rpps}"), 0),
        ("organization=Organization/750012347".to_owned(), 0),
    ] {
        let answer = served
            .get(&app, &format!("/fhir/PractitionerRole?{query}"))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.json);
        assert_eq!(answer.json["total"], total, "{query}: {}", answer.json);
    }

    // Every role (issue 16): the listing a page of whole professionals at a time, each role
    // once; one professional practises at two establishments (a page of 2 then holds 1).
    let mut two_sites = entry(30, "Fhirorg", "Yaël", true);
    // Changed two minutes ago: the only one of a delta of that minute (a listing by update
    // reads a snapshot 10 s old: the entries just written are not in it yet).
    let seconds = |t: time::OffsetDateTime| {
        t.replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let now = time::OffsetDateTime::now_utc();
    two_sites.updated_at = now - time::Duration::minutes(2);
    let that_minute = format!(
        "_lastUpdated=ge{}&_lastUpdated=lt{}",
        seconds(now - time::Duration::minutes(3)),
        seconds(now - time::Duration::minutes(1))
    );
    let mut second = two_sites.sites[0].clone();
    second.finess = Finess::parse("690011226").unwrap();
    two_sites.sites.push(second);
    store.write_directory_entry(&two_sites).await.unwrap();
    let mut in_force = expected.clone();
    for finess in [FINESS_A, "690011226"] {
        in_force.push(format!("{}-{finess}", two_sites.rpps));
    }
    in_force.sort();
    let mut every = in_force.clone();
    every.push(format!("{}-{FINESS_A}", departed.rpps));
    every.sort();
    for (query, max_pages, wanted) in [
        ("_count=2", 6, &every),
        ("_count=1&_include=PractitionerRole:practitioner", 9, &every),
        ("active=true&_count=3", 4, &in_force),
    ] {
        let roles = follow(
            &app,
            &mut served,
            &format!("/fhir/PractitionerRole?{query}"),
            max_pages,
        )
        .await;
        let mut found: Vec<String> = roles
            .iter()
            .filter(|r| r["resourceType"] == "PractitionerRole")
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        found.sort();
        assert_eq!(&found, wanted, "{query}");
    }
    // Each page holds `_count` roles at most, or one professional's whole (review of issue
    // 16: the page of whole professionals is read again to end on the last that fits).
    for first in ["_count=2", "active=true&_count=3", "_count=1"] {
        let mut next = Some(format!("/fhir/PractitionerRole?{first}"));
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            assert!(pages <= 10, "{first}");
            let answer = served.get(&app, &path).await;
            let roles: Vec<&Value> = answer.json["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| &e["resource"])
                .collect();
            let mut professionals: Vec<&Value> = roles
                .iter()
                .map(|r| &r["practitioner"]["reference"])
                .collect();
            professionals.dedup();
            let count: usize = first.rsplit('=').next().unwrap().parse().unwrap();
            assert!(
                roles.len() <= count || professionals.len() == 1,
                "{path}: {}",
                answer.json
            );
            next = next_path(&app, &answer.json);
        }
    }
    let both_roles = vec![
        format!("{}-690011226", two_sites.rpps),
        format!("{}-{FINESS_A}", two_sites.rpps),
    ];
    let mut at_both = in_force.clone();
    at_both.sort();
    for (query, max_pages, wanted) in [
        // One professional's roles, whole, on a page of 1.
        (format!("{that_minute}&_count=1"), 2, both_roles.clone()),
        // By establishment with a filter that keeps one professional of eight: the pages
        // read before theirs are empty but go on (review of issue 16: the paging ended on
        // the first).
        (
            format!("organization={FINESS_A}&{that_minute}&_count=2"),
            5,
            vec![format!("{}-{FINESS_A}", two_sites.rpps)],
        ),
        // Several establishments (OR), merged by role id, a page at a time, each once.
        (
            format!("organization={FINESS_A},Organization/690011226&_count=2"),
            5,
            at_both,
        ),
        (
            format!("organization=690011226,{FINESS_A}&{that_minute}&_count=1"),
            9,
            both_roles,
        ),
    ] {
        let found = follow(
            &app,
            &mut served,
            &format!("/fhir/PractitionerRole?{query}"),
            max_pages,
        )
        .await;
        assert_eq!(ids(&found), wanted, "{query}");
    }
    for (query, total) in [
        (
            format!("organization={FINESS_A},690011226&_count=2&_total=accurate"),
            Some(in_force.len()),
        ),
        (
            format!("organization={FINESS_A},690011226"),
            Some(in_force.len()),
        ),
        ("_count=2&_total=accurate".to_owned(), Some(every.len())),
        ("_count=2".to_owned(), None),
        ("active=false".to_owned(), Some(1)),
        (
            format!("_lastUpdated=ge{}", paris_today.next_day().unwrap()),
            Some(0),
        ),
    ] {
        has_total(
            &app,
            &mut served,
            &format!("/fhir/PractitionerRole?{query}"),
            total,
        )
        .await;
    }

    for (path, status) in [
        ("/fhir/Organization/010000025", StatusCode::NOT_FOUND),
        ("/fhir/Organization/1010000024", StatusCode::NOT_FOUND),
        ("/fhir/Organization/2a0001230", StatusCode::NOT_FOUND),
        (
            "/fhir/Organization?name:contains=ley",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/fhir/Organization?address-postalcode=0",
            StatusCode::BAD_REQUEST,
        ),
        ("/fhir/Organization?_cursor=abc", StatusCode::BAD_REQUEST),
    ] {
        let answer = served.get(&app, path).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.json);
        assert_eq!(answer.json["resourceType"], "OperationOutcome");
    }
    served.validate();
}
