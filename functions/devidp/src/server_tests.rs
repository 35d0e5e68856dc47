//! The endpoints over HTTP (in memory): validation before anything is sent back, client
//! authentication as each provider documents it, single-use and expiring codes.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use openidconnect::url::{Url, form_urlencoded};
use serde_json::Value;
use tower::ServiceExt as _;

use super::{CodeGrant, Shared, lock, router};
use crate::{DevClient, DevIdpConfig, DevIssuer, PSC_PRO_ECPS};

const BASE: &str = "http://127.0.0.1:8080";
const ID: &str = "client-de-test";
const SECRET: &str = "secret-de-test";
const FC_CALLBACK: &str = "http://127.0.0.1:8080/api/auth/franceconnect/callback";
const PSC_CALLBACK: &str = "http://127.0.0.1:8080/api/auth/psc/callback";
const LOGGED_OUT: &str = "http://127.0.0.1:8080/api/auth/logout/done";
const STATE: &str = "etat-0123456789-0123456789-0123456789";
const NONCE: &str = "nonce-0123456789-0123456789-0123456789";

/// One provider (one RSA key generation) for every test of this module.
fn shared() -> Arc<Shared> {
    static SHARED: LazyLock<Arc<Shared>> = LazyLock::new(|| {
        Arc::new(
            Shared::new(DevIdpConfig {
                public_base: BASE.into(),
                clients: vec![DevClient {
                    client_id: ID.into(),
                    client_secret: SECRET.into(),
                    redirect_uris: vec![FC_CALLBACK.into(), PSC_CALLBACK.into()],
                    post_logout_redirect_uris: vec![LOGGED_OUT.into()],
                }],
            })
            .expect("development provider"),
        )
    });
    SHARED.clone()
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON")
    }

    fn location_param(&self, name: &str) -> Option<String> {
        let url = Url::parse(self.location.as_deref()?).ok()?;
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }
}

async fn send(request: Request<Body>) -> Answer {
    let response = router(shared()).oneshot(request).await.expect("response");
    let status = response.status();
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    let content_type = header("content-type");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    Answer {
        status,
        location,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(path: &str) -> Answer {
    send(Request::get(path).body(Body::empty()).expect("request")).await
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn authorize_pairs(issuer: DevIssuer) -> Vec<(&'static str, &'static str)> {
    match issuer {
        DevIssuer::FranceConnect => vec![
            ("client_id", ID),
            ("redirect_uri", FC_CALLBACK),
            ("response_type", "code"),
            ("scope", "openid given_name family_name"),
            ("state", STATE),
            ("nonce", NONCE),
            ("acr_values", "eidas1"),
        ],
        DevIssuer::ProSanteConnect => vec![
            ("client_id", ID),
            ("redirect_uri", PSC_CALLBACK),
            ("response_type", "code"),
            ("scope", "openid scope_all"),
            ("state", STATE),
            ("nonce", NONCE),
            ("acr_values", "eidas1"),
        ],
    }
}

async fn authorize(issuer: DevIssuer, pairs: &[(&str, &str)]) -> Answer {
    get(&format!(
        "/dev-idp/{}/authorize?{}",
        issuer.path_segment(),
        query(pairs)
    ))
    .await
}

fn with(
    mut pairs: Vec<(&'static str, &'static str)>,
    extra: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    for (key, value) in extra {
        pairs.retain(|(k, _)| k != key);
        pairs.push((key, value));
    }
    pairs
}

async fn code_for(issuer: DevIssuer, identity: &'static str) -> String {
    let answer = authorize(
        issuer,
        &with(authorize_pairs(issuer), &[("login_hint", identity)]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.body);
    assert_eq!(answer.location_param("state").as_deref(), Some(STATE));
    answer.location_param("code").expect("code")
}

fn token_request(
    issuer: DevIssuer,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Request<Body> {
    let mut builder = Request::post(format!("/dev-idp/{}/token", issuer.path_segment()))
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        builder = builder.header(
            "authorization",
            format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
        );
    }
    builder.body(Body::from(query(form))).expect("request")
}

fn fc_token_form<'a>(code: &'a str, secret: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", FC_CALLBACK),
        ("client_id", ID),
        ("client_secret", secret),
    ]
}

#[tokio::test]
async fn discovery_documents_describe_each_provider() {
    let fc = get("/dev-idp/franceconnect/.well-known/openid-configuration")
        .await
        .json();
    assert_eq!(fc["issuer"], "http://127.0.0.1:8080/dev-idp/franceconnect");
    assert_eq!(fc["id_token_signing_alg_values_supported"][0], "ES256");
    assert_eq!(fc["userinfo_signing_alg_values_supported"][0], "ES256");
    assert_eq!(
        fc["token_endpoint_auth_methods_supported"][0],
        "client_secret_post"
    );
    assert_eq!(
        fc["end_session_endpoint"],
        "http://127.0.0.1:8080/dev-idp/franceconnect/logout"
    );
    assert!(fc.get("code_challenge_methods_supported").is_none());
    let psc = get("/dev-idp/psc/.well-known/wallet-openid-configuration")
        .await
        .json();
    assert_eq!(psc["issuer"], DevIssuer::ProSanteConnect.issuer_url(BASE));
    assert_eq!(psc["id_token_signing_alg_values_supported"][0], "RS256");
    assert_eq!(
        psc["token_endpoint_auth_methods_supported"][0],
        "client_secret_basic"
    );
    assert_eq!(psc["code_challenge_methods_supported"][0], "S256");
    let standard_path_at_psc = get("/dev-idp/psc/.well-known/openid-configuration").await;
    assert_eq!(standard_path_at_psc.status, StatusCode::NOT_FOUND);
    let fc_keys = get("/dev-idp/franceconnect/jwks").await.json();
    assert_eq!(fc_keys["keys"][0]["kty"], "EC");
    assert_eq!(fc_keys["keys"][0]["crv"], "P-256");
    assert!(fc_keys["keys"][0].get("d").is_none(), "public part only");
    let psc_keys = get("/dev-idp/psc/jwks").await.json();
    assert_eq!(psc_keys["keys"][0]["kty"], "RSA");
    assert!(psc_keys["keys"][0].get("d").is_none(), "public part only");
}

#[tokio::test]
async fn the_choice_page_is_shown_without_login_hint() {
    let answer = authorize(
        DevIssuer::ProSanteConnect,
        &authorize_pairs(DevIssuer::ProSanteConnect),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .content_type
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(answer.body.contains("Choisissez l'identité de test"));
    assert!(answer.body.contains(PSC_PRO_ECPS));
    assert!(answer.body.contains("Cryptolib CPS absent"));
    assert!(
        answer.body.contains(&format!("value=\"{STATE}\"")),
        "the request is carried over"
    );
}

#[tokio::test]
async fn nothing_is_sent_to_an_unknown_client_or_an_unregistered_address() {
    let issuer = DevIssuer::FranceConnect;
    for extra in [
        [("client_id", "inconnu")],
        [(
            "redirect_uri",
            "http://127.0.0.1:8080/api/auth/franceconnect/callback/ailleurs",
        )],
        [("redirect_uri", "https://attaquant.example/callback")],
    ] {
        let answer = authorize(issuer, &with(authorize_pairs(issuer), &extra)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{extra:?}");
        assert_eq!(answer.location, None, "{extra:?}");
        assert!(answer.body.contains("Requête refusée"));
    }
}

#[tokio::test]
async fn malformed_requests_go_back_with_an_oauth_error() {
    let fc = DevIssuer::FranceConnect;
    let psc = DevIssuer::ProSanteConnect;
    type Case = (DevIssuer, Vec<(&'static str, &'static str)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            fc,
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (fc, vec![("scope", "given_name")], "invalid_scope"),
        (fc, vec![("scope", "openid tout")], "invalid_scope"),
        (fc, vec![("state", "court")], "invalid_request"),
        (fc, vec![("nonce", "court")], "invalid_request"),
        (fc, vec![("acr_values", "eidas9")], "invalid_request"),
        (psc, vec![("acr_values", "eidas2")], "invalid_request"),
        (fc, vec![("dev_fault", "inconnu")], "invalid_request"),
        (
            psc,
            vec![("dev_fault", "userinfo_bad_signature")],
            "invalid_request",
        ),
        (
            psc,
            vec![
                ("code_challenge", "abc"),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
    ];
    for (issuer, extra, error) in cases {
        let answer = authorize(issuer, &with(authorize_pairs(issuer), &extra)).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{extra:?}");
        assert_eq!(
            answer.location_param("error").as_deref(),
            Some(error),
            "{extra:?}"
        );
    }
}

#[tokio::test]
async fn cancel_and_missing_card_reader_go_back_with_their_errors() {
    let psc = DevIssuer::ProSanteConnect;
    let cancel = authorize(
        psc,
        &with(authorize_pairs(psc), &[("dev_action", "annuler")]),
    )
    .await;
    assert_eq!(
        cancel.location_param("error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(cancel.location_param("state").as_deref(), Some(STATE));
    let card = authorize(
        psc,
        &with(authorize_pairs(psc), &[("dev_action", "carte_absente")]),
    )
    .await;
    assert_eq!(
        card.location_param("error").as_deref(),
        Some(crate::CARD_PROBLEM_ERROR)
    );
    let fc = DevIssuer::FranceConnect;
    let no_card_at_fc = authorize(
        fc,
        &with(authorize_pairs(fc), &[("dev_action", "carte_absente")]),
    )
    .await;
    assert_eq!(
        no_card_at_fc.location_param("error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn an_unknown_identity_is_refused() {
    let fc = DevIssuer::FranceConnect;
    let answer = authorize(
        fc,
        &with(authorize_pairs(fc), &[("login_hint", PSC_PRO_ECPS)]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.location, None);
}

#[tokio::test]
async fn franceconnect_authenticates_clients_with_client_secret_post_only() {
    let fc = DevIssuer::FranceConnect;
    let code = code_for(fc, crate::FC_AIDE_SANS_RPPS).await;
    let basic = send(token_request(
        fc,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", FC_CALLBACK),
        ],
        Some((ID, SECRET)),
    ))
    .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert_eq!(basic.json()["error"], "invalid_client");
    // The code survived the refused client: it is consumed only by an authenticated client.
    let wrong = send(token_request(fc, &fc_token_form(&code, "faux"), None)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let ok = send(token_request(fc, &fc_token_form(&code, SECRET), None)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let token = ok.json();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(
        token["id_token"]
            .as_str()
            .unwrap_or_default()
            .split('.')
            .count(),
        3
    );
    let again = send(token_request(fc, &fc_token_form(&code, SECRET), None)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.json()["error"], "invalid_grant", "single use");
}

#[tokio::test]
async fn psc_authenticates_clients_with_client_secret_basic_only() {
    let psc = DevIssuer::ProSanteConnect;
    let code = code_for(psc, PSC_PRO_ECPS).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", PSC_CALLBACK),
    ];
    let mut posted = form.to_vec();
    posted.extend([("client_id", ID), ("client_secret", SECRET)]);
    let post = send(token_request(psc, &posted, None)).await;
    assert_eq!(post.status, StatusCode::UNAUTHORIZED);
    let ok = send(token_request(psc, &form, Some((ID, SECRET)))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let access_token = ok.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let userinfo = send(
        Request::get("/dev-idp/psc/userinfo")
            .header("authorization", format!("Bearer {access_token}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(userinfo.status, StatusCode::OK);
    assert!(
        userinfo
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(userinfo.json()["SubjectNameID"], "819990000010");
    // The access token belongs to the PSC issuer only.
    let elsewhere = send(
        Request::get("/dev-idp/franceconnect/userinfo")
            .header("authorization", format!("Bearer {access_token}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn codes_expire_after_a_minute_and_are_bound_to_their_redirect_uri() {
    let fc = DevIssuer::FranceConnect;
    let old = "un-code-ancien-0123456789-0123456789";
    lock(&shared().codes).insert(
        old.to_owned(),
        CodeGrant {
            issuer: fc,
            client_id: ID.into(),
            redirect_uri: FC_CALLBACK.into(),
            identity: crate::FC_AIDE_SANS_RPPS,
            nonce: NONCE.into(),
            code_challenge: None,
            fault: None,
            issued: Instant::now()
                .checked_sub(Duration::from_secs(crate::CODE_TTL_SECS + 1))
                .expect("a minute ago"),
        },
    );
    let expired = send(token_request(fc, &fc_token_form(old, SECRET), None)).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert_eq!(expired.json()["error"], "invalid_grant");

    let code = code_for(fc, crate::FC_AIDE_SANS_RPPS).await;
    let mut form = fc_token_form(&code, SECRET);
    form.retain(|(key, _)| *key != "redirect_uri");
    form.push(("redirect_uri", PSC_CALLBACK));
    let other = send(token_request(fc, &form, None)).await;
    assert_eq!(other.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn pkce_is_verified_when_a_challenge_was_sent() {
    let psc = DevIssuer::ProSanteConnect;
    let verifier = "v".repeat(50);
    let wrong = "w".repeat(50);
    let challenge = openidconnect::PkceCodeChallenge::from_code_verifier_sha256(
        &openidconnect::PkceCodeVerifier::new(verifier.clone()),
    );
    let mut pairs = authorize_pairs(psc);
    pairs.extend([
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("login_hint", PSC_PRO_ECPS),
    ]);
    for (code_verifier, accepted) in [
        (None, false),
        (Some(&wrong), false),
        (Some(&verifier), true),
    ] {
        let code = authorize(psc, &pairs)
            .await
            .location_param("code")
            .expect("code");
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", PSC_CALLBACK),
        ];
        if let Some(code_verifier) = code_verifier {
            form.push(("code_verifier", code_verifier.as_str()));
        }
        let answer = send(token_request(psc, &form, Some((ID, SECRET)))).await;
        if accepted {
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        } else {
            assert_eq!(answer.json()["error"], "invalid_grant", "{code_verifier:?}");
        }
    }
}

#[tokio::test]
async fn userinfo_needs_a_valid_bearer_token() {
    for header in [None, Some("Bearer inconnu"), Some("Basic abc")] {
        let mut request = Request::get("/dev-idp/franceconnect/userinfo");
        if let Some(value) = header {
            request = request.header("authorization", value);
        }
        let answer = send(request.body(Body::empty()).expect("request")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{header:?}");
    }
}

#[tokio::test]
async fn logout_checks_the_hint_and_the_destination() {
    let fc = DevIssuer::FranceConnect;
    let code = code_for(fc, crate::FC_AIDE_SANS_RPPS).await;
    let token = send(token_request(fc, &fc_token_form(&code, SECRET), None))
        .await
        .json();
    let id_token = token["id_token"].as_str().unwrap_or_default().to_owned();
    let logout = |pairs: Vec<(&str, &str)>| {
        let path = format!("/dev-idp/franceconnect/logout?{}", query(&pairs));
        async move { get(&path).await }
    };
    let unknown = logout(vec![
        ("id_token_hint", "abc"),
        ("state", STATE),
        ("post_logout_redirect_uri", LOGGED_OUT),
    ])
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let elsewhere = logout(vec![
        ("id_token_hint", &id_token),
        ("state", STATE),
        ("post_logout_redirect_uri", "https://attaquant.example/"),
    ])
    .await;
    assert_eq!(elsewhere.status, StatusCode::BAD_REQUEST);
    assert_eq!(elsewhere.location, None);
    let at_psc = get(&format!(
        "/dev-idp/psc/logout?{}",
        query(&[
            ("id_token_hint", &id_token),
            ("state", STATE),
            ("post_logout_redirect_uri", LOGGED_OUT)
        ])
    ))
    .await;
    assert_eq!(
        at_psc.status,
        StatusCode::BAD_REQUEST,
        "a FranceConnect token at PSC"
    );
    let ok = logout(vec![
        ("id_token_hint", &id_token),
        ("state", STATE),
        ("post_logout_redirect_uri", LOGGED_OUT),
    ])
    .await;
    assert_eq!(ok.status, StatusCode::FOUND);
    assert_eq!(ok.location_param("state").as_deref(), Some(STATE));
}
