//! Drafts kept in the browser (`localStorage`), so a reload or a lost connection loses nothing
//! typed (FAQ-R16). Only what the person typed in a form is kept, never a token; it is removed
//! once the request is sent. On the host nothing is stored.
//!
//! Each draft is a small struct whose fields all default, written by serde_json and read back
//! member by member (`read_struct!`, the same rules): a draft written by an earlier version (the
//! same field names, as JSON) still restores, and what it lacks stays empty.

use rpps_contract::registration::RegistrationView;
use serde::{Deserialize, Serialize};

use crate::json::FromJson;
use crate::read_struct;

/// The applicant's draft form and current step.
pub const APPLICANT_DRAFT: &str = "rpps.demande";
/// The manager's "register an aide" form.
pub const EMPLOYER_DRAFT: &str = "rpps.gestion.nouvelle";

/// What an applicant typed and has not yet sent, with the request it belongs to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantDraft {
    /// The request's id: a draft of another request is not restored.
    pub id: String,
    pub step: usize,
    pub email: String,
    pub mobile: String,
    pub finess: String,
    pub finess_label: String,
    pub start_date: String,
    pub eligibility: String,
}

/// What a manager typed to register an aide, and the request once created.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmployerDraft {
    pub establishment: String,
    pub family_name: String,
    pub given_names: String,
    pub birth_date: String,
    pub born_abroad: bool,
    pub commune: String,
    pub commune_text: String,
    pub country: String,
    pub country_text: String,
    pub email: String,
    pub mobile: String,
    pub start_date: String,
    pub eligibility: String,
    /// The request created from the civil status (the second step).
    pub created: Option<CreatedRequest>,
}

/// What the second step of the employer's form needs of the request it created: its id and
/// whom it is for. The shape of [`RegistrationView`]'s fields, so that a whole view kept by an
/// earlier version reads back too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreatedRequest {
    pub id: String,
    pub civil_status: Names,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Names {
    pub family_name: String,
    pub given_names: String,
}

// Read as their serde derive reads them (`#[serde(default)]`: every field may be absent).
read_struct!(ApplicantDraft {
    id = default,
    step = default,
    email = default,
    mobile = default,
    finess = default,
    finess_label = default,
    start_date = default,
    eligibility = default,
});
read_struct!(EmployerDraft {
    establishment = default,
    family_name = default,
    given_names = default,
    birth_date = default,
    born_abroad = default,
    commune = default,
    commune_text = default,
    country = default,
    country_text = default,
    email = default,
    mobile = default,
    start_date = default,
    eligibility = default,
    created = default,
});
read_struct!(CreatedRequest {
    id = default,
    civil_status = default,
});
read_struct!(Names {
    family_name = default,
    given_names = default,
});

impl From<&RegistrationView> for CreatedRequest {
    fn from(view: &RegistrationView) -> Self {
        Self {
            id: view.id.clone(),
            civil_status: Names {
                family_name: view.civil_status.family_name.clone(),
                given_names: view.civil_status.given_names.clone(),
            },
        }
    }
}

/// The draft kept under `key`, or an empty one.
pub fn load<T: FromJson + Default>(key: &str) -> T {
    imp::get(key)
        .and_then(|text| crate::json::from_text(&text))
        .unwrap_or_default()
}

pub fn save<T: Serialize>(key: &str, draft: &T) {
    imp::set(key, &crate::json::to_text(draft));
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

#[cfg(test)]
mod tests {
    use crate::json;

    use super::*;

    /// A reload restores what was typed (FAQ-R16), including drafts saved by the version that
    /// kept them as untyped JSON (same field names).
    #[test]
    fn fr16_drafts_saved_before_read_back_typed() {
        let before = r#"{"id": "r1", "step": 2, "email": "a@example.org", "mobile": "",
            "finess": "750012346", "finess_label": "Aide à domicile Paris 15",
            "start_date": "2026-09-01", "eligibility": "certification"}"#;
        let draft: ApplicantDraft = json::from_text(before).expect("a draft");
        assert_eq!(draft.step, 2);
        assert_eq!(draft.finess_label, "Aide à domicile Paris 15");
        assert_eq!(json::from_text(&json::to_text(&draft)), Some(draft));

        let employer = r#"{"establishment": "750012346", "family_name": "N'Diaye",
            "born_abroad": true, "country": "99350", "country_text": "Maroc (99350)",
            "created": {"id": "r2", "origin": "employer", "status": {"state": "draft"},
                "civil_status": {"family_name": "N'Diaye", "given_names": "Aïssatou",
                    "birth_date": "1990-04-12", "birth_place": {"kind": "abroad", "country": "99350"}}}}"#;
        let draft: EmployerDraft = json::from_text(employer).expect("a draft");
        assert!(draft.born_abroad);
        assert_eq!(draft.country, "99350");
        assert_eq!(draft.email, "");
        let created = draft.created.expect("the created request");
        assert_eq!(created.id, "r2");
        assert_eq!(created.civil_status.given_names, "Aïssatou");
    }
}
