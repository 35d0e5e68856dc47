//! The establishments function: search by FINESS number or name (DynamoDB, FAQ-R15), and the
//! reader and importer of the FINESS extraction (used by `rpps-admin` and the local runner).
//! Communes and countries of birth, which need no AWS, are `rpps-birthplaces'`.
//!
//! Route: `GET /api/establishments?q=…`.

pub mod finess_extract;
pub mod import;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use rpps_api::{ApiError, SearchQuery};
use rpps_contract::places::{EstablishmentList, EstablishmentOption, Explanation};
use rpps_domain::Finess;
use rpps_store::{EstablishmentSummary, Store};

/// Demo establishments for the local run, in the FINESS extraction format (valid FINESS keys).
pub const DEMO_ESTABLISHMENTS: &str = include_str!("../data/finess-demo.csv");

#[derive(Clone)]
pub struct ReferentialsState {
    pub store: Store,
}

/// How an establishment query is understood.
#[derive(Debug, PartialEq, Eq)]
pub enum EstablishmentQuery {
    /// A complete, valid FINESS number.
    Finess(Finess),
    /// The start of a FINESS number (département first: 2 to 8 characters).
    FinessPrefix(String),
    /// Nine characters shaped like a FINESS number whose key is wrong.
    InvalidFiness(String),
    /// A SIRET (14 digits) or SIREN (9 digits) number: a FINESS number is needed (FAQ-R15).
    Siret,
    Siren,
    /// Words of a name or town.
    Name(String),
}

impl EstablishmentQuery {
    pub fn classify(q: &str) -> Self {
        let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        let upper = compact.to_ascii_uppercase();
        let finess_shaped = upper.len() >= 2
            && upper.len() <= 9
            && upper.is_ascii()
            && (upper[..2].bytes().all(|b| b.is_ascii_digit())
                || matches!(&upper[..2], "2A" | "2B"))
            && upper[2..].bytes().all(|b| b.is_ascii_digit());
        let all_digits = !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit());
        if all_digits && compact.len() == 14 {
            return Self::Siret;
        }
        if finess_shaped && upper.len() == 9 {
            return match Finess::parse(&upper) {
                Ok(f) => Self::Finess(f),
                Err(_) if rpps_domain::siret::Siren::parse(&upper).is_ok() => Self::Siren,
                Err(_) => Self::InvalidFiness(upper),
            };
        }
        if finess_shaped {
            return Self::FinessPrefix(upper);
        }
        if all_digits {
            // 10 to 13 or more than 14 digits: a number, but not one we can search by.
            return Self::InvalidFiness(compact);
        }
        Self::Name(q.to_owned())
    }
}

fn finess_needed(code: &str, what: &str) -> Explanation {
    Explanation {
        code: code.to_owned(),
        message: format!(
            "Vous avez saisi un numéro {what}. Les établissements se recherchent par leur numéro \
             FINESS (9 caractères, par exemple 010000024) ou par leur nom. Le numéro FINESS de \
             l'établissement figure sur ses documents administratifs ; votre employeur peut vous \
             le communiquer."
        ),
    }
}

/// An establishment as the forms offer it.
fn option(e: EstablishmentSummary) -> EstablishmentOption {
    EstablishmentOption {
        finess: e.finess,
        name: e.name,
        long_name: e.long_name,
        postal_code: e.postal_code,
        town: e.town,
        category_label: e.category_label,
    }
}

async fn establishments(
    State(state): State<ReferentialsState>,
    query: SearchQuery,
) -> Result<Response, ApiError> {
    let store = &state.store;
    let unavailable =
        |e: rpps_store::StoreError| ApiError::from_store(e, "La recherche d'établissements");
    let (results, explanation) = match EstablishmentQuery::classify(&query.q) {
        EstablishmentQuery::Finess(finess) => {
            let found = store.establishment(&finess).await.map_err(unavailable)?;
            // Nine digits with a valid key may also be a SIREN: say so when nothing is found.
            let explanation = found.is_none().then(|| Explanation {
                code: "establishment.finess_unknown".to_owned(),
                message: format!(
                    "Aucun établissement ne porte le numéro FINESS {finess}. Vérifiez le numéro, \
                     ou recherchez l'établissement par son nom. S'il s'agit d'un numéro SIREN \
                     (l'identifiant de l'entreprise), il ne convient pas : il faut le numéro \
                     FINESS de l'établissement."
                ),
            });
            (
                found.iter().map(EstablishmentSummary::from).collect(),
                explanation,
            )
        }
        EstablishmentQuery::FinessPrefix(prefix) => (
            store
                .establishments_by_finess_prefix(&prefix, query.limit)
                .await
                .map_err(unavailable)?,
            None,
        ),
        EstablishmentQuery::InvalidFiness(_) => {
            return Err(ApiError::bad_request(
                "establishment.finess_invalid",
                "Ce numéro n'est pas un numéro FINESS valide : un numéro FINESS compte 9 \
                 caractères (le département puis 7 chiffres, par exemple 010000024). Vérifiez-le, \
                 ou recherchez l'établissement par son nom.",
            ));
        }
        EstablishmentQuery::Siret => (
            Vec::new(),
            Some(finess_needed("establishment.siret_not_finess", "SIRET")),
        ),
        EstablishmentQuery::Siren => (
            Vec::new(),
            Some(finess_needed("establishment.siren_not_finess", "SIREN")),
        ),
        EstablishmentQuery::Name(name) => {
            if rpps_store::establishments::search_words(&name).is_empty() {
                return Err(ApiError::bad_request(
                    "query.too_short",
                    "Saisissez au moins un mot de 2 lettres du nom de l'établissement ou de sa commune.",
                ));
            }
            (
                store
                    .establishments_by_name(&name, query.limit)
                    .await
                    .map_err(unavailable)?,
                None,
            )
        }
    };
    Ok(rpps_api::cached_json(
        EstablishmentList {
            results: results.into_iter().map(option).collect(),
            explanation,
        },
        rpps_api::REFERENCE_DATA_CACHE,
    ))
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/e2e/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/establishments")];

/// The function's routes (without fallback: the Lambda entry and the local runner add it).
pub fn router(state: ReferentialsState) -> Router {
    Router::new()
        .route("/api/establishments", get(establishments))
        .with_state(state)
}

/// Builds the clients once, from the environment (used by the Lambda `main`).
pub fn state_from_env() -> anyhow::Result<ReferentialsState> {
    let config = rpps_runtime::Config::from_env()?;
    let sdk = rpps_runtime::aws::from_env();
    Ok(state_from_sdk(&config, &sdk))
}

pub fn state_from_sdk(
    config: &rpps_runtime::Config,
    sdk: &rpps_runtime::aws::SdkConfig,
) -> ReferentialsState {
    ReferentialsState {
        store: Store::from_config(config, sdk),
    }
}

#[cfg(test)]
mod tests {
    use super::EstablishmentQuery as Q;

    #[test]
    fn faq_r15_a_siret_or_siren_is_recognised() {
        assert_eq!(Q::classify("26010004500012"), Q::Siret);
        assert_eq!(Q::classify("260 100 045 00012"), Q::Siret);
        // A SIREN that cannot be a FINESS number (département 20 does not exist since 1976).
        let key = rpps_domain::luhn::check_digit("20123456").unwrap();
        assert_eq!(Q::classify(&format!("20123456{key}")), Q::Siren);
    }

    #[test]
    fn finess_numbers_and_prefixes_are_recognised() {
        assert!(matches!(Q::classify("010000024"), Q::Finess(f) if f.as_str() == "010000024"));
        assert!(matches!(Q::classify("2a0001230"), Q::Finess(_)));
        assert_eq!(Q::classify("0100"), Q::FinessPrefix("0100".into()));
        assert_eq!(Q::classify("2A"), Q::FinessPrefix("2A".into()));
        assert_eq!(Q::classify("123456"), Q::FinessPrefix("123456".into()));
        assert_eq!(
            Q::classify("1234567890"),
            Q::InvalidFiness("1234567890".into())
        );
    }

    #[test]
    fn anything_else_is_a_name() {
        assert_eq!(Q::classify("ch fleyriat"), Q::Name("ch fleyriat".into()));
        assert_eq!(Q::classify("SAAD 15"), Q::Name("SAAD 15".into()));
    }
}

#[cfg(test)]
mod routes {
    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let config = rpps_api::routes::test_config();
        let sdk = rpps_api::routes::unreachable_sdk();
        let router = super::router(super::state_from_sdk(&config, &sdk));
        let unserved = rpps_api::routes::unserved(router, super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
