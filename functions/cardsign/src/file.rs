//! A signing key in a file (the local stack's, never in AWS): a private JWK (RFC 7517) created
//! at first run with permissions 0600, never committed, never logged.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::Generate as _;
use serde::{Deserialize, Serialize};

use crate::{KeyError, PublicKey};

/// A P-256 key read from (or written to) a file.
pub struct FileKey {
    signing: p256::ecdsa::SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for FileKey {
    // The private scalar never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileKey")
            .field("kid", &rpps_contract::card::kid_hex(&self.public.kid))
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct PrivateJwk {
    kty: String,
    crv: String,
    x: String,
    y: String,
    d: String,
}

impl FileKey {
    /// A new random key (the operating system's random numbers).
    pub fn generate() -> Result<Self, KeyError> {
        let signing = p256::ecdsa::SigningKey::try_generate()
            .map_err(|e| KeyError::Config(format!("no random numbers for a new key: {e}")))?;
        Self::of(signing)
    }

    fn of(signing: p256::ecdsa::SigningKey) -> Result<Self, KeyError> {
        let public = PublicKey::new(*signing.verifying_key())?;
        Ok(Self { signing, public })
    }

    /// The key in `path`.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let err = |reason: String| KeyError::File {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let jwk: PrivateJwk =
            serde_json::from_str(&text).map_err(|_| err("not a private JWK".into()))?;
        if jwk.kty != "EC" || jwk.crv != "P-256" {
            return Err(err("not a P-256 key".into()));
        }
        let d = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&jwk.d)
            .map_err(|_| err("its d is not base64url".into()))?;
        let signing = p256::ecdsa::SigningKey::from_slice(&d)
            .map_err(|_| err("its d is not a P-256 scalar".into()))?;
        let key = Self::of(signing)?;
        if key.public.jwk("").x != jwk.x || key.public.jwk("").y != jwk.y {
            return Err(err("its public part does not match its private part".into()));
        }
        Ok(key)
    }

    /// The key in `path`, or a new one written there (its folder created) when there is no
    /// file: the local stack's key, generated at first run. Two processes starting together
    /// end up with the same key (the file is created once, the other reads it).
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        if path.exists() {
            return Self::load(path);
        }
        let err = |reason: String| KeyError::File {
            path: path.display().to_string(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let key = Self::generate()?;
        let public = key.public.jwk("");
        let jwk = PrivateJwk {
            kty: "EC".into(),
            crv: "P-256".into(),
            x: public.x,
            y: public.y,
            d: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.signing.to_bytes()),
        };
        let text = serde_json::to_string(&jwk).map_err(|e| err(e.to_string()))?;
        // Written under a name of its own (this process, this call: threads of one process
        // create together too), then linked to `path`: never half a key under `path`.
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = path.with_extension(format!("tmp-{}-{call}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(|e| err(e.to_string()))?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all());
        drop(file);
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(err(e.to_string()));
        }
        // `hard_link` fails when `path` appeared meanwhile: that key is the one.
        let linked = std::fs::hard_link(&temp, path);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                tracing::info!(
                    event = "card_key.created",
                    kid = %rpps_contract::card::kid_hex(&key.public.kid),
                    path = %path.display(),
                    "a card signing key was generated (local stack)"
                );
                Ok(key)
            }
            Err(_) if path.exists() => Self::load(path),
            Err(e) => Err(err(e.to_string())),
        }
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// ES256 of `message`: r ‖ s.
    pub fn sign(&self, message: &[u8]) -> Result<[u8; 64], KeyError> {
        let signature: p256::ecdsa::Signature =
            self.signing.try_sign(message).map_err(|e| KeyError::File {
                path: String::new(),
                reason: format!("signing failed: {e}"),
            })?;
        Ok(signature.to_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_20_the_local_key_is_created_once_then_read_back() {
        let dir = std::env::temp_dir().join(format!("rpps-cardkey-{}", uuid_like()));
        let path = dir.join("state").join("card-signing-key.json");
        let first = FileKey::load_or_create(&path).unwrap();
        let again = FileKey::load_or_create(&path).unwrap();
        assert_eq!(first.public().kid, again.public().kid);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Nothing left beside it.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A damaged file is an error that names it, not a new key.
        std::fs::write(&path, "{}").unwrap();
        let e = FileKey::load_or_create(&path).unwrap_err();
        assert!(e.to_string().contains("card-signing-key.json"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The end-to-end tests start many stacks at once in one process, all on one key file.
    #[test]
    fn issue_20_threads_creating_the_key_together_end_up_with_one_key() {
        for round in 0..5 {
            let dir =
                std::env::temp_dir().join(format!("rpps-cardkey-race-{}-{round}", uuid_like()));
            let path = dir.join("card-signing-key.json");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let kids: Vec<_> = (0..8)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        FileKey::load_or_create(&path).map(|k| k.public().kid)
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            let first = kids[0].as_ref().unwrap();
            for kid in &kids {
                assert_eq!(kid.as_ref().unwrap(), first, "round {round}");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn issue_20_the_private_key_is_not_in_its_debug_form() {
        let key = FileKey::generate().unwrap();
        let d = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.signing.to_bytes());
        assert!(!format!("{key:?}").contains(&d));
    }

    fn uuid_like() -> String {
        format!(
            "{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        )
    }
}
