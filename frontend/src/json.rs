//! JSON text to typed values (the contract's views, the drafts kept in the browser) and back.
//!
//! In the browser the text is parsed by the browser's own `JSON.parse`, and serde reads the
//! typed value straight from the JavaScript value (a small deserializer below, about 200 lines):
//! serde_json's text parser, its `Value` and serde's error messages (with their float
//! formatting) stay out of the WebAssembly module. Of the ways tried this one is the smallest
//! (docs/PERFORMANCE.md, "Web app": serde_json from text or from a `Value`, serde-wasm-bindgen).
//! Bodies and drafts are written by serde_json (flat structs of strings, booleans and integers:
//! its writer is small). On the host (unit tests), serde_json both ways.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads JSON text as a `T`; `None` when it is not JSON or not a `T`.
pub fn from_text<T: DeserializeOwned>(text: &str) -> Option<T> {
    imp::from_text(text)
}

/// The JSON text of `value`.
pub fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use std::fmt;

    use js_sys::{Array, JSON, Object};
    use serde::de::{
        self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess,
        Unexpected, Visitor,
    };
    use wasm_bindgen::{JsCast, JsValue};

    pub fn from_text<T: DeserializeOwned>(text: &str) -> Option<T> {
        T::deserialize(Js(JSON::parse(text).ok()?)).ok()
    }

    /// Why a value could not be read, without the message: nobody reads it (a call answers
    /// [`crate::api::ApiError::unreadable`], a draft starts empty), and serde's messages would
    /// bring their formatting (floats included) into the module.
    #[derive(Debug)]
    pub struct Unreadable;

    impl fmt::Display for Unreadable {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("JSON illisible")
        }
    }

    impl std::error::Error for Unreadable {}

    impl de::Error for Unreadable {
        fn custom<T: fmt::Display>(_: T) -> Self {
            Unreadable
        }
        fn invalid_type(_: Unexpected, _: &dyn Expected) -> Self {
            Unreadable
        }
        fn invalid_value(_: Unexpected, _: &dyn Expected) -> Self {
            Unreadable
        }
        fn invalid_length(_: usize, _: &dyn Expected) -> Self {
            Unreadable
        }
        fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
            Unreadable
        }
        fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
            Unreadable
        }
        fn missing_field(_: &'static str) -> Self {
            Unreadable
        }
        fn duplicate_field(_: &'static str) -> Self {
            Unreadable
        }
    }

    /// A value `JSON.parse` made, read by serde: each kind of value only where the type expects
    /// it (a struct from an object, a sequence from an array), so that no type carries code for
    /// shapes JSON never gives it.
    struct Js(JsValue);

    impl Js {
        fn nullish(&self) -> bool {
            self.0.is_null() || self.0.is_undefined()
        }

        /// An integral number JavaScript holds exactly.
        fn integer(&self) -> Option<f64> {
            self.0
                .as_f64()
                .filter(|n| n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0)
        }

        fn object(self) -> Result<Entries, Unreadable> {
            if self.0.is_object() && !Array::is_array(&self.0) {
                Ok(Entries {
                    entries: Object::entries(self.0.unchecked_ref()),
                    next: 0,
                    value: JsValue::UNDEFINED,
                })
            } else {
                Err(Unreadable)
            }
        }
    }

    impl<'de> de::Deserializer<'de> for Js {
        type Error = Unreadable;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            if self.nullish() {
                visitor.visit_unit()
            } else if let Some(b) = self.0.as_bool() {
                visitor.visit_bool(b)
            } else if let Some(n) = self.integer() {
                visitor.visit_i64(n as i64)
            } else if let Some(n) = self.0.as_f64() {
                visitor.visit_f64(n)
            } else if let Some(s) = self.0.as_string() {
                visitor.visit_string(s)
            } else if Array::is_array(&self.0) {
                self.deserialize_seq(visitor)
            } else {
                visitor.visit_map(self.object()?)
            }
        }

        fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            visitor.visit_bool(self.0.as_bool().ok_or(Unreadable)?)
        }

        fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            match self.integer() {
                Some(n) if n >= 0.0 => visitor.visit_u64(n as u64),
                _ => Err(Unreadable),
            }
        }

        fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            visitor.visit_i64(self.integer().ok_or(Unreadable)? as i64)
        }

        fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            visitor.visit_string(self.0.as_string().ok_or(Unreadable)?)
        }

        fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            self.deserialize_string(visitor)
        }

        fn deserialize_identifier<V: Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, Unreadable> {
            self.deserialize_string(visitor)
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            if self.nullish() {
                visitor.visit_none()
            } else {
                visitor.visit_some(self)
            }
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            let items = self.0.dyn_into::<Array>().map_err(|_| Unreadable)?;
            visitor.visit_seq(Items { items, next: 0 })
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unreadable> {
            visitor.visit_map(self.object()?)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Unreadable> {
            visitor.visit_map(self.object()?)
        }

        /// The contract's plain enums are their code as a string (`"manager"`).
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Unreadable> {
            let code = self.0.as_string().ok_or(Unreadable)?;
            visitor.visit_enum(IntoDeserializer::<Unreadable>::into_deserializer(code))
        }

        fn deserialize_ignored_any<V: Visitor<'de>>(
            self,
            visitor: V,
        ) -> Result<V::Value, Unreadable> {
            visitor.visit_unit()
        }

        serde::forward_to_deserialize_any! {
            i8 i16 i32 i128 u8 u16 u32 u128 f32 f64 char bytes byte_buf unit unit_struct
            newtype_struct tuple tuple_struct
        }
    }

    /// The items of an array.
    struct Items {
        items: Array,
        next: u32,
    }

    impl<'de> SeqAccess<'de> for Items {
        type Error = Unreadable;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Unreadable> {
            if self.next >= self.items.length() {
                return Ok(None);
            }
            let item = self.items.get(self.next);
            self.next += 1;
            seed.deserialize(Js(item)).map(Some)
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.items.length().saturating_sub(self.next) as usize)
        }
    }

    /// The `[key, value]` pairs of an object (`Object.entries`).
    struct Entries {
        entries: Array,
        next: u32,
        value: JsValue,
    }

    impl<'de> MapAccess<'de> for Entries {
        type Error = Unreadable;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Unreadable> {
            if self.next >= self.entries.length() {
                return Ok(None);
            }
            let pair = self.entries.get(self.next).unchecked_into::<Array>();
            self.next += 1;
            self.value = pair.get(1);
            seed.deserialize(Js(pair.get(0))).map(Some)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, Unreadable> {
            seed.deserialize(Js(std::mem::replace(&mut self.value, JsValue::UNDEFINED)))
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde::de::DeserializeOwned;

    pub fn from_text<T: DeserializeOwned>(text: &str) -> Option<T> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use rpps_contract::error::ErrorEnvelope;
    use rpps_contract::registration::DraftBody;

    use super::*;

    #[test]
    fn typed_values_round_trip_through_text() {
        let body = DraftBody {
            email: Some("aïssatou@example.org".into()),
            accuracy_confirmed: Some(true),
            ..DraftBody::default()
        };
        let text = to_text(&body);
        // What is not given is not sent (a partial save).
        assert!(!text.contains("mobile"), "{text}");
        assert_eq!(from_text::<DraftBody>(&text), Some(body));
    }

    #[test]
    fn text_that_is_not_the_expected_shape_is_none() {
        assert_eq!(from_text::<ErrorEnvelope>("pas du JSON"), None);
        assert_eq!(
            from_text::<ErrorEnvelope>(r#"{"message":"sans error"}"#),
            None
        );
    }
}

/// The browser's reader against serde_json's on the same texts: every view the pages read, the
/// drafts, and texts that are not what the type expects (run in Node with
/// `wasm-bindgen-test-runner`: frontend/README.md).
#[cfg(all(test, target_arch = "wasm32"))]
mod wasm_tests {
    use std::fmt::Debug;

    use rpps_contract::directory::{DirectorySearchView, ProfessionalPageView};
    use rpps_contract::error::ErrorEnvelope;
    use rpps_contract::places::{CommuneList, CountryList, EstablishmentList};
    use rpps_contract::registration::{RegistrationList, RegistrationView, ValidationView};
    use rpps_contract::session::{LogoutView, SessionView};
    use rpps_contract::staff::{ContactChangeView, MeView, PracticeSiteView, StaffList};
    use serde::de::DeserializeOwned;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::from_text;
    use crate::storage::{ApplicantDraft, EmployerDraft};

    /// Read as serde_json reads it, and not `None`.
    fn same<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> T {
        let expected: T = serde_json::from_str(text).expect("serde_json reads the sample");
        let read = from_text::<T>(text);
        assert_eq!(read.as_ref(), Some(&expected), "{text}");
        expected
    }

    const REGISTRATION: &str = r#"{"id": "0193a5b0-7c1e-7000-8000-000000000001",
        "origin": "self_service", "status": {"state": "validated", "rpps": "10000000421"},
        "status_label": "Validée",
        "civil_status": {"family_name": "N'Diaye", "given_names": "Aïssatou Marie",
            "birth_date": "1961-00-00", "birth_place": {"kind": "abroad", "country": "99350"}},
        "contact": {"email": "a@example.org", "mobile": null},
        "profession": "aide_a_domicile_qualifiee", "establishment": "750012346",
        "start_date": "2026-09-01", "eligibility": "professional_experience",
        "accuracy_confirmed": true,
        "created_at": "2026-07-15T11:15:00+02:00", "updated_at": "2026-07-15T11:20:00+02:00",
        "submitted_at": "2026-07-15T11:16:00+02:00", "decided_at": null, "missing": [],
        "timeline": [{"step": "created", "at": "2026-07-15T11:15:00+02:00"},
            {"step": "validated", "at": "2026-07-15T11:20:00+02:00", "rpps": "10000000421"},
            {"step": "ecps_activable", "from": "2026-07-16T11:20:00+02:00"},
            {"step": "rejected", "at": "2026-07-15T11:20:00+02:00", "reason": "Motif"}],
        "a_field_of_a_later_version": {"nested": [1, 2.5, "x"]}}"#;

    #[wasm_bindgen_test]
    fn every_view_reads_as_serde_json_reads_it() {
        let r: RegistrationView = same(REGISTRATION);
        assert_eq!(r.timeline.len(), 4);
        same::<RegistrationList>(&format!(r#"{{"results": [{REGISTRATION}]}}"#));
        same::<SessionView>(
            r#"{"authenticated": true, "role": "applicant", "provider": "franceconnect",
            "given_name": "Aïssatou", "family_name": "N'Diaye", "csrf_token": "t",
            "civil_status": {"family_name": "N'Diaye", "given_names": "Aïssatou",
                "birth_date": "1990-04-12", "birth_place": {"kind": "france", "commune": "75115"}}}"#,
        );
        same::<SessionView>(r#"{"authenticated": false, "role": "anonymous"}"#);
        same::<ValidationView>(
            r#"{"request_id": "r1", "rpps": "10000000421", "validated_at": "2026-07-15T11:20:00+02:00",
            "ecps_activable_from": "2026-07-16T11:20:00+02:00", "newly_validated": true}"#,
        );
        let site = r#"{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": "aide_a_domicile_qualifiee", "finess": "750012346",
            "started_on": "2026-09-01", "departure_on": "2026-12-31", "published": true,
            "active_today": true, "departure_cancellable": true}"#;
        same::<PracticeSiteView>(site);
        same::<StaffList>(&format!(
            r#"{{"establishments": [{{"finess": "750012346", "name": null, "staff": [{site}]}}]}}"#
        ));
        same::<MeView>(&format!(
            r#"{{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "contact": {{"email": "a@example.org", "mobile": "+33612345678"}},
            "ecps_activable_from": null, "sites": [{site}]}}"#
        ));
        same::<ContactChangeView>(r#"{"rpps": "10000000421", "contact": null}"#);
        same::<DirectorySearchView>(
            r#"{"results": [{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": {"code": "aide_a_domicile_qualifiee", "label": "Aide à domicile qualifiée"},
            "active_sites": [{"establishment_name": "SAAD", "finess": "750012346",
                "commune_code": "75115", "commune_name": "Paris 15e"}]}], "next_cursor": null}"#,
        );
        same::<ProfessionalPageView>(
            r#"{"rpps": "10000000421", "family_name": "N'Diaye", "given_names": "Awa",
            "profession": {"code": "aide_a_domicile_qualifiee", "label": "Aide à domicile qualifiée"},
            "sites": [{"finess": "750012346", "establishment_name": "SAAD", "commune_code": "75115",
                "commune_name": "Paris 15e", "departement": "75", "started_on": "2026-09-01",
                "active": true}],
            "valid_today": true, "published_at": "2026-07-15T11:20:00+02:00",
            "updated_at": "2026-07-15T11:20:00+02:00", "card_url": "/api/directory/10000000421/card.pdf",
            "verification_url": "https://rpps.example/verifier/10000000421"}"#,
        );
        same::<EstablishmentList>(
            r#"{"results": [], "explanation": {"code": "siret", "message": "C'est un SIRET."}}"#,
        );
        same::<CommuneList>(
            r#"{"results": [{"insee": "75115", "name": "Paris 15e", "label": "Paris 15e (75115)",
            "kind": "arrondissement_municipal", "departement": "75", "postal_codes": ["75015"],
            "matched": "postal_code"}]}"#,
        );
        same::<CountryList>(
            r#"{"results": [{"code": "99350", "name": "Maroc", "label": "Maroc (99350)",
            "current": true, "valid_until": null, "matched": "name"}]}"#,
        );
        same::<LogoutView>(r#"{"redirect_to": "/"}"#);
        let e: ErrorEnvelope = same(
            r#"{"error": {"code": "registration.invalid_fields", "message": "À corriger",
            "fields": {"email": {"code": "email.invalid", "message": "Adresse invalide"}},
            "missing": [{"field": "contact", "label": "l'adresse e-mail"}]}}"#,
        );
        assert_eq!(e.error.fields.len(), 1);
        let d: ApplicantDraft = same(r#"{"id": "r1", "step": 2, "email": "a@example.org"}"#);
        assert_eq!(d.step, 2);
        same::<EmployerDraft>(
            r#"{"born_abroad": true, "created": {"id": "r2",
            "civil_status": {"family_name": "N'Diaye", "given_names": "Awa", "birth_date": "x"}}}"#,
        );
    }

    #[wasm_bindgen_test]
    fn what_is_not_the_type_is_none() {
        assert_eq!(from_text::<LogoutView>("pas du JSON"), None);
        assert_eq!(from_text::<LogoutView>(r#"["/"]"#), None);
        assert_eq!(from_text::<LogoutView>(r#"{"redirect_to": 1}"#), None);
        assert_eq!(from_text::<LogoutView>("{}"), None);
        assert_eq!(
            from_text::<SessionView>(r#"{"authenticated": true, "role": "roi"}"#),
            None
        );
        assert_eq!(from_text::<ApplicantDraft>(r#"{"step": -1}"#), None);
        assert_eq!(from_text::<ApplicantDraft>(r#"{"step": 1.5}"#), None);
        assert_eq!(
            from_text::<RegistrationList>(r#"{"results": [{"id": "r1"}]}"#),
            None
        );
    }
}
