//! FranceConnect v2: authorization request, signed userinfo, claims, logout.

use rpps_devidp::{
    FC_AIDE_NEE_A_L_ETRANGER, FC_AIDE_SANS_RPPS, FC_PRO_DEJA_RPPS, franceconnect_identity,
};
use rpps_identity::{Provider, SignedInIdentity};

use crate::support::{self, query_value, sign_in};

#[tokio::test]
async fn the_authorization_request_carries_what_franceconnect_requires() {
    let client = support::franceconnect().await;
    let (url, pending) = client.begin();
    assert_eq!(pending.provider, Provider::FranceConnect);
    assert!(pending.state.len() >= 32 && pending.nonce.len() >= 32);
    assert_eq!(
        query_value(&url, "state").as_deref(),
        Some(pending.state.as_str())
    );
    assert_eq!(
        query_value(&url, "nonce").as_deref(),
        Some(pending.nonce.as_str())
    );
    assert_eq!(query_value(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(query_value(&url, "acr_values").as_deref(), Some("eidas1"));
    assert_eq!(
        query_value(&url, "redirect_uri"),
        Some(support::callback_url("franceconnect"))
    );
    let scope = query_value(&url, "scope").unwrap_or_default();
    for wanted in [
        "openid",
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
        "email",
        "preferred_username",
    ] {
        assert!(scope.split(' ').any(|s| s == wanted), "{wanted} in {scope}");
    }
    // FranceConnect does not advertise PKCE: none is sent.
    assert!(query_value(&url, "code_challenge").is_none());
    assert!(pending.pkce_verifier.is_none());
    let (_, other) = client.begin();
    assert_ne!(other.state, pending.state, "a fresh state per login");
    assert_ne!(other.nonce, pending.nonce, "a fresh nonce per login");
}

#[tokio::test]
async fn faq_r11_an_aide_without_rpps_gets_the_certified_civil_status() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let identity = client.finish(&pending, &callback).await.expect("sign-in");
    let SignedInIdentity::FranceConnect(person) = identity else {
        panic!("a FranceConnect identity");
    };
    let expected = franceconnect_identity(FC_AIDE_SANS_RPPS).expect("test identity");
    assert_eq!(person.sub, expected.sub);
    assert_eq!(person.given_name, "Marie-Hélène Josée");
    assert_eq!(person.family_name, "N'Diaye");
    assert_eq!(person.birthdate, "1985-04-12");
    assert_eq!(person.gender, "female");
    assert_eq!(person.birthplace.as_deref(), Some("69383"));
    assert_eq!(person.birthcountry, "99100");
    assert_eq!(person.email.as_deref(), Some(expected.email));
    assert_eq!(person.preferred_username, None);
    assert_eq!(person.acr, "eidas1");
    assert_eq!(
        person.id_token.split('.').count(),
        3,
        "the raw ID token, for logout"
    );
}

#[tokio::test]
async fn an_aide_born_abroad_has_no_birthplace_and_a_presumed_day() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_NEE_A_L_ETRANGER, None).await;
    let SignedInIdentity::FranceConnect(person) =
        client.finish(&pending, &callback).await.expect("sign-in")
    else {
        panic!("a FranceConnect identity");
    };
    assert_eq!(person.birthplace, None);
    assert_eq!(person.birthcountry, "99350");
    assert_eq!(person.birthdate, "1979-03-01");
    assert_eq!(person.preferred_username.as_deref(), Some("Lefèvre-Dubœuf"));
}

#[tokio::test]
async fn faq_r12_an_rpps_holder_signing_in_with_franceconnect_is_recognisable() {
    // The portal refuses them (FAQ-R12) by matching the sub or the civil status against its
    // registry; here: both are exactly what the development provider exports for the seed.
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_PRO_DEJA_RPPS, None).await;
    let identity = client.finish(&pending, &callback).await.expect("sign-in");
    let seed = franceconnect_identity(FC_PRO_DEJA_RPPS).expect("test identity");
    assert_eq!(identity.sub(), seed.sub);
    let SignedInIdentity::FranceConnect(person) = identity else {
        panic!("a FranceConnect identity");
    };
    assert_eq!(
        (person.given_name.as_str(), person.family_name.as_str()),
        (seed.given_name, seed.family_name)
    );
    assert_eq!(person.birthdate, seed.birthdate);
    assert_eq!(person.birthplace.as_deref(), Some(seed.birthplace));
    assert!(seed.rpps.is_some());
}

#[tokio::test]
async fn logout_goes_through_the_provider_and_comes_back_with_the_state() {
    let client = support::franceconnect().await;
    let (pending, callback) = sign_in(&client, FC_AIDE_SANS_RPPS, None).await;
    let identity = client.finish(&pending, &callback).await.expect("sign-in");
    let state = rpps_identity::random_token();
    let url = client
        .end_session_url(identity.id_token(), &state)
        .expect("logout URL");
    assert_eq!(query_value(&url, "state").as_deref(), Some(state.as_str()));
    assert_eq!(
        query_value(&url, "post_logout_redirect_uri"),
        Some(support::logged_out_url())
    );
    assert_eq!(
        query_value(&url, "id_token_hint").as_deref(),
        Some(identity.id_token())
    );
    let response = support::browser().get(&url).send().await.expect("logout");
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(location.starts_with(&support::logged_out_url()));
    assert_eq!(
        query_value(&location, "state").as_deref(),
        Some(state.as_str())
    );
}
