//! The signing key in AWS KMS (asymmetric, `ECC_NIST_P256`, usage `SIGN_VERIFY`): the private
//! key never leaves KMS; the card function may call `kms:Sign` on it and nothing else
//! (infra/template.yaml). Its public key is read once (`GetPublicKey`) when the function
//! starts.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeyUsageType, MessageType, SigningAlgorithmSpec};
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey as _;

use crate::{KeyError, PublicKey};

/// A KMS key and its public part.
#[derive(Debug)]
pub struct KmsKey {
    client: aws_sdk_kms::Client,
    key_id: String,
    public: PublicKey,
}

impl KmsKey {
    /// Reads the public key of `key_id` (an id, an ARN or an alias) and checks it is a P-256
    /// signing key.
    pub async fn load(client: aws_sdk_kms::Client, key_id: &str) -> Result<Self, KeyError> {
        let err = |reason: String| KeyError::Kms {
            key_id: key_id.to_owned(),
            reason,
        };
        let out = client
            .get_public_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| {
                err(format!(
                    "GetPublicKey: {}",
                    aws_sdk_kms::error::DisplayErrorContext(e)
                ))
            })?;
        // The key's spec is told by its public key itself (a P-384 or RSA key is not read as
        // P-256); moto answers only the older `CustomerMasterKeySpec`.
        if out.key_usage() != Some(&KeyUsageType::SignVerify) {
            return Err(err("its usage is not SIGN_VERIFY".into()));
        }
        let der = out
            .public_key()
            .ok_or_else(|| err("GetPublicKey gave no key".into()))?;
        let key = VerifyingKey::from_public_key_der(der.as_ref())
            .map_err(|e| err(format!("its public key is not ECC_NIST_P256 ({e})")))?;
        Ok(Self {
            client,
            key_id: key_id.to_owned(),
            public: PublicKey::new(key)?,
        })
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// ES256 of `message` by KMS (`Sign`, `ECDSA_SHA_256` over the raw message): its DER
    /// signature as r ‖ s, checked against the public key before it is used (a key swapped
    /// behind the same id signs nothing that verifies).
    pub async fn sign(&self, message: &[u8]) -> Result<[u8; 64], KeyError> {
        let err = |reason: String| KeyError::Kms {
            key_id: self.key_id.clone(),
            reason,
        };
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| {
                err(format!(
                    "Sign: {}",
                    aws_sdk_kms::error::DisplayErrorContext(e)
                ))
            })?;
        let der = out
            .signature()
            .ok_or_else(|| err("Sign gave no signature".into()))?;
        let signature = Signature::from_der(der.as_ref())
            .map_err(|e| err(format!("its signature: {e}")))?
            .normalize_s();
        use p256::ecdsa::signature::Verifier as _;
        self.public
            .key
            .verify(message, &signature)
            .map_err(|_| err("its signature does not verify with its public key".into()))?;
        Ok(signature.to_bytes().into())
    }
}
