//! The `q` (and `limit`) of a search route, validated before any work is done.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::ApiError;

pub const MAX_QUERY_CHARS: usize = 100;
pub const MIN_QUERY_CHARS: usize = 2;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;

/// A search query: `q` trimmed, 2 to 100 characters, no control characters; `limit` 1 to 50.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub q: String,
    pub limit: usize,
}

impl SearchQuery {
    /// Parses the raw query string of a request (`q=…&limit=…`).
    pub fn from_query_string(raw: Option<&str>) -> Result<Self, ApiError> {
        let params: HashMap<String, String> = serde_urlencoded_parse(raw.unwrap_or(""))?;
        let Some(q) = params.get("q") else {
            return Err(ApiError::bad_request(
                "query.missing",
                "Indiquez ce que vous cherchez dans le paramètre « q ».",
            ));
        };
        let q = q.trim();
        if q.is_empty() {
            return Err(ApiError::bad_request(
                "query.empty",
                "La recherche est vide : saisissez au moins 2 caractères.",
            ));
        }
        // Invalid percent-encoding decodes to U+FFFD: nobody types that character.
        if q.chars()
            .any(|c| c.is_control() || c == char::REPLACEMENT_CHARACTER)
        {
            return Err(ApiError::bad_request(
                "query.malformed",
                "La recherche contient des caractères invalides.",
            ));
        }
        let chars = q.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(ApiError::bad_request(
                "query.too_long",
                format!("La recherche est trop longue : {MAX_QUERY_CHARS} caractères au plus."),
            ));
        }
        if chars < MIN_QUERY_CHARS {
            return Err(ApiError::bad_request(
                "query.too_short",
                format!("Saisissez au moins {MIN_QUERY_CHARS} caractères."),
            ));
        }
        let limit = match params.get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::bad_request(
                        "query.limit",
                        format!(
                            "Le nombre de résultats demandé doit être compris entre 1 et {MAX_LIMIT}."
                        ),
                    ));
                }
            },
        };
        Ok(Self {
            q: q.to_owned(),
            limit,
        })
    }
}

fn serde_urlencoded_parse(raw: &str) -> Result<HashMap<String, String>, ApiError> {
    let uri: axum::http::Uri = format!("/?{raw}").parse().map_err(|_| malformed())?;
    axum::extract::Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|_| malformed())
}

fn malformed() -> ApiError {
    ApiError::bad_request(
        "query.malformed",
        "La recherche est mal formée (caractères ou encodage invalides).",
    )
}

impl<S: Send + Sync> FromRequestParts<S> for SearchQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::from_query_string(parts.uri.query())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> String {
        SearchQuery::from_query_string(Some(raw)).unwrap_err().code
    }

    #[test]
    fn valid_queries_are_trimmed_and_limited() {
        let q = SearchQuery::from_query_string(Some("q=%20saint%20etienne%20&limit=5")).unwrap();
        assert_eq!(
            q,
            SearchQuery {
                q: "saint etienne".into(),
                limit: 5
            }
        );
        let q = SearchQuery::from_query_string(Some("q=Saint-%C3%89tienne")).unwrap();
        assert_eq!(q.q, "Saint-Étienne");
        assert_eq!(q.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn bad_queries_get_a_code_and_a_french_message() {
        assert_eq!(code(""), "query.missing");
        assert_eq!(code("q="), "query.empty");
        assert_eq!(code("q=%20%20"), "query.empty");
        assert_eq!(code("q=a"), "query.too_short");
        assert_eq!(code(&format!("q={}", "a".repeat(101))), "query.too_long");
        assert_eq!(code("q=ab%00cd"), "query.malformed");
        assert_eq!(code("q=%FF%FE"), "query.malformed");
        assert_eq!(code("q=paris&limit=0"), "query.limit");
        assert_eq!(code("q=paris&limit=abc"), "query.limit");
        assert_eq!(code("q=paris&limit=51"), "query.limit");
        let e = SearchQuery::from_query_string(Some("q=a")).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(e.message.contains("caractères"));
    }

    #[test]
    fn one_hundred_characters_are_accepted_accents_counted_once() {
        let q = format!("q={}", "%C3%A9".repeat(100));
        assert_eq!(
            SearchQuery::from_query_string(Some(&q))
                .unwrap()
                .q
                .chars()
                .count(),
            100
        );
    }
}
