//! Request bodies: JSON parsed by serde into the contract's types; an unreadable body is a 400
//! in the API's envelope, never axum's plain-text rejection.

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON request body of type `T` (`deny_unknown_fields` on the contract's bodies: a field
/// this version does not know is refused, not ignored).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(body)) => Ok(ApiJson(body)),
            Err(e) => Err(ApiError::bad_request(
                "request.malformed",
                format!(
                    "Le formulaire envoyé n'est pas lisible ({}).",
                    e.body_text()
                ),
            )),
        }
    }
}
