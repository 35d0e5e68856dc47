//! The authorization matrix (issue 15, item 6): every route of every function's `ROUTES` ×
//! every kind of actor, with the status class each must get, run over HTTP against the local
//! stack. A route added without its row fails [`every_route_of_every_actor`]. The request, the
//! professional and the site the routes name belong to applicant A and establishment A, so the
//! rows cover cross-establishment attempts on every manager route (manager of B) and
//! cross-applicant attempts on every applicant route (applicant B). A row's refused calls run at
//! once, the register read back whole before and after them: nothing may have changed.
//!
//! The fixtures make allowed calls harmless to the rows after them: the request is already
//! validated (validating it again answers the same number; rejecting, withdrawing, submitting
//! or editing it is a 409), the departure recorded far ahead is cancelled by the next row, the
//! employer's draft created is for a new person, and the one deleted is an employer's draft of
//! its own.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::{Method, StatusCode};
use rpps_devidp::{FINESS_A, FINESS_B};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::{Value, json};

use crate::support::{Browser, aide_submits};

/// What an actor must get from a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Past authorization: any answer but 401, 403, 404 or a 5xx (a 409 or 400 of the business
    /// rules is an answer the actor was allowed to get).
    Ok,
    /// 401: no session.
    NoSession,
    /// 403, or 404 where the route hides what is not the actor's.
    Refused,
}
use Expect::{NoSession, Ok, Refused};

/// The columns of the matrix, in this order.
const ACTORS: [&str; 9] = [
    "anonymous",
    "applicant A (FranceConnect, request at A)",
    "applicant B (FranceConnect, request at B)",
    "professional (e-CPS)",
    "manager of A",
    "manager of A and B",
    "manager of B",
    "card holder who is no manager",
    "revoked manager",
];

/// Public: everyone gets the answer.
const ALL: [Expect; 9] = [Ok; 9];
/// A route of the applicant's own request (request of applicant A).
const APPLICANT_A: [Expect; 9] = [
    NoSession, Ok, Refused, Refused, Refused, Refused, Refused, NoSession, Refused,
];
/// A route of any applicant (their own requests).
const APPLICANTS: [Expect; 9] = [
    NoSession, Ok, Ok, Refused, Refused, Refused, Refused, NoSession, Refused,
];
/// A manager route on establishment A's request, professional or site.
const MANAGERS_OF_A: [Expect; 9] = [
    NoSession, Refused, Refused, Refused, Ok, Ok, Refused, NoSession, Refused,
];
/// A manager route on the manager's own establishments (queue, staff list).
const MANAGERS: [Expect; 9] = [
    NoSession, Refused, Refused, Refused, Ok, Ok, Ok, NoSession, Refused,
];
/// A manager's own import (issue 19), manager A's: every other actor gets a 404 (no oracle),
/// another manager of A included.
const IMPORT_OF_MANAGER_A: [Expect; 9] = [
    NoSession, Refused, Refused, Refused, Ok, Refused, Refused, NoSession, Refused,
];
/// The professional's own record.
const PROFESSIONAL: [Expect; 9] = [
    NoSession, Refused, Refused, Ok, Refused, Refused, Refused, NoSession, Refused,
];
/// Signing out: whoever has a session, even a revoked manager.
const SIGNED_IN: [Expect; 9] = [NoSession, Ok, Ok, Ok, Ok, Ok, Ok, NoSession, Ok];

/// The matrix: (method, path as in `ROUTES`, expectations per actor). Signing out last: it ends
/// the sessions.
const MATRIX: &[(&str, &str, [Expect; 9])] = &[
    ("GET", "/api/auth/franceconnect/login", ALL),
    ("GET", "/api/auth/franceconnect/callback", ALL),
    ("GET", "/api/auth/psc/login", ALL),
    ("GET", "/api/auth/psc/callback", ALL),
    ("GET", "/api/auth/logged-out", ALL),
    ("GET", "/api/auth/problem", ALL),
    ("GET", "/api/session", ALL),
    ("GET", "/api/communes", ALL),
    ("GET", "/api/countries", ALL),
    ("GET", "/api/directory", ALL),
    ("GET", "/api/directory/{rpps}", ALL),
    ("GET", "/api/directory/{rpps}/card.pdf", ALL),
    // The card keys' document (issue 20): public, the same to everyone.
    ("GET", "/.well-known/rpps-card-keys.json", ALL),
    // The FHIR API (issue 16): public, the same to everyone.
    ("GET", "/fhir/metadata", ALL),
    ("GET", "/fhir/Practitioner", ALL),
    ("GET", "/fhir/Practitioner/{id}", ALL),
    ("GET", "/fhir/PractitionerRole", ALL),
    ("GET", "/fhir/PractitionerRole/{id}", ALL),
    ("GET", "/fhir/Organization", ALL),
    ("GET", "/fhir/Organization/{id}", ALL),
    ("GET", "/fhir/{rest+}", ALL),
    ("GET", "/api/health", ALL),
    ("GET", "/api/openapi.json", ALL),
    ("GET", "/api/establishments", ALL),
    ("POST", "/api/registrations", APPLICANTS),
    ("GET", "/api/registrations/mine", APPLICANTS),
    ("PATCH", "/api/registrations/{id}", APPLICANT_A),
    ("POST", "/api/registrations/{id}/submit", APPLICANT_A),
    ("POST", "/api/registrations/{id}/withdraw", APPLICANT_A),
    ("GET", "/api/manager/registrations", MANAGERS),
    ("POST", "/api/manager/registrations", MANAGERS_OF_A),
    ("GET", "/api/manager/registrations/{id}", MANAGERS_OF_A),
    ("DELETE", "/api/manager/registrations/{id}", MANAGERS_OF_A),
    // By establishment A (issue 19): a manager of B only is refused the whole call.
    (
        "POST",
        "/api/manager/registrations/validations",
        MANAGERS_OF_A,
    ),
    (
        "POST",
        "/api/manager/registrations/{id}/validate",
        MANAGERS_OF_A,
    ),
    (
        "POST",
        "/api/manager/registrations/{id}/reject",
        MANAGERS_OF_A,
    ),
    ("GET", "/api/manager/staff", MANAGERS),
    ("GET", "/api/manager/imports/template", MANAGERS),
    ("POST", "/api/manager/imports", MANAGERS),
    ("GET", "/api/manager/imports", MANAGERS),
    ("GET", "/api/manager/imports/{id}", IMPORT_OF_MANAGER_A),
    (
        "PATCH",
        "/api/manager/imports/{id}/lines/{line}",
        IMPORT_OF_MANAGER_A,
    ),
    (
        "GET",
        "/api/manager/imports/{id}/result",
        IMPORT_OF_MANAGER_A,
    ),
    ("POST", "/api/manager/imports/{id}/run", IMPORT_OF_MANAGER_A),
    // After the PATCH row dropped its only line: nothing is ready, a 409 to manager A.
    (
        "POST",
        "/api/manager/imports/{id}/confirm",
        IMPORT_OF_MANAGER_A,
    ),
    ("GET", "/api/manager/staff/export", MANAGERS),
    ("GET", "/api/manager/establishments", MANAGERS),
    (
        "PUT",
        "/api/manager/staff/{rpps}/sites/{finess}/departure",
        MANAGERS_OF_A,
    ),
    (
        "DELETE",
        "/api/manager/staff/{rpps}/sites/{finess}/departure",
        MANAGERS_OF_A,
    ),
    ("PATCH", "/api/manager/staff/{rpps}/contact", MANAGERS_OF_A),
    ("GET", "/api/me", PROFESSIONAL),
    ("PATCH", "/api/me/contact", PROFESSIONAL),
    ("POST", "/api/auth/logout", SIGNED_IN),
];

/// A well-formed body for the routes that read one (a malformed body would be refused before
/// the authorization is even looked at, hiding it).
fn body(method: &str, path: &str) -> Option<Value> {
    let body = match (method, path) {
        ("POST", "/api/registrations") => json!({}),
        ("PATCH", "/api/registrations/{id}") => json!({ "mobile": "06 12 34 56 78" }),
        ("POST", "/api/manager/registrations") => json!({
            "establishment": FINESS_A, "family_name": "Matrice", "given_names": "Alice",
            "birth_date": "1990-01-01", "birth_commune": "75115" }),
        ("POST", "/api/manager/registrations/{id}/validate") => {
            json!({ "basis": "certification", "conditions_checked": true })
        }
        ("POST", "/api/manager/registrations/{id}/reject") => json!({ "reason": "Non." }),
        ("POST", "/api/manager/imports") => {
            json!({ "filename": "matrice.csv", "content": import_file() })
        }
        ("PATCH", "/api/manager/imports/{id}/lines/{line}") => json!({ "dropped": true }),
        ("POST", "/api/manager/registrations/validations") => {
            json!({ "establishment": FINESS_A, "conditions_checked": true })
        }
        ("PUT", "/api/manager/staff/{rpps}/sites/{finess}/departure") => {
            json!({ "date": "2099-12-31" })
        }
        ("PATCH", "/api/manager/staff/{rpps}/contact") | ("PATCH", "/api/me/contact") => {
            json!({ "mobile": "06 12 34 56 78" })
        }
        (m, _) if m == "POST" || m == "PUT" || m == "PATCH" => json!({}),
        _ => return None,
    };
    Some(body)
}

/// A one-line import file (base64), of a person no one registers.
fn import_file() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(
        "Nom;Prénoms;Date de naissance;Commune de naissance;E-mail;Date de début;Éligibilité\r\nMatrice;Import;01/02/1980;75115;matrice@example.org;01/12/2026;diplôme\r\n",
    )
}

/// An attribute's value written the same way every time (maps in key order, sets sorted).
fn canonical(value: &AttributeValue) -> String {
    match value {
        AttributeValue::M(map) => {
            let sorted: BTreeMap<&String, String> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            format!("M{sorted:?}")
        }
        AttributeValue::L(list) => {
            format!("L{:?}", list.iter().map(canonical).collect::<Vec<_>>())
        }
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => {
            let mut sorted = set.clone();
            sorted.sort();
            format!("SET{sorted:?}")
        }
        other => format!("{other:?}"),
    }
}

/// The register as a comparable whole, without what the stream's consumers write on their own
/// (the directory's entries, the emails' delivery records, the request's milestones): they
/// follow earlier allowed calls and may land at any time.
async fn register(app: &TestApp) -> Vec<BTreeMap<String, String>> {
    let store = app.store();
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .scan()
            .table_name(&store.tables().registry)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        for item in page.items() {
            let pk = item
                .get("PK")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            if pk.starts_with("DIR#") || pk.starts_with("DELIVERY#") {
                continue;
            }
            // What the consumers write asynchronously: their steps on requests, and on outbox
            // events the consumers still pending (and, once none is, the event's expiry).
            let outbox = pk.starts_with("OUTBOX#");
            items.push(
                item.iter()
                    .filter(|(k, _)| {
                        let consumers_own = ["number_sent_at", "published_at", "expiry_notice_at"]
                            .contains(&k.as_str())
                            || (outbox
                                && ["pending", "GSI1PK", "GSI1SK", "expires_at"]
                                    .contains(&k.as_str()));
                        !consumers_own
                    })
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect::<BTreeMap<_, _>>(),
            );
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    items.sort();
    items
}

/// One cell's call, owned (it runs on its own task beside the row's other refused calls): the
/// request a signed-in page makes (session cookie, our `Origin`, the CSRF token).
struct Call {
    column: usize,
    method: Method,
    url: String,
    cookie: String,
    csrf: String,
    origin: String,
    body: Option<Value>,
}

async fn execute(call: Call) -> (usize, StatusCode, Value) {
    let mut request = crate::support::client()
        .request(call.method, call.url)
        .header(reqwest::header::COOKIE, call.cookie)
        .header(reqwest::header::ORIGIN, call.origin)
        .header("x-csrf-token", call.csrf);
    if let Some(body) = call.body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (
        call.column,
        status,
        response.json().await.unwrap_or(Value::Null),
    )
}

async fn sign_in_as_manager<'a>(app: &'a TestApp, identity: &str) -> Browser<'a> {
    Browser::sign_in(app, "/api/auth/psc/login?profil=gestionnaire", identity).await
}

#[tokio::test]
async fn every_route_of_every_actor() {
    // Every route of every function has its row, and only those.
    let declared: std::collections::BTreeSet<(String, String)> = rpps_local::functions()
        .into_values()
        .flat_map(|routes| routes.iter())
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let rows: std::collections::BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(rows.len(), MATRIX.len(), "a route has two rows");
    assert_eq!(
        declared, rows,
        "the matrix must have exactly one row per route of the functions' ROUTES"
    );

    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let store = app.store();
    let finess = |code: &str| rpps_domain::Finess::parse(code).unwrap();

    // Applicant A's request at A, validated: the request, professional and site of the rows.
    let (applicant_a, request) = aide_submits(&app, rpps_devidp::FC_AIDE_SANS_RPPS, FINESS_A).await;
    let manager_a = sign_in_as_manager(&app, rpps_devidp::PSC_MANAGER_A).await;
    let (status, validated) = manager_a
        .post(
            &format!("/api/manager/registrations/{request}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    let rpps = validated["rpps"].as_str().unwrap().to_owned();
    // An employer's draft at A, for the one route that acts on those only (deleting it): the
    // refused actors must leave it in place, the first allowed one deletes it.
    let (status, draft) = manager_a
        .post(
            "/api/manager/registrations",
            json!({ "establishment": FINESS_A, "family_name": "Témoin", "given_names": "Bob",
                    "birth_date": "1980-02-03", "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let employer_draft = draft["id"].as_str().unwrap().to_owned();
    // Manager A's import (issue 19), for the routes of one import.
    let (status, import) = manager_a
        .post(
            "/api/manager/imports",
            json!({ "filename": "matrice.csv", "establishment": FINESS_A, "content": import_file() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{import}");
    let import = import["id"].as_str().unwrap().to_owned();
    // Applicant B, with a request of her own at B.
    let (applicant_b, _) =
        aide_submits(&app, rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER, FINESS_B).await;
    let professional = Browser::sign_in(
        &app,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_PRO_ECPS,
    )
    .await;
    let manager_a_b = sign_in_as_manager(&app, rpps_devidp::PSC_MANAGER_A_B).await;
    // The manager of B only: the professional, designated for B, in the managers' space.
    let pro_id = rpps_devidp::psc_identity(rpps_devidp::PSC_PRO_ECPS)
        .unwrap()
        .national_id;
    store
        .designate_manager(&finess(FINESS_B), pro_id, None, "operator:matrix")
        .await
        .unwrap();
    let manager_b = sign_in_as_manager(&app, rpps_devidp::PSC_PRO_ECPS).await;
    // The card holder who is nobody's manager: the sign-in is refused, no session.
    let card = rpps_devidp::psc_identity(rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE)
        .unwrap()
        .national_id;
    let http = crate::support::client();
    let start = http
        .get(app.url("/api/auth/psc/login?profil=gestionnaire"))
        .send()
        .await
        .unwrap();
    let login = crate::support::login_cookie(&start);
    let authorize = start.headers()["location"].to_str().unwrap().to_owned();
    let back = http
        .get(format!(
            "{authorize}&login_hint={}",
            rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE
        ))
        .send()
        .await
        .unwrap();
    let refused = http
        .get(back.headers()["location"].to_str().unwrap())
        .header("cookie", &login)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.headers()["location"],
        "/api/auth/problem?reason=not_authorised"
    );
    assert!(crate::support::set_cookie(refused.headers(), "__Host-rpps_session").is_none());
    // What that browser has: the login's binding, no session.
    let no_manager = Browser {
        app: &app,
        cookie: login,
        csrf: String::new(),
    };
    // The revoked manager: the same card holder, designated for A, signed in, then revoked (and
    // a minute passed).
    store
        .designate_manager(&finess(FINESS_A), card, None, "operator:matrix")
        .await
        .unwrap();
    let revoked = sign_in_as_manager(&app, rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE).await;
    store
        .revoke_manager(&finess(FINESS_A), card, "operator:matrix")
        .await
        .unwrap();
    rpps_session::rights::forget(&store, card);
    let anonymous = Browser {
        app: &app,
        cookie: String::new(),
        csrf: String::new(),
    };
    let actors: [&Browser; 9] = [
        &anonymous,
        &applicant_a,
        &applicant_b,
        &professional,
        &manager_a,
        &manager_a_b,
        &manager_b,
        &no_manager,
        &revoked,
    ];

    let mut wrong = Vec::new();
    let mut cells = 0;
    for (method, template, expected) in MATRIX {
        let id = if (*method, *template) == ("DELETE", "/api/manager/registrations/{id}") {
            &employer_draft
        } else if template.starts_with("/api/manager/imports/{id}") {
            &import
        } else {
            &request
        };
        // A Practitioner's id is its RPPS number, a PractitionerRole's `<RPPS>-<FINESS>`; the FHIR wildcard's own 404 (to everyone) is
        // tests/tests/e2e/fhir.rs's: here it stands for a path it covers, the metadata.
        // A PractitionerRole's, `<RPPS>-<FINESS>`; an Organization's, its FINESS.
        let role = format!("{rpps}-{FINESS_A}");
        let finess = FINESS_A.to_owned();
        let id = if template.starts_with("/fhir/PractitionerRole/") {
            &role
        } else if template.starts_with("/fhir/Organization/") {
            &finess
        } else if template.starts_with("/fhir/") {
            &rpps
        } else {
            id
        };
        let path = template
            .replace("{rest+}", "metadata")
            .replace("{id}", id)
            .replace("{rpps}", &rpps)
            .replace("{finess}", FINESS_A)
            .replace("{line}", "2");
        let call = |column: usize| Call {
            column,
            method: Method::from_bytes(method.as_bytes()).unwrap(),
            url: app.url(&path),
            cookie: actors[column].cookie.clone(),
            csrf: actors[column].csrf.clone(),
            origin: app.base.clone(),
            body: body(method, template),
        };
        // The refused calls of the row at once, the register read before and after them: none
        // may change it. Then the allowed ones, in order (they may change it).
        let (refused, allowed): (Vec<usize>, Vec<usize>) =
            (0..ACTORS.len()).partition(|c| expected[*c] != Ok);
        let before = register(&app).await;
        let mut calls = tokio::task::JoinSet::new();
        for column in &refused {
            calls.spawn(execute(call(*column)));
        }
        let mut answers = calls.join_all().await;
        let after = register(&app).await;
        if before != after {
            let changed: Vec<String> = after
                .iter()
                .filter(|item| !before.contains(item))
                .chain(before.iter().filter(|item| !after.contains(item)))
                .map(|item| format!("{} {} {item:?}", item["PK"], item["SK"]))
                .collect();
            let who: Vec<&str> = refused.iter().map(|c| ACTORS[*c]).collect();
            wrong.push(format!(
                "{method} {template}: refused to {who:?} but the register changed: {changed:?}"
            ));
        }
        for column in allowed {
            answers.push(execute(call(column)).await);
        }
        for (column, status, answer) in answers {
            let expect = expected[column];
            cells += 1;
            let fine = match expect {
                Ok => {
                    !status.is_server_error()
                        && ![
                            StatusCode::UNAUTHORIZED,
                            StatusCode::FORBIDDEN,
                            StatusCode::NOT_FOUND,
                        ]
                        .contains(&status)
                }
                NoSession => status == StatusCode::UNAUTHORIZED,
                Refused => status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            };
            if !fine {
                wrong.push(format!(
                    "{method} {template} as {}: expected {expect:?}, got {status} {answer}",
                    ACTORS[column]
                ));
            }
        }
    }
    assert_eq!(cells, MATRIX.len() * ACTORS.len());
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
