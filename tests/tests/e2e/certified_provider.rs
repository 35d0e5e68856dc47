//! Sign-in proven against an OpenID provider we did not write (issue 15, item 7). Every other
//! sign-in test runs against the development provider (`functions/devidp`), which shares our
//! reading of the specifications; here the local application signs in through panva's
//! `oidc-provider` (OpenID Certified), run by Node from `tests/oidc-provider/server.mjs`,
//! configured as FranceConnect v2 (ES256, userinfo as a signed JWT, `eidas1`,
//! `client_secret_post`, FranceConnect's claims) and as Pro Santé Connect (its discovery path,
//! PKCE required, `client_secret_basic`, `SubjectNameID`/`SubjectRefPro`). The application is
//! given it as any provider is (`rpps_local::ExternalProvider`, `RPPS_FC_ISSUER`… for `make run`).
//!
//! Each FAQ outcome the development provider's tests reach (tests/tests/e2e/auth.rs) is reached
//! through it too, and its forged answers (an ID token signed with another key, for another
//! audience, or unsigned; a code redeemed twice) are refused with the guidance page.

use std::process::Stdio;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, listen, spawn_app_on, workspace_dir};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::auth::{
    Ended, audit_actions, finish, location, page, pending_state, record_with_the_civil_status_of,
};
use crate::support::{client, login_cookie, session};

const FC_LOGIN: &str = "/api/auth/franceconnect/login";
const PSC_LOGIN: &str = "/api/auth/psc/login";

/// The local application signing in through the certified provider, which lives as long as
/// this value (it exits when its standard input closes).
struct Certified {
    app: TestApp,
    /// `http://127.0.0.1:<port>`, the provider's origin.
    provider: String,
    _child: Child,
    _stdin: ChildStdin,
}

/// `npm ci` in tests/oidc-provider once, when `make test` has not done it already.
async fn node_modules() {
    static INSTALLED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    INSTALLED
        .get_or_init(|| async {
            let dir = workspace_dir().join("tests/oidc-provider");
            if dir
                .join("node_modules/oidc-provider/package.json")
                .is_file()
            {
                return;
            }
            let status = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .await
                .expect("npm runs (Node.js is needed for the certified provider)");
            assert!(status.success(), "npm ci in tests/oidc-provider failed");
        })
        .await;
}

/// The test identities, keyed by the login hint that chooses them, with the claims the
/// development provider gives them.
fn accounts() -> (Value, Value) {
    let mut fc = Map::new();
    for person in rpps_devidp::franceconnect_identities() {
        fc.insert(
            person.id.to_owned(),
            json!({
                "sub": person.sub,
                "label": person.label,
                "claims": rpps_devidp::franceconnect_userinfo_claims(person),
            }),
        );
    }
    let mut psc = Map::new();
    for person in rpps_devidp::psc_identities() {
        psc.insert(
            person.id.to_owned(),
            json!({
                "sub": person.sub,
                "label": person.label,
                "claims": rpps_devidp::psc_userinfo_claims(person),
            }),
        );
    }
    (Value::Object(fc), Value::Object(psc))
}

fn secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Shows the provider's own errors (server.mjs prefixes them) and Node's crashes.
async fn forward_errors(stderr: tokio::process::ChildStderr) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !line.starts_with("oidc-provider") {
            eprintln!("{line}");
        }
    }
}

/// Starts the certified provider with this application's callbacks registered, then the
/// application with it in place of both providers.
async fn certified_app() -> Certified {
    use rpps_auth::config::{callback_uri, post_logout_uri};
    node_modules().await;
    let (listener, origin) = listen().await.expect("a free port");
    let (fc_secret, psc_secret) = (secret(), secret());
    let registration = |client_id: &str, provider: &str, secret: &str| {
        json!({
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [callback_uri(&origin, provider)],
            "post_logout_redirect_uris": [post_logout_uri(&origin)],
        })
    };
    let (fc_accounts, psc_accounts) = accounts();
    let settings = json!({
        "franceconnect": {
            "clients": [registration("rpps-certified-fc", "franceconnect", &fc_secret)],
            "accounts": fc_accounts,
        },
        "psc": {
            "clients": [registration("rpps-certified-psc", "psc", &psc_secret)],
            "accounts": psc_accounts,
        },
    });
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(workspace_dir().join("tests/oidc-provider"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts the certified provider");
    let mut stdin = child.stdin.take().expect("its standard input");
    stdin
        .write_all(format!("{settings}\n").as_bytes())
        .await
        .expect("the provider reads its settings");
    // Its own errors in the test's output, not oidc-provider's notices (which it writes to both
    // outputs: both are read to the end, or it would fail writing to a closed pipe).
    let stderr = child.stderr.take().expect("its standard error");
    tokio::spawn(forward_errors(stderr));
    let stdout = child.stdout.take().expect("its standard output");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider listens within 30 s")
        .expect("its standard output")
        .expect("a first line");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let listening: Value = serde_json::from_str(&first).expect("{\"port\":…}");
    let issuer = |key: &str| listening[key].as_str().expect("an issuer").to_owned();
    let mut options = fresh_options(aws_endpoint());
    options.franceconnect = Some(rpps_local::ExternalProvider {
        issuer: issuer("franceconnect"),
        client_id: "rpps-certified-fc".into(),
        client_secret: fc_secret,
    });
    options.psc = Some(rpps_local::ExternalProvider {
        issuer: issuer("psc"),
        client_id: "rpps-certified-psc".into(),
        client_secret: psc_secret,
    });
    let app = spawn_app_on(listener, options)
        .await
        .expect("the local application starts");
    Certified {
        app,
        provider: format!("http://127.0.0.1:{}", listening["port"]),
        _child: child,
        _stdin: stdin,
    }
}

/// The value of the query parameter `name` of `url`.
fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Starts a sign-in at `login_path`, chooses `hint` on the provider's side (an account, with an
/// optional `~forgery`, or `error~<code>`), follows the provider's redirects with its cookies
/// as a browser does, and the callback once. Also returns the authorization request's URL.
async fn sign_in(certified: &Certified, login_path: &str, hint: &str) -> (Ended, String) {
    let (callback, login, authorize) = to_callback(certified, login_path, hint).await;
    (
        finish(callback.as_str(), &[&login], &login).await,
        authorize,
    )
}

/// The first half of [`sign_in`]: the callback URL the provider sends the browser to (not
/// followed), the browser's binding cookie, the authorization request's URL.
async fn to_callback(
    certified: &Certified,
    login_path: &str,
    hint: &str,
) -> (reqwest::Url, String, String) {
    let http = client();
    let start = http
        .get(certified.app.url(login_path))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER, "{login_path}");
    let login = login_cookie(&start);
    let authorize = location(&start);
    assert!(
        authorize.starts_with(&certified.provider),
        "{authorize} is not the certified provider's"
    );
    let mut url = reqwest::Url::parse(&authorize).unwrap();
    url.query_pairs_mut().append_pair("login_hint", hint);
    let mut jar: Vec<(String, String)> = Vec::new();
    for _ in 0..8 {
        let mut request = http.get(url.clone());
        if !jar.is_empty() {
            let cookies: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
            request = request.header(COOKIE, cookies.join("; "));
        }
        let response = request.send().await.unwrap();
        for set in response.headers().get_all(SET_COOKIE) {
            let Some((name, value)) = set
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|pair| pair.split_once('='))
            else {
                continue;
            };
            jar.retain(|(n, _)| n != name);
            if !value.is_empty() {
                jar.push((name.to_owned(), value.to_owned()));
            }
        }
        let status = response.status();
        let next = location(&response);
        assert!(
            status.is_redirection(),
            "{status} from {url}: {}",
            response.text().await.unwrap_or_default()
        );
        let next = url.join(&next).unwrap();
        if next.as_str().starts_with(&certified.app.base) {
            return (next, login, authorize);
        }
        url = next;
    }
    panic!("the provider never sent the browser back to the application");
}

#[tokio::test]
async fn franceconnect_outcomes_through_the_certified_provider() {
    let certified = certified_app().await;
    let app = &certified.app;

    // FAQ-R11: a first pre-registration, the civil status certified by the provider.
    let (ended, authorize) = sign_in(&certified, FC_LOGIN, rpps_devidp::FC_AIDE_SANS_RPPS).await;
    assert_eq!(ended.location, "/demande");
    let me = session(app, &ended.cookie()).await;
    assert_eq!(me["role"], "applicant", "{me}");
    assert_eq!(me["provider"], "franceconnect");
    assert_eq!(me["civil_status"]["family_name"], "N'Diaye", "{me}");
    assert_eq!(me["civil_status"]["birth_place"]["kind"], "france", "{me}");
    assert_eq!(
        me["civil_status"]["birth_place"]["commune"], "69383",
        "{me}"
    );
    // As FranceConnect is asked: eidas1, the identity-pivot scopes, no PKCE (none advertised).
    assert_eq!(
        query_param(&authorize, "acr_values").as_deref(),
        Some("eidas1")
    );
    assert!(query_param(&authorize, "scope").is_some_and(|s| s.contains("birthplace")));
    assert_eq!(query_param(&authorize, "code_challenge"), None);

    // Born abroad: the country of birth, no commune.
    let (ended, _) = sign_in(&certified, FC_LOGIN, rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER).await;
    assert_eq!(ended.location, "/demande");
    let me = session(app, &ended.cookie()).await;
    let place = &me["civil_status"]["birth_place"];
    assert_eq!(place["kind"], "abroad", "{me}");
    assert!(place["country"].as_str().unwrap().starts_with("99"), "{me}");

    // FAQ-R12: a person who already holds an RPPS number, by subject…
    let (ended, _) = sign_in(&certified, FC_LOGIN, rpps_devidp::FC_PRO_DEJA_RPPS).await;
    assert_eq!(ended.location, "/api/auth/problem?reason=already_rpps");
    assert!(ended.set_cookie.is_none());
    assert!(page(app, &ended.location).await.contains("e-CPS"));
    // … and by civil status (recorded by an employer, no FranceConnect subject).
    let person =
        rpps_devidp::franceconnect_identity(rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER).unwrap();
    record_with_the_civil_status_of(app, person).await;
    let (ended, _) = sign_in(&certified, FC_LOGIN, person.id).await;
    assert_eq!(ended.location, "/api/auth/problem?reason=already_rpps");
    assert!(ended.set_cookie.is_none());
}

#[tokio::test]
async fn pro_sante_connect_outcomes_through_the_certified_provider() {
    let certified = certified_app().await;
    let app = &certified.app;

    // FAQ-R18: 8 + RPPS from the provider, the RPPS number on 11 digits in the session.
    let (ended, authorize) = sign_in(
        &certified,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_PRO_ECPS,
    )
    .await;
    assert_eq!(ended.location, "/mon-dossier");
    let me = session(app, &ended.cookie()).await;
    assert_eq!(me["role"], "professional", "{me}");
    assert_eq!(me["rpps"], rpps_devidp::RPPS_PRO);
    // As Pro Santé Connect is asked: eidas1, scope_all, PKCE S256 (required by the provider).
    assert_eq!(
        query_param(&authorize, "acr_values").as_deref(),
        Some("eidas1")
    );
    assert!(query_param(&authorize, "scope").is_some_and(|s| s.contains("scope_all")));
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );

    // FAQ-R9: managers get a session scoped to their establishments.
    let (ended, _) = sign_in(
        &certified,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    assert_eq!(ended.location, "/gestion");
    let me = session(app, &ended.cookie()).await;
    assert_eq!(me["role"], "manager");
    assert_eq!(me["establishments"], json!([rpps_devidp::FINESS_A]));
    let (ended, _) = sign_in(&certified, PSC_LOGIN, rpps_devidp::PSC_MANAGER_A_B).await;
    let me = session(app, &ended.cookie()).await;
    let mut establishments: Vec<String> =
        serde_json::from_value(me["establishments"].clone()).unwrap();
    establishments.sort();
    assert_eq!(
        establishments,
        [rpps_devidp::FINESS_B, rpps_devidp::FINESS_A]
    );

    // FAQ-R8: a card holder who is nobody's manager; FAQ-R13: the same on the professional side.
    let (ended, _) = sign_in(
        &certified,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE,
    )
    .await;
    assert_eq!(ended.location, "/api/auth/problem?reason=not_authorised");
    assert!(ended.set_cookie.is_none());
    let (ended, _) = sign_in(
        &certified,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE,
    )
    .await;
    assert_eq!(ended.location, "/api/auth/problem?reason=not_eligible");
}

/// FAQ-R10: the provider's own error answers land on the page that says what to do.
#[tokio::test]
async fn the_certified_providers_errors_land_on_the_guidance_pages() {
    let certified = certified_app().await;
    let card_problem = format!("error~{}", rpps_devidp::CARD_PROBLEM_ERROR);
    for (login, hint, reason) in [
        (PSC_LOGIN, "error~access_denied", "cancelled"),
        (PSC_LOGIN, card_problem.as_str(), "card_or_middleware"),
        (
            PSC_LOGIN,
            "error~temporarily_unavailable",
            "provider_unavailable",
        ),
        (FC_LOGIN, "error~access_denied", "cancelled"),
    ] {
        let (ended, _) = sign_in(&certified, login, hint).await;
        assert_eq!(
            ended.location,
            format!("/api/auth/problem?reason={reason}"),
            "{login} {hint}"
        );
        assert!(ended.set_cookie.is_none());
    }
}

/// The certified provider's forged answers: an ID token signed with another key (same key id),
/// re-signed for another client, or unsigned (`alg: none`); an answer naming another issuer or
/// none (RFC 9207); and a code already redeemed, presented again with a new sign-in's state.
/// None signs anyone in; each refusal is audited.
#[tokio::test]
async fn forged_answers_of_the_certified_provider_are_refused() {
    let certified = certified_app().await;
    let app = &certified.app;
    for (login, callback, provider, account) in [
        (
            FC_LOGIN,
            "/api/auth/franceconnect/callback",
            "franceconnect",
            rpps_devidp::FC_AIDE_SANS_RPPS,
        ),
        (
            PSC_LOGIN,
            "/api/auth/psc/callback",
            "psc",
            rpps_devidp::PSC_MANAGER_A,
        ),
    ] {
        for forgery in ["wrong_signature", "wrong_audience", "alg_none"] {
            let (ended, _) = sign_in(&certified, login, &format!("{account}~{forgery}")).await;
            assert_eq!(
                ended.location, "/api/auth/problem?reason=sign_in_failed",
                "{provider} {forgery}"
            );
            assert!(ended.set_cookie.is_none(), "{provider} {forgery}");
        }
        // RFC 9207: the provider names itself in its answer (`iss`); an answer naming another
        // issuer, or none, is refused before its code is used.
        for tamper in ["another", "none"] {
            let (callback, binding, _) = to_callback(&certified, login, account).await;
            assert!(
                query_param(callback.as_str(), "iss").is_some(),
                "{callback}"
            );
            let mut tampered = callback.clone();
            let kept: Vec<(String, String)> = callback
                .query_pairs()
                .filter(|(k, _)| k != "iss")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            tampered.query_pairs_mut().clear().extend_pairs(&kept);
            if tamper == "another" {
                tampered
                    .query_pairs_mut()
                    .append_pair("iss", "https://fournisseur.example");
            }
            let ended = finish(tampered.as_str(), &[&binding], &binding).await;
            assert_eq!(
                ended.location, "/api/auth/problem?reason=sign_in_failed",
                "{provider}: iss {tamper}"
            );
            assert!(ended.set_cookie.is_none());
        }
        // The honest answer signs in, so the refusals above are the forgeries'.
        let (first, _) = sign_in(&certified, login, account).await;
        assert!(first.set_cookie.is_some(), "{provider}: {}", first.location);
        let code = query_param(&first.callback, "code").expect("a code");
        let iss = query_param(&first.callback, "iss").expect("the issuer");
        let (state, binding) = pending_state(app, login).await;
        let mut replayed = reqwest::Url::parse(&app.url(callback)).unwrap();
        replayed
            .query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &state)
            .append_pair("iss", &iss);
        let replay = finish(replayed.as_str(), &[&binding], &binding).await;
        assert_eq!(
            replay.location, "/api/auth/problem?reason=sign_in_failed",
            "{provider}: a code redeemed twice"
        );
        assert!(replay.set_cookie.is_none());
        // Each refusal audited with its cause: the three ID tokens rejected, the code refused by
        // the provider.
        let codes: Vec<String> = audit_actions(app, provider)
            .await
            .into_iter()
            .filter(|(action, _)| action == "auth.refused")
            .map(|(_, after)| {
                let after: Value = serde_json::from_str(&after).unwrap_or_default();
                after["code"].as_str().unwrap_or_default().to_owned()
            })
            .collect();
        assert_eq!(
            codes,
            [
                "token_rejected",
                "token_rejected",
                "token_rejected",
                "issuer_mismatch",
                "issuer_mismatch",
                "code_rejected"
            ],
            "{provider}"
        );
    }
}
