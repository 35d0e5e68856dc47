//! The foundation's routes over HTTP: reference data, establishments, health, errors, the
//! static site. Each test starts the whole local application against moto.

use reqwest::StatusCode;
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app};
use serde_json::Value;

async fn app() -> TestApp {
    spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts")
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

fn field<'a>(results: &'a Value, name: &str) -> Vec<&'a str> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[name].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn faq_r17_communes_by_name_postal_code_and_insee_code() {
    let app = app().await;
    let (status, body) = get(&app, "/api/communes?q=paris").await;
    assert_eq!(status, StatusCode::OK);
    let codes = field(&body, "insee");
    assert_eq!(codes[0], "75056");
    for n in 1..=20 {
        let code = format!("751{n:02}");
        assert!(
            codes.contains(&code.as_str()),
            "{code} missing from {codes:?}"
        );
    }
    assert!(field(&body, "label")[0].contains("(75056)"));

    // A postal code: the arrondissement it serves first, then its city.
    let (_, body) = get(&app, "/api/communes?q=75015").await;
    assert_eq!(field(&body, "insee"), ["75115", "75056"]);
    assert_eq!(body["results"][0]["matched"], "postal_code");
    assert_eq!(field(&body, "label")[0], "Paris 15e Arrondissement (75115)");

    let (_, body) = get(&app, "/api/communes?q=saint%20etienne").await;
    assert_eq!(field(&body, "insee")[0], "42218");
    assert_eq!(field(&body, "name")[0], "Saint-Étienne");

    let (_, body) = get(&app, "/api/communes?q=2a004").await;
    assert_eq!(field(&body, "insee"), ["2A004"]);

    let (_, body) = get(&app, "/api/communes?q=sa&limit=3").await;
    assert_eq!(field(&body, "insee").len(), 3);
}

#[tokio::test]
async fn countries_of_birth_by_name_and_code() {
    let app = app().await;
    let (status, body) = get(&app, "/api/countries?q=allem").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(field(&body, "code")[0], "99109");
    let (_, body) = get(&app, "/api/countries?q=99100").await;
    assert_eq!(field(&body, "name"), ["France"]);
}

#[tokio::test]
async fn faq_r15_establishments_by_finess_name_and_a_siret_gets_an_explanation() {
    let app = app().await;
    let (status, body) = get(&app, "/api/establishments?q=010000024").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(field(&body, "finess"), ["010000024"]);
    assert_eq!(field(&body, "name"), ["CH DE FLEYRIAT"]);

    let (_, body) = get(&app, "/api/establishments?q=01").await;
    assert_eq!(field(&body, "finess"), ["010000024", "010009090"]);

    let (_, body) = get(&app, "/api/establishments?q=aide%20domicile%20nantes").await;
    assert_eq!(field(&body, "finess"), ["440080802"]);

    let (_, body) = get(&app, "/api/establishments?q=Saint-Denis").await;
    assert_eq!(field(&body, "town"), ["ST DENIS"]);

    // FAQ-R15: a SIRET is explained, not answered with an empty list alone.
    let (status, body) = get(&app, "/api/establishments?q=26010004500012").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"], serde_json::json!([]));
    assert_eq!(
        body["explanation"]["code"],
        "establishment.siret_not_finess"
    );
    let message = body["explanation"]["message"].as_str().unwrap();
    assert!(
        message.contains("SIRET") && message.contains("FINESS"),
        "{message}"
    );

    // A FINESS-shaped number with a wrong key is a 400 that says what a FINESS looks like.
    let (status, body) = get(&app, "/api/establishments?q=010000025").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "establishment.finess_invalid");

    // Valid but unknown: an explanation.
    let (_, body) = get(&app, "/api/establishments?q=010780054").await;
    assert_eq!(body["explanation"]["code"], "establishment.finess_unknown");
}

#[tokio::test]
async fn bad_queries_get_a_json_400_with_a_french_message_never_a_500() {
    let app = app().await;
    let long = "a".repeat(101);
    for route in ["communes", "countries", "establishments"] {
        for (query, code) in [
            ("", "query.missing"),
            ("q=", "query.empty"),
            ("q=%20", "query.empty"),
            ("q=a", "query.too_short"),
            (&format!("q={long}") as &str, "query.too_long"),
            ("q=%FF", "query.malformed"),
            ("q=ab%0Acd", "query.malformed"),
            ("q=paris&limit=1000", "query.limit"),
        ] {
            let (status, body) = get(&app, &format!("/api/{route}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route}?{query}");
            assert_eq!(body["error"]["code"], code, "{route}?{query}");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    // Punctuation only: no word to search.
    let (status, body) = get(&app, "/api/establishments?q=%27%27-").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn unknown_api_routes_get_a_json_404_and_other_paths_the_single_page_app() {
    let app = app().await;
    for path in ["/api/nope", "/api/communes/75056/x", "/api"] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "route.not_found", "{path}");
    }
    let (status, _) = get(&app, "/api/health").await;
    assert_eq!(status, StatusCode::OK);
    // A deep link is answered with index.html, status 200, as CloudFront does.
    let response = reqwest::get(app.url("/demande/etape-2")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">"));
}

#[tokio::test]
async fn health_reports_each_dependency() {
    let app = app().await;
    let (status, body) = get(&app, "/api/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "up");
    assert_eq!(body["database"]["status"], "up");
    assert_eq!(body["email"]["status"], "up");
}

#[tokio::test]
async fn health_says_down_with_503_when_the_database_is_unreachable() {
    // Build the application against moto, then point a second one at a closed port.
    let mut options = fresh_options(aws_endpoint());
    options.seed = false;
    let sdk = rpps_local_sdk("http://127.0.0.1:9");
    let config = options.config();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    options.public_origin = base.clone();
    let app = rpps_local::app(&config, &|_| sdk.clone(), &options).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let response = reqwest::get(format!("{base}/api/health")).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"]["status"], "down");
    assert_eq!(body["email"]["status"], "down");
    // And a search that needs the database says it is temporary (FAQ-R16), with Retry-After.
    let response = reqwest::get(format!("{base}/api/establishments?q=fleyriat"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "service.unavailable");
    // Communes and countries are embedded: they keep working.
    let response = reqwest::get(format!("{base}/api/communes?q=lyon"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

fn rpps_local_sdk(endpoint: &str) -> aws_config::SdkConfig {
    rpps_runtime::aws::for_local_endpoint(endpoint)
}
