//! The places-of-birth function: communes of France and countries of birth, embedded in the
//! binary and searched in memory (FAQ-R17). It makes no AWS call, so it links no AWS SDK: its
//! zip and cold start are those of a bare `lambda_http` function plus the commune index
//! (docs/PERFORMANCE.md). Establishments, which live in DynamoDB, are `rpps-referentials`'.
//!
//! Routes: `GET /api/communes?q=…`, `GET /api/countries?q=…`.

use axum::Router;
use axum::response::Response;
use axum::routing::get;
use rpps_api::{ApiError, SearchQuery};
use rpps_contract::places::{
    CommuneKind, CommuneList, CommuneMatchedOn, CommuneOption, CountryList, CountryMatchedOn,
    CountryOption,
};
use rpps_places::{CommuneMatch, CountryMatch};

/// A commune search result as the forms offer it.
fn commune(found: CommuneMatch<'_>) -> CommuneOption {
    CommuneOption {
        insee: found.insee.to_owned(),
        name: found.name.to_owned(),
        label: found.label,
        kind: match found.kind {
            rpps_places::CommuneKind::Commune => CommuneKind::Commune,
            rpps_places::CommuneKind::ArrondissementMunicipal => {
                CommuneKind::ArrondissementMunicipal
            }
            rpps_places::CommuneKind::CommuneDeleguee => CommuneKind::CommuneDeleguee,
            rpps_places::CommuneKind::CommuneAssociee => CommuneKind::CommuneAssociee,
        },
        departement: found.departement.to_owned(),
        postal_codes: found.postal_codes.into_iter().map(str::to_owned).collect(),
        matched: match found.matched {
            rpps_places::MatchedOn::Name => CommuneMatchedOn::Name,
            rpps_places::MatchedOn::InseeCode => CommuneMatchedOn::InseeCode,
            rpps_places::MatchedOn::PostalCode => CommuneMatchedOn::PostalCode,
        },
    }
}

/// A country search result as the forms offer it.
fn country(found: CountryMatch<'_>) -> CountryOption {
    CountryOption {
        code: found.code.to_owned(),
        name: found.name.to_owned(),
        label: found.label,
        current: found.current,
        valid_until: found.valid_until.map(str::to_owned),
        matched: match found.matched {
            rpps_places::CountryMatchedOn::Name => CountryMatchedOn::Name,
            rpps_places::CountryMatchedOn::OfficialName => CountryMatchedOn::OfficialName,
            rpps_places::CountryMatchedOn::Code => CountryMatchedOn::Code,
        },
    }
}

async fn communes(query: SearchQuery) -> Response {
    let results = rpps_places::communes().search(&query.q, query.limit);
    rpps_api::cached_json(
        CommuneList {
            results: results.into_iter().map(commune).collect(),
        },
        rpps_api::REFERENCE_DATA_CACHE,
    )
}

/// The countries are parsed on the first search (see [`load_reference_data`]): through
/// `try_countries`, so that an unreadable file would be a 500 and not a crash.
async fn countries(query: SearchQuery) -> Result<Response, ApiError> {
    let countries = rpps_places::try_countries().map_err(|e| ApiError::internal(e))?;
    let results = countries.search(&query.q, query.limit);
    Ok(rpps_api::cached_json(
        CountryList {
            results: results.into_iter().map(country).collect(),
        },
        rpps_api::REFERENCE_DATA_CACHE,
    ))
}

/// The routes `router` serves, (method, path): the SAM template's `HttpApi` events of this
/// function must be exactly these (checked by `tests/tests/e2e/template.rs`).
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/communes"), ("GET", "/api/countries")];

/// The function's routes (without fallback: the Lambda entry and the local runner add it).
pub fn router() -> Router {
    Router::new()
        .route("/api/communes", get(communes))
        .route("/api/countries", get(countries))
}

/// Checks the embedded commune index at start-up and fails the start if it were unreadable:
/// constant time, the index being built at build time (`rpps_places`'s `build.rs`), so this
/// only checks that its columns fit together. The 255 countries are parsed on the first country
/// search (their names folded for search: about 0.2 ms, which a start-up of about 2 ms would
/// feel, docs/PERFORMANCE.md); the embedded file is checked by `rpps_places`'
/// `embedded_countries_load` test, and the test below.
pub fn load_reference_data() -> anyhow::Result<()> {
    rpps_places::try_communes().map_err(|e| anyhow::anyhow!("communes: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_reference_data_loads() {
        super::load_reference_data().expect("the communes are readable");
        rpps_places::try_countries().expect("the countries are readable");
    }

    #[tokio::test]
    async fn the_router_serves_every_entry_of_routes() {
        let unserved = rpps_api::routes::unserved(super::router(), super::ROUTES).await;
        assert!(unserved.is_empty(), "{unserved:#?}");
    }
}
