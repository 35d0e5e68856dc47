//! The one error shape of the API: `{"error": {"code", "message", "fields"?, "missing"?}}`, with
//! a French message a person understands.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The body of every 4xx and 5xx answer of `/api/…`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine code (`registration.invalid_fields`, `service.unavailable`…).
    pub code: String,
    /// What happened and what to do, in French.
    pub message: String,
    /// One error per form field, by the field's name in the request body.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldError>,
    /// What a draft still lacks before it can be sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<MissingItem>,
    /// A page of the web app where what the error is about can be followed (the request that
    /// already exists for this person…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub see: Option<String>,
}

/// What is wrong with one field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub code: String,
    pub message: String,
}

/// A piece of information a draft still lacks (`contact`, `establishment`…), with its French
/// phrase (« l'adresse e-mail »).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingItem {
    pub field: String,
    pub label: String,
}
