//! The browser's address bar as the router's history (`pushState`, `replaceState`, `popstate`):
//! deep links, reloads and the back button work. Our own rather than dioxus-web's, which comes
//! with its `document` feature (a JavaScript `eval` bridge the site's Content-Security-Policy
//! refuses, and about 5 KB of the first load).

use std::sync::Arc;

use dioxus_history::History;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

pub struct WebHistory;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

impl History for WebHistory {
    fn current_route(&self) -> String {
        let Some(location) = window().map(|w| w.location()) else {
            return "/".into();
        };
        let path = location.pathname().unwrap_or_default()
            + &location.search().unwrap_or_default()
            + &location.hash().unwrap_or_default();
        if path.is_empty() { "/".into() } else { path }
    }

    fn go_back(&self) {
        if let Some(h) = window().and_then(|w| w.history().ok()) {
            let _ = h.back();
        }
    }

    fn go_forward(&self) {
        if let Some(h) = window().and_then(|w| w.history().ok()) {
            let _ = h.forward();
        }
    }

    fn push(&self, route: String) {
        if route == self.current_route() {
            return;
        }
        if let Some(w) = window()
            && let Ok(h) = w.history()
            && h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route))
                .is_ok()
        {
            // A new page starts at its top, as after a link between documents.
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    }

    fn replace(&self, route: String) {
        if let Some(h) = window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route));
        }
    }

    fn external(&self, url: String) -> bool {
        window().is_some_and(|w| w.location().set_href(&url).is_ok())
    }

    fn updater(&self, callback: Arc<dyn Fn() + Send + Sync>) {
        let Some(w) = window() else { return };
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| callback());
        let _ = w
            .add_event_listener_with_callback("popstate", listener.into_js_value().unchecked_ref());
    }
}
