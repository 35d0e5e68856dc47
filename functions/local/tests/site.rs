//! The static site's headers over HTTP, as a browser gets them from the local runner: the same
//! `Cache-Control` as the S3 upload of docs/DEPLOY.md, the pre-compressed twins, the SPA
//! fallback, and the CloudFront Content-Security-Policy on the pages. No emulator needed.

use std::path::PathBuf;

use rpps_local::site::{CONTENT_SECURITY_POLICY_LOCAL, IMMUTABLE, REVALIDATE};

/// A build folder shaped like `frontend/dist`, in a fresh temporary directory.
fn fake_dist() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rpps-local-site-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    for (name, body) in [
        (
            "index.html",
            "<!doctype html><script type=\"module\" src=\"/app-0123456789.js\"></script>",
        ),
        ("index.html.br", "brotli app-0123456789.js"),
        ("app-0123456789.js", "export {};"),
        ("app-0123456789.js.br", "brotli bytes"),
        ("app-abcdef0123_bg.wasm", "\0asm"),
        ("style-fedcba9876.css", "body{}"),
        ("robots.txt", "User-agent: *\n"),
    ] {
        std::fs::write(dir.join(name), body).expect("file written");
    }
    dir
}

async fn serve(dir: PathBuf) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, rpps_local::site::router(&dir)).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn hashed_files_are_immutable_and_everything_else_is_revalidated() {
    let dir = fake_dist();
    let base = serve(dir.clone()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .header("Accept-Encoding", "br, gzip")
            .send()
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };

    // The build's hashed files: a year, immutable; the module typed for instantiateStreaming;
    // the brotli twin when there is one.
    let js = get("/app-0123456789.js").await.unwrap();
    assert_eq!(js.status(), 200);
    assert_eq!(header(&js, "cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(header(&js, "content-encoding").as_deref(), Some("br"));
    assert_eq!(
        header(&js, "content-security-policy"),
        None,
        "the policy governs pages"
    );
    let wasm = get("/app-abcdef0123_bg.wasm").await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(header(&wasm, "cache-control").as_deref(), Some(IMMUTABLE));
    assert_eq!(
        header(&wasm, "content-type").as_deref(),
        Some("application/wasm")
    );
    let css = get("/style-fedcba9876.css").await.unwrap();
    assert_eq!(header(&css, "cache-control").as_deref(), Some(IMMUTABLE));

    // index.html, under its name, at the root and as the fallback of a deep link: revalidated,
    // under the policy.
    for path in [
        "/",
        "/index.html",
        "/gestion/demandes/abc",
        "/app-0000000000.js",
    ] {
        let page = get(path).await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(
            header(&page, "cache-control").as_deref(),
            Some(REVALIDATE),
            "{path}"
        );
        assert_eq!(
            header(&page, "content-security-policy").as_deref(),
            Some(CONTENT_SECURITY_POLICY_LOCAL),
            "{path}"
        );
        // Compressed as CloudFront compresses it, deep links included.
        assert_eq!(
            header(&page, "content-encoding").as_deref(),
            Some("br"),
            "{path}"
        );
        assert!(page.text().await.unwrap().contains("app-0123456789.js"));
    }

    // An unhashed file: revalidated.
    let robots = get("/robots.txt").await.unwrap();
    assert_eq!(robots.status(), 200);
    assert_eq!(
        header(&robots, "cache-control").as_deref(),
        Some(REVALIDATE)
    );

    let _ = std::fs::remove_dir_all(dir);
}
