//! The professional card (FAQ-R7, issue 20): the PDF card of a professional of the public
//! directory, whose QR code carries, after the verification page's address, a statement signed
//! by the card key; and the keys' document anyone verifies that statement with, offline.
//!
//! A function of its own so that the card key's `kms:Sign` is granted to it alone
//! (infra/template.yaml): the directory's search and pages run without it. It reads the public
//! entry as the directory does (`rpps_directory::entry_or_404`), nothing private, no session.
//!
//! - `GET /api/directory/{rpps}/card.pdf`: the card, signed when a key ring is configured (in
//!   AWS always: `RPPS_CARD_KMS_KEY_ID`); a 503 rather than an unsigned card when signing fails.
//! - `GET /.well-known/rpps-card-keys.json`: `CardKeyRing::document()`, the public keys (the one
//!   signing new cards, the retired ones whose cards may still be shown) and the revoked ids; a
//!   503 without a key ring.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rpps_api::ApiError;
use rpps_cardsign::CardKeyRing;
use rpps_store::{DirectoryEntry, Store};
use time::OffsetDateTime;

/// Where the keys' document is served: the site's origin, beside the pages that read it.
pub const KEYS_PATH: &str = "/.well-known/rpps-card-keys.json";

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/directory/{rpps}/card.pdf"),
    ("GET", KEYS_PATH),
];

/// How long a browser or CloudFront may keep the keys' document: a revocation reaches every
/// verification page that is online within twice this (the edge's copy, then the browser's).
pub const KEYS_MAX_AGE_SECONDS: u32 = 300;

#[derive(Clone)]
pub struct CardsState {
    pub store: Store,
    /// The site's origin, for the verification address printed on the card.
    pub public_origin: String,
    /// The keys that sign the card's statement; `None`: cards carry the address alone in their
    /// QR code, and the keys' document is a 503.
    pub keys: Option<Arc<CardKeyRing>>,
}

/// The card's content, from the public entry only; `None` for a profession this build does
/// not know.
pub fn card_of(
    entry: &DirectoryEntry,
    public_origin: &str,
    today: time::Date,
) -> Option<rpps_card::Card> {
    Some(rpps_card::Card {
        rpps: entry.rpps.clone(),
        family_name: entry.family_name.clone(),
        given_names: entry.given_names.clone(),
        profession: rpps_directory::profession(&entry.profession)?,
        sites: entry
            .sites
            .iter()
            .map(|s| rpps_card::CardSite {
                establishment_name: s.establishment_name.clone(),
                finess: s.finess.to_string(),
                commune_name: s.commune_name.clone(),
                commune_code: s.commune_code.clone(),
                started_on: s.started_on,
                ended_on: s.ended_on,
            })
            .collect(),
        ecps_activable_from: entry
            .ecps_activable_from
            .map(rpps_domain::paris::date_in_paris),
        verification_url: rpps_directory::verification_url(public_origin, entry.rpps.as_str()),
        issued_on: today,
        statement: None,
    })
}

async fn card(
    State(state): State<CardsState>,
    Path(rpps): Path<String>,
) -> Result<Response, ApiError> {
    let entry = rpps_directory::entry_or_404(&state.store, &rpps).await?;
    let today = rpps_domain::paris::date_in_paris(OffsetDateTime::now_utc());
    let mut card = card_of(&entry, &state.public_origin, today)
        .ok_or_else(|| ApiError::internal(&format!("unknown profession {}", entry.profession)))?;
    if let (Some(keys), Some(claims)) = (&state.keys, rpps_card::statement_claims(&card)) {
        // Unsigned, the card would be refused by an offline check: better a clear « try again ».
        let statement = keys.sign(&claims).await.map_err(|e| {
            tracing::error!(event = "card.sign_failed", error = %e, "the card could not be signed");
            ApiError::unavailable("La signature des cartes")
        })?;
        card.statement = Some(statement);
    }
    let pdf = rpps_card::render(&card).map_err(|e| ApiError::internal(&e))?;
    let filename = format!("carte-rpps-{}.pdf", entry.rpps);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

/// The keys' document, kept a few minutes by browsers and CloudFront, readable from any origin
/// (public keys: another site's verifier may fetch it too).
async fn keys(State(state): State<CardsState>) -> Result<Response, ApiError> {
    let ring = state
        .keys
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("La liste des clés de vérification des cartes"))?;
    let mut response = axum::Json(ring.document()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={KEYS_MAX_AGE_SECONDS}"))
            .map_err(|e| ApiError::internal(&e))?,
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: CardsState) -> Router {
    Router::new()
        .route("/api/directory/{rpps}/card.pdf", get(card))
        .route("/.well-known/rpps-card-keys.json", get(keys))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`): the card keys are
/// loaded here (KMS `GetPublicKey` of each), so a key that cannot be read stops the start.
pub async fn state_from_env() -> anyhow::Result<CardsState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    let mut state = state_from_sdk(&config, &sdk, public_origin);
    state.keys = card_keys_from_env(&sdk).await?;
    Ok(state)
}

/// The card keys the environment describes (`rpps_cardsign::CardKeyRing::from_env`), or
/// `None` when it describes none (cards then carry the verification address alone).
pub async fn card_keys_from_env(
    sdk: &rpps_runtime::aws::SdkConfig,
) -> anyhow::Result<Option<Arc<CardKeyRing>>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !set("RPPS_CARD_KMS_KEY_ID") && !set("RPPS_CARD_KEY_FILE") {
        tracing::warn!(
            event = "card.unsigned",
            "no card signing key configured: cards carry the verification address alone"
        );
        return Ok(None);
    }
    let kms = aws_sdk_kms::config::Builder::from(sdk).build();
    let ring = CardKeyRing::from_env(&kms).await?;
    let document = ring.document();
    // The ids an operator revokes or retires by (docs/DEPLOY.md, "Card signing keys").
    tracing::info!(
        event = "card.keys",
        signing_kid = %rpps_contract::card::kid_hex(&ring.signing_kid()),
        keys = ?document.keys.iter().map(|k| format!("{} {}", k.kid, k.status)).collect::<Vec<_>>(),
        revoked = ?document.revoked,
        "card keys loaded"
    );
    Ok(Some(Arc::new(ring)))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: String,
) -> CardsState {
    CardsState {
        store: Store::from_config(config, sdk),
        public_origin,
        keys: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use rpps_domain::RppsNumber;
    use tower::ServiceExt as _;

    fn state(keys: Option<CardKeyRing>) -> CardsState {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let mut state = state_from_sdk(&config, &sdk, "http://127.0.0.1:1".into());
        state.keys = keys.map(Arc::new);
        state
    }

    async fn get(state: CardsState, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let request = Request::builder().uri(path).body(Body::empty()).unwrap();
        let response = router(state).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, headers, body.to_vec())
    }

    #[test]
    fn faq_r5_the_card_dates_are_days_in_paris() {
        // 23:30 UTC in November is 00:30 the next day in Paris.
        let late = time::macros::datetime!(2026-11-26 23:30 UTC);
        let entry = DirectoryEntry {
            rpps: RppsNumber::parse("10000000025").unwrap(),
            family_name: "MARTIN".into(),
            given_names: "Léa".into(),
            profession: "aide_a_domicile_qualifiee".into(),
            sites: Vec::new(),
            ecps_activable_from: Some(late),
            published_at: late,
            updated_at: late,
        };
        let card = card_of(
            &entry,
            "https://rpps.example",
            rpps_domain::paris::date_in_paris(late),
        )
        .unwrap();
        assert_eq!(
            card.ecps_activable_from,
            Some(time::macros::date!(2026 - 11 - 27))
        );
        assert_eq!(card.issued_on, time::macros::date!(2026 - 11 - 27));
        assert_eq!(
            card.verification_url,
            "https://rpps.example/verifier/10000000025"
        );
    }

    #[tokio::test]
    async fn issue_20_the_keys_document_is_the_rings_public_and_cacheable() {
        let key = rpps_cardsign::FileKey::generate().unwrap();
        let public = key.public().clone();
        let ring = CardKeyRing::new(rpps_cardsign::SigningKey::File(key), vec![], vec![]).unwrap();
        let expected = ring.document();
        let (status, headers, body) = get(state(Some(ring)), KEYS_PATH).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=300");
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let document: rpps_contract::card::CardKeys = serde_json::from_slice(&body).unwrap();
        assert_eq!(document, expected);
        assert_eq!(document.keys.len(), 1);
        assert_eq!(document.keys[0].status, "active");
        assert_eq!(document.keys[0], public.jwk("active"));
        // Public keys only: no private scalar in what is served.
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains("\"d\""), "{text}");
    }

    #[tokio::test]
    async fn issue_20_without_a_key_ring_the_keys_document_is_a_503_in_french() {
        let (status, headers, body) = get(state(None), KEYS_PATH).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(headers.contains_key(header::RETRY_AFTER));
        let error: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["error"]["code"], "service.unavailable");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("momentanément indisponible"),
            "{error}"
        );
    }
}

#[cfg(test)]
mod routes {
    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let state = super::state_from_sdk(&config, &sdk, "http://127.0.0.1:1".into());
        let unserved = rpps_api::routes::unserved(super::router(state), super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
