//! A development provider shared by every test of this binary, and a browser stand-in.

use std::sync::LazyLock;

use rpps_devidp::{DevClient, DevIdpConfig, DevIssuer};
use rpps_identity::{CallbackParams, OidcClient, OidcClientConfig, PendingLogin, SecretString};

pub const CLIENT_ID: &str = "rpps-plus-local";
pub const CLIENT_SECRET: &str = "secret-de-developpement-local";

/// The origin of the development provider (and of the app, as in the local runner).
pub fn base() -> &'static str {
    static BASE: LazyLock<String> = LazyLock::new(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        // Its own runtime on its own thread: each #[tokio::test] has a runtime of its own that
        // ends with the test, the provider must outlive them all.
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let base = format!("http://{}", listener.local_addr().expect("addr"));
                let router = rpps_devidp::router(devidp_config(&base));
                sender.send(base).expect("send");
                axum::serve(listener, router).await.expect("serve");
            });
        });
        receiver.recv().expect("the development provider started")
    });
    &BASE
}

pub fn callback_url(provider: &str) -> String {
    format!("{}/api/auth/{provider}/callback", base())
}

pub fn logged_out_url() -> String {
    format!("{}/api/auth/logout/done", base())
}

fn devidp_config(base: &str) -> DevIdpConfig {
    DevIdpConfig {
        public_base: base.to_owned(),
        clients: vec![DevClient {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            redirect_uris: vec![
                format!("{base}/api/auth/franceconnect/callback"),
                format!("{base}/api/auth/psc/callback"),
            ],
            post_logout_redirect_uris: vec![format!("{base}/api/auth/logout/done")],
        }],
    }
}

pub fn franceconnect_config() -> OidcClientConfig {
    OidcClientConfig::franceconnect(
        DevIssuer::FranceConnect.issuer_url(base()),
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        callback_url("franceconnect"),
        logged_out_url(),
    )
}

pub fn psc_config() -> OidcClientConfig {
    OidcClientConfig::psc(
        DevIssuer::ProSanteConnect.issuer_url(base()),
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        callback_url("psc"),
        logged_out_url(),
    )
}

pub async fn franceconnect() -> OidcClient {
    OidcClient::discover(franceconnect_config())
        .await
        .expect("FranceConnect discovery")
}

pub async fn psc() -> OidcClient {
    OidcClient::discover(psc_config())
        .await
        .expect("PSC discovery")
}

/// A browser that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser")
}

/// Follows the authorization URL with extra query parameters (`login_hint`, `dev_fault`,
/// `dev_action`) and returns the callback's parameters, as the callback route would read them.
pub async fn authorize(url: &str, extra: &[(&str, &str)]) -> CallbackParams {
    let mut url = reqwest::Url::parse(url).expect("authorization URL");
    url.query_pairs_mut().extend_pairs(extra);
    let response = browser().get(url).send().await.expect("authorize");
    assert_eq!(
        response.status(),
        302,
        "authorize redirects to the callback"
    );
    let location = response
        .headers()
        .get("location")
        .expect("location")
        .to_str()
        .expect("ascii");
    callback_params(location)
}

pub fn callback_params(location: &str) -> CallbackParams {
    let url = reqwest::Url::parse(location).expect("callback URL");
    let mut params = CallbackParams::default();
    for (key, value) in url.query_pairs() {
        let value = Some(value.into_owned());
        match key.as_ref() {
            "code" => params.code = value,
            "state" => params.state = value,
            "error" => params.error = value,
            "error_description" => params.error_description = value,
            "iss" => params.iss = value,
            _ => {}
        }
    }
    params
}

/// A full sign-in as `identity`, with an optional fault.
pub async fn sign_in(
    client: &OidcClient,
    identity: &str,
    fault: Option<&str>,
) -> (PendingLogin, CallbackParams) {
    let (url, pending) = client.begin();
    let mut extra = vec![("login_hint", identity)];
    if let Some(fault) = fault {
        extra.push(("dev_fault", fault));
    }
    let callback = authorize(&url, &extra).await;
    (pending, callback)
}

pub fn query_value(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}
