//! The browser entry point (wasm32): mounts the app on `<div id="main">` of `index.html`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    dioxus::launch(rpps_frontend::App);
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("rpps-frontend runs in a browser: build it with frontend/build.sh");
}

/// Talc instead of the standard library's dlmalloc: a smaller module (docs/PERFORMANCE.md, "Web
/// app"); it frees and merges freed blocks and grows the wasm memory as needed, as dlmalloc does.
/// The app runs on the browser's one thread (no `atomics`).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
