//! The HTTP API of the functions, as the pages use it: the contract's request bodies out, its
//! views in (`rpps_contract`), the error envelope ([`ErrorEnvelope`]) turned into [`ApiError`],
//! and the CSRF rule (state-changing calls carry `X-CSRF-Token` from `GET /api/session`; the
//! browser adds the same-origin `Origin` itself).
//!
//! In the browser the calls go through `fetch`; on the host (unit tests, clippy) every call
//! answers "unavailable", so the components compile and render there too.

use std::cell::RefCell;

use rpps_contract::error::{ErrorEnvelope, FieldError, MissingItem};
use rpps_contract::session::SessionView;
use serde::Serialize;

use crate::json::{self, FromJson, Members};
use crate::read_struct;

/// What went wrong with a call, in words a person can act on (French, from the API when it
/// says something).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiError {
    /// HTTP status; 0 when the network failed (no answer at all).
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Per-field messages (`error.fields.<name>.message`), shown under each field.
    pub fields: FieldMessages,
    /// What a draft still lacks (`error.missing[].label`).
    pub missing: Vec<String>,
    /// A page where what the error is about can be followed (`error.see`: the request already
    /// open for this person).
    pub see: Option<Box<str>>,
}

impl ApiError {
    pub fn network() -> Self {
        Self {
            status: 0,
            code: "network".into(),
            message: "Le service est momentanément injoignable. Vos saisies sont conservées : \
                      réessayez dans un instant."
                .into(),
            ..Self::default()
        }
    }

    /// A success whose body is not what the contract says (a version mismatch between the app
    /// and the functions, or a proxy's page).
    pub fn unreadable(status: u16) -> Self {
        Self {
            status,
            code: "response.unreadable".into(),
            message: "La réponse du service n'a pas pu être lue. Rechargez la page ; si cela \
                      persiste, revenez plus tard."
                .into(),
            ..Self::default()
        }
    }

    /// The dependency is down or the network failed: retrying later will work (FAQ-R16).
    pub fn is_temporary(&self) -> bool {
        self.status == 0 || self.status == 502 || self.status == 503 || self.status == 504
    }

    /// Not signed in (or the session expired).
    pub fn is_unauthenticated(&self) -> bool {
        self.status == 401
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.get(name).cloned()
    }

    /// Reads the API's error envelope; anything else becomes a generic message for `status`.
    pub fn from_body(status: u16, text: &str) -> Self {
        match json::from_text::<Envelope>(text) {
            Some(Envelope(error)) => Self::from_error(status, error),
            None => Self {
                status,
                code: "unknown".into(),
                message: default_message(status).into(),
                ..Self::default()
            },
        }
    }

    /// The contract's envelope, as the functions write it.
    pub fn from_envelope(status: u16, envelope: ErrorEnvelope) -> Self {
        let error = envelope.error;
        Self::from_error(
            status,
            ErrorRead {
                code: error.code,
                message: error.message,
                fields: Members(error.fields.into_iter().collect()),
                missing: error.missing,
                see: error.see,
            },
        )
    }

    fn from_error(status: u16, error: ErrorRead) -> Self {
        let mut fields = FieldMessages::default();
        for (name, field) in error.fields.0 {
            fields.insert(name, field.message);
        }
        Self {
            status,
            code: error.code,
            message: if error.message.is_empty() {
                default_message(status).into()
            } else {
                error.message
            },
            fields,
            missing: error.missing.into_iter().map(|m| m.label).collect(),
            see: error.see.map(String::into_boxed_str),
        }
    }
}

/// Per-field messages by field name, in the order given: a few at most, so a list (a map would
/// bring its own code into the module).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldMessages(Vec<(String, String)>);

impl FieldMessages {
    /// Sets the message of the field `name`, replacing the one it had.
    pub fn insert(&mut self, name: String, message: String) {
        match self.0.iter_mut().find(|(field, _)| *field == name) {
            Some(entry) => entry.1 = message,
            None => self.0.push((name, message)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&String> {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, message)| message)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The contract's error envelope (`rpps_contract::error::ErrorEnvelope`: `{"error": {…}}`), the
/// same wire, read with its per-field errors as a list rather than the contract's map.
struct Envelope(ErrorRead);

struct ErrorRead {
    code: String,
    message: String,
    fields: Members<FieldError>,
    missing: Vec<MissingItem>,
    see: Option<String>,
}

read_struct!(ErrorRead {
    code,
    message,
    fields = default,
    missing = default,
    see = default,
});

impl FromJson for Envelope {
    fn read(value: &json::Value) -> Option<Self> {
        value.object()?.get("error").map(Envelope)
    }
}

/// An error inside a successful answer (one outcome of a batch: `{"code", "message", …}`), as
/// an [`ApiError`] with the status the outcome would have had on its own (unknown here: 409).
#[derive(Clone, Debug, PartialEq)]
pub struct Embedded(pub ApiError);

impl FromJson for Embedded {
    fn read(value: &json::Value) -> Option<Self> {
        ErrorRead::read(value).map(|e| Embedded(ApiError::from_error(409, e)))
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        401 => "Votre session a expiré : reconnectez-vous.",
        403 => "Vous n'avez pas accès à cette page.",
        404 => "Cette page ou cette demande n'existe pas.",
        502..=504 => {
            "Le service est momentanément indisponible. Vos saisies sont conservées : réessayez dans un instant."
        }
        _ => {
            "Une erreur inattendue s'est produite. Réessayez ; si elle persiste, revenez plus tard."
        }
    }
}

/// Encodes a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub async fn get<T: FromJson>(path: &str) -> Result<T, ApiError> {
    call("GET", path, None).await.and_then(read)
}

pub async fn post<T: FromJson>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    call("POST", path, Some(json::to_text(body)))
        .await
        .and_then(read)
}

/// A `POST` that carries nothing but the action (`…/submit`, the sign-out): `{}`.
pub async fn post_empty<T: FromJson>(path: &str) -> Result<T, ApiError> {
    call("POST", path, Some("{}".into())).await.and_then(read)
}

pub async fn put<T: FromJson>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    call("PUT", path, Some(json::to_text(body)))
        .await
        .and_then(read)
}

pub async fn delete<T: FromJson>(path: &str) -> Result<T, ApiError> {
    call("DELETE", path, None).await.and_then(read)
}

pub async fn patch<T: FromJson>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    call("PATCH", path, Some(json::to_text(body)))
        .await
        .and_then(read)
}

/// Who is signed in (`GET /api/session`); remembers the CSRF token for later calls.
pub async fn session() -> Result<SessionView, ApiError> {
    let me: SessionView = get("/api/session").await?;
    set_csrf(me.csrf_token.clone());
    Ok(me)
}

/// A successful answer's body as the contract's `T`.
fn read<T: FromJson>((status, text): (u16, String)) -> Result<T, ApiError> {
    json::from_text(&text).ok_or_else(|| ApiError::unreadable(status))
}

thread_local! {
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn set_csrf(token: Option<String>) {
    CSRF.with(|c| *c.borrow_mut() = token);
}

fn csrf() -> Option<String> {
    CSRF.with(|c| c.borrow().clone())
}

/// One exchange: the status and body text of a success, the error envelope of a failure.
async fn call(method: &str, path: &str, body: Option<String>) -> Result<(u16, String), ApiError> {
    if method != "GET" && csrf().is_none() {
        // The token comes with the session (no recursion through `session()`).
        let (_, text) = imp::fetch("GET", "/api/session", None, None).await?;
        set_csrf(json::from_text::<SessionView>(&text).and_then(|me| me.csrf_token));
    }
    let token = if method == "GET" { None } else { csrf() };
    let (status, text) = imp::fetch(method, path, body.as_deref(), token.as_deref()).await?;
    if (200..300).contains(&status) {
        Ok((status, text))
    } else {
        Err(ApiError::from_body(status, &text))
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestCredentials, RequestInit, Response};

    use super::ApiError;

    /// The status and body text of an answer; an error only when there is no answer.
    pub async fn fetch(
        method: &str,
        path: &str,
        body: Option<&str>,
        csrf: Option<&str>,
    ) -> Result<(u16, String), ApiError> {
        let init = RequestInit::new();
        init.set_method(method);
        init.set_credentials(RequestCredentials::SameOrigin);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }
        let request =
            Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::network())?;
        let headers = request.headers();
        let _ = headers.set("Accept", "application/json");
        if body.is_some() {
            let _ = headers.set("Content-Type", "application/json");
        }
        if let Some(token) = csrf {
            let _ = headers.set("X-CSRF-Token", token);
        }
        let window = web_sys::window().ok_or_else(ApiError::network)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|_| ApiError::network())?
            .dyn_into()
            .map_err(|_| ApiError::network())?;
        let status = response.status();
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        Ok((status, text))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::ApiError;

    pub async fn fetch(
        _method: &str,
        _path: &str,
        _body: Option<&str>,
        _csrf: Option<&str>,
    ) -> Result<(u16, String), ApiError> {
        Err(ApiError::network())
    }
}

#[cfg(test)]
mod tests {
    use rpps_contract::error::{ErrorBody, FieldError, MissingItem};

    use super::*;

    #[test]
    fn field_errors_and_missing_items_are_read_from_the_envelope() {
        let text = r#"{"error": {"code": "registration.invalid_fields", "message": "À corriger",
            "fields": {"email": {"code": "email.invalid", "message": "Adresse invalide"}},
            "missing": [{"field": "contact", "label": "l'adresse e-mail"}]}}"#;
        let e = ApiError::from_body(400, text);
        assert_eq!(e.field("email").as_deref(), Some("Adresse invalide"));
        assert_eq!(e.missing, ["l'adresse e-mail"]);
        assert_eq!(e.message, "À corriger");
        assert_eq!(e.code, "registration.invalid_fields");
        assert!(!e.is_temporary());
    }

    /// What the functions write (`rpps_contract::error`) is what the app reads.
    #[test]
    fn the_contract_s_envelope_reads_back() {
        let envelope = ErrorEnvelope {
            error: ErrorBody {
                code: "registration.incomplete".into(),
                message: "Il manque des informations.".into(),
                fields: [(
                    "mobile".to_owned(),
                    FieldError {
                        code: "mobile.invalid".into(),
                        message: "Numéro de mobile invalide".into(),
                    },
                )]
                .into(),
                missing: vec![MissingItem {
                    field: "establishment".into(),
                    label: "l'établissement employeur".into(),
                }],
                see: Some("/gestion/demandes/r1".into()),
            },
        };
        let e = ApiError::from_body(422, &json::to_text(&envelope));
        assert_eq!(e, ApiError::from_envelope(422, envelope));
        assert_eq!(
            e.field("mobile").as_deref(),
            Some("Numéro de mobile invalide")
        );
        assert_eq!(e.missing, ["l'établissement employeur"]);
    }

    #[test]
    fn an_unreadable_503_is_temporary_with_a_french_message() {
        let e = ApiError::from_body(503, "<html>Bad gateway</html>");
        assert!(e.is_temporary());
        assert!(e.message.contains("momentanément"));
    }

    #[test]
    fn a_success_that_is_not_the_contract_s_view_is_an_error_not_a_blank_page() {
        let e = read::<SessionView>((200, r#"{"role": "inconnu"}"#.into())).unwrap_err();
        assert_eq!(e.code, "response.unreadable");
        assert!(!e.is_temporary());
        let me = read::<SessionView>((
            200,
            r#"{"authenticated": true, "role": "manager", "csrf_token": "t"}"#.into(),
        ))
        .expect("a session");
        assert_eq!(me.csrf_token.as_deref(), Some("t"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("Saint-Étienne 42"), "Saint-%C3%89tienne%2042");
    }
}
