//! Pro Santé Connect: PKCE, JSON userinfo, national identifier, activities.

use rpps_devidp::{
    FINESS_A, FINESS_A_LEGAL, FINESS_B, PSC_CARTE_NON_GESTIONNAIRE, PSC_MANAGER_A, PSC_MANAGER_A_B,
    PSC_PRO_ECPS, psc_identity,
};
use rpps_identity::{PscIdentity, SignedInIdentity};

use crate::support::{self, query_value, sign_in};

async fn sign_in_psc(identity: &str) -> PscIdentity {
    let client = support::psc().await;
    let (pending, callback) = sign_in(&client, identity, None).await;
    match client.finish(&pending, &callback).await.expect("sign-in") {
        SignedInIdentity::ProSanteConnect(person) => person,
        other => panic!("a PSC identity, got {other:?}"),
    }
}

#[tokio::test]
async fn psc_logins_use_pkce_s256_as_advertised() {
    let client = support::psc().await;
    assert!(client.uses_pkce());
    let (url, pending) = client.begin();
    assert!(
        pending
            .pkce_verifier
            .as_ref()
            .is_some_and(|v| v.len() >= 43)
    );
    assert_eq!(
        query_value(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(query_value(&url, "code_challenge").is_some());
    assert_eq!(
        query_value(&url, "scope").as_deref(),
        Some("openid scope_all")
    );
    assert_eq!(query_value(&url, "acr_values").as_deref(), Some("eidas1"));
}

#[tokio::test]
async fn faq_r18_an_e_cps_holder_is_identified_by_8_plus_rpps() {
    let person = sign_in_psc(PSC_PRO_ECPS).await;
    let seed = psc_identity(PSC_PRO_ECPS).expect("test identity");
    assert_eq!(person.national_id, "819990000010");
    assert_eq!(person.national_id.strip_prefix('8'), seed.rpps);
    assert_eq!(person.sub, seed.sub);
    assert_eq!(person.given_name, "Jean-François");
    assert_eq!(person.family_name, "D'Almeida");
    assert_eq!(person.acr, "eidas1");
    assert_eq!(person.activities.len(), 1);
    assert_eq!(person.activities[0].profession_code.as_deref(), Some("60"));
    assert_eq!(person.activities[0].finess_site.as_deref(), Some(FINESS_B));
}

#[tokio::test]
async fn faq_r9_a_manager_of_a_and_b_has_both_establishments_in_the_activities() {
    let person = sign_in_psc(PSC_MANAGER_A_B).await;
    assert_eq!(person.national_id, "3690011226/200002");
    assert_eq!(person.family_name, "Le Floc'h");
    let sites: Vec<_> = person
        .activities
        .iter()
        .filter_map(|a| a.finess_site.as_deref())
        .collect();
    assert_eq!(sites, vec![FINESS_A, FINESS_B]);
}

#[tokio::test]
async fn faq_r9_a_manager_of_a() {
    let person = sign_in_psc(PSC_MANAGER_A).await;
    assert_eq!(person.national_id, "3750012346/100001");
    assert_eq!(person.given_name, "Élise");
    assert_eq!(person.activities[0].finess_site.as_deref(), Some(FINESS_A));
    assert_eq!(
        person.activities[0].finess_legal.as_deref(),
        Some(FINESS_A_LEGAL)
    );
    assert_eq!(
        person.activities[0].site_name.as_deref(),
        Some("SAAD PARIS 15 AIDE ET PRESENCE")
    );
    assert_eq!(person.activities[0].profession_code, None);
}

#[tokio::test]
async fn faq_r8_a_card_holder_who_manages_nothing_still_authenticates() {
    // The "not authorised" page is the portal's decision (no designation); the provider
    // authenticates the card.
    let person = sign_in_psc(PSC_CARTE_NON_GESTIONNAIRE).await;
    assert_eq!(person.national_id, "3750012346/123456");
    assert!(!person.national_id.starts_with('8'), "no RPPS number");
}

#[tokio::test]
async fn psc_logout_url_comes_back_with_the_state() {
    let client = support::psc().await;
    let (pending, callback) = sign_in(&client, PSC_PRO_ECPS, None).await;
    let identity = client.finish(&pending, &callback).await.expect("sign-in");
    let url = client
        .end_session_url(
            identity.id_token(),
            "etat-de-deconnexion-0123456789-0123456789",
        )
        .expect("logout URL");
    let response = support::browser().get(&url).send().await.expect("logout");
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().expect("ascii");
    assert_eq!(
        query_value(location, "state").as_deref(),
        Some("etat-de-deconnexion-0123456789-0123456789")
    );
}
