//! What the end-to-end tests share: a signed-in browser (session cookie, CSRF token), the session
//! it has, the emails read back from moto's SES and the local runner's purge trigger.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN};
use rpps_e2e::TestApp;
use serde_json::{Value, json};

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The cookie (`name=value`) named `name` that a response sets, if it sets one.
pub fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// The cookie that binds a sign-in to the browser that started it, set by `/login`: a browser
/// sends it back with the callback.
pub fn login_cookie(login: &reqwest::Response) -> String {
    set_cookie(login.headers(), rpps_auth::sign_in::LOGIN_COOKIE)
        .expect("the login binds the browser")
}

/// What `GET /api/session` says of the session whose cookie (`name=value`) is `cookie`.
pub async fn session(app: &TestApp, cookie: &str) -> Value {
    client()
        .get(app.url("/api/session"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The local runner's trigger of the scheduled purge (`POST /_local/purge`), as of `today` in
/// Paris when given (`?today=`), else as of now: its status and JSON report.
pub async fn local_purge(app: &TestApp, today: Option<time::Date>) -> (StatusCode, Value) {
    let path = match today {
        Some(today) => format!("/_local/purge?today={today}"),
        None => "/_local/purge".to_owned(),
    };
    let response = client().post(app.url(&path)).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// A signed-in browser: its session cookie and CSRF token.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl Browser<'_> {
    pub async fn sign_in<'a>(app: &'a TestApp, login_path: &str, identity: &str) -> Browser<'a> {
        let http = client();
        let start = http.get(app.url(login_path)).send().await.unwrap();
        let authorize = start.headers()[LOCATION].to_str().unwrap().to_owned();
        let back = http
            .get(format!("{authorize}&login_hint={identity}"))
            .send()
            .await
            .unwrap();
        let callback = back.headers()[LOCATION].to_str().unwrap().to_owned();
        let done = http
            .get(callback)
            .header(COOKIE, login_cookie(&start))
            .send()
            .await
            .unwrap();
        let cookie = done
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("__Host-rpps_session="))
            .expect("signed in")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let me = session(app, &cookie).await;
        Browser {
            app,
            cookie,
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = client()
            .request(method, self.app.url(path))
            .header(COOKIE, &self.cookie)
            .header(ORIGIN, &self.app.base)
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// The emails SES (moto) accepted from this application's functions whose request JSON
/// contains `needle` (an address, a link…), waiting up to 20 s for at least `count` of them:
/// the mailer runs on the stream, asynchronously. Read from the application's gate, which
/// records each SendEmail moto answered with success (moto's own `/moto-api/data.json` dumps
/// every model of every test's tables: seconds per read once the suite has run a while).
pub async fn emails_to(app: &TestApp, needle: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let found: Vec<Value> = app
            .gate
            .sent_emails()
            .into_iter()
            .filter(|m| m.to_string().contains(needle))
            .collect();
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Vec::new()
}

/// Polls `check` every 100 ms for up to 20 s (the stream consumers run asynchronously).
pub async fn eventually<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(found) = check().await {
            return Some(found);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

/// A mailbox of this test's own (tests share the one moto server).
pub fn aide_email(app: &TestApp) -> String {
    format!("aide.{}@example.org", app.options.table_prefix)
}

/// An aide fills and submits a request for establishment A; returns its id.
pub async fn aide_submits<'a>(
    app: &'a TestApp,
    identity: &str,
    establishment: &str,
) -> (Browser<'a>, String) {
    aide_submits_with_email(app, identity, establishment, &aide_email(app)).await
}

/// [`aide_submits`] with the aide's email address `email`.
pub async fn aide_submits_with_email<'a>(
    app: &'a TestApp,
    identity: &str,
    establishment: &str,
    email: &str,
) -> (Browser<'a>, String) {
    let aide = Browser::sign_in(app, "/api/auth/franceconnect/login", identity).await;
    let (status, draft) = aide.post("/api/registrations", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["status"]["state"], "draft");
    // FAQ-R11: the civil status is FranceConnect's, and the draft is saved field by field.
    let (status, saved) = aide
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "email": email, "mobile": "06 12 34 56 78", "establishment": establishment,
                    "start_date": "2026-09-01", "eligibility": "certification" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["contact"]["mobile"], "+33612345678");
    let (status, sent) = aide
        .patch(
            &format!("/api/registrations/{id}"),
            json!({ "accuracy_confirmed": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let (status, sent) = aide
        .post(&format!("/api/registrations/{id}/submit"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["status"]["state"], "submitted");
    (aide, id)
}

/// An aide of establishment A validated by its manager: (aide, manager, RPPS number, request id).
pub async fn allocated(app: &TestApp) -> (Browser<'_>, Browser<'_>, String, String) {
    allocated_with_email(app, &aide_email(app)).await
}

/// [`allocated`], the aide's email address being `email`.
pub async fn allocated_with_email<'a>(
    app: &'a TestApp,
    email: &str,
) -> (Browser<'a>, Browser<'a>, String, String) {
    let (aide, id) = aide_submits_with_email(
        app,
        rpps_devidp::FC_AIDE_SANS_RPPS,
        rpps_devidp::FINESS_A,
        email,
    )
    .await;
    let manager = Browser::sign_in(
        app,
        "/api/auth/psc/login?profil=gestionnaire",
        rpps_devidp::PSC_MANAGER_A,
    )
    .await;
    let (status, validated) = manager
        .post(
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    let rpps = validated["rpps"].as_str().unwrap().to_owned();
    (aide, manager, rpps, id)
}
