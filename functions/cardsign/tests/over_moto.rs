//! The KMS signing key over the wire against moto (RPPS_TEST_AWS_ENDPOINT, started by
//! `make test`): a real `CreateKey` (ECC_NIST_P256, SIGN_VERIFY), `GetPublicKey`, `Sign`; the
//! statement verifies with the keys' document (issue 20).

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use rpps_cardsign::{CardKeyRing, KmsKey, Refusal, SigningKey, verify};
use rpps_contract::card::CardClaims;

fn endpoint() -> Option<String> {
    std::env::var("RPPS_TEST_AWS_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
}

fn client(endpoint: &str) -> aws_sdk_kms::Client {
    let config = rpps_runtime::aws::for_local_endpoint(endpoint);
    aws_sdk_kms::Client::new(&config)
}

async fn new_key(client: &aws_sdk_kms::Client, spec: KeySpec) -> String {
    let out = client
        .create_key()
        .key_spec(spec)
        .key_usage(KeyUsageType::SignVerify)
        .description("RPPS+ card signing key (test)")
        .send()
        .await
        .expect("CreateKey");
    out.key_metadata().expect("metadata").key_id().to_owned()
}

fn claims() -> CardClaims {
    CardClaims {
        rpps: "10001045367".into(),
        family_name: "LEFÈVRE-DESPRÉS".into(),
        given_names: "Anaïs".into(),
        profession: "aide_domicile_qualifiee".into(),
        establishment: "SAAD Les Mimosas".into(),
        finess: "750012346".into(),
        issued_on: "2026-12-06".into(),
        valid_until: "2027-12-05".into(),
    }
}

#[tokio::test]
async fn issue_20_a_card_signed_by_kms_verifies_with_the_keys_document() {
    let Some(endpoint) = endpoint() else {
        panic!("RPPS_TEST_AWS_ENDPOINT is not set: run through `make test`");
    };
    let client = client(&endpoint);
    let old_id = new_key(&client, KeySpec::EccNistP256).await;
    let new_id = new_key(&client, KeySpec::EccNistP256).await;
    let old = KmsKey::load(client.clone(), &old_id).await.unwrap();
    let old_public = old.public().clone();
    let before = CardKeyRing::new(SigningKey::Kms(old), vec![], vec![]).unwrap();
    let old_card = before.sign(&claims()).await.unwrap();
    // Rotation: the new key signs, the old one verifies the cards it signed.
    let signing = KmsKey::load(client.clone(), &new_id).await.unwrap();
    let ring = CardKeyRing::new(SigningKey::Kms(signing), vec![old_public], vec![]).unwrap();
    let new_card = ring.sign(&claims()).await.unwrap();
    let keys = ring.document();
    assert_eq!(keys.keys.len(), 2);
    for card in [&old_card, &new_card] {
        let ok = verify(card, &keys, "2026-12-06").unwrap();
        assert_eq!(ok.claims, claims());
    }
    // 100 signatures in a row: KMS's DER, sometimes 70 bytes and sometimes 72, always verifies.
    for i in 0..100 {
        let mut c = claims();
        c.given_names = format!("Anaïs {i}");
        let card = ring.sign(&c).await.unwrap();
        assert!(verify(&card, &keys, "2026-12-06").is_ok(), "signature {i}");
    }
    let mut forged = new_card.clone();
    let at = forged.len() - 70;
    forged[at] ^= 1;
    assert!(matches!(
        verify(&forged, &keys, "2026-12-06"),
        Err(Refusal::BadSignature | Refusal::Malformed(_))
    ));
}

#[tokio::test]
async fn issue_20_a_kms_key_that_cannot_sign_cards_is_refused_with_its_reason() {
    let Some(endpoint) = endpoint() else {
        panic!("RPPS_TEST_AWS_ENDPOINT is not set: run through `make test`");
    };
    let client = client(&endpoint);
    let p384 = new_key(&client, KeySpec::EccNistP384).await;
    let e = KmsKey::load(client.clone(), &p384).await.unwrap_err();
    assert!(e.to_string().contains("ECC_NIST_P256"), "{e}");
    let e = KmsKey::load(client, "alias/nothing-here")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("GetPublicKey"), "{e}");
}
