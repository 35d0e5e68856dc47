//! End-to-end test support: the whole local application (every function's routes, the static
//! site) on a free port of 127.0.0.1, against moto server, with tables of its own.

pub mod bench;
pub mod people;
pub mod roundtrips;
pub mod runtime_api;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use rpps_local::LocalOptions;

/// The emulator `make test` started.
pub fn aws_endpoint() -> String {
    std::env::var("RPPS_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "RPPS_TEST_AWS_ENDPOINT is not set: run the tests with `make test`, which starts \
             moto server and sets it"
        )
    })
}

pub fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the cargo that runs the tests, in the workspace, with `args`; its standard output, or a
/// panic with its standard error. Without the variables cargo sets for the calling test's
/// package: build scripts that declare them (ring's: `CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`…)
/// would see them change and rebuild.
pub fn cargo(args: &[&str]) -> Vec<u8> {
    let mut cargo = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_EXE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_MANIFEST_LINKS",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&name.as_ref())
        {
            cargo.env_remove(name.as_ref());
        }
    }
    let output = cargo
        .args(args)
        .current_dir(workspace_dir())
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {}:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub base: String,
    pub options: LocalOptions,
    /// The IAM gate the functions call AWS through: a test whose application saw a call
    /// refused fails when the application is dropped (a denied call a function swallowed, an
    /// email not sent because its statement is missing, fails too).
    pub gate: rpps_local::gate::Gate,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let denials = self.gate.denials();
        if !denials.is_empty() && !std::thread::panicking() {
            panic!(
                "the IAM gate refused calls the template's policies do not allow \
                 (infra/template.yaml): {denials:#?}"
            );
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The application's own store (its tables on moto), to check what it wrote.
    pub fn store(&self) -> rpps_store::Store {
        let sdk = rpps_runtime::aws::for_local_endpoint(&self.options.aws_endpoint);
        rpps_store::Store::from_config(&self.options.config(), &sdk)
    }
}

/// Options for a fresh application: unique tables, demo data, the placeholder frontend.
pub fn fresh_options(aws_endpoint: String) -> LocalOptions {
    LocalOptions {
        aws_endpoint,
        table_prefix: format!("e2e{}", uuid::Uuid::new_v4().simple()),
        mail_from: "no-reply@rpps-plus.localhost".into(),
        frontend_dir: workspace_dir().join("frontend/placeholder"),
        seed: true,
        // Set by `spawn_app` once the port is known.
        public_origin: String::new(),
        franceconnect: None,
        psc: None,
        mailer_lease: None,
        card_key_file: card_key_file(),
    }
}

/// Starts the application in this process, as `make run` does, and returns its address.
pub async fn spawn_app(options: LocalOptions) -> anyhow::Result<TestApp> {
    let (listener, _) = listen().await?;
    spawn_app_on(listener, options).await
}

/// A free port of 127.0.0.1 for an application, and the origin it will have there (for a
/// provider that must know its callbacks before it starts).
pub async fn listen() -> anyhow::Result<(tokio::net::TcpListener, String)> {
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let base = format!("http://{}", listener.local_addr()?);
    Ok((listener, base))
}

/// [`spawn_app`] on a listener of [`listen`].
pub async fn spawn_app_on(
    listener: tokio::net::TcpListener,
    mut options: LocalOptions,
) -> anyhow::Result<TestApp> {
    // RUST_LOG=… shows the application's logs in a failing test's output.
    static LOGS: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("RUST_LOG").is_some() {
        LOGS.call_once(rpps_runtime::logs::init_text_logs);
    }
    let base = format!("http://{}", listener.local_addr()?);
    options.public_origin = base.clone();
    let local = rpps_local::build(&options).await?;
    let router = local.router;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(TestApp {
        base,
        options,
        gate: local.gate,
    })
}

/// The card signing key of the stacks the tests start (generated by the first, shared by all).
pub fn card_key_file() -> std::path::PathBuf {
    std::env::temp_dir().join("rpps-e2e-card-signing-key.json")
}
