//! Signing keys, generated at start-up and kept in memory only (never written, never
//! committed): P-256 (ES256) for the FranceConnect-shaped issuer, RSA 2048 (RS256) for the
//! Pro Santé Connect-shaped one.

use openidconnect::core::{
    CoreJsonCurveType, CoreJsonWebKey, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{JsonWebKeyId, PrivateSigningKey, SigningError};
use p256::ecdsa::signature::Signer;
use p256::elliptic_curve::Generate;
use rsa::pkcs1::EncodeRsaPrivateKey;

use crate::DevIdpError;

/// An ES256 key for `openidconnect`'s signing API (which ships RSA, HMAC and EdDSA keys only).
pub(crate) struct Es256Key {
    signing: p256::ecdsa::SigningKey,
    kid: JsonWebKeyId,
}

impl Es256Key {
    pub(crate) fn generate(kid: &str) -> Result<Self, DevIdpError> {
        let signing = p256::ecdsa::SigningKey::try_generate()
            .map_err(|err| DevIdpError::Keys(format!("P-256: {err}")))?;
        Ok(Self {
            signing,
            kid: JsonWebKeyId::new(kid.to_owned()),
        })
    }
}

impl PrivateSigningKey for Es256Key {
    type VerificationKey = CoreJsonWebKey;

    fn sign(
        &self,
        signature_alg: &CoreJwsSigningAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, SigningError> {
        match signature_alg {
            CoreJwsSigningAlgorithm::EcdsaP256Sha256 => {
                let signature: p256::ecdsa::Signature = self
                    .signing
                    .try_sign(message)
                    .map_err(|_| SigningError::CryptoError)?;
                // JWS wants the raw r || s (64 bytes), which is what `to_bytes` gives.
                Ok(signature.to_bytes().to_vec())
            }
            other => Err(SigningError::UnsupportedAlg(format!("{other:?}"))),
        }
    }

    fn as_verification_key(&self) -> CoreJsonWebKey {
        let point = self.signing.verifying_key().to_sec1_point(false);
        let bytes = point.as_bytes();
        // Uncompressed SEC1: 0x04 || x (32 bytes) || y (32 bytes).
        let (x, y) = if bytes.len() == 65 {
            (bytes[1..33].to_vec(), bytes[33..65].to_vec())
        } else {
            (Vec::new(), Vec::new())
        };
        CoreJsonWebKey::new_ec(x, y, CoreJsonCurveType::P256, Some(self.kid.clone()))
    }
}

/// An RS256 key (RSA 2048).
pub(crate) fn generate_rsa(kid: &str) -> Result<CoreRsaPrivateSigningKey, DevIdpError> {
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|err| DevIdpError::Keys(format!("RSA: {err}")))?;
    let pem = key
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .map_err(|err| DevIdpError::Keys(format!("RSA PEM: {err}")))?;
    CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(kid.to_owned())))
        .map_err(|err| DevIdpError::Keys(format!("RSA key: {err}")))
}

/// Breaks a compact JWS's signature (one bit flipped), for the `bad_signature` faults.
pub(crate) fn corrupt_signature(jws: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Some((signed, signature)) = jws.rsplit_once('.') else {
        return format!("{jws}x");
    };
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).unwrap_or_default();
    match bytes.first_mut() {
        Some(first) => *first ^= 0x01,
        None => bytes.push(0),
    }
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es256_key_signs_what_openidconnect_verifies() {
        use openidconnect::JsonWebKey;
        let key = Es256Key::generate("k").unwrap();
        let message = b"header.payload";
        let signature = key
            .sign(&CoreJwsSigningAlgorithm::EcdsaP256Sha256, message)
            .unwrap();
        assert_eq!(signature.len(), 64);
        let public = key.as_verification_key();
        public
            .verify_signature(
                &CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                message,
                &signature,
            )
            .unwrap();
        assert!(
            public
                .verify_signature(
                    &CoreJwsSigningAlgorithm::EcdsaP256Sha256,
                    b"other",
                    &signature
                )
                .is_err()
        );
    }

    #[test]
    fn corrupted_signatures_differ() {
        let jws = "aGVhZA.cGF5bG9hZA.c2lnbmF0dXJl";
        let bad = corrupt_signature(jws);
        assert_ne!(bad, jws);
        assert!(bad.starts_with("aGVhZA.cGF5bG9hZA."));
    }
}
