//! JSON text to typed values (the contract's views, the drafts kept in the browser) and back.
//!
//! Reading: the text is parsed by the browser's own `JSON.parse` (serde_json on the host), and
//! each type says how it is read from the parsed value ([`FromJson`]: the contract's views in
//! `src/views.rs`, the drafts in `src/storage.rs`), field by field with the same rules as their
//! serde derive (an absent or null `Option` is `None`, a `#[serde(default)]` field may be absent,
//! unknown fields are ignored, anything else of the wrong type makes the whole value
//! unreadable). Not serde's derive: its visitors were about a third of the module's code for
//! the views (docs/PERFORMANCE.md, "Web app"), and serde_json's parser would be more.
//! Writing: bodies and drafts by serde_json (flat structs of strings, booleans and integers:
//! its writer is small).

use serde::Serialize;

/// Reads JSON text as a `T`; `None` when it is not JSON or not a `T`.
pub fn from_text<T: FromJson>(text: &str) -> Option<T> {
    T::read(&Value(imp::parse(text)?))
}

/// The JSON text of `value`.
pub fn to_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A type read from parsed JSON.
pub trait FromJson: Sized {
    /// `None` when `value` is not a `Self`.
    fn read(value: &Value) -> Option<Self>;
}

/// A parsed JSON value, or the absence of one (an object's member that is not there): in the
/// browser the JavaScript value `JSON.parse` made, on the host serde_json's.
pub struct Value(imp::Raw);

impl Value {
    /// `Some` when this is an object (not an array): what a struct is read from.
    pub fn object(&self) -> Option<&Value> {
        imp::is_object(&self.0).then_some(self)
    }

    /// The member `key`, read as a `T` (an absent `Option` is `None`).
    pub fn get<T: FromJson>(&self, key: &str) -> Option<T> {
        T::read(&self.member(key))
    }

    /// The member `key` of a `#[serde(default)]` field: its default when absent.
    pub fn get_or_default<T: FromJson + Default>(&self, key: &str) -> Option<T> {
        let member = self.member(key);
        if imp::is_absent(&member.0) {
            Some(T::default())
        } else {
            T::read(&member)
        }
    }

    /// A plain enum written as its code (`"manager"`), from the table of its codes.
    pub fn code<T: Copy>(&self, codes: &[(&str, T)]) -> Option<T> {
        let text = imp::text(&self.0)?;
        codes
            .iter()
            .find(|(code, _)| *code == text)
            .map(|&(_, value)| value)
    }

    fn member(&self, key: &str) -> Value {
        Value(imp::member(&self.0, key))
    }
}

impl FromJson for String {
    fn read(value: &Value) -> Option<Self> {
        imp::text(&value.0)
    }
}

impl FromJson for bool {
    fn read(value: &Value) -> Option<Self> {
        imp::boolean(&value.0)
    }
}

/// A non-negative integer (a draft's step).
impl FromJson for usize {
    fn read(value: &Value) -> Option<Self> {
        imp::number(&value.0)
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= usize::MAX as f64)
            .map(|n| n as usize)
    }
}

/// A non-negative integer of 32 bits (a line number, a count).
impl FromJson for u32 {
    fn read(value: &Value) -> Option<Self> {
        imp::number(&value.0)
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX))
            .map(|n| n as u32)
    }
}

/// Absent or `null`: `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn read(value: &Value) -> Option<Self> {
        if imp::is_absent(&value.0) || imp::is_null(&value.0) {
            Some(None)
        } else {
            T::read(value).map(Some)
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(value: &Value) -> Option<Self> {
        let items = imp::items(&value.0)?;
        let mut read = Vec::with_capacity(items.len());
        for item in items {
            read.push(T::read(&Value(item))?);
        }
        Some(read)
    }
}

/// An object's members in their order (`{"email": {…}, "mobile": {…}}`): a map, read as a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Members<T>(pub Vec<(String, T)>);

impl<T> Default for Members<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: FromJson> FromJson for Members<T> {
    fn read(value: &Value) -> Option<Self> {
        let members = imp::members(&value.0)?;
        let mut read = Vec::with_capacity(members.len());
        for (key, item) in members {
            read.push((key, T::read(&Value(item))?));
        }
        Some(Self(read))
    }
}

/// Implements [`FromJson`] for a struct read member by member, each under its field's name;
/// `field = default` for a `#[serde(default)]` field. Every field is named: one added to the
/// struct must be added here too, or the web app does not compile.
#[macro_export]
macro_rules! read_struct {
    ($type:ty { $($field:ident $(= $default:ident)?),* $(,)? }) => {
        impl $crate::json::FromJson for $type {
            fn read(value: &$crate::json::Value) -> Option<Self> {
                let value = value.object()?;
                Some(Self { $($field: $crate::read_struct!(@member value, $field $(, $default)?),)* })
            }
        }
    };
    (@member $value:ident, $field:ident) => {
        $value.get(stringify!($field))?
    };
    (@member $value:ident, $field:ident, default) => {
        $value.get_or_default(stringify!($field))?
    };
}

/// Implements [`FromJson`] for a plain enum written as its code (`#[serde(rename_all =
/// "snake_case")]`), from the table of its codes.
#[macro_export]
macro_rules! read_codes {
    ($type:ty { $($code:literal => $variant:expr),* $(,)? }) => {
        impl $crate::json::FromJson for $type {
            fn read(value: &$crate::json::Value) -> Option<Self> {
                value.code(&[$(($code, $variant)),*])
            }
        }
    };
}

/// The browser's values: `JSON.parse`, then the JavaScript value itself.
#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::{Array, JSON, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    pub type Raw = JsValue;

    pub fn parse(text: &str) -> Option<Raw> {
        JSON::parse(text).ok()
    }

    pub fn is_object(raw: &Raw) -> bool {
        raw.is_object() && !Array::is_array(raw)
    }

    /// `undefined` when absent (`JSON.parse` never makes it).
    pub fn member(raw: &Raw, key: &str) -> Raw {
        if is_object(raw) {
            Reflect::get(raw, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
        } else {
            JsValue::UNDEFINED
        }
    }

    pub fn is_absent(raw: &Raw) -> bool {
        raw.is_undefined()
    }

    pub fn is_null(raw: &Raw) -> bool {
        raw.is_null()
    }

    pub fn text(raw: &Raw) -> Option<String> {
        raw.as_string()
    }

    pub fn boolean(raw: &Raw) -> Option<bool> {
        raw.as_bool()
    }

    pub fn number(raw: &Raw) -> Option<f64> {
        raw.as_f64()
    }

    pub fn items(raw: &Raw) -> Option<Vec<Raw>> {
        Some(raw.dyn_ref::<Array>()?.to_vec())
    }

    pub fn members(raw: &Raw) -> Option<Vec<(String, Raw)>> {
        if !is_object(raw) {
            return None;
        }
        Object::entries(raw.unchecked_ref())
            .to_vec()
            .into_iter()
            .map(|pair| {
                let pair = pair.unchecked_into::<Array>();
                Some((pair.get(0).as_string()?, pair.get(1)))
            })
            .collect()
    }
}

/// The host's values (unit tests): serde_json's, `None` when absent.
#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub type Raw = Option<serde_json::Value>;

    pub fn parse(text: &str) -> Option<Raw> {
        serde_json::from_str(text).ok().map(Some)
    }

    pub fn is_object(raw: &Raw) -> bool {
        matches!(raw, Some(serde_json::Value::Object(_)))
    }

    pub fn member(raw: &Raw, key: &str) -> Raw {
        raw.as_ref()?.as_object()?.get(key).cloned()
    }

    pub fn is_absent(raw: &Raw) -> bool {
        raw.is_none()
    }

    pub fn is_null(raw: &Raw) -> bool {
        matches!(raw, Some(serde_json::Value::Null))
    }

    pub fn text(raw: &Raw) -> Option<String> {
        raw.as_ref()?.as_str().map(str::to_owned)
    }

    pub fn boolean(raw: &Raw) -> Option<bool> {
        raw.as_ref()?.as_bool()
    }

    pub fn number(raw: &Raw) -> Option<f64> {
        raw.as_ref()?.as_f64()
    }

    pub fn items(raw: &Raw) -> Option<Vec<Raw>> {
        Some(
            raw.as_ref()?
                .as_array()?
                .iter()
                .cloned()
                .map(Some)
                .collect(),
        )
    }

    pub fn members(raw: &Raw) -> Option<Vec<(String, Raw)>> {
        let object = raw.as_ref()?.as_object()?;
        Some(
            object
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    //! On the host, and in Node against the browser's `JSON.parse` (`wasm-bindgen-test-runner`:
    //! frontend/README.md).
    use rpps_contract::registration::DraftBody;

    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: String,
        count: usize,
        flag: bool,
        note: Option<String>,
        tags: Vec<String>,
        sub: Option<Inner>,
        map: Members<bool>,
    }

    #[derive(Debug, Default, PartialEq)]
    struct Inner {
        name: String,
        note: Option<String>,
    }

    read_struct!(Inner { name, note });

    read_struct!(Sample {
        name,
        count = default,
        flag = default,
        note,
        tags = default,
        sub = default,
        map = default,
    });

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn members_are_read_as_serde_reads_them() {
        let read = from_text::<Sample>(
            r#"{"name": "Aïssatou", "count": 2, "flag": true, "note": null, "tags": ["a", "b"],
            "sub": {"name": "x", "note": "n"}, "map": {"a": false, "b": true}, "later": [1, 2.5]}"#,
        );
        let expected = Sample {
            name: "Aïssatou".into(),
            count: 2,
            flag: true,
            note: None,
            tags: vec!["a".into(), "b".into()],
            sub: Some(Inner {
                name: "x".into(),
                note: Some("n".into()),
            }),
            map: Members(vec![("a".into(), false), ("b".into(), true)]),
        };
        assert_eq!(read, Some(expected));
        // Absent: an `Option` is `None`, a default field its default.
        assert_eq!(
            from_text::<Sample>(r#"{"name": ""}"#),
            Some(Sample::default())
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn what_is_not_the_type_is_none() {
        let none = |text: &str| assert_eq!(from_text::<Sample>(text), None, "{text}");
        none("pas du JSON");
        none(r#"["name"]"#);
        none(r#""name""#);
        none("{}");
        none(r#"{"name": null}"#);
        none(r#"{"name": 1}"#);
        none(r#"{"name": "", "count": -1}"#);
        none(r#"{"name": "", "count": 1.5}"#);
        none(r#"{"name": "", "count": "1"}"#);
        none(r#"{"name": "", "flag": "true"}"#);
        none(r#"{"name": "", "note": 1}"#);
        none(r#"{"name": "", "tags": "a"}"#);
        none(r#"{"name": "", "tags": null}"#);
        none(r#"{"name": "", "tags": ["a", 1]}"#);
        none(r#"{"name": "", "sub": {}}"#);
        none(r#"{"name": "", "sub": []}"#);
        none(r#"{"name": "", "map": {"a": 1}}"#);
        none(r#"{"name": "", "map": [true]}"#);
    }

    #[test]
    fn bodies_are_written_without_what_is_not_given() {
        let body = DraftBody {
            email: Some("aïssatou@example.org".into()),
            accuracy_confirmed: Some(true),
            ..DraftBody::default()
        };
        // What is not given is not sent (a partial save).
        assert_eq!(
            to_text(&body),
            r#"{"email":"aïssatou@example.org","accuracy_confirmed":true}"#
        );
    }
}
