//! JSON text to [`Value`] and back. In the browser the work is done by its own `JSON.parse` and
//! `JSON.stringify`: serde_json's parser and writer (and Rust's float parsing) stay out of the
//! WebAssembly module, about 5 KB of the first load. On the host (unit tests), serde_json.

use serde_json::Value;

/// Parses JSON text; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<Value> {
    imp::parse(text)
}

/// The JSON text of `value`.
pub fn to_string(value: &Value) -> String {
    imp::to_string(value)
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use js_sys::{Array, JSON, Object, Reflect};
    use serde_json::{Map, Number, Value};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn parse(text: &str) -> Option<Value> {
        JSON::parse(text).ok().map(|js| from_js(&js))
    }

    pub fn to_string(value: &Value) -> String {
        JSON::stringify(&to_js(value))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "null".into())
    }

    /// JSON numbers are doubles in the browser: integral ones come back as integers, so that
    /// `as_u64`/`as_i64` read them as serde_json would.
    fn number(n: f64) -> Value {
        if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            Value::Number(Number::from(n as i64))
        } else {
            Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    }

    fn from_js(js: &JsValue) -> Value {
        if let Some(s) = js.as_string() {
            Value::String(s)
        } else if let Some(b) = js.as_bool() {
            Value::Bool(b)
        } else if let Some(n) = js.as_f64() {
            number(n)
        } else if Array::is_array(js) {
            Value::Array(
                js.unchecked_ref::<Array>()
                    .iter()
                    .map(|v| from_js(&v))
                    .collect(),
            )
        } else if js.is_object() {
            let mut map = Map::new();
            for entry in Object::entries(js.unchecked_ref::<Object>()).iter() {
                let pair = entry.unchecked_into::<Array>();
                if let Some(key) = pair.get(0).as_string() {
                    map.insert(key, from_js(&pair.get(1)));
                }
            }
            Value::Object(map)
        } else {
            Value::Null
        }
    }

    fn to_js(value: &Value) -> JsValue {
        match value {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => n
                .as_i64()
                .map(|i| i as f64)
                .or_else(|| n.as_f64())
                .map_or(JsValue::NULL, JsValue::from_f64),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(items) => items.iter().map(to_js).collect::<Array>().into(),
            Value::Object(map) => {
                let object = Object::new();
                for (key, item) in map {
                    let _ = Reflect::set(&object, &JsValue::from_str(key), &to_js(item));
                }
                object.into()
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use serde_json::Value;

    pub fn parse(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    pub fn to_string(value: &Value) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn text_and_values_round_trip() {
        let value = json!({"a": [1, 2.5, "é", null, true], "b": {"c": -3}});
        let text = super::to_string(&value);
        assert_eq!(super::parse(&text), Some(value));
        assert_eq!(super::parse("pas du JSON"), None);
    }
}
