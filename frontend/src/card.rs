//! A card's signed statement checked in the browser, without a network (issue 20).
//!
//! The card's QR code is an address with the statement's digits after `#`
//! (`…/verifier/10001045367#0123…`, `rpps_contract::card`). The page reads them from its own
//! address (a phone's camera opened it) or from a QR code it decodes itself (the camera on the
//! page, or a photo), then:
//! 1. reads the COSE_Sign1 and its claims ([`read_scanned`], [`prepare`]): the number in the
//!    address must be the signed one, the key id must not be revoked and must be a key of the
//!    keys' document the page keeps;
//! 2. verifies the ECDSA P-256 signature with the browser's WebCrypto (`imp`), on the bytes
//!    the signature covers;
//! 3. says « Carte authentique » with who it is, and whether the card's own validity covers
//!    today in Paris ([`conclude`]).
//!
//! The keys' document (`/.well-known/rpps-card-keys.json`) is fetched whenever the network
//! allows and kept in the browser's storage, so the check works offline after one visit; the
//! service worker (`frontend/sw.js`) keeps the app itself. Revoked ids are never forgotten: a
//! copy kept from before a revocation cannot make a revoked key trusted again ([`merge_keys`]).
//! Everything but the signature and the storage is plain Rust, tested on the host.

use rpps_contract::card::{self as statement, CardClaims, CardKey, CardKeys, SignedStatement};
use rpps_contract::registration::Profession;

use crate::read_struct;

/// Where the keys' document is served (the cards function, the same origin as the app).
pub const KEYS_PATH: &str = "/.well-known/rpps-card-keys.json";
/// Where the page keeps the last keys' document it read (`localStorage`).
pub const KEYS_STORAGE: &str = "rpps.cles-cartes";

read_struct!(CardKeys {
    keys,
    revoked = default
});
read_struct!(CardKey {
    kid,
    kty,
    crv,
    x,
    y,
    alg,
    status
});

/// What a QR code carries, once read: the number in its address (when it is one) and the
/// statement's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    pub address_rpps: Option<String>,
    pub message: Vec<u8>,
}

/// The statement in a QR code's text or in a page's address: `…/verifier/{rpps}#<digits>`, or
/// the digits alone. `None` when the text carries no statement (a card printed before issue
/// 20, another QR code).
pub fn read_scanned(text: &str) -> Option<Scanned> {
    let text = text.trim();
    let (address, digits) = match text.split_once('#') {
        Some((address, digits)) => (address, digits),
        None => ("", text),
    };
    if digits.is_empty() {
        return None;
    }
    let message = statement::from_digits(digits).ok()?;
    let address_rpps = address
        .split_once("/verifier/")
        .map(|(_, rest)| rest.split(['/', '?']).next().unwrap_or_default().to_owned());
    Some(Scanned {
        address_rpps,
        message,
    })
}

/// Why a card is not authentic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Not a card's statement (damaged, truncated, something else).
    Unreadable,
    /// The address names another number than the one signed.
    NumberMismatch,
    /// Signed with a key the authority revoked.
    RevokedKey,
    /// Signed with a key the page does not know (never published, or a forgery's).
    UnknownKey,
    /// The signature does not match what the card says (one letter changed…).
    BadSignature,
    /// The page has no keys yet: it never reached the site.
    NoKeys,
    /// The browser cannot verify a signature (no WebCrypto, or not over HTTPS).
    NoCrypto,
    /// Signed with a key the page does not know while it could not ask for the current keys
    /// (offline with a copy from before a rotation).
    KeyNotYetKnown,
}

impl Reason {
    /// What the person checking the card reads.
    pub fn text(self) -> &'static str {
        match self {
            Reason::Unreadable => {
                "Le code lu n'est pas celui d'une carte RPPS+, ou il est abîmé : rapprochez l'appareil ou prenez une photo plus nette."
            }
            Reason::NumberMismatch => {
                "Le numéro RPPS de l'adresse n'est pas celui que la signature garantit : la carte a été modifiée."
            }
            Reason::RevokedKey => {
                "La carte est signée par une clé révoquée : elle ne prouve plus rien. Demandez une nouvelle carte au professionnel."
            }
            Reason::UnknownKey => {
                "La carte est signée par une clé inconnue de RPPS+ : elle ne vient pas de ce service."
            }
            Reason::BadSignature => {
                "La signature ne correspond pas au contenu de la carte : une information a été modifiée."
            }
            Reason::NoKeys => {
                "Les clés de vérification ne sont pas encore enregistrées sur cet appareil : ouvrez cette page une fois avec une connexion, puis recommencez."
            }
            Reason::NoCrypto => {
                "Ce navigateur ne sait pas vérifier une signature : mettez-le à jour ou utilisez-en un autre."
            }
            Reason::KeyNotYetKnown => {
                "La carte est signée par une clé que cet appareil ne connaît pas encore : reconnectez-vous pour mettre à jour les clés de vérification, puis recommencez."
            }
        }
    }

    /// Whether the reason is this device's, not the card's: nothing can be said of the card.
    pub fn is_the_device_s(self) -> bool {
        matches!(
            self,
            Reason::NoKeys | Reason::NoCrypto | Reason::KeyNotYetKnown
        )
    }
}

/// Whether the card's own dates cover the day of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    /// Issued on or before today, valid until `valid_until` included.
    Valid,
    /// The last day of validity was before today.
    Expired,
    /// Issued after today (the phone's clock is wrong, or the card is).
    NotYetIssued,
    /// The day of the check is unknown.
    Unknown,
}

/// The verdict of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Authentic {
        claims: CardClaims,
        validity: Validity,
    },
    /// Not authentic, and the name the card claims when it could be read (never guaranteed).
    NotAuthentic {
        reason: Reason,
        claimed_name: Option<String>,
    },
    /// This device cannot say ([`Reason::is_the_device_s`]): not the card's fault. What the card
    /// claims, unverified, when it could be read.
    Unverifiable {
        reason: Reason,
        claims: Option<CardClaims>,
    },
}

/// What WebCrypto verifies: the key, the bytes the signature covers, the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToVerify {
    pub key: CardKey,
    pub statement: SignedStatement,
}

/// Every check but the signature's, in the order `rpps_cardsign::verify` makes them.
pub fn prepare(scanned: &Scanned, keys: Option<&CardKeys>) -> Result<ToVerify, Reason> {
    let statement = statement::parse(&scanned.message).map_err(|_| Reason::Unreadable)?;
    if scanned
        .address_rpps
        .as_deref()
        .is_some_and(|rpps| rpps != statement.claims.rpps)
    {
        return Err(Reason::NumberMismatch);
    }
    let keys = keys.ok_or(Reason::NoKeys)?;
    let kid = statement::kid_hex(&statement.kid);
    if keys.revoked.iter().any(|r| r.eq_ignore_ascii_case(&kid)) {
        return Err(Reason::RevokedKey);
    }
    let key = keys
        .keys
        .iter()
        .find(|k| k.kid.eq_ignore_ascii_case(&kid) && k.kty == "EC" && k.crv == "P-256")
        .ok_or(Reason::UnknownKey)?
        .clone();
    Ok(ToVerify { key, statement })
}

/// The verdict once the signature is checked; `today` is `YYYY-MM-DD` in Paris.
pub fn conclude(checked: ToVerify, signature_valid: bool, today: Option<&str>) -> Verdict {
    if !signature_valid {
        return not_authentic(Reason::BadSignature, &checked.statement.claims);
    }
    let claims = checked.statement.claims;
    let validity = match today {
        None => Validity::Unknown,
        Some(today) if today > claims.valid_until.as_str() => Validity::Expired,
        Some(today) if today < claims.issued_on.as_str() => Validity::NotYetIssued,
        Some(_) => Validity::Valid,
    };
    Verdict::Authentic { claims, validity }
}

fn not_authentic(reason: Reason, claims: &CardClaims) -> Verdict {
    refused(reason, Some(claims.clone()))
}

/// The verdict of a check that did not succeed: the card's fault, or this device's.
fn refused(reason: Reason, claims: Option<CardClaims>) -> Verdict {
    if reason.is_the_device_s() {
        Verdict::Unverifiable { reason, claims }
    } else {
        Verdict::NotAuthentic {
            reason,
            claimed_name: claims.map(|c| format!("{} {}", c.given_names, c.family_name)),
        }
    }
}

/// The number of a card printed before issue 20: its QR code holds the verification address
/// alone (`…/verifier/{rpps}`), nothing to verify offline; the directory says if it is valid.
pub fn unsigned_card_rpps(text: &str) -> Option<String> {
    let text = text.trim();
    let (address, digits) = text.split_once('#').unwrap_or((text, ""));
    let rpps = address
        .split_once("/verifier/")?
        .1
        .split(['/', '?'])
        .next()?;
    (digits.is_empty() && rpps.len() == 11 && rpps.bytes().all(|b| b.is_ascii_digit()))
        .then(|| rpps.to_owned())
}

/// The keys to check with: the document just fetched when there is one, else the one kept;
/// the revoked ids of both (a revocation is never undone by an older copy).
pub fn merge_keys(kept: Option<CardKeys>, fresh: Option<CardKeys>) -> Option<CardKeys> {
    let (mut keys, other) = match (fresh, kept) {
        (Some(fresh), kept) => (fresh, kept),
        (None, Some(kept)) => (kept, None),
        (None, None) => return None,
    };
    for revoked in other.into_iter().flat_map(|k| k.revoked) {
        if !keys
            .revoked
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&revoked))
        {
            keys.revoked.push(revoked);
        }
    }
    let revoked = keys.revoked.clone();
    keys.keys
        .retain(|k| !revoked.iter().any(|r| r.eq_ignore_ascii_case(&k.kid)));
    Some(keys)
}

/// The profession's label for a code of the statement (the code itself when unknown).
pub fn profession_label(code: &str) -> String {
    Profession::from_code(code).map_or_else(|| code.to_owned(), |p| p.label().to_owned())
}

/// Of the texts of the QR codes read in one image, the card's (a statement's), else the first.
pub fn best(texts: impl IntoIterator<Item = String>) -> Option<String> {
    let mut first = None;
    for text in texts {
        if read_scanned(&text).is_some() {
            return Some(text);
        }
        first.get_or_insert(text);
    }
    first
}

/// Grey levels of RGBA pixels (ITU-R BT.601 weights, in integers).
pub fn luma_of_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect()
}

/// Checks the statement in `text` (a QR code's text or a page's address) with the keys kept or
/// fetched, WebCrypto and today in Paris. The check itself, keys at hand, is measured in the
/// browser's performance timeline as `rpps-verification` (docs/PERFORMANCE.md).
pub async fn check(text: &str) -> Verdict {
    let Some(scanned) = read_scanned(text) else {
        return Verdict::NotAuthentic {
            reason: Reason::Unreadable,
            claimed_name: None,
        };
    };
    let (keys, fresh) = keys().await;
    imp::mark("rpps-verification-debut");
    let verdict = verify(&scanned, keys.as_ref(), fresh).await;
    imp::mark("rpps-verification-fin");
    imp::measure(
        "rpps-verification",
        "rpps-verification-debut",
        "rpps-verification-fin",
    );
    verdict
}

/// `fresh`: the keys were just fetched, online; else an unknown key may be a newer one.
async fn verify(scanned: &Scanned, keys: Option<&CardKeys>, fresh: bool) -> Verdict {
    let to_verify = match prepare(scanned, keys) {
        Ok(v) => v,
        Err(reason) => {
            let reason = match reason {
                Reason::UnknownKey if !fresh => Reason::KeyNotYetKnown,
                other => other,
            };
            return refused(
                reason,
                statement::parse(&scanned.message).ok().map(|r| r.claims),
            );
        }
    };
    match imp::verify_signature(&to_verify).await {
        Some(valid) => conclude(to_verify, valid, crate::ui::paris_today().as_deref()),
        None => not_authentic(Reason::NoCrypto, &to_verify.statement.claims),
    }
}

/// The keys' document: fetched when the network allows (then kept), else the one kept; and
/// whether it was just fetched online (offline, the service worker answers with its copy).
pub async fn keys() -> (Option<CardKeys>, bool) {
    let kept = crate::storage::load::<Option<CardKeys>>(KEYS_STORAGE);
    let fetched = crate::api::get::<CardKeys>(KEYS_PATH).await.ok();
    let fresh = fetched.is_some() && imp::online();
    let merged = merge_keys(kept, fetched);
    if let Some(keys) = &merged {
        crate::storage::save(KEYS_STORAGE, keys);
    }
    (merged, fresh)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::{Array, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::ToVerify;

    fn set(object: &Object, key: &str, value: &JsValue) -> Option<()> {
        Reflect::set(object, &JsValue::from_str(key), value)
            .ok()
            .map(|_| ())
    }

    /// ECDSA P-256 with SHA-256, by WebCrypto: `None` when the browser cannot verify at all
    /// (`crypto.subtle` exists only over HTTPS, and on 127.0.0.1). The global object's
    /// `crypto`, a window's or Node's (the wasm tests).
    pub async fn verify_signature(to_verify: &ToVerify) -> Option<bool> {
        let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok()?;
        let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
        if subtle.is_undefined() || subtle.is_null() {
            return None;
        }
        let subtle: web_sys::SubtleCrypto = subtle.unchecked_into();
        let jwk = Object::new();
        let key = &to_verify.key;
        for (name, value) in [
            ("kty", key.kty.as_str()),
            ("crv", key.crv.as_str()),
            ("x", key.x.as_str()),
            ("y", key.y.as_str()),
        ] {
            set(&jwk, name, &JsValue::from_str(value))?;
        }
        let import = Object::new();
        set(&import, "name", &"ECDSA".into())?;
        set(&import, "namedCurve", &"P-256".into())?;
        let usages = Array::of1(&"verify".into());
        let promise = subtle
            .import_key_with_object("jwk", &jwk, &import, false, &usages)
            .ok()?;
        // A key WebCrypto refuses (not a point of the curve): nothing it could verify.
        let Ok(crypto_key) = JsFuture::from(promise).await else {
            return Some(false);
        };
        let crypto_key: web_sys::CryptoKey = crypto_key.dyn_into().ok()?;
        let algorithm = Object::new();
        set(&algorithm, "name", &"ECDSA".into())?;
        set(&algorithm, "hash", &"SHA-256".into())?;
        let statement = &to_verify.statement;
        let promise = subtle
            .verify_with_object_and_u8_array_and_u8_array(
                &algorithm,
                &crypto_key,
                &statement.signature,
                &statement.signed_bytes,
            )
            .ok()?;
        Some(JsFuture::from(promise).await.ok()?.as_bool() == Some(true))
    }

    /// `navigator.onLine`: false when the device knows it has no network.
    pub fn online() -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }

    fn performance() -> Option<web_sys::Performance> {
        web_sys::window()?.performance()
    }

    pub fn mark(name: &str) {
        if let Some(p) = performance() {
            let _ = p.mark(name);
        }
    }

    pub fn measure(name: &str, start: &str, end: &str) {
        if let Some(p) = performance() {
            let _ = p.measure_with_start_mark_and_end_mark(name, start, end);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::ToVerify;

    /// The host has no WebCrypto: only the browser verifies (the functions verify with
    /// `rpps_cardsign::verify`).
    pub async fn verify_signature(_: &ToVerify) -> Option<bool> {
        None
    }

    pub fn mark(_: &str) {}

    pub fn measure(_: &str, _: &str, _: &str) {}

    pub fn online() -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KID: [u8; statement::KID_LEN] = [1, 2, 3, 4, 5, 6, 7, 8];

    fn claims() -> CardClaims {
        CardClaims {
            rpps: "10001045367".into(),
            family_name: "N'DIAYE".into(),
            given_names: "Awa".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            establishment: "SAAD Les Lilas".into(),
            finess: "750012346".into(),
            issued_on: "2026-12-06".into(),
            valid_until: "2027-12-05".into(),
        }
    }

    /// A statement with a made-up signature: every check here comes before the signature's.
    fn message(claims: &CardClaims) -> Vec<u8> {
        let protected = statement::protected_header(&KID);
        let payload = statement::encode_claims(claims).unwrap();
        statement::assemble(&protected, &payload, &[7; 64])
    }

    fn key(kid: &str) -> CardKey {
        CardKey {
            kid: kid.into(),
            kty: "EC".into(),
            crv: "P-256".into(),
            x: "x".into(),
            y: "y".into(),
            alg: "ES256".into(),
            status: "active".into(),
        }
    }

    fn keys(kids: &[&str], revoked: &[&str]) -> CardKeys {
        CardKeys {
            keys: kids.iter().map(|k| key(k)).collect(),
            revoked: revoked.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn address(claims: &CardClaims, rpps: &str) -> String {
        format!(
            "https://rpps.example/verifier/{rpps}#{}",
            statement::to_digits(&message(claims))
        )
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_a_card_s_address_and_bare_digits_are_read_anything_else_is_not() {
        let scanned = read_scanned(&address(&claims(), "10001045367")).unwrap();
        assert_eq!(scanned.address_rpps.as_deref(), Some("10001045367"));
        assert_eq!(scanned.message, message(&claims()));
        let bare = read_scanned(&statement::to_digits(&message(&claims()))).unwrap();
        assert_eq!(bare.address_rpps, None);
        for not_a_statement in [
            "",
            "https://rpps.example/verifier/10001045367",
            "https://rpps.example/verifier/10001045367#",
            "https://rpps.example/verifier/10001045367#12a4",
            "WIFI:S:maison;T:WPA;P:secret;;",
        ] {
            assert_eq!(read_scanned(not_a_statement), None, "{not_a_statement}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_the_checks_before_the_signature_in_rpps_cardsign_s_order() {
        let kid = statement::kid_hex(&KID);
        let ring = keys(&[&kid], &[]);
        let scanned = read_scanned(&address(&claims(), "10001045367")).unwrap();
        let ready = prepare(&scanned, Some(&ring)).unwrap();
        assert_eq!(ready.key.kid, kid);
        assert_eq!(ready.statement.claims, claims());
        assert_eq!(ready.statement.signature, [7; 64]);

        // The number of the address is the signed one.
        let other = read_scanned(&address(&claims(), "10000000025")).unwrap();
        assert_eq!(prepare(&other, Some(&ring)), Err(Reason::NumberMismatch));
        // No keys, unknown key, revoked key (whatever the key list says), damaged bytes.
        assert_eq!(prepare(&scanned, None), Err(Reason::NoKeys));
        assert_eq!(
            prepare(&scanned, Some(&keys(&["0000000000000000"], &[]))),
            Err(Reason::UnknownKey)
        );
        assert_eq!(
            prepare(&scanned, Some(&keys(&[&kid], &[&kid.to_uppercase()]))),
            Err(Reason::RevokedKey)
        );
        let mut damaged = scanned.clone();
        damaged.message.truncate(damaged.message.len() - 10);
        assert_eq!(prepare(&damaged, Some(&ring)), Err(Reason::Unreadable));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_the_verdict_says_whether_the_card_s_dates_cover_today_in_paris() {
        let kid = statement::kid_hex(&KID);
        let ring = keys(&[&kid], &[]);
        let scanned = read_scanned(&address(&claims(), "10001045367")).unwrap();
        let ready = || prepare(&scanned, Some(&ring)).unwrap();
        let validity = |today| match conclude(ready(), true, today) {
            Verdict::Authentic {
                validity,
                claims: c,
            } => {
                assert_eq!(c, claims());
                validity
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(validity(Some("2026-12-06")), Validity::Valid);
        assert_eq!(validity(Some("2027-12-05")), Validity::Valid);
        assert_eq!(validity(Some("2027-12-06")), Validity::Expired);
        assert_eq!(validity(Some("2026-12-05")), Validity::NotYetIssued);
        assert_eq!(validity(None), Validity::Unknown);
        assert_eq!(
            conclude(ready(), false, Some("2026-12-06")),
            Verdict::NotAuthentic {
                reason: Reason::BadSignature,
                claimed_name: Some("Awa N'DIAYE".into())
            }
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_a_revocation_outlives_an_older_copy_of_the_keys() {
        let (a, b) = ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");
        // Fresh wins for the keys; the revoked ids of both are kept, and a revoked key is
        // dropped even when a document still lists it.
        let kept = keys(&[a, b], &[b]);
        let fresh = keys(&[a, b], &[]);
        let merged = merge_keys(Some(kept.clone()), Some(fresh)).unwrap();
        assert_eq!(merged.revoked, vec![b.to_owned()]);
        assert_eq!(
            merged
                .keys
                .iter()
                .map(|k| k.kid.as_str())
                .collect::<Vec<_>>(),
            [a]
        );
        assert_eq!(merge_keys(Some(kept.clone()), None).unwrap().keys.len(), 1);
        assert_eq!(merge_keys(None, None), None);
        // A key revoked by the fresh copy is dropped from the kept one's list.
        let fresh = keys(&[b], &[a]);
        let merged = merge_keys(Some(keys(&[a], &[])), Some(fresh)).unwrap();
        assert_eq!(
            merged
                .keys
                .iter()
                .map(|k| k.kid.as_str())
                .collect::<Vec<_>>(),
            [b]
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_the_keys_document_is_read_as_serde_writes_it() {
        let document = keys(&["aaaaaaaaaaaaaaaa"], &["bbbbbbbbbbbbbbbb"]);
        let text = serde_json::to_string(&document).unwrap();
        assert_eq!(crate::json::from_text::<CardKeys>(&text), Some(document));
        // `revoked` may be absent (serde's default); a key without its point is not a key.
        assert_eq!(
            crate::json::from_text::<CardKeys>(r#"{"keys": []}"#),
            Some(keys(&[], &[]))
        );
        assert_eq!(
            crate::json::from_text::<CardKeys>(r#"{"keys": [{"kid": "a", "kty": "EC"}]}"#),
            None
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_what_this_device_cannot_check_is_not_called_a_forgery() {
        let kid = statement::kid_hex(&KID);
        let scanned = read_scanned(&address(&claims(), "10001045367")).unwrap();
        let verdict =
            |keys: Option<&CardKeys>, fresh| futures_executor(verify(&scanned, keys, fresh));
        // No keys at all, or a key unknown to an offline copy: the device's, with the claims.
        for (keys, fresh, reason) in [
            (None, true, Reason::NoKeys),
            (
                Some(keys(&["0000000000000000"], &[])),
                false,
                Reason::KeyNotYetKnown,
            ),
        ] {
            assert_eq!(
                verdict(keys.as_ref(), fresh),
                Verdict::Unverifiable {
                    reason,
                    claims: Some(claims())
                }
            );
        }
        // A key unknown to the current document, or revoked: the card's.
        for (keys, reason) in [
            (keys(&["0000000000000000"], &[]), Reason::UnknownKey),
            (keys(&[&kid], &[&kid]), Reason::RevokedKey),
        ] {
            assert_eq!(
                verdict(Some(&keys), true),
                Verdict::NotAuthentic {
                    reason,
                    claimed_name: Some("Awa N'DIAYE".into())
                }
            );
        }
        assert!(Reason::NoCrypto.is_the_device_s());
        assert!(!Reason::BadSignature.is_the_device_s());
    }

    /// Runs a future that never waits (the checks before the signature's).
    fn futures_executor<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the check waited"),
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_a_card_printed_before_the_statement_is_checked_online() {
        assert_eq!(
            unsigned_card_rpps("https://rpps.example/verifier/10001045367").as_deref(),
            Some("10001045367")
        );
        assert_eq!(
            unsigned_card_rpps("https://rpps.example/verifier/10001045367#").as_deref(),
            Some("10001045367")
        );
        assert_eq!(unsigned_card_rpps(&address(&claims(), "10001045367")), None);
        assert_eq!(unsigned_card_rpps("https://example.org/verifier/abc"), None);
        assert_eq!(unsigned_card_rpps("WIFI:S:maison;;"), None);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_20_of_the_codes_in_a_photo_the_card_s_is_taken() {
        let card = address(&claims(), "10001045367");
        let menu = "https://example.org/menu".to_owned();
        assert_eq!(best([menu.clone(), card.clone()]), Some(card));
        assert_eq!(best([menu.clone()]), Some(menu));
        assert_eq!(best(Vec::new()), None);
        assert_eq!(luma_of_rgba(&[255, 255, 255, 255, 0, 0, 0, 255]), [255, 0]);
    }
}

/// The signature checked by a real WebCrypto (Node's, as the browser's), on what the functions
/// sign: `rpps-cardsign` signs `sig_structure` with ECDSA P-256 and writes r ‖ s.
#[cfg(all(test, target_arch = "wasm32"))]
mod webcrypto {
    use base64::Engine as _;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};

    use super::*;

    #[wasm_bindgen_test::wasm_bindgen_test]
    async fn issue_20_webcrypto_verifies_what_the_functions_sign_and_refuses_a_changed_letter() {
        let key = SigningKey::from_slice(&[7; 32]).unwrap();
        let point = key.verifying_key().to_sec1_point(false);
        let (x, y) = point.as_bytes()[1..].split_at(32);
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let kid = [9; statement::KID_LEN];
        let keys = CardKeys {
            keys: vec![CardKey {
                kid: statement::kid_hex(&kid),
                kty: "EC".into(),
                crv: "P-256".into(),
                x: b64(x),
                y: b64(y),
                alg: "ES256".into(),
                status: "active".into(),
            }],
            revoked: vec![],
        };
        let claims = CardClaims {
            rpps: "10001045367".into(),
            family_name: "N'DIAYE".into(),
            given_names: "Awa".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            establishment: "SAAD Les Lilas".into(),
            finess: "750012346".into(),
            issued_on: "2026-12-06".into(),
            valid_until: "2027-12-05".into(),
        };
        let protected = statement::protected_header(&kid);
        let payload = statement::encode_claims(&claims).unwrap();
        let signature: Signature = key.sign(&statement::sig_structure(&protected, &payload));
        let signature: [u8; 64] = signature.to_bytes().into();
        let message = statement::assemble(&protected, &payload, &signature);
        let check = |message: &[u8]| {
            let text = format!("/verifier/10001045367#{}", statement::to_digits(message));
            let scanned = read_scanned(&text).unwrap();
            prepare(&scanned, Some(&keys)).unwrap()
        };
        assert_eq!(imp::verify_signature(&check(&message)).await, Some(true));
        // One letter of the name changed: « N'DIAYE » becomes « N'DHAYE ».
        let mut changed = message.clone();
        let at = changed.windows(5).position(|w| w == b"DIAYE").unwrap();
        changed[at + 1] = b'H';
        assert_eq!(imp::verify_signature(&check(&changed)).await, Some(false));
        // Another key's signature.
        let other = SigningKey::from_slice(&[8; 32]).unwrap();
        let forged: Signature = other.sign(&statement::sig_structure(&protected, &payload));
        let forged: [u8; 64] = forged.to_bytes().into();
        let forged = statement::assemble(&protected, &payload, &forged);
        assert_eq!(imp::verify_signature(&check(&forged)).await, Some(false));
    }
}
