//! Everything that must be refused: each fault of the development provider, tampering,
//! replays, oversized input, a provider that is down (FAQ-R10).

use std::time::{Duration, Instant};

use rpps_devidp::{FC_AIDE_SANS_RPPS, PSC_CARTE_NON_GESTIONNAIRE, PSC_PRO_ECPS};
use rpps_identity::{
    CallbackParams, Guidance, IdentityError, MAX_CALLBACK_PARAM_LEN, OidcClient, PendingLogin,
};

use crate::support::{self, authorize, sign_in};

async fn refused(client: &OidcClient, identity: &str, fault: &str) -> IdentityError {
    let (pending, callback) = sign_in(client, identity, Some(fault)).await;
    assert!(
        callback.code.is_some(),
        "{fault}: the provider issued a code"
    );
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err(&format!("{fault} must be refused"));
    eprintln!("{fault}: {err}");
    assert_eq!(err.guidance(), Guidance::SignInFailed, "{fault}: {err}");
    err
}

#[tokio::test]
async fn every_token_fault_is_refused_for_franceconnect() {
    let client = support::franceconnect().await;
    for fault in [
        "bad_signature",
        "wrong_audience",
        "wrong_issuer",
        "expired",
        "wrong_nonce",
        "unknown_acr",
        "userinfo_bad_signature",
        "userinfo_wrong_audience",
        "userinfo_wrong_subject",
    ] {
        let err = refused(&client, FC_AIDE_SANS_RPPS, fault).await;
        assert!(
            matches!(err, IdentityError::TokenRejected(_)),
            "{fault}: {err:?}"
        );
        assert!(err.is_suspicious(), "{fault}");
    }
}

#[tokio::test]
async fn every_token_fault_is_refused_for_psc() {
    let client = support::psc().await;
    for fault in [
        "bad_signature",
        "wrong_audience",
        "wrong_issuer",
        "expired",
        "wrong_nonce",
        "unknown_acr",
        "userinfo_wrong_subject",
    ] {
        let err = refused(&client, PSC_PRO_ECPS, fault).await;
        assert!(
            matches!(err, IdentityError::TokenRejected(_)),
            "{fault}: {err:?}"
        );
    }
}

#[tokio::test]
async fn each_refusal_names_what_failed() {
    let client = support::franceconnect().await;
    let cases = [
        ("bad_signature", "signature"),
        ("wrong_audience", "audience"),
        ("wrong_issuer", "issuer"),
        ("expired", "xpired"),
        ("wrong_nonce", "nonce"),
        ("unknown_acr", "acr"),
        ("userinfo_bad_signature", "userinfo"),
        ("userinfo_wrong_audience", "audience"),
        ("userinfo_wrong_subject", "subject"),
    ];
    for (fault, word) in cases {
        let err = refused(&client, FC_AIDE_SANS_RPPS, fault).await;
        let text = err.to_string().to_lowercase();
        assert!(text.contains(word), "{fault}: {text}");
    }
}

#[tokio::test]
async fn missing_claims_are_refused() {
    let fc = support::franceconnect().await;
    let err = refused(&fc, FC_AIDE_SANS_RPPS, "missing_claims").await;
    assert!(matches!(err, IdentityError::MissingClaim(_)), "{err:?}");
    let psc = support::psc().await;
    let err = refused(&psc, PSC_PRO_ECPS, "missing_claims").await;
    assert!(
        matches!(err, IdentityError::MissingClaim("SubjectNameID")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let client = support::franceconnect().await;
    let (pending, mut callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    callback.state = callback.state.map(|s| format!("{s}x"));
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err("tampered");
    assert!(matches!(err, IdentityError::StateMismatch), "{err:?}");
    assert_eq!(err.guidance(), Guidance::SignInFailed);

    let (pending, mut callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    callback.state = None;
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err("no state");
    assert!(matches!(err, IdentityError::StateMismatch), "{err:?}");
}

#[tokio::test]
async fn a_callback_for_another_login_is_refused() {
    // A replayed or cross-tab callback: its state is not the one of this pending login.
    let client = support::psc().await;
    let (_, callback) = sign_in(&client, PSC_PRO_ECPS, None).await;
    let (_, other_pending) = client.begin();
    let err = client
        .finish(&other_pending, &callback)
        .await
        .expect_err("another login's callback");
    assert!(matches!(err, IdentityError::StateMismatch), "{err:?}");

    // A pending login of the other provider.
    let fc = support::franceconnect().await;
    let (_, fc_pending) = fc.begin();
    let forged = PendingLogin {
        state: callback.state.clone().unwrap_or_default(),
        ..fc_pending
    };
    let err = client
        .finish(&forged, &callback)
        .await
        .expect_err("provider");
    assert!(matches!(err, IdentityError::StateMismatch), "{err:?}");
}

#[tokio::test]
async fn a_code_is_used_once() {
    let client = support::psc().await;
    let (pending, callback) = sign_in(&client, PSC_CARTE_NON_GESTIONNAIRE, None).await;
    client.finish(&pending, &callback).await.expect("first use");
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err("second use of the same code");
    assert!(
        matches!(err, IdentityError::CodeRejected(ref e) if e == "invalid_grant"),
        "{err:?}"
    );
    assert_eq!(err.guidance(), Guidance::SignInFailed);
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused() {
    let client = support::psc().await;
    let (mut pending, callback) = sign_in(&client, PSC_PRO_ECPS, None).await;
    pending.pkce_verifier = Some(rpps_identity::random_token());
    let err = client.finish(&pending, &callback).await.expect_err("PKCE");
    assert!(matches!(err, IdentityError::CodeRejected(_)), "{err:?}");
}

#[tokio::test]
async fn faq_r10_cancelling_at_the_provider_gives_the_cancelled_page() {
    for client in [support::franceconnect().await, support::psc().await] {
        let (url, pending) = client.begin();
        let callback = authorize(&url, &[("dev_action", "annuler")]).await;
        assert_eq!(callback.error.as_deref(), Some("access_denied"));
        let err = client
            .finish(&pending, &callback)
            .await
            .expect_err("cancelled");
        assert!(
            matches!(err, IdentityError::ProviderRefused { ref error, .. } if error == "access_denied"),
            "{err:?}"
        );
        assert_eq!(err.guidance(), Guidance::Cancelled);
        assert!(!err.is_suspicious());
    }
}

#[tokio::test]
async fn faq_r10_a_missing_card_reader_or_middleware_gives_its_own_page() {
    let client = support::psc().await;
    let (url, pending) = client.begin();
    let callback = authorize(&url, &[("dev_action", "carte_absente")]).await;
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err("no card");
    assert!(
        matches!(err, IdentityError::ProviderRefused { .. }),
        "{err:?}"
    );
    assert_eq!(err.guidance(), Guidance::CardOrMiddlewareProblem);
}

#[tokio::test]
async fn oversized_callback_parameters_are_refused() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let long = "a".repeat(MAX_CALLBACK_PARAM_LEN + 1);
    for (name, params) in [
        (
            "code",
            CallbackParams {
                code: Some(long.clone()),
                ..callback.clone()
            },
        ),
        (
            "state",
            CallbackParams {
                state: Some(long.clone()),
                ..callback.clone()
            },
        ),
        (
            "error_description",
            CallbackParams {
                error: Some("access_denied".into()),
                error_description: Some(long.clone()),
                ..callback.clone()
            },
        ),
    ] {
        let err = client.finish(&pending, &params).await.expect_err(name);
        assert!(
            matches!(err, IdentityError::OversizedParameter(n) if n == name),
            "{name}: {err:?}"
        );
        assert_eq!(err.guidance(), Guidance::SignInFailed);
    }
    // The genuine callback still works afterwards: nothing was consumed.
    client
        .finish(&pending, &callback)
        .await
        .expect("genuine callback");
}

/// RFC 9207: an authorization response naming another issuer (a mix-up: an answer meant for a
/// sign-in at another provider) is refused before the code is used.
#[tokio::test]
async fn an_authorization_response_from_another_issuer_is_refused() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let params = CallbackParams {
        iss: Some("https://fournisseur.example/".into()),
        ..callback.clone()
    };
    let err = client
        .finish(&pending, &params)
        .await
        .expect_err("another issuer");
    assert!(matches!(err, IdentityError::IssuerMismatch), "{err:?}");
    assert_eq!(err.guidance(), Guidance::SignInFailed);
    assert!(err.is_suspicious());
    // Nothing was consumed: the genuine callback (this provider sends no `iss`) still works.
    client
        .finish(&pending, &callback)
        .await
        .expect("genuine callback");
}

#[tokio::test]
async fn a_callback_without_code_is_refused() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let params = CallbackParams {
        code: None,
        ..callback
    };
    let err = client.finish(&pending, &params).await.expect_err("no code");
    assert!(matches!(err, IdentityError::MissingCode), "{err:?}");
}

#[tokio::test]
async fn faq_r10_a_provider_that_is_down_is_unavailable() {
    // A port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut config = support::psc_config();
    config.issuer = format!("http://127.0.0.1:{port}/dev-idp/psc");
    let err = OidcClient::discover(config).await.expect_err("down");
    assert!(matches!(err, IdentityError::Unavailable(_)), "{err:?}");
    assert_eq!(err.guidance(), Guidance::ProviderUnavailable);
}

#[tokio::test]
async fn faq_r10_a_provider_that_does_not_answer_times_out() {
    // Accepts connections, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = support::franceconnect_config();
    config.issuer = format!("http://127.0.0.1:{port}/dev-idp/franceconnect");
    let started = Instant::now();
    let err = OidcClient::discover(config).await.expect_err("silent");
    let waited = started.elapsed();
    silent.abort();
    assert!(matches!(err, IdentityError::Unavailable(_)), "{err:?}");
    assert!(
        waited >= Duration::from_secs(4) && waited < Duration::from_secs(8),
        "gave up after {waited:?}"
    );
}

#[tokio::test]
async fn discovery_checks_the_issuer() {
    let mut config = support::psc_config();
    config.issuer.push('/');
    let err = OidcClient::discover(config)
        .await
        .expect_err("issuer differs");
    assert!(matches!(err, IdentityError::Misconfigured(_)), "{err:?}");
}

#[tokio::test]
async fn a_wrong_client_secret_is_a_misconfiguration() {
    let mut config = support::franceconnect_config();
    config.client_secret = rpps_identity::SecretString::from("pas-le-bon-secret");
    let client = OidcClient::discover(config).await.expect("discovery");
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let err = client
        .finish(&pending, &callback)
        .await
        .expect_err("secret");
    assert!(matches!(err, IdentityError::Misconfigured(_)), "{err:?}");
    assert!(!err.to_string().contains("pas-le-bon-secret"));
}

#[tokio::test]
async fn the_sign_in_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = support::psc().await;
    let (pending, callback) = sign_in(&client, PSC_PRO_ECPS, None).await;
    let future = client.finish(&pending, &callback);
    assert_send(&future);
    future.await.expect("sign-in");
    assert_send(&OidcClient::discover(support::psc_config()));
}
