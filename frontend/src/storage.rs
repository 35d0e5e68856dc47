//! Drafts kept in the browser (`localStorage`), so a reload or a lost connection loses nothing
//! typed (FAQ-R16). Only what the person typed in a form is kept, never a token; it is removed
//! once the request is sent. On the host nothing is stored.

use serde_json::Value;

/// The applicant's draft form and current step.
pub const APPLICANT_DRAFT: &str = "rpps.demande";
/// The manager's "register an aide" form.
pub const EMPLOYER_DRAFT: &str = "rpps.gestion.nouvelle";

pub fn load(key: &str) -> Value {
    imp::get(key)
        .and_then(|text| crate::json::parse(&text))
        .unwrap_or(Value::Null)
}

pub fn save(key: &str, value: &Value) {
    imp::set(key, &crate::json::to_string(value));
}

pub fn clear(key: &str) {
    imp::remove(key);
}

#[cfg(target_arch = "wasm32")]
mod imp {
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }
    pub fn get(key: &str) -> Option<String> {
        storage()?.get_item(key).ok()?
    }
    pub fn set(key: &str, value: &str) {
        if let Some(s) = storage() {
            let _ = s.set_item(key, value);
        }
    }
    pub fn remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn get(_key: &str) -> Option<String> {
        None
    }
    pub fn set(_key: &str, _value: &str) {}
    pub fn remove(_key: &str) {}
}
