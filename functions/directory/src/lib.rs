//! The public directory (FAQ-R4, R5, R7): anyone, signed in or not, searches professionals by
//! name, RPPS number, commune or département of practice, opens a professional's page, downloads
//! the PDF card, and checks whether a card is valid today (the QR code on the card points to
//! the site's verification page, which reads `GET /api/directory/{rpps}`).
//!
//! Public data only: the directory projection (`rpps_store::directory`) holds nothing else. This
//! function reads no session and no private item.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rpps_api::{ApiError, rpps_param};
use rpps_contract::directory::{
    ActiveSiteView, DirectorySearchView, DirectorySiteView, DirectorySummary, ProfessionView,
    ProfessionalPageView,
};
use rpps_contract::pages;
use rpps_domain::paris::rfc3339;
use rpps_domain::{InseeCommuneCode, Profession, RppsNumber};
use rpps_store::{DirectoryEntry, DirectoryError, DirectorySearch, Store, StoreError};
use time::OffsetDateTime;

pub const DEFAULT_PAGE: i32 = 20;
pub const MAX_PAGE: i32 = 50;
const MIN_NAME_CHARS: usize = 2;
const MAX_NAME_CHARS: usize = 60;

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/directory"),
    ("GET", "/api/directory/{rpps}"),
    ("GET", "/api/directory/{rpps}/card.pdf"),
];

#[derive(Clone)]
pub struct DirectoryState {
    pub store: Store,
    /// The site's origin, for the verification address printed on the card.
    pub public_origin: String,
    /// The keys that sign the card's statement (issue 20); `None`: cards carry the address
    /// alone in their QR code.
    pub card_keys: Option<std::sync::Arc<rpps_cardsign::CardKeyRing>>,
}

fn store_error(e: StoreError) -> ApiError {
    ApiError::from_store(e, "L'annuaire")
}

fn profession(code: &str) -> Option<Profession> {
    Profession::ALL.into_iter().find(|p| p.code() == code)
}

fn profession_view(code: &str) -> ProfessionView {
    profession(code)
        .map(|p| rpps_api::views::profession(p).into())
        .unwrap_or_else(|| ProfessionView {
            code: Default::default(),
            label: code.to_owned(),
        })
}

/// A search result: who, and where they practise now.
pub fn summary(entry: &DirectoryEntry) -> DirectorySummary {
    DirectorySummary {
        rpps: entry.rpps.to_string(),
        family_name: entry.family_name.clone(),
        given_names: entry.given_names.clone(),
        profession: profession_view(&entry.profession),
        active_sites: entry
            .active_sites()
            .map(|s| ActiveSiteView {
                establishment_name: s.establishment_name.clone(),
                finess: s.finess.to_string(),
                commune_code: s.commune_code.clone(),
                commune_name: s.commune_name.clone(),
            })
            .collect(),
    }
}

/// A professional's public page: the entry, whether a card is valid today, and the links.
pub fn page(entry: &DirectoryEntry, public_origin: &str) -> ProfessionalPageView {
    let rpps = entry.rpps.as_str();
    ProfessionalPageView {
        rpps: rpps.to_owned(),
        family_name: entry.family_name.clone(),
        given_names: entry.given_names.clone(),
        profession: profession_view(&entry.profession),
        sites: entry
            .sites
            .iter()
            .map(|s| DirectorySiteView {
                finess: s.finess.to_string(),
                establishment_name: s.establishment_name.clone(),
                commune_code: s.commune_code.clone(),
                commune_name: s.commune_name.clone(),
                departement: s.departement.clone(),
                started_on: s.started_on.to_string(),
                ended_on: s.ended_on.map(|d| d.to_string()),
                active: s.active,
            })
            .collect(),
        valid_today: entry.active_sites().next().is_some(),
        ecps_activable_from: entry.ecps_activable_from.map(rfc3339),
        published_at: rfc3339(entry.published_at),
        updated_at: rfc3339(entry.updated_at),
        card_url: format!("/api/directory/{rpps}/card.pdf"),
        verification_url: verification_url(public_origin, rpps),
    }
}

/// The page the card's QR code opens.
pub fn verification_url(public_origin: &str, rpps: &str) -> String {
    format!(
        "{}{}",
        public_origin.trim_end_matches('/'),
        pages::card_verification(rpps)
    )
}

fn bad(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message.into())
}

/// Reads the search parameters: exactly one of `name`, `rpps`, `commune`, `departement`.
fn search_of(params: &HashMap<String, String>) -> Result<(Criterion, i32), ApiError> {
    const KNOWN: [&str; 6] = ["name", "rpps", "commune", "departement", "cursor", "limit"];
    if let Some(unknown) = params.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(bad(
            "directory.unknown_parameter",
            format!(
                "Paramètre inconnu : « {unknown} ». Cherchez avec name, rpps, commune ou departement."
            ),
        ));
    }
    let limit = match params.get("limit") {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.trim().parse::<i32>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(bad(
                    "query.limit",
                    format!("« limit » doit être un nombre entre 1 et {MAX_PAGE}."),
                ));
            }
        },
    };
    let given: Vec<(&str, &str)> = ["name", "rpps", "commune", "departement"]
        .into_iter()
        .filter_map(|k| params.get(k).map(|v| (k, v.trim())))
        .collect();
    let [(kind, value)] = given.as_slice() else {
        return Err(bad(
            "directory.one_criterion",
            "Cherchez avec un seul critère : le nom (name), le numéro RPPS (rpps), la commune (commune, code INSEE) ou le département (departement).",
        ));
    };
    if value
        .chars()
        .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
    {
        return Err(bad(
            "query.malformed",
            "La recherche contient des caractères invalides.",
        ));
    }
    let criterion = match *kind {
        "name" => {
            let folded = rpps_domain::fold(value);
            let chars = folded.chars().count();
            if chars < MIN_NAME_CHARS {
                return Err(bad(
                    "query.too_short",
                    format!("Saisissez au moins {MIN_NAME_CHARS} lettres du nom."),
                ));
            }
            if chars > MAX_NAME_CHARS {
                return Err(bad(
                    "query.too_long",
                    format!("Le nom cherché est trop long : {MAX_NAME_CHARS} caractères au plus."),
                ));
            }
            Criterion::Search(DirectorySearch::Name(folded))
        }
        "rpps" => Criterion::Rpps(rpps_param(value)?),
        "commune" => {
            let code = InseeCommuneCode::parse(value).map_err(|e| {
                bad(
                    "directory.commune",
                    format!("{e} Choisissez la commune dans la liste : son code INSEE a 5 caractères (75115 pour Paris 15e)."),
                )
            })?;
            Criterion::Search(DirectorySearch::Commune(code.as_str().to_owned()))
        }
        _ => {
            let code = value.to_ascii_uppercase();
            let valid = match code.len() {
                2 => {
                    code == "2A"
                        || code == "2B"
                        || code
                            .parse::<u8>()
                            .is_ok_and(|n| (1..=95).contains(&n) && n != 20)
                }
                3 => code.parse::<u16>().is_ok_and(|n| (971..=976).contains(&n)),
                _ => false,
            };
            if !valid {
                return Err(bad(
                    "directory.departement",
                    "Le département s'écrit avec 2 caractères (01 à 95, 2A, 2B) ou 3 chiffres outre-mer (971 à 976).",
                ));
            }
            Criterion::Search(DirectorySearch::Departement(code))
        }
    };
    Ok((criterion, limit))
}

enum Criterion {
    Rpps(RppsNumber),
    Search(DirectorySearch),
}

async fn search(
    State(state): State<DirectoryState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (criterion, limit) = search_of(&params)?;
    let (results, next) = match criterion {
        Criterion::Rpps(rpps) => {
            let entry = state
                .store
                .directory_entry(&rpps)
                .await
                .map_err(store_error)?;
            (entry.into_iter().collect(), None)
        }
        Criterion::Search(search) => {
            let page = state
                .store
                .search_directory(&search, limit, params.get("cursor").map(String::as_str))
                .await
                .map_err(|e| match e {
                    DirectoryError::BadCursor => bad(
                        "directory.cursor",
                        "Ce lien de page n'est plus valable pour cette recherche : relancez la recherche.",
                    ),
                    DirectoryError::Store(e) => store_error(e),
                })?;
            (page.results, page.next)
        }
    };
    Ok(Json(DirectorySearchView {
        results: results.iter().map(summary).collect(),
        next_cursor: next,
    })
    .into_response())
}

async fn entry_or_404(state: &DirectoryState, raw: &str) -> Result<DirectoryEntry, ApiError> {
    let rpps = rpps_param(raw)?;
    state
        .store
        .directory_entry(&rpps)
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            ApiError::not_found(
                "directory.not_found",
                "Aucun professionnel de l'annuaire n'a ce numéro RPPS.",
            )
        })
}

async fn professional(
    State(state): State<DirectoryState>,
    Path(rpps): Path<String>,
) -> Result<Response, ApiError> {
    let entry = entry_or_404(&state, &rpps).await?;
    let mut response = Json(page(&entry, &state.public_origin)).into_response();
    // Validity changes when a departure is purged, and the verification page must say so at
    // once: caches may keep the page but must ask again each time.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The card's content, from the public entry only.
pub fn card_of(
    entry: &DirectoryEntry,
    public_origin: &str,
    today: time::Date,
) -> Option<rpps_card::Card> {
    Some(rpps_card::Card {
        rpps: entry.rpps.clone(),
        family_name: entry.family_name.clone(),
        given_names: entry.given_names.clone(),
        profession: profession(&entry.profession)?,
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
        verification_url: verification_url(public_origin, entry.rpps.as_str()),
        issued_on: today,
        statement: None,
    })
}

async fn card(
    State(state): State<DirectoryState>,
    Path(rpps): Path<String>,
) -> Result<Response, ApiError> {
    let entry = entry_or_404(&state, &rpps).await?;
    let today = rpps_domain::paris::date_in_paris(OffsetDateTime::now_utc());
    let mut card = card_of(&entry, &state.public_origin, today)
        .ok_or_else(|| ApiError::internal(&format!("unknown profession {}", entry.profession)))?;
    if let (Some(keys), Some(claims)) = (&state.card_keys, rpps_card::statement_claims(&card)) {
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

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: DirectoryState) -> Router {
    Router::new()
        .route("/api/directory", get(search))
        .route("/api/directory/{rpps}", get(professional))
        .route("/api/directory/{rpps}/card.pdf", get(card))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<DirectoryState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, public_origin))
}

/// The card keys the environment describes (`rpps_cardsign::CardKeyRing::from_env`), or
/// `None` when it describes none (cards then carry the address alone).
pub async fn card_keys_from_env(
    sdk: &rpps_runtime::aws::SdkConfig,
) -> anyhow::Result<Option<std::sync::Arc<rpps_cardsign::CardKeyRing>>> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    if !set("RPPS_CARD_KMS_KEY_ID") && !set("RPPS_CARD_KEY_FILE") {
        tracing::warn!(
            event = "card.unsigned",
            "no card signing key configured: cards carry the verification address alone"
        );
        return Ok(None);
    }
    let kms = aws_sdk_kms::config::Builder::from(sdk).build();
    Ok(Some(std::sync::Arc::new(
        rpps_cardsign::CardKeyRing::from_env(&kms).await?,
    )))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: String,
) -> DirectoryState {
    DirectoryState {
        store: Store::from_config(config, sdk),
        public_origin,
        card_keys: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn refused(pairs: &[(&str, &str)]) -> String {
        match search_of(&params(pairs)) {
            Ok(_) => panic!("{pairs:?} accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn faq_r4_searches_take_one_criterion_checked_before_any_read() {
        assert!(matches!(
            search_of(&params(&[("name", "Lefèvre")])),
            Ok((Criterion::Search(DirectorySearch::Name(n)), DEFAULT_PAGE)) if n == "lefevre"
        ));
        assert!(matches!(
            search_of(&params(&[("departement", "2a"), ("limit", "5")])),
            Ok((Criterion::Search(DirectorySearch::Departement(d)), 5)) if d == "2A"
        ));
        assert!(matches!(
            search_of(&params(&[("commune", "75115")])),
            Ok((Criterion::Search(DirectorySearch::Commune(c)), _)) if c == "75115"
        ));
        assert!(refused(&[]).contains("un seul critère"));
        assert!(refused(&[("name", "du"), ("commune", "75115")]).contains("un seul critère"));
        assert!(refused(&[("name", "é")]).contains("au moins 2"));
        assert!(refused(&[("name", &"a".repeat(61))]).contains("trop long"));
        assert!(refused(&[("departement", "20")]).contains("2A, 2B"));
        assert!(refused(&[("departement", "977")]).contains("971 à 976"));
        assert!(refused(&[("commune", "7511")]).contains("5 caractères"));
        assert!(refused(&[("name", "dupont"), ("limit", "500")]).contains("entre 1 et 50"));
        assert!(refused(&[("nom", "dupont")]).contains("Paramètre inconnu"));
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
    }

    #[test]
    fn faq_r4_a_malformed_rpps_number_is_explained_luhn_included() {
        let wrong_key = refused(&[("rpps", "10000000019")]);
        assert!(wrong_key.contains("Luhn"), "{wrong_key}");
        let short = refused(&[("rpps", "123")]);
        assert!(short.contains("11 chiffres"), "{short}");
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
