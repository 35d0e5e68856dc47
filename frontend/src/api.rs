//! The HTTP API of the functions, as the pages use it: JSON in and out, the API's error envelope
//! (`{"error":{"code","message","fields":{"email":{"code","message"}},"missing":[…]}}`) turned into [`ApiError`], and the
//! CSRF rule (state-changing calls carry `X-CSRF-Token` from `GET /api/session`; the browser adds
//! the same-origin `Origin` itself).
//!
//! In the browser the calls go through `fetch`; on the host (unit tests, clippy) every call
//! answers "unavailable", so the components compile and render there too.

use std::collections::BTreeMap;

use serde_json::Value;

/// What went wrong with a call, in words a person can act on (French, from the API when it
/// says something).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiError {
    /// HTTP status; 0 when the network failed (no answer at all).
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Per-field messages (`error.fields.<name>.message`), shown under each field.
    pub fields: BTreeMap<String, String>,
    /// What a draft still lacks (`error.missing[].label`).
    pub missing: Vec<String>,
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
    pub fn from_body(status: u16, body: &Value) -> Self {
        let error = &body["error"];
        let mut fields = BTreeMap::new();
        if let Some(map) = error["fields"].as_object() {
            for (name, value) in map {
                if let Some(message) = value["message"].as_str() {
                    fields.insert(name.clone(), message.to_owned());
                }
            }
        }
        let missing = error["missing"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|m| m["label"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let message = error["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| default_message(status).to_owned());
        Self {
            status,
            code: error["code"].as_str().unwrap_or("unknown").to_owned(),
            message,
            fields,
            missing,
        }
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

pub async fn get(path: &str) -> Result<Value, ApiError> {
    imp::call("GET", path, None).await
}

pub async fn post(path: &str, body: &Value) -> Result<Value, ApiError> {
    imp::call("POST", path, Some(body)).await
}

pub async fn put(path: &str, body: &Value) -> Result<Value, ApiError> {
    imp::call("PUT", path, Some(body)).await
}

pub async fn patch(path: &str, body: &Value) -> Result<Value, ApiError> {
    imp::call("PATCH", path, Some(body)).await
}

/// Who is signed in (`GET /api/session`); remembers the CSRF token for later calls.
pub async fn session() -> Result<Value, ApiError> {
    let me = get("/api/session").await?;
    imp::set_csrf(me["csrf_token"].as_str().map(str::to_owned));
    Ok(me)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::cell::RefCell;

    use serde_json::Value;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Request, RequestCredentials, RequestInit, Response};

    use super::ApiError;

    thread_local! {
        static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    pub fn set_csrf(token: Option<String>) {
        CSRF.with(|c| *c.borrow_mut() = token);
    }

    fn csrf() -> Option<String> {
        CSRF.with(|c| c.borrow().clone())
    }

    pub async fn call(method: &str, path: &str, body: Option<&Value>) -> Result<Value, ApiError> {
        if method != "GET" && csrf().is_none() {
            // The token comes with the session (no recursion through `session()`).
            let (_, me) = fetch("GET", "/api/session", None).await?;
            set_csrf(me["csrf_token"].as_str().map(str::to_owned));
        }
        let (status, value) = fetch(method, path, body).await?;
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(ApiError::from_body(status, &value))
        }
    }

    async fn fetch(
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), ApiError> {
        let init = RequestInit::new();
        init.set_method(method);
        init.set_credentials(RequestCredentials::SameOrigin);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&crate::json::to_string(body)));
        }
        let request =
            Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::network())?;
        let headers = request.headers();
        let _ = headers.set("Accept", "application/json");
        if body.is_some() {
            let _ = headers.set("Content-Type", "application/json");
        }
        if method != "GET"
            && let Some(token) = csrf()
        {
            let _ = headers.set("X-CSRF-Token", &token);
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
        let value = crate::json::parse(&text).unwrap_or(Value::Null);
        Ok((status, value))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde_json::Value;

    use super::ApiError;

    pub fn set_csrf(_token: Option<String>) {}

    pub async fn call(
        _method: &str,
        _path: &str,
        _body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        Err(ApiError::network())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn field_errors_and_missing_items_are_read_from_the_envelope() {
        let body = json!({"error": {"code": "registration.invalid_fields", "message": "À corriger",
            "fields": {"email": {"code": "email.invalid", "message": "Adresse invalide"}},
            "missing": [{"field": "contact", "label": "l'adresse e-mail"}]}});
        let e = ApiError::from_body(400, &body);
        assert_eq!(e.field("email").as_deref(), Some("Adresse invalide"));
        assert_eq!(e.missing, ["l'adresse e-mail"]);
        assert_eq!(e.message, "À corriger");
        assert!(!e.is_temporary());
    }

    #[test]
    fn an_unreadable_503_is_temporary_with_a_french_message() {
        let e = ApiError::from_body(503, &Value::Null);
        assert!(e.is_temporary());
        assert!(e.message.contains("momentanément"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("Saint-Étienne 42"), "Saint-%C3%89tienne%2042");
    }
}
