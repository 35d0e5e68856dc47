//! Identifiers read from a request's path or query, or a 400 that says what one looks like.

use rpps_domain::RppsNumber;

use crate::ApiError;

/// An RPPS number from a URL or a query, or a 400 (`rpps.malformed`) that says what one looks
/// like.
pub fn rpps_param(raw: &str) -> Result<RppsNumber, ApiError> {
    RppsNumber::parse(raw).map_err(|e| {
        ApiError::bad_request(
            "rpps.malformed",
            format!(
                "{e} Un numéro RPPS compte 11 chiffres, commence par 1 et se termine par une clé de contrôle (algorithme de Luhn)."
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_rpps_number_is_a_400_that_explains_the_format() {
        assert_eq!(
            rpps_param("10001045367").map(|r| r.to_string()),
            Ok("10001045367".to_owned())
        );
        let error = rpps_param("10001045368").expect_err("wrong Luhn key");
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "rpps.malformed");
        assert!(error.message.contains("11 chiffres"), "{}", error.message);
        assert!(error.message.contains("Luhn"), "{}", error.message);
    }
}
