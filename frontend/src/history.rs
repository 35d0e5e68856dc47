//! The browser's address bar and history (`pushState`, `popstate`), as the router
//! (`src/router.rs`) uses them: deep links, reloads and the back button work. Our own rather than
//! dioxus-web's, which comes with its `document` feature (a JavaScript `eval` bridge the site's
//! Content-Security-Policy refuses, and about 5 KB of the first load).

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// The address shown: path, query string and fragment (`/aide#insee`).
pub fn current() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "/".into();
    };
    let address = location.pathname().unwrap_or_default()
        + &location.search().unwrap_or_default()
        + &location.hash().unwrap_or_default();
    if address.is_empty() {
        "/".into()
    } else {
        address
    }
}

/// A new entry in the history for `address`, shown from its top as after a link between
/// documents; `false` when it is already the address shown (nothing to do).
pub fn push(address: &str) -> bool {
    if address == current() {
        return false;
    }
    let Some(w) = web_sys::window() else {
        return false;
    };
    let pushed = w.history().is_ok_and(|h| {
        h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(address))
            .is_ok()
    });
    if pushed {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
    pushed
}

/// Calls `change` when the back or forward button changes the address.
pub fn on_popstate(mut change: impl FnMut() + 'static) {
    let Some(w) = web_sys::window() else { return };
    let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| change());
    let _ =
        w.add_event_listener_with_callback("popstate", listener.into_js_value().unchecked_ref());
}
