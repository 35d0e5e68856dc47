//! The public directory (FAQ-R4, R5, R7): anyone, signed in or not, searches professionals by
//! name, RPPS number, commune or département of practice, opens a professional's page, and
//! checks whether a card is valid today (the QR code on the card points to the site's
//! verification page, which reads `GET /api/directory/{rpps}`). The PDF card itself, signed, is
//! the cards function's (`functions/cards`, the only one allowed to sign), which reads the
//! entry with [`entry_or_404`] and links it with [`verification_url`].
//!
//! Public data only: the directory projection (`rpps_store::directory`) holds nothing else. This
//! function reads no session and no private item.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
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

pub const DEFAULT_PAGE: i32 = 20;
pub const MAX_PAGE: i32 = 50;
const MIN_NAME_CHARS: usize = 2;
const MAX_NAME_CHARS: usize = 60;

/// Every route this function serves (checked against `router` and `infra/template.yaml`).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/directory"), ("GET", "/api/directory/{rpps}")];

#[derive(Clone)]
pub struct DirectoryState {
    pub store: Store,
    /// The site's origin, for the verification address of a professional's page.
    pub public_origin: String,
}

fn store_error(e: StoreError) -> ApiError {
    ApiError::from_store(e, "L'annuaire")
}

/// The profession an entry records, by its code (`None` for a code this build does not know).
pub fn profession(code: &str) -> Option<Profession> {
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

/// The public entry of the RPPS number `raw` (a path parameter): a 400 that explains a
/// malformed number, a 404 when nobody of the directory has it.
pub async fn entry_or_404(store: &Store, raw: &str) -> Result<DirectoryEntry, ApiError> {
    let rpps = rpps_param(raw)?;
    store
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
    let entry = entry_or_404(&state.store, &rpps).await?;
    let mut response = Json(page(&entry, &state.public_origin)).into_response();
    // Validity changes when a departure is purged, and the verification page must say so at
    // once: caches may keep the page but must ask again each time.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The function's routes (the fallback is added by the Lambda entry or the local runner).
pub fn router(state: DirectoryState) -> Router {
    Router::new()
        .route("/api/directory", get(search))
        .route("/api/directory/{rpps}", get(professional))
        .with_state(state)
}

/// Builds the state once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<DirectoryState> {
    let config = rpps_runtime::Config::from_env()?;
    let public_origin = config.public_origin()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk, public_origin))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
    public_origin: String,
) -> DirectoryState {
    DirectoryState {
        store: Store::from_config(config, sdk),
        public_origin,
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
