//! Sign-in end to end over HTTP: the sign-in function against the development OpenID provider
//! (real discovery, JWKS, signed tokens), sessions in DynamoDB (moto), guidance pages, audit.

use crate::support::{client, login_cookie, session, set_cookie};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use rpps_devidp::{DevIssuer, Fault};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::Value;

async fn app() -> TestApp {
    spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts")
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-rpps_session="))
        .map(str::to_owned)
}

/// Where a sign-in ended: the landing page or the guidance page, and the cookie it set.
pub(crate) struct Ended {
    pub(crate) location: String,
    pub(crate) set_cookie: Option<String>,
    /// The callback URL the provider sent the browser to (to replay it).
    pub(crate) callback: String,
    /// The browser's binding cookie from the login (`name=value`).
    pub(crate) login: String,
}

impl Ended {
    pub(crate) fn cookie(&self) -> String {
        let full = self.set_cookie.as_deref().expect("a session cookie");
        full.split(';').next().unwrap().to_owned()
    }
}

/// Starts a sign-in, lets the development provider authenticate `identity` (with an optional
/// fault), and follows the callback once. `cookie`: a session the browser already has.
async fn sign_in(
    app: &TestApp,
    login_path: &str,
    identity: &str,
    fault: Option<&str>,
    cookie: Option<&str>,
) -> Ended {
    let http = client();
    let start = http.get(app.url(login_path)).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER, "{login_path}");
    let login = login_cookie(&start);
    let authorize = location(&start);
    assert!(authorize.contains("/dev-idp/"), "{authorize}");
    let mut url = format!("{authorize}&login_hint={identity}");
    if let Some(fault) = fault {
        url.push_str(&format!("&dev_fault={fault}"));
    }
    let back = http.get(&url).send().await.unwrap();
    assert!(back.status().is_redirection(), "{} {url}", back.status());
    let callback = location(&back);
    let mut cookies = vec![login.as_str()];
    cookies.extend(cookie);
    finish(&callback, &cookies, &login).await
}

/// Follows a callback URL from a browser holding `cookies` (`name=value` each); `login`: the
/// binding cookie of the sign-in it belongs to, kept in [`Ended`] for a replay.
pub(crate) async fn finish(callback: &str, cookies: &[&str], login: &str) -> Ended {
    let mut request = client().get(callback);
    if !cookies.is_empty() {
        request = request.header(COOKIE, cookies.join("; "));
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{callback}");
    Ended {
        location: location(&response),
        set_cookie: session_cookie(&response),
        callback: callback.to_owned(),
        login: login.to_owned(),
    }
}

pub(crate) async fn page(app: &TestApp, location: &str) -> String {
    let response = client().get(app.url(location)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

pub(crate) async fn audit_actions(app: &TestApp, provider: &str) -> Vec<(String, String)> {
    app.store()
        .audit_trail(&format!("SIGNIN#{provider}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.after.unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn faq_r11_franceconnect_gives_an_applicant_session_with_the_certified_civil_status() {
    let app = app().await;
    let ended = sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_SANS_RPPS,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/demande");
    let set_cookie = ended.set_cookie.clone().unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let me = session(&app, &ended.cookie()).await;
    assert_eq!(me["authenticated"], true);
    assert_eq!(me["role"], "applicant");
    assert_eq!(me["provider"], "franceconnect");
    let civil = &me["civil_status"];
    assert_eq!(civil["family_name"], "N'Diaye");
    assert_eq!(civil["birth_place"]["kind"], "france", "{me}");
    assert_eq!(civil["birth_place"]["commune"], "69383", "{me}");
    assert_eq!(me["csrf_token"].as_str().unwrap().len(), 43);
    assert!(
        audit_actions(&app, "franceconnect")
            .await
            .iter()
            .any(|(a, _)| a == "auth.sign_in")
    );
}

#[tokio::test]
async fn franceconnect_for_a_person_born_abroad() {
    let app = app().await;
    let ended = sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/demande");
    let me = session(&app, &ended.cookie()).await;
    let place = &me["civil_status"]["birth_place"];
    assert_eq!(place["kind"], "abroad", "{me}");
    assert!(place["country"].as_str().unwrap().starts_with("99"), "{me}");
}

#[tokio::test]
async fn faq_r12_franceconnect_is_refused_to_a_person_who_already_holds_an_rpps_number() {
    let app = app().await;
    let ended = sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_PRO_DEJA_RPPS,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/api/auth/problem?reason=already_rpps");
    assert!(ended.set_cookie.is_none(), "no session");
    let html = page(&app, &ended.location).await;
    assert!(html.contains("e-CPS"), "{html}");
    let audit = audit_actions(&app, "franceconnect").await;
    assert!(
        audit
            .iter()
            .any(|(a, d)| a == "auth.refused" && d.contains("already_rpps")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn faq_r18_pro_sante_connect_with_8_plus_rpps_gives_a_professional_session_on_11_digits() {
    let app = app().await;
    let ended = sign_in(
        &app,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_PRO_ECPS,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/mon-dossier");
    let me = session(&app, &ended.cookie()).await;
    assert_eq!(me["role"], "professional");
    assert_eq!(me["rpps"], rpps_devidp::RPPS_PRO);
    assert_eq!(me["rpps"].as_str().unwrap().len(), 11);
}

#[tokio::test]
async fn faq_r9_managers_get_a_session_scoped_to_their_establishments() {
    let app = app().await;
    let one = sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
        None,
        None,
    )
    .await;
    assert_eq!(one.location, "/gestion");
    let me = session(&app, &one.cookie()).await;
    assert_eq!(me["role"], "manager");
    assert_eq!(
        me["establishments"],
        serde_json::json!([rpps_devidp::FINESS_A])
    );
    let two = sign_in(
        &app,
        "/api/auth/psc/login",
        rpps_devidp::PSC_MANAGER_A_B,
        None,
        None,
    )
    .await;
    let me = session(&app, &two.cookie()).await;
    let mut establishments: Vec<String> =
        serde_json::from_value(me["establishments"].clone()).unwrap();
    establishments.sort();
    assert_eq!(
        establishments,
        [rpps_devidp::FINESS_B, rpps_devidp::FINESS_A]
    );
}

#[tokio::test]
async fn faq_r8_a_card_holder_who_is_not_a_manager_gets_the_not_authorised_page() {
    let app = app().await;
    let ended = sign_in(
        &app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/api/auth/problem?reason=not_authorised");
    assert!(ended.set_cookie.is_none());
    let html = page(&app, &ended.location).await;
    assert!(
        html.contains("/api/auth/franceconnect/login"),
        "links to pre-registration"
    );
    // FAQ-R13: the same card on the professional side is told to see their order or authority.
    let ended = sign_in(
        &app,
        "/api/auth/psc/login?profil=professionnel",
        rpps_devidp::PSC_CARTE_NON_GESTIONNAIRE,
        None,
        None,
    )
    .await;
    assert_eq!(ended.location, "/api/auth/problem?reason=not_eligible");
    assert!(
        page(&app, &ended.location)
            .await
            .contains("ordre professionnel")
    );
}

/// The state of a login in progress, as the provider would send it back.
/// A sign-in started and left at the provider: its `state` and the browser's binding cookie.
pub(crate) async fn pending_state(app: &TestApp, login_path: &str) -> (String, String) {
    let start = client().get(app.url(login_path)).send().await.unwrap();
    let authorize = location(&start);
    let url = reqwest::Url::parse(&authorize).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    (state, login_cookie(&start))
}

#[tokio::test]
async fn faq_r10_provider_errors_land_on_a_page_that_says_what_to_do() {
    let app = app().await;
    for (login, callback, error, reason) in [
        (
            "/api/auth/psc/login",
            "/api/auth/psc/callback",
            "access_denied",
            "cancelled",
        ),
        (
            "/api/auth/psc/login",
            "/api/auth/psc/callback",
            rpps_devidp::CARD_PROBLEM_ERROR,
            "card_or_middleware",
        ),
        (
            "/api/auth/psc/login",
            "/api/auth/psc/callback",
            "temporarily_unavailable",
            "provider_unavailable",
        ),
        (
            "/api/auth/franceconnect/login",
            "/api/auth/franceconnect/callback",
            "access_denied",
            "cancelled",
        ),
    ] {
        let (state, login) = pending_state(&app, login).await;
        let url = app.url(&format!(
            "{callback}?error={error}&error_description=x&state={state}"
        ));
        let ended = finish(&url, &[&login], &login).await;
        assert_eq!(
            ended.location,
            format!("/api/auth/problem?reason={reason}"),
            "{error}"
        );
        assert!(ended.set_cookie.is_none());
        let html = page(&app, &ended.location).await;
        assert!(html.contains("<html lang=\"fr\">"));
    }
    assert!(
        page(&app, "/api/auth/problem?reason=card_or_middleware")
            .await
            .contains("Cryptolib CPS")
    );
}

#[tokio::test]
async fn tampered_replayed_and_forged_callbacks_create_no_session_and_are_audited() {
    let app = app().await;
    // Replayed: the same callback twice (state and code already used).
    let first = sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_SANS_RPPS,
        None,
        None,
    )
    .await;
    assert_eq!(first.location, "/demande");
    let replay = finish(&first.callback, &[&first.login], &first.login).await;
    assert_eq!(replay.location, "/api/auth/problem?reason=sign_in_failed");
    assert!(replay.set_cookie.is_none());
    // Tampered state; missing state; oversized code.
    let (state, login) = pending_state(&app, "/api/auth/franceconnect/login").await;
    for url in [
        format!("/api/auth/franceconnect/callback?code=abc&state={state}x"),
        "/api/auth/franceconnect/callback?code=abc".to_owned(),
        format!(
            "/api/auth/franceconnect/callback?code={}&state={state}",
            "a".repeat(5000)
        ),
    ] {
        let ended = finish(&app.url(&url), &[&login], &login).await;
        assert_eq!(
            ended.location, "/api/auth/problem?reason=sign_in_failed",
            "{url}"
        );
        assert!(ended.set_cookie.is_none());
    }
    let refused = audit_actions(&app, "franceconnect")
        .await
        .into_iter()
        .filter(|(a, _)| a == "auth.refused")
        .count();
    assert!(refused >= 4, "{refused} refusals audited");
}

#[tokio::test]
async fn every_token_fault_is_refused_with_the_guidance_page_and_an_audit_entry() {
    let app = app().await;
    for fault in Fault::ALL {
        for (issuer, login, identity) in [
            (
                DevIssuer::FranceConnect,
                "/api/auth/franceconnect/login",
                rpps_devidp::FC_AIDE_SANS_RPPS,
            ),
            (
                DevIssuer::ProSanteConnect,
                "/api/auth/psc/login",
                rpps_devidp::PSC_MANAGER_A,
            ),
        ] {
            if !fault.applies_to(issuer) {
                continue;
            }
            let ended = sign_in(&app, login, identity, Some(fault.code()), None).await;
            assert_eq!(
                ended.location, "/api/auth/problem?reason=sign_in_failed",
                "{fault:?} {issuer:?}"
            );
            assert!(
                ended.set_cookie.is_none(),
                "{fault:?} {issuer:?} created a session"
            );
        }
    }
    let audit = audit_actions(&app, "franceconnect").await;
    assert!(audit.iter().all(|(a, _)| a == "auth.refused"), "{audit:?}");
}

#[tokio::test]
async fn a_new_sign_in_gets_a_new_session_id_and_ends_the_old_one() {
    let app = app().await;
    let first = sign_in(
        &app,
        "/api/auth/psc/login",
        rpps_devidp::PSC_MANAGER_A,
        None,
        None,
    )
    .await;
    let second = sign_in(
        &app,
        "/api/auth/psc/login",
        rpps_devidp::PSC_MANAGER_A_B,
        None,
        Some(&first.cookie()),
    )
    .await;
    assert_ne!(first.cookie(), second.cookie());
    assert_eq!(session(&app, &first.cookie()).await["authenticated"], false);
    assert_eq!(session(&app, &second.cookie()).await["role"], "manager");
}

/// An aide signed in with FranceConnect: her session cookie and CSRF token.
async fn signed_in_aide(app: &TestApp) -> (String, String) {
    let ended = sign_in(
        app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_SANS_RPPS,
        None,
        None,
    )
    .await;
    let cookie = ended.cookie();
    let token = session(app, &cookie).await["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (cookie, token)
}

#[tokio::test]
async fn logout_needs_our_origin_and_the_csrf_token_then_ends_the_session() {
    let app = app().await;
    let (cookie, token) = signed_in_aide(&app).await;
    let http = client();
    let post = |origin: Option<&str>, token: Option<&str>| {
        let mut request = http
            .post(app.url("/api/auth/logout"))
            .header(COOKIE, &cookie);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request.send()
    };
    let response = post(None, Some(&token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf.origin");
    let response = post(Some("https://evil.example"), Some(&token))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = post(Some(&app.base), None).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "csrf.token");
    assert_eq!(
        session(&app, &cookie).await["authenticated"],
        true,
        "still signed in"
    );

    let response = post(Some(&app.base), Some(&token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(session_cookie(&response).unwrap().contains("Max-Age=0"));
    let body: Value = response.json().await.unwrap();
    let redirect = body["redirect_to"].as_str().unwrap();
    assert!(
        redirect.contains("/dev-idp/franceconnect/") && redirect.contains("id_token_hint="),
        "{redirect}"
    );
    assert_eq!(session(&app, &cookie).await["authenticated"], false);
    // Without a session: 401.
    let response = post(Some(&app.base), Some(&token)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_cookie_the_session_is_anonymous() {
    let app = app().await;
    let me = client().get(app.url("/api/session")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(
        me,
        serde_json::json!({"authenticated": false, "role": "anonymous"})
    );
}

/// A professional recorded with the civil status of the FranceConnect test identity `person`
/// but no FranceConnect subject (e.g. registered by their employer).
pub(crate) async fn record_with_the_civil_status_of(
    app: &TestApp,
    person: &rpps_devidp::FranceConnectTestIdentity,
) {
    let today = rpps_domain::paris::date_in_paris(time::OffsetDateTime::now_utc());
    let civil = rpps_auth::civil_status(
        person.family_name,
        person.given_name,
        person.birthdate,
        Some(person.birthplace).filter(|p| !p.is_empty()),
        person.birthcountry,
        today,
    )
    .unwrap();
    let store = app.store();
    let record = rpps_store::ProfessionalRecord {
        rpps: rpps_domain::RppsNumber::from_sequence(42).unwrap(),
        family_name: person.family_name.into(),
        given_names: person.given_name.into(),
    };
    store
        .record_professional(&record, None, &civil.identity_key(), "operator:test")
        .await
        .unwrap();
}

#[tokio::test]
async fn faq_r12_the_match_is_also_on_the_civil_status_identity_not_only_the_subject() {
    let app = app().await;
    let person =
        rpps_devidp::franceconnect_identity(rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER).unwrap();
    record_with_the_civil_status_of(&app, person).await;
    let ended = sign_in(&app, "/api/auth/franceconnect/login", person.id, None, None).await;
    assert_eq!(ended.location, "/api/auth/problem?reason=already_rpps");
    assert!(ended.set_cookie.is_none());
}

#[tokio::test]
async fn faq_r10_a_provider_that_does_not_answer_gives_the_temporarily_unavailable_page() {
    // A provider that accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let mut options = fresh_options(aws_endpoint());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    options.public_origin = base.clone();
    let sdk = rpps_runtime::aws::for_local_endpoint(&options.aws_endpoint);
    let config = options.config();
    let issuer = format!("http://{silent_addr}/fc");
    let franceconnect = rpps_identity::OidcClientConfig::franceconnect(
        issuer.clone(),
        "client",
        rpps_identity::SecretString::from("secret".to_owned()),
        format!("{base}/api/auth/franceconnect/callback"),
        format!("{base}/api/auth/logged-out"),
    );
    let psc = rpps_identity::OidcClientConfig::psc(
        issuer,
        "client",
        rpps_identity::SecretString::from("secret".to_owned()),
        format!("{base}/api/auth/psc/callback"),
        format!("{base}/api/auth/logged-out"),
    );
    let state = rpps_auth::state_from_parts(&config, &sdk, base.clone(), franceconnect, psc);
    let router = rpps_auth::router(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let started = std::time::Instant::now();
    let response = client()
        .get(format!("{base}/api/auth/franceconnect/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        "/api/auth/problem?reason=provider_unavailable"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "bounded by the client's timeouts"
    );
}

/// Issue 15, login CSRF: someone starts a sign-in with their own FranceConnect account and sends
/// the callback's address to someone else. Followed from that other browser (signed in as
/// itself, or not at all), it signs nobody in and leaves that browser's session as it was.
#[tokio::test]
async fn a_callback_started_in_another_browser_signs_nobody_in() {
    let app = app().await;
    let victim = sign_in(
        &app,
        "/api/auth/franceconnect/login",
        rpps_devidp::FC_AIDE_NEE_A_L_ETRANGER,
        None,
        None,
    )
    .await;
    let victim_session = victim.cookie();
    let before = session(&app, &victim_session).await;
    assert_eq!(before["authenticated"], true);

    // The other person's sign-in, stopped at the callback, in their own browser.
    let http = client();
    let start = http
        .get(app.url("/api/auth/franceconnect/login"))
        .send()
        .await
        .unwrap();
    let back = http
        .get(format!(
            "{}&login_hint={}",
            location(&start),
            rpps_devidp::FC_AIDE_SANS_RPPS
        ))
        .send()
        .await
        .unwrap();
    let callback = location(&back);

    // Followed by the victim's browser: its session and its own login binding, not theirs.
    let followed = finish(&callback, &[&victim_session, &victim.login], &victim.login).await;
    assert_eq!(followed.location, "/api/auth/problem?reason=sign_in_failed");
    assert!(followed.set_cookie.is_none(), "no session for the victim");
    assert_eq!(
        session(&app, &victim_session).await,
        before,
        "the victim's session is untouched"
    );
    // Nor from a browser with no cookie at all.
    let (state, _) = pending_state(&app, "/api/auth/franceconnect/login").await;
    let bare = finish(
        &app.url(&format!(
            "/api/auth/franceconnect/callback?code=abc&state={state}"
        )),
        &[],
        "",
    )
    .await;
    assert_eq!(bare.location, "/api/auth/problem?reason=sign_in_failed");
    let foreign = audit_actions(&app, "franceconnect")
        .await
        .into_iter()
        .filter(|(a, after)| a == "auth.refused" && after.contains("state_foreign"))
        .count();
    assert_eq!(foreign, 2, "both refusals audited as state_foreign");
}

/// Issue 15: the provider's logout returns with the `state` our logout sent; only the browser
/// that signed out goes home with it, any other return gets the guidance page.
#[tokio::test]
async fn the_logout_return_is_checked_against_the_browser_that_signed_out() {
    let app = app().await;
    let (cookie, token) = signed_in_aide(&app).await;
    let http = client();
    let out = http
        .post(app.url("/api/auth/logout"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &app.base)
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    let logout_cookie = set_cookie(out.headers(), rpps_auth::session_view::LOGOUT_COOKIE)
        .expect("the logout's state kept by the browser");
    let body: Value = out.json().await.unwrap();
    let at_provider = http
        .get(body["redirect_to"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(at_provider.status().is_redirection());
    let returned = location(&at_provider);
    assert!(
        returned.contains("/api/auth/logged-out?state="),
        "{returned}"
    );
    let back = |url: String, cookie: Option<String>| {
        let mut request = http.get(url);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send()
    };
    let forged = app.url("/api/auth/logged-out?state=forged-state-forged-state-forged-state-1234");
    for (url, cookie) in [
        (returned.clone(), None),
        (forged, Some(logout_cookie.clone())),
    ] {
        let refused = back(url, cookie).await.unwrap();
        assert_eq!(
            location(&refused),
            "/api/auth/problem?reason=sign_in_failed"
        );
    }
    let home = back(returned, Some(logout_cookie)).await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&home), "/");
    let cleared = home
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with(rpps_auth::session_view::LOGOUT_COOKIE) && v.contains("Max-Age=0"));
    assert!(cleared, "the logout's cookie is removed");
}
