//! The browser entry point (wasm32): mounts the app on `<div id="main">` of `index.html`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    dioxus::launch(rpps_frontend::App);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("rpps-frontend runs in a browser: build it with frontend/build.sh");
}
