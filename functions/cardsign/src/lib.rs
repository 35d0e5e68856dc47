//! The card's signed statement (issue 20): who signs it, how anyone checks it.
//!
//! - [`CardKeyRing`]: the key that signs new cards (AWS KMS, ECC P-256, in AWS; a file key
//!   locally, generated at first run), the earlier keys whose cards may still be shown, and the
//!   ids of the keys no longer trusted. [`CardKeyRing::sign`] gives the COSE_Sign1 bytes of a
//!   card's claims (`rpps_contract::card`), [`CardKeyRing::document`] the keys' document
//!   served at `/.well-known/rpps-card-keys.json`.
//! - [`verify`]: what the verification page does with WebCrypto, in Rust (the tests, and any
//!   check on the server): structure, key known and not revoked, signature, validity on a day.
//!
//! A key's id is the first 8 bytes of the SHA-256 of its public key (SubjectPublicKeyInfo,
//! DER): the same on every machine that sees the key, whether it came from KMS or a file.
//!
//! # Rotation
//! A new KMS key becomes the signing key (`RPPS_CARD_KMS_KEY_ID`); the previous one goes to
//! `RPPS_CARD_KMS_RETIRED_KEY_IDS` and stays there until the last card it signed expires
//! (a card is valid a year at most), then leaves. A key that must no longer be trusted (lost,
//! misused) goes to `RPPS_CARD_REVOKED_KIDS` (its id in hexadecimal): the document lists it as
//! revoked and the page refuses its cards, even from a copy of the keys cached before.
//! docs/DEPLOY.md has the steps.

mod file;
mod kms;

use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::EncodePublicKey;
use rpps_contract::card::{self as statement, CardClaims, CardKey, CardKeys, KID_LEN};
use sha2::{Digest, Sha256};

pub use file::FileKey;
pub use kms::KmsKey;

/// A key id.
pub type Kid = [u8; KID_LEN];

/// Why a key cannot be loaded, or a card not signed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the card key file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("the card's KMS key {key_id}: {reason}")]
    Kms { key_id: String, reason: String },
    #[error("the card's signing key {0} is revoked: sign with a new key")]
    Revoked(String),
    #[error("the card's claims cannot be written: {0}")]
    Claims(statement::StatementError),
    #[error("the card key configuration: {0}")]
    Config(String),
}

/// The id of a public key: SHA-256 of its SubjectPublicKeyInfo (DER), first 8 bytes.
pub fn kid_of(key: &VerifyingKey) -> Result<Kid, KeyError> {
    let der = key
        .to_public_key_der()
        .map_err(|e| KeyError::Config(format!("public key DER: {e}")))?;
    let digest = Sha256::digest(der.as_bytes());
    let mut kid = [0; KID_LEN];
    kid.copy_from_slice(&digest[..KID_LEN]);
    Ok(kid)
}

/// A public key and its id.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: Kid,
    pub key: VerifyingKey,
}

impl PublicKey {
    pub fn new(key: VerifyingKey) -> Result<Self, KeyError> {
        Ok(Self {
            kid: kid_of(&key)?,
            key,
        })
    }

    /// As a JWK of the keys' document.
    pub fn jwk(&self, status: &str) -> CardKey {
        let point = self.key.to_sec1_point(false);
        let bytes = point.as_bytes();
        // Uncompressed SEC1: 0x04 ‖ x (32 bytes) ‖ y (32 bytes).
        let (x, y) = bytes[1..].split_at(32);
        CardKey {
            kid: statement::kid_hex(&self.kid),
            kty: "EC".into(),
            crv: "P-256".into(),
            x: b64(x),
            y: b64(y),
            alg: "ES256".into(),
            status: status.into(),
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The key that signs: KMS in AWS, a file locally.
#[derive(Debug)]
pub enum SigningKey {
    Kms(KmsKey),
    File(FileKey),
}

impl SigningKey {
    pub fn public(&self) -> &PublicKey {
        match self {
            Self::Kms(k) => k.public(),
            Self::File(k) => k.public(),
        }
    }

    /// The raw signature (r ‖ s) of `message`, ES256.
    pub async fn sign(&self, message: &[u8]) -> Result<[u8; 64], KeyError> {
        match self {
            Self::Kms(k) => k.sign(message).await,
            Self::File(k) => k.sign(message),
        }
    }
}

/// The signing key, the retired ones and the revoked ids.
#[derive(Debug)]
pub struct CardKeyRing {
    signing: SigningKey,
    retired: Vec<PublicKey>,
    revoked: Vec<Kid>,
}

impl CardKeyRing {
    /// A ring; refused when the signing key is itself revoked (new cards would all be refused).
    pub fn new(
        signing: SigningKey,
        retired: Vec<PublicKey>,
        revoked: Vec<Kid>,
    ) -> Result<Self, KeyError> {
        if revoked.contains(&signing.public().kid) {
            return Err(KeyError::Revoked(statement::kid_hex(&signing.public().kid)));
        }
        Ok(Self {
            signing,
            retired,
            revoked,
        })
    }

    /// The ring the environment describes: in AWS `RPPS_CARD_KMS_KEY_ID` (the signing key)
    /// and `RPPS_CARD_KMS_RETIRED_KEY_IDS` (comma-separated, KMS `GetPublicKey` of each once);
    /// locally `RPPS_CARD_KEY_FILE` (generated when missing) and `RPPS_CARD_RETIRED_KEY_FILES`;
    /// `RPPS_CARD_REVOKED_KIDS` (hexadecimal ids, comma-separated) either way.
    pub async fn from_env(config: &aws_sdk_kms::config::Config) -> Result<Self, KeyError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let revoked = list("RPPS_CARD_REVOKED_KIDS")
            .iter()
            .map(|h| parse_kid(h))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(key_id) = var("RPPS_CARD_KMS_KEY_ID") {
            let client = aws_sdk_kms::Client::from_conf(config.clone());
            let signing = KmsKey::load(client.clone(), &key_id).await?;
            let mut retired = Vec::new();
            for id in list("RPPS_CARD_KMS_RETIRED_KEY_IDS") {
                retired.push(KmsKey::load(client.clone(), &id).await?.public().clone());
            }
            Self::new(SigningKey::Kms(signing), retired, revoked)
        } else if let Some(path) = var("RPPS_CARD_KEY_FILE") {
            let signing = FileKey::load_or_create(std::path::Path::new(&path))?;
            let mut retired = Vec::new();
            for path in list("RPPS_CARD_RETIRED_KEY_FILES") {
                retired.push(FileKey::load(std::path::Path::new(&path))?.public().clone());
            }
            Self::new(SigningKey::File(signing), retired, revoked)
        } else {
            Err(KeyError::Config(
                "neither RPPS_CARD_KMS_KEY_ID nor RPPS_CARD_KEY_FILE is set".into(),
            ))
        }
    }

    pub fn signing_kid(&self) -> Kid {
        self.signing.public().kid
    }

    /// The COSE_Sign1 statement of `claims`, signed by the signing key.
    pub async fn sign(&self, claims: &CardClaims) -> Result<Vec<u8>, KeyError> {
        let public = self.signing.public();
        let protected = statement::protected_header(&public.kid);
        let payload = statement::encode_claims(claims).map_err(KeyError::Claims)?;
        let to_sign = statement::sig_structure(&protected, &payload);
        let signature = self.signing.sign(&to_sign).await?;
        Ok(statement::assemble(&protected, &payload, &signature))
    }

    /// The keys' document: the signing key (`active`), the retired ones, the revoked ids.
    pub fn document(&self) -> CardKeys {
        let mut keys = vec![self.signing.public().jwk("active")];
        keys.extend(
            self.retired
                .iter()
                .filter(|k| !self.revoked.contains(&k.kid))
                .map(|k| k.jwk("retired")),
        );
        CardKeys {
            keys,
            revoked: self.revoked.iter().map(statement::kid_hex).collect(),
        }
    }
}

/// A key id from its 16 hexadecimal characters.
pub fn parse_kid(hex: &str) -> Result<Kid, KeyError> {
    let bad = || {
        KeyError::Config(format!(
            "{hex:?} is not a key id (16 hexadecimal characters)"
        ))
    };
    if hex.len() != 2 * KID_LEN || !hex.is_ascii() {
        return Err(bad());
    }
    let mut kid = [0; KID_LEN];
    for (i, b) in kid.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(kid)
}

/// A card that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub claims: CardClaims,
    /// The signing key's id, hexadecimal.
    pub kid: String,
}

/// Why a card is not authentic (or no longer valid).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a card's statement: {0}")]
    Malformed(statement::StatementError),
    #[error("signed by a key not in the keys' document")]
    UnknownKey,
    #[error("signed by a revoked key")]
    RevokedKey,
    #[error("the signature does not match what the card says")]
    BadSignature,
    #[error("expired on {0}")]
    Expired(String),
    #[error("issued on {0}, after the day of the check")]
    NotYetIssued(String),
}

/// Verifies the statement `message` with `keys` on `today` (`YYYY-MM-DD`, in Paris): the
/// checks the verification page makes, in the same order.
pub fn verify(message: &[u8], keys: &CardKeys, today: &str) -> Result<Verified, Refusal> {
    let read = statement::parse(message).map_err(Refusal::Malformed)?;
    let kid = statement::kid_hex(&read.kid);
    if keys.revoked.iter().any(|r| r.eq_ignore_ascii_case(&kid)) {
        return Err(Refusal::RevokedKey);
    }
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid.eq_ignore_ascii_case(&kid))
        .ok_or(Refusal::UnknownKey)?;
    let key = verifying_key(jwk).ok_or(Refusal::UnknownKey)?;
    let signature = Signature::from_slice(&read.signature).map_err(|_| Refusal::BadSignature)?;
    key.verify(&read.signed_bytes, &signature)
        .map_err(|_| Refusal::BadSignature)?;
    if today > read.claims.valid_until.as_str() {
        return Err(Refusal::Expired(read.claims.valid_until));
    }
    if today < read.claims.issued_on.as_str() {
        return Err(Refusal::NotYetIssued(read.claims.issued_on));
    }
    Ok(Verified {
        claims: read.claims,
        kid,
    })
}

fn verifying_key(jwk: &CardKey) -> Option<VerifyingKey> {
    use base64::Engine as _;
    if jwk.kty != "EC" || jwk.crv != "P-256" {
        return None;
    }
    let decode = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    let (x, y) = (decode(&jwk.x)?, decode(&jwk.y)?);
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut point = Vec::with_capacity(65);
    point.push(4);
    point.extend(x);
    point.extend(y);
    VerifyingKey::from_sec1_bytes(&point).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn claims() -> CardClaims {
        CardClaims {
            rpps: "10001045367".into(),
            family_name: "LEFÈVRE-DESPRÉS".into(),
            given_names: "Anaïs Éléonore".into(),
            profession: "aide_domicile_qualifiee".into(),
            establishment: "Service d'aide à domicile Les Châtaigniers".into(),
            finess: "750012345".into(),
            issued_on: "2026-12-06".into(),
            valid_until: "2027-12-05".into(),
        }
    }

    fn ring(revoked: Vec<Kid>, retired: Vec<PublicKey>) -> CardKeyRing {
        CardKeyRing::new(
            SigningKey::File(FileKey::generate().unwrap()),
            retired,
            revoked,
        )
        .unwrap()
    }

    async fn signed(ring: &CardKeyRing) -> Vec<u8> {
        ring.sign(&claims()).await.unwrap()
    }

    #[tokio::test]
    async fn issue_20_a_signed_card_verifies_and_says_what_it_was_given() {
        let ring = ring(vec![], vec![]);
        let message = signed(&ring).await;
        let ok = verify(&message, &ring.document(), "2026-12-06").unwrap();
        assert_eq!(ok.claims, claims());
        assert_eq!(ok.kid, statement::kid_hex(&ring.signing_kid()));
        // Through the digits of the QR code, too.
        let digits = statement::to_digits(&message);
        let back = statement::from_digits(&digits).unwrap();
        assert!(verify(&back, &ring.document(), "2027-12-05").is_ok());
    }

    #[tokio::test]
    async fn issue_20_any_one_byte_changed_is_refused() {
        let ring = ring(vec![], vec![]);
        let message = signed(&ring).await;
        let keys = ring.document();
        for i in 0..message.len() {
            for flip in [0x01, 0x20, 0x80] {
                let mut changed = message.clone();
                changed[i] ^= flip;
                assert!(
                    verify(&changed, &keys, "2026-12-06").is_err(),
                    "byte {i} ^ {flip:#x} accepted"
                );
            }
        }
    }

    #[tokio::test]
    async fn issue_20_one_letter_of_the_name_changed_is_refused() {
        let ring = ring(vec![], vec![]);
        let message = signed(&ring).await;
        let read = statement::parse(&message).unwrap();
        // The forger rewrites the claims and keeps the signature.
        let mut forged = claims();
        forged.family_name = "LEFÈVRE-DESPRÈS".into();
        let protected = statement::protected_header(&read.kid);
        let payload = statement::encode_claims(&forged).unwrap();
        let message = statement::assemble(&protected, &payload, &read.signature);
        assert_eq!(
            verify(&message, &ring.document(), "2026-12-06"),
            Err(Refusal::BadSignature)
        );
    }

    #[tokio::test]
    async fn issue_20_a_wrong_key_an_unknown_key_a_revoked_key_are_refused() {
        let genuine = ring(vec![], vec![]);
        let message = signed(&genuine).await;
        // Another key under the same id: the signature does not match it.
        let other = ring(vec![], vec![]);
        let mut keys = other.document();
        keys.keys[0].kid = statement::kid_hex(&genuine.signing_kid());
        assert_eq!(
            verify(&message, &keys, "2026-12-06"),
            Err(Refusal::BadSignature)
        );
        // A key the document does not list.
        assert_eq!(
            verify(&message, &other.document(), "2026-12-06"),
            Err(Refusal::UnknownKey)
        );
        // Revoked: refused even though a cached copy would still list the key.
        let mut keys = genuine.document();
        keys.revoked
            .push(statement::kid_hex(&genuine.signing_kid()));
        assert_eq!(
            verify(&message, &keys, "2026-12-06"),
            Err(Refusal::RevokedKey)
        );
    }

    #[tokio::test]
    async fn issue_20_after_rotation_old_cards_verify_until_they_expire() {
        let old = FileKey::generate().unwrap();
        let old_public = old.public().clone();
        let before = CardKeyRing::new(SigningKey::File(old), vec![], vec![]).unwrap();
        let old_card = signed(&before).await;
        let after = ring(vec![], vec![old_public.clone()]);
        let new_card = signed(&after).await;
        let keys = after.document();
        assert_eq!(keys.keys.len(), 2);
        assert_eq!(keys.keys[0].status, "active");
        assert_eq!(keys.keys[1].status, "retired");
        assert!(verify(&old_card, &keys, "2027-06-01").is_ok());
        assert!(verify(&new_card, &keys, "2027-06-01").is_ok());
        assert_eq!(
            verify(&old_card, &keys, "2027-12-06"),
            Err(Refusal::Expired("2027-12-05".into()))
        );
        // The old key revoked: out of the keys, its id in the revoked list, its cards refused.
        let revoked = ring(vec![old_public.kid], vec![old_public.clone()]);
        let keys = revoked.document();
        assert_eq!(keys.keys.len(), 1);
        assert_eq!(
            verify(&old_card, &keys, "2027-06-01"),
            Err(Refusal::RevokedKey)
        );
        // A ring whose signing key is revoked is refused.
        let key = FileKey::generate().unwrap();
        let kid = key.public().kid;
        assert!(matches!(
            CardKeyRing::new(SigningKey::File(key), vec![], vec![kid]),
            Err(KeyError::Revoked(_))
        ));
    }

    #[tokio::test]
    async fn issue_20_a_card_before_its_issue_day_is_refused() {
        let ring = ring(vec![], vec![]);
        let message = signed(&ring).await;
        assert_eq!(
            verify(&message, &ring.document(), "2026-12-05"),
            Err(Refusal::NotYetIssued("2026-12-06".into()))
        );
    }

    #[test]
    fn issue_20_key_ids_read_from_hexadecimal() {
        assert_eq!(
            parse_kid("0102030405060aff").unwrap(),
            [1, 2, 3, 4, 5, 6, 10, 255]
        );
        for bad in [
            "",
            "0102",
            "0102030405060aGG",
            "0102030405060aff00",
            "é102030405060af",
        ] {
            assert!(parse_kid(bad).is_err(), "{bad}");
        }
    }
}

/// The contract's COSE_Sign1 against `coset` (the COSE crate), both ways: ours reads as theirs
/// and verifies through their Sig_structure; theirs reads as ours.
#[cfg(test)]
mod interop {
    use coset::{CborSerializable as _, CoseSign1, TaggedCborSerializable as _};
    use p256::ecdsa::signature::Verifier as _;

    use super::tests::claims;
    use super::*;

    #[tokio::test]
    async fn issue_20_our_statement_is_coset_s_cose_sign1() {
        let key = FileKey::generate().unwrap();
        let public = key.public().clone();
        let ring = CardKeyRing::new(SigningKey::File(key), vec![], vec![]).unwrap();
        let message = ring.sign(&claims()).await.unwrap();
        let theirs = CoseSign1::from_tagged_slice(&message).unwrap();
        assert_eq!(
            theirs.protected.header.alg,
            Some(coset::RegisteredLabelWithPrivate::Assigned(
                coset::iana::Algorithm::ES256
            ))
        );
        assert_eq!(theirs.protected.header.key_id, public.kid.to_vec());
        theirs
            .verify_signature(b"", |sig, data| {
                let sig = Signature::from_slice(sig).map_err(|_| "signature")?;
                public.key.verify(data, &sig).map_err(|_| "verify")
            })
            .unwrap();
        let payload = statement::encode_claims(&claims()).unwrap();
        assert_eq!(theirs.payload.as_deref(), Some(payload.as_slice()));
    }

    #[test]
    fn issue_20_coset_s_cose_sign1_reads_as_ours() {
        let key = FileKey::generate().unwrap();
        let payload = statement::encode_claims(&claims()).unwrap();
        let protected = coset::HeaderBuilder::new()
            .algorithm(coset::iana::Algorithm::ES256)
            .key_id(key.public().kid.to_vec())
            .build();
        let theirs = coset::CoseSign1Builder::new()
            .protected(protected)
            .payload(payload)
            .create_signature(b"", |data| key.sign(data).unwrap().to_vec())
            .build();
        // Untagged and tagged alike.
        for bytes in [
            theirs.clone().to_vec().unwrap(),
            theirs.to_tagged_vec().unwrap(),
        ] {
            let document = CardKeys {
                keys: vec![key.public().jwk("active")],
                revoked: vec![],
            };
            let ok = verify(&bytes, &document, "2026-12-06").unwrap();
            assert_eq!(ok.claims, claims());
        }
    }
}
