//! The OpenAPI document (`functions/health/openapi.yaml`, served at `GET /api/openapi.json`) kept
//! true (issue 4, item 8):
//!
//! - its operations (method, path) are exactly the routes every function crate declares in its
//!   `ROUTES`, and exactly the `HttpApi` events of `infra/template.yaml` (which
//!   `tests/tests/e2e/template.rs` holds to the same `ROUTES`): a new route cannot go undocumented,
//!   and a documented route cannot be left without a handler;
//! - it is an OpenAPI 3.1 document (parsed into `oas3`'s types), every `$ref` resolves, every
//!   schema compiles as JSON Schema 2020-12, path parameters match the paths, every error is the
//!   API's envelope, and the session and CSRF requirements are stated where the code enforces them;
//! - real requests against the local application (moto) get responses whose status, headers and
//!   JSON body match what the document says, checked with `jsonschema` (formats included): a
//!   mismatch fails with the operation, the status and each validation error. The request bodies
//!   that succeed are checked against the documented request schema too, and every documented
//!   operation must be exercised at least once.
//!
//! A new function crate: add its `ROUTES` to [`declared_routes`], describe its routes in
//! `functions/health/openapi.yaml`, and exercise each one in
//! [`real_responses_match_the_document`].

use std::collections::{BTreeMap, BTreeSet};

use jsonschema::{Registry, Validator};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::{Method, StatusCode};
use rpps_e2e::{TestApp, aws_endpoint, fresh_options, spawn_app, workspace_dir};
use serde_json::{Value, json};
use serde_yaml_ng::Value as Yaml;

type Routes = &'static [(&'static str, &'static str)];
type RouteSet = BTreeSet<(String, String)>;

/// Each HTTP function crate and the routes it declares next to its `router()` (as in
/// `tests/tests/e2e/template.rs`).
fn declared_routes() -> BTreeMap<&'static str, Routes> {
    rpps_local::functions()
        .into_iter()
        .filter(|(_, routes)| !routes.is_empty())
        .collect()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The URI under which the document is registered for `$ref` resolution.
const DOCUMENT_URI: &str = "urn:rpps:openapi";

fn document() -> Value {
    rpps_health::openapi_document().unwrap_or_else(|e| panic!("{e}"))
}

/// Every (METHOD, path) the document describes.
fn documented_operations(doc: &Value) -> RouteSet {
    let paths = doc["paths"].as_object().expect("the document has paths");
    let mut operations = RouteSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// Every `HttpApi` event of the SAM template, as (METHOD, path).
fn template_routes() -> RouteSet {
    let path = workspace_dir().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).expect("infra/template.yaml is readable");
    let template: Yaml = serde_yaml_ng::from_str(&text).expect("infra/template.yaml is YAML");
    let mut routes = RouteSet::new();
    for (_, resource) in template["Resources"].as_mapping().expect("Resources") {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let props = &event["Properties"];
            if let (Some(method), Some(path)) = (props["Method"].as_str(), props["Path"].as_str()) {
                routes.insert((method.to_ascii_uppercase(), path.to_owned()));
            }
        }
    }
    routes
}

fn show(routes: &RouteSet) -> String {
    routes.iter().map(|(m, p)| format!("\n  {m} {p}")).collect()
}

#[test]
fn the_document_describes_exactly_the_declared_and_deployed_routes() {
    let doc = document();
    let documented = documented_operations(&doc);
    let declared: RouteSet = declared_routes()
        .values()
        .flat_map(|routes| routes.iter())
        .map(|&(m, p)| (m.to_owned(), p.to_owned()))
        .collect();
    let undocumented: RouteSet = declared.difference(&documented).cloned().collect();
    let unknown: RouteSet = documented.difference(&declared).cloned().collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "functions/health/openapi.yaml and the crates' ROUTES differ.\nDeclared in a crate's \
         ROUTES but not documented (describe them in openapi.yaml):{}\nDocumented but in no \
         crate's ROUTES (remove them, or add the crate to declared_routes()):{}",
        show(&undocumented),
        show(&unknown),
    );
    // The template deploys exactly the ROUTES of every function (tests/tests/e2e/template.rs): a
    // function crate missing from declared_routes() above shows here.
    let deployed = template_routes();
    let undocumented: RouteSet = deployed.difference(&documented).cloned().collect();
    let undeployed: RouteSet = documented.difference(&deployed).cloned().collect();
    assert!(
        undocumented.is_empty() && undeployed.is_empty(),
        "functions/health/openapi.yaml and the HttpApi events of infra/template.yaml differ.\n\
         Deployed but not documented (describe them, and add the crate to declared_routes() \
         here):{}\nDocumented but not deployed:{}",
        show(&undocumented),
        show(&undeployed),
    );
}

/// Follows `$ref`s from the value at `pointer`; returns the final pointer and value.
fn resolve<'a>(doc: &'a Value, pointer: &str) -> (String, &'a Value) {
    let mut pointer = pointer.to_owned();
    for _ in 0..16 {
        let value = doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("nothing at #{pointer}"));
        match value.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                pointer = target
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("#{pointer}: external $ref {target}"))
                    .to_owned();
            }
            None => return (pointer, value),
        }
    }
    panic!("#{pointer}: $ref chain too long");
}

/// A JSON pointer token for `key` (`/` and `~` escaped).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` in `value`, with where it is.
fn references(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some(target) = child.as_str() {
                        found.push((at.to_owned(), target.to_owned()));
                    }
                } else {
                    references(child, &format!("{at}/{}", token(key)), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                references(child, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// `schema` with every local `$ref` (`#/…`) made absolute, so that it resolves in the registry.
fn absolute_refs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, child)| {
                    let child = match (key.as_str(), child.as_str()) {
                        ("$ref", Some(target)) if target.starts_with('#') => {
                            Value::String(format!("{DOCUMENT_URI}{target}"))
                        }
                        _ => absolute_refs(child),
                    };
                    (key.clone(), child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(absolute_refs).collect()),
        other => other.clone(),
    }
}

fn registry(doc: &Value) -> Registry<'static> {
    Registry::new()
        .add(DOCUMENT_URI, doc.clone())
        .and_then(|builder| builder.prepare())
        .unwrap_or_else(|e| panic!("the document as a JSON Schema resource: {e}"))
}

fn validator(registry: &Registry<'static>, schema: &Value, at: &str) -> Validator {
    jsonschema::options()
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&absolute_refs(schema))
        .unwrap_or_else(|e| panic!("the schema at #{at} does not compile: {e}"))
}

/// Every (pointer, schema) of request bodies, responses and parameters, after `$ref`s.
fn operation_schemas(doc: &Value) -> Vec<(String, Value)> {
    let mut schemas = Vec::new();
    for (method, path) in documented_operations(doc) {
        let at = format!("/paths/{}/{}", token(&path), method.to_ascii_lowercase());
        let operation = &doc.pointer(&at).expect("the operation");
        if operation.get("requestBody").is_some() {
            let (body_at, body) = resolve(doc, &format!("{at}/requestBody"));
            for (media, content) in body["content"].as_object().into_iter().flatten() {
                schemas.push((
                    format!("{body_at}/content/{}/schema", token(media)),
                    content["schema"].clone(),
                ));
            }
        }
        for (status, _) in operation["responses"].as_object().into_iter().flatten() {
            let (response_at, response) = resolve(doc, &format!("{at}/responses/{status}"));
            for (media, content) in response["content"].as_object().into_iter().flatten() {
                schemas.push((
                    format!("{response_at}/content/{}/schema", token(media)),
                    content["schema"].clone(),
                ));
            }
        }
        for (i, _) in operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let (parameter_at, parameter) = resolve(doc, &format!("{at}/parameters/{i}"));
            schemas.push((
                format!("{parameter_at}/schema"),
                parameter["schema"].clone(),
            ));
        }
    }
    schemas
}

#[test]
fn the_document_is_openapi_3_1_and_every_reference_resolves() {
    let doc = document();

    // The OpenAPI object model: a document that does not deserialise is not OpenAPI 3.1.
    let text = serde_json::to_string(&doc).expect("JSON");
    let spec = oas3::from_json(&text).unwrap_or_else(|e| panic!("not an OpenAPI document: {e}"));
    spec.validate_version()
        .unwrap_or_else(|e| panic!("OpenAPI version {}: {e}", spec.openapi));
    assert!(spec.openapi.starts_with("3.1."), "{}", spec.openapi);
    let mut operation_ids = BTreeSet::new();
    for (path, method, operation) in spec.operations() {
        let at = format!("{method} {path}");
        let id = operation
            .operation_id
            .clone()
            .unwrap_or_else(|| panic!("{at}: no operationId"));
        assert!(
            operation_ids.insert(id.clone()),
            "{at}: operationId {id} twice"
        );
        let parameters = operation
            .parameters(&spec)
            .unwrap_or_else(|e| panic!("{at}: parameters: {e}"));
        operation
            .request_body(&spec)
            .unwrap_or_else(|e| panic!("{at}: request body: {e}"));
        // Path parameters: exactly the `{name}` segments, each required.
        let in_path: BTreeSet<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        let declared: BTreeSet<String> = parameters
            .iter()
            .filter(|p| p.location == oas3::spec::ParameterIn::Path)
            .map(|p| {
                assert_eq!(
                    p.required,
                    Some(true),
                    "{at}: path parameter {} required",
                    p.name
                );
                p.name.clone()
            })
            .collect();
        assert_eq!(in_path, declared, "{at}: path parameters");
        let responses = operation.responses(&spec);
        assert!(!responses.is_empty(), "{at}: no response");
        assert_eq!(
            responses.len(),
            operation.responses.as_ref().map_or(0, |r| r.len()),
            "{at}: a response $ref does not resolve"
        );
    }

    // Every $ref, wherever it is, points into the document at something that exists.
    let mut found = Vec::new();
    references(&doc, "", &mut found);
    assert!(found.len() > 50, "{} references", found.len());
    for (at, target) in &found {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("#{at}: $ref {target} is not local"));
        assert!(
            doc.pointer(pointer).is_some(),
            "#{at}: $ref {target} resolves to nothing"
        );
    }

    // Every schema compiles (JSON Schema 2020-12, OpenAPI 3.1's dialect), components included.
    let registry = registry(&doc);
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        validator(&registry, schema, &format!("/components/schemas/{name}"));
    }
    for (at, schema) in operation_schemas(&doc) {
        validator(&registry, &schema, &at);
    }

    // The conventions the code enforces are stated where they apply.
    let schemes: BTreeSet<&str> = doc["components"]["securitySchemes"]
        .as_object()
        .expect("securitySchemes")
        .keys()
        .map(String::as_str)
        .collect();
    let session = &doc["components"]["securitySchemes"]["session"];
    assert_eq!(
        (&session["type"], &session["in"], &session["name"]),
        (
            &json!("apiKey"),
            &json!("cookie"),
            &json!("__Host-rpps_session")
        )
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["csrf"]["name"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("x-csrf-token")
    );
    for (method, path) in documented_operations(&doc) {
        let at = format!("{method} {path}");
        let operation = &doc["paths"][&path][method.to_ascii_lowercase()];
        let requirements = operation
            .get("security")
            .unwrap_or(&doc["security"])
            .as_array()
            .unwrap_or_else(|| panic!("{at}: security"));
        let mut needs_session = !requirements.is_empty();
        for requirement in requirements {
            let requirement = requirement.as_object().expect("a security requirement");
            for scheme in requirement.keys() {
                assert!(schemes.contains(scheme.as_str()), "{at}: scheme {scheme}");
            }
            // `{}` among the alternatives: the session is optional.
            needs_session &= requirement.contains_key("session");
            if requirement.contains_key("session") && method != "GET" {
                assert!(
                    requirement.contains_key("csrf"),
                    "{at}: a state-changing call with a session also needs the CSRF token"
                );
            }
        }
        let responses = operation["responses"].as_object().expect("responses");
        if needs_session {
            for status in ["401", "403"] {
                assert!(responses.contains_key(status), "{at}: no {status}");
            }
        }
        for (status, _) in responses {
            let (response_at, response) = resolve(
                &doc,
                &format!(
                    "/paths/{}/{}/responses/{status}",
                    token(&path),
                    method.to_ascii_lowercase()
                ),
            );
            if path.starts_with("/fhir/") {
                // FHIR's errors are OperationOutcome resources (issue 16).
                if !status.starts_with('2') {
                    assert!(
                        response_at.starts_with("/components/responses/Fhir")
                            && response["content"]["application/fhir+json"]["schema"]["properties"]
                                ["resourceType"]["const"]
                                == "OperationOutcome",
                        "{at} {status}: FHIR errors are OperationOutcome resources"
                    );
                }
            } else if status.starts_with('4') || (status.starts_with('5') && path != "/api/health")
            {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{at} {status} (#{response_at}): errors are the API's JSON envelope"
                );
            }
            if status == "503" {
                assert!(
                    !response["headers"]["Retry-After"].is_null(),
                    "{at}: a 503 says when to retry (Retry-After)"
                );
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Real responses against the document.
// ------------------------------------------------------------------------------------------------

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Reply {
    fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends requests to the application and checks each response against the document.
struct Checker {
    app: TestApp,
    doc: Value,
    registry: Registry<'static>,
    /// (METHOD, documented path, status) seen.
    covered: BTreeSet<(String, String, u16)>,
}

impl Checker {
    /// The documented path `path` (without query) matches: literal segments first.
    fn operation_for(&self, method: &Method, path: &str) -> String {
        let segments: Vec<&str> = path.split('/').collect();
        let mut candidates: Vec<(usize, &String)> = self.doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .filter(|(_, item)| item.get(method.as_str().to_ascii_lowercase()).is_some())
            .filter_map(|(template, _)| {
                let parts: Vec<&str> = template.split('/').collect();
                let mut parameters = 0;
                let matches = parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(t, s)| {
                        if t.starts_with('{') && t.ends_with('}') {
                            parameters += 1;
                            !s.is_empty()
                        } else {
                            t == s
                        }
                    });
                matches.then_some((parameters, template))
            })
            .collect();
        candidates.sort();
        candidates
            .first()
            .map(|(_, template)| (*template).clone())
            .unwrap_or_else(|| panic!("{method} {path}: no documented operation"))
    }

    fn validate(&self, schema: &Value, at: &str, instance: &Value, what: &str) {
        let validator = validator(&self.registry, schema, at);
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| {
                let path = e.instance_path().as_str();
                format!("\n  at {}: {e}", if path.is_empty() { "/" } else { path })
            })
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not match the document (schema #{at}):{}\n{}",
            errors.concat(),
            serde_json::to_string_pretty(instance).unwrap_or_default()
        );
    }

    /// Sends the request, checks the response against the document, and returns it.
    async fn call(
        &mut self,
        browser: Option<&Browser>,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Reply {
        let path = path_and_query
            .split_once('?')
            .map_or(path_and_query, |(p, _)| p);
        let route = self.operation_for(&method, path);
        let what = format!("{method} {path_and_query} ({method} {route})");
        let mut request = client().request(method.clone(), self.app.url(path_and_query));
        if let Some(browser) = browser {
            request = request
                .header(COOKIE, &browser.cookie)
                .header(ORIGIN, &self.app.base)
                .header("x-csrf-token", &browser.csrf);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let what = format!("{what} → {status}");

        let operation_at = format!(
            "/paths/{}/{}",
            token(&route),
            method.as_str().to_ascii_lowercase()
        );
        let responses = &self.doc.pointer(&operation_at).expect("the operation")["responses"];
        let code = status.as_str().to_owned();
        let class = format!("{}XX", &code[..1]);
        let key = [code.as_str(), class.as_str(), "default"]
            .into_iter()
            .find(|k| responses.get(*k).is_some())
            .unwrap_or_else(|| {
                panic!(
                    "{what}: status {code} is not documented (documented: {:?}); body: {}",
                    responses.as_object().map(|r| r.keys().collect::<Vec<_>>()),
                    String::from_utf8_lossy(&bytes)
                )
            });
        let (response_at, documented) =
            resolve(&self.doc, &format!("{operation_at}/responses/{key}"));

        for name in documented["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, _)| name)
        {
            let (_, header) = resolve(&self.doc, &format!("{response_at}/headers/{}", token(name)));
            if header["required"] == json!(true) {
                assert!(
                    headers.contains_key(name.as_str()),
                    "{what}: the documented header {name} is missing"
                );
            }
        }

        let mut json = Value::Null;
        match documented["content"].as_object() {
            None => assert!(
                bytes.is_empty(),
                "{what}: the document says no body, got {}",
                String::from_utf8_lossy(&bytes)
            ),
            Some(content) => {
                let media = headers
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(';').next())
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                let Some(described) = content.get(&media) else {
                    panic!(
                        "{what}: Content-Type {media:?}, documented: {:?}",
                        content.keys().collect::<Vec<_>>()
                    );
                };
                if media == "application/json" || media == "application/fhir+json" {
                    json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                        panic!(
                            "{what}: not JSON ({e}): {}",
                            String::from_utf8_lossy(&bytes)
                        )
                    });
                    let at = format!("{response_at}/content/{}/schema", token(&media));
                    self.validate(&described["schema"], &at, &json, &what);
                }
            }
        }

        // A request that succeeded is one the document allows.
        if let (Some(body), true) = (&body, status.is_success()) {
            let operation = self.doc.pointer(&operation_at).expect("the operation");
            assert!(
                operation.get("requestBody").is_some(),
                "{what}: a body was sent and accepted, but the document describes none"
            );
            let (body_at, described) = resolve(&self.doc, &format!("{operation_at}/requestBody"));
            let at = format!("{body_at}/content/application~1json/schema");
            let schema = &described["content"]["application/json"]["schema"];
            self.validate(schema, &at, body, &format!("the request body of {what}"));
        }

        self.covered
            .insert((method.as_str().to_owned(), route, status.as_u16()));
        Reply {
            status,
            headers,
            json,
        }
    }

    async fn get(&mut self, browser: Option<&Browser>, path: &str) -> Reply {
        self.call(browser, Method::GET, path, None).await
    }

    async fn post(&mut self, browser: &Browser, path: &str, body: Value) -> Reply {
        self.call(Some(browser), Method::POST, path, Some(body))
            .await
    }

    /// A POST without a body (the routes that read none).
    async fn post_empty(&mut self, browser: &Browser, path: &str) -> Reply {
        self.call(Some(browser), Method::POST, path, None).await
    }

    async fn delete(&mut self, browser: &Browser, path: &str) -> Reply {
        self.call(Some(browser), Method::DELETE, path, None).await
    }

    async fn patch(&mut self, browser: &Browser, path: &str, body: Value) -> Reply {
        self.call(Some(browser), Method::PATCH, path, Some(body))
            .await
    }

    /// Signs in through the documented login and callback routes, the development provider
    /// authenticating `identity`.
    async fn sign_in(&mut self, login: &str, identity: &str) -> Browser {
        let start = self.get(None, login).await;
        assert_eq!(start.status, StatusCode::SEE_OTHER, "{login}");
        let authorize = start.location();
        let back = client()
            .get(format!("{authorize}&login_hint={identity}"))
            .send()
            .await
            .expect("the development provider answers");
        let callback = back
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("the provider sends the browser back")
            .to_owned();
        let callback = callback
            .strip_prefix(&self.app.base)
            .unwrap_or_else(|| panic!("a callback on the site: {callback}"))
            .to_owned();
        // The browser that started the sign-in: it has the login's binding cookie.
        let starter = Browser {
            cookie: crate::support::set_cookie(&start.headers, rpps_auth::sign_in::LOGIN_COOKIE)
                .expect("the login binds the browser"),
            csrf: String::new(),
        };
        let done = self.get(Some(&starter), &callback).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let cookie = done
            .headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("__Host-rpps_session="))
            .unwrap_or_else(|| panic!("{identity} signed in ({})", done.location()))
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        let unsigned = Browser {
            cookie,
            csrf: String::new(),
        };
        let me = self.get(Some(&unsigned), "/api/session").await;
        assert_eq!(me.json["authenticated"], true, "{}", me.json);
        Browser {
            csrf: me.json["csrf_token"]
                .as_str()
                .expect("a CSRF token")
                .to_owned(),
            ..unsigned
        }
    }
}

#[tokio::test]
async fn real_responses_match_the_document() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let doc = document();
    let registry = registry(&doc);
    let mut c = Checker {
        app,
        doc,
        registry,
        covered: BTreeSet::new(),
    };
    use rpps_devidp::{
        FC_AIDE_NEE_A_L_ETRANGER, FC_AIDE_SANS_RPPS, FINESS_A, FINESS_B, PSC_MANAGER_A,
        PSC_MANAGER_A_B, PSC_PRO_ECPS,
    };

    // Operations, and the document itself as served.
    let health = c.get(None, "/api/health").await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.json);
    let served = c.get(None, "/api/openapi.json").await;
    assert_eq!(served.json, c.doc, "the served document is openapi.yaml");

    // Reference data.
    let paris = c.get(None, "/api/communes?q=paris&limit=5").await;
    assert_eq!(paris.status, StatusCode::OK);
    assert!(
        !paris.json["results"]
            .as_array()
            .expect("results")
            .is_empty()
    );
    let postal = c.get(None, "/api/communes?q=75015").await;
    assert_eq!(postal.json["results"][0]["insee"], "75115");
    assert_eq!(
        c.get(None, "/api/communes?q=a").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.get(None, "/api/communes").await.status,
        StatusCode::BAD_REQUEST
    );
    let countries = c.get(None, "/api/countries?q=allem").await;
    assert!(
        !countries.json["results"]
            .as_array()
            .expect("results")
            .is_empty()
    );
    assert_eq!(
        c.get(None, "/api/countries?q=allem&limit=99").await.status,
        StatusCode::BAD_REQUEST
    );
    let by_name = c.get(None, "/api/establishments?q=aide").await;
    assert!(
        !by_name.json["results"]
            .as_array()
            .expect("results")
            .is_empty(),
        "{}",
        by_name.json
    );
    let by_finess = c
        .get(None, &format!("/api/establishments?q={FINESS_A}"))
        .await;
    assert_eq!(by_finess.json["results"][0]["finess"], FINESS_A);
    c.get(None, "/api/establishments?q=7500").await;
    let siret = c.get(None, "/api/establishments?q=26010004500012").await;
    assert_eq!(
        siret.json["explanation"]["code"],
        "establishment.siret_not_finess"
    );
    let invalid = c.get(None, "/api/establishments?q=1234567890").await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        invalid.json["error"]["code"],
        "establishment.finess_invalid"
    );

    // Sign-in pages, and the anonymous session.
    let anonymous = c.get(None, "/api/session").await;
    assert_eq!(anonymous.json["authenticated"], false);
    assert_eq!(
        c.get(None, "/api/auth/problem?reason=already_rpps")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        c.get(None, "/api/auth/logged-out").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        c.get(None, "/api/registrations/mine").await.status,
        StatusCode::UNAUTHORIZED
    );

    // An aide's request: draft, field errors, incomplete submission, completion, submission.
    let aide = c
        .sign_in("/api/auth/franceconnect/login", FC_AIDE_SANS_RPPS)
        .await;
    let none = c.get(Some(&aide), "/api/registrations/mine").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let draft = c.post_empty(&aide, "/api/registrations").await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.json);
    let id = draft.json["id"].as_str().expect("an id").to_owned();
    let twice = c.post_empty(&aide, "/api/registrations").await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let forged = Browser {
        csrf: "forged".into(),
        ..aide.clone()
    };
    let refused = c
        .patch(
            &forged,
            &format!("/api/registrations/{id}"),
            json!({ "email": "a@b.fr" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json["error"]["code"], "csrf.token");
    let saved = c
        .patch(
            &aide,
            &format!("/api/registrations/{id}"),
            json!({ "email": format!("aide.{}@example.org", c.app.options.table_prefix), "mobile": "06 12 34 56 78" }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    let errors = c
        .patch(
            &aide,
            &format!("/api/registrations/{id}"),
            json!({ "email": "not-an-email", "mobile": "01 23 45 67 89", "establishment": "010000025",
                    "start_date": "31/12/2026", "eligibility": "astrology" }),
        )
        .await;
    assert_eq!(errors.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors.json["error"]["fields"].as_object().map(|f| f.len()),
        Some(5)
    );
    let malformed = c
        .patch(
            &aide,
            &format!("/api/registrations/{id}"),
            json!({ "colour": "blue" }),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let incomplete = c
        .post_empty(&aide, &format!("/api/registrations/{id}/submit"))
        .await;
    assert_eq!(incomplete.status, StatusCode::BAD_REQUEST);
    assert!(incomplete.json["error"]["missing"].is_array());
    let completed = c
        .patch(
            &aide,
            &format!("/api/registrations/{id}"),
            json!({ "establishment": FINESS_A, "start_date": "2026-09-01", "eligibility": "certification",
                    "accuracy_confirmed": true }),
        )
        .await;
    assert_eq!(completed.status, StatusCode::OK, "{}", completed.json);
    let sent = c
        .post_empty(&aide, &format!("/api/registrations/{id}/submit"))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.json);
    let again = c
        .post_empty(&aide, &format!("/api/registrations/{id}/submit"))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let unknown = c
        .patch(
            &aide,
            "/api/registrations/unknown",
            json!({ "email": "a@b.fr" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        c.get(Some(&aide), "/api/manager/registrations")
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The manager of A: queue, detail, validation refused without the declaration, validation,
    // validation again.
    let manager = c
        .sign_in("/api/auth/psc/login?profil=gestionnaire", PSC_MANAGER_A)
        .await;
    let queue = c.get(Some(&manager), "/api/manager/registrations").await;
    assert_eq!(
        queue.json["results"][0]["id"],
        id.as_str(),
        "{}",
        queue.json
    );
    let detail = c
        .get(Some(&manager), &format!("/api/manager/registrations/{id}"))
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(
        c.get(Some(&manager), "/api/manager/registrations/unknown")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let undeclared = c
        .post(
            &manager,
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": false }),
        )
        .await;
    assert_eq!(undeclared.status, StatusCode::BAD_REQUEST);
    let basis = c
        .post(
            &manager,
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "astrology", "conditions_checked": true }),
        )
        .await;
    assert_eq!(basis.status, StatusCode::BAD_REQUEST);
    let validated = c
        .post(
            &manager,
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(validated.status, StatusCode::OK, "{}", validated.json);
    let repeated = c
        .post(
            &manager,
            &format!("/api/manager/registrations/{id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(repeated.json["newly_validated"], false);
    let mine = c.get(Some(&aide), "/api/registrations/mine").await;
    assert_eq!(mine.json["status"]["state"], "validated");

    // The public directory (the publisher follows the stream: wait for the entry), the card,
    // the staff and a departure recorded then cancelled.
    let rpps = validated.json["rpps"]
        .as_str()
        .expect("a number")
        .to_owned();
    let mut published = false;
    for _ in 0..200 {
        let page = c.get(None, &format!("/api/directory/{rpps}")).await;
        if page.status == StatusCode::OK {
            published = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(published, "{rpps} published");
    let found = c.get(None, "/api/directory?name=n%27diaye").await;
    assert_eq!(
        found.json["results"][0]["rpps"],
        rpps.as_str(),
        "{}",
        found.json
    );
    assert_eq!(
        c.get(None, "/api/directory?departement=20").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.get(None, "/api/directory/12345678901").await.status,
        StatusCode::BAD_REQUEST
    );
    let card = c
        .get(None, &format!("/api/directory/{rpps}/card.pdf"))
        .await;
    assert_eq!(card.status, StatusCode::OK);
    // The keys that verify its statement (issue 20), public.
    let keys = c.get(None, rpps_cards::KEYS_PATH).await;
    assert_eq!(keys.status, StatusCode::OK);
    assert_eq!(keys.json["keys"][0]["status"], "active", "{}", keys.json);
    // The same directory for machines (issue 16): FHIR, and its OperationOutcome errors.
    let capabilities = c.get(None, "/fhir/metadata").await;
    assert_eq!(capabilities.json["resourceType"], "CapabilityStatement");
    let bundle = c
        .get(
            None,
            &format!("/fhir/Practitioner?identifier=https://rpps.esante.gouv.fr%7C{rpps}"),
        )
        .await;
    assert_eq!(bundle.json["total"], 1, "{}", bundle.json);
    let read = c.get(None, &format!("/fhir/Practitioner/{rpps}")).await;
    assert_eq!(read.json["id"], rpps.as_str());
    let roles = c
        .get(
            None,
            &format!("/fhir/PractitionerRole?practitioner=Practitioner/{rpps}"),
        )
        .await;
    assert_eq!(roles.json["total"], 1, "{}", roles.json);
    let role = roles.json["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let role_read = c.get(None, &format!("/fhir/PractitionerRole/{role}")).await;
    assert_eq!(role_read.json["id"], role.as_str());
    let organization = c.get(None, &format!("/fhir/Organization/{FINESS_A}")).await;
    assert_eq!(organization.json["id"], FINESS_A, "{}", organization.json);
    let organizations = c
        .get(
            None,
            &format!("/fhir/Organization?identifier=https://finess.esante.gouv.fr%7C{FINESS_A}"),
        )
        .await;
    assert_eq!(organizations.json["total"], 1, "{}", organizations.json);
    for (path, status) in [
        ("/fhir/Practitioner?phonetic=Awa", StatusCode::BAD_REQUEST),
        ("/fhir/PractitionerRole?_cursor=x", StatusCode::BAD_REQUEST),
        (
            "/fhir/PractitionerRole/12345678901-750012346",
            StatusCode::NOT_FOUND,
        ),
        ("/fhir/Practitioner/12345678901", StatusCode::NOT_FOUND),
        ("/fhir/Organization?type=355", StatusCode::BAD_REQUEST),
        ("/fhir/Organization/010000025", StatusCode::NOT_FOUND),
        ("/fhir/Patient", StatusCode::NOT_FOUND),
        ("/fhir/metadata?mode=full", StatusCode::BAD_REQUEST),
    ] {
        let refused = c.get(None, path).await;
        assert_eq!(refused.status, status, "{path}: {}", refused.json);
        assert_eq!(refused.json["resourceType"], "OperationOutcome");
    }
    let staff = c.get(Some(&manager), "/api/manager/staff").await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.json);
    // Employers at scale (issue 19): the export, the establishments by name, a bulk validation
    // (nothing left waiting at A: no result) and its refusals.
    let export = c.get(Some(&manager), "/api/manager/staff/export").await;
    assert_eq!(export.status, StatusCode::OK);
    let mine = c.get(Some(&manager), "/api/manager/establishments").await;
    assert_eq!(
        mine.json["establishments"][0]["finess"], FINESS_A,
        "{}",
        mine.json
    );
    let bulk = c
        .post(
            &manager,
            "/api/manager/registrations/validations",
            json!({ "establishment": FINESS_A, "conditions_checked": true }),
        )
        .await;
    assert_eq!(bulk.json["results"], json!([]), "{}", bulk.json);
    for body in [
        json!({ "establishment": FINESS_A, "conditions_checked": false }),
        json!({ "conditions_checked": true }),
    ] {
        let refused = c
            .post(&manager, "/api/manager/registrations/validations", body)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.json);
    }
    assert_eq!(
        c.post(
            &manager,
            "/api/manager/registrations/validations",
            json!({ "establishment": FINESS_B, "conditions_checked": true }),
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // An import of a team (issue 19): the template, a file read into a preview, a line
    // corrected, the import and its outcomes; a workbook and an oversized file refused.
    let template = c.get(Some(&manager), "/api/manager/imports/template").await;
    assert_eq!(template.status, StatusCode::OK);
    let file = |text: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(text)
    };
    let upload = c
        .post(
            &manager,
            "/api/manager/imports",
            json!({ "filename": "equipe.csv", "content": file(
                "Nom;Prénoms;Date de naissance;Commune de naissance;E-mail;Date de début;Éligibilité\r\nDocument;Ada;01/02/1980;75115;ada@example.org;01/12/2026;diplôme\r\nDocument;Bob;31/02/1980;75115;bob@example.org;01/12/2026;diplôme\r\n") }),
        )
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.json);
    let import = upload.json["id"].as_str().unwrap_or_default().to_owned();
    let listed = c.get(Some(&manager), "/api/manager/imports").await;
    assert_eq!(
        listed.json["imports"][0]["id"],
        import.as_str(),
        "{}",
        listed.json
    );
    let corrected = c
        .patch(
            &manager,
            &format!("/api/manager/imports/{import}/lines/3"),
            json!({ "cells": { "birth_date": "28/02/1980" } }),
        )
        .await;
    assert_eq!(corrected.json["counts"]["ready"], 2, "{}", corrected.json);
    let confirmed = c
        .post_empty(&manager, &format!("/api/manager/imports/{import}/confirm"))
        .await;
    assert_eq!(confirmed.json["status"], "done", "{}", confirmed.json);
    assert_eq!(confirmed.json["counts"]["created"], 2, "{}", confirmed.json);
    let ran = c
        .post_empty(&manager, &format!("/api/manager/imports/{import}/run"))
        .await;
    assert_eq!(ran.json["status"], "done");
    let refused = c
        .patch(
            &manager,
            &format!("/api/manager/imports/{import}/lines/2"),
            json!({ "dropped": true }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.json);
    for path in ["confirm", "run"] {
        assert_eq!(
            c.post_empty(&manager, &format!("/api/manager/imports/inconnu/{path}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    let shown = c
        .get(Some(&manager), &format!("/api/manager/imports/{import}"))
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let result = c
        .get(
            Some(&manager),
            &format!("/api/manager/imports/{import}/result"),
        )
        .await;
    assert_eq!(result.status, StatusCode::OK);
    assert_eq!(
        c.get(Some(&manager), "/api/manager/imports/inconnu")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.patch(
            &manager,
            "/api/manager/imports/inconnu/lines/2",
            json!({ "dropped": true }),
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(Some(&manager), "/api/manager/imports/inconnu/result")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let workbook = c
        .post(
            &manager,
            "/api/manager/imports",
            json!({ "filename": "equipe.xlsx", "content": "UEsDBBQABgA=" }),
        )
        .await;
    assert_eq!(
        workbook.status,
        StatusCode::BAD_REQUEST,
        "{}",
        workbook.json
    );
    let oversized = c
        .post(
            &manager,
            "/api/manager/imports",
            json!({ "filename": "gros.csv", "content": file(&"a".repeat(3 * 1024 * 1024)) }),
        )
        .await;
    assert_eq!(
        oversized.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        oversized.json
    );
    assert_eq!(
        c.get(Some(&aide), "/api/manager/staff").await.status,
        StatusCode::FORBIDDEN
    );
    let departure = format!("/api/manager/staff/{rpps}/sites/{FINESS_A}/departure");
    let past = c
        .call(
            Some(&manager),
            Method::PUT,
            &departure,
            Some(json!({ "date": "2020-01-01" })),
        )
        .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST, "{}", past.json);
    let ahead = c
        .call(
            Some(&manager),
            Method::PUT,
            &departure,
            Some(json!({ "date": "2099-12-31" })),
        )
        .await;
    assert_eq!(ahead.status, StatusCode::OK, "{}", ahead.json);
    let cancelled = c
        .call(Some(&manager), Method::DELETE, &departure, None)
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.json);
    // Contact data: the manager fixes the aide's mobile; a professional with e-CPS updates theirs.
    let staff_contact = format!("/api/manager/staff/{rpps}/contact");
    let wrong = c
        .call(
            Some(&manager),
            Method::PATCH,
            &staff_contact,
            Some(json!({ "mobile": "01 23 45 67 89" })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.json);
    let fixed = c
        .call(
            Some(&manager),
            Method::PATCH,
            &staff_contact,
            Some(json!({ "mobile": "06 12 34 56 77" })),
        )
        .await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.json);
    assert_eq!(
        c.get(Some(&aide), "/api/me").await.status,
        StatusCode::FORBIDDEN
    );
    let professional = c
        .sign_in("/api/auth/psc/login?profil=professionnel", PSC_PRO_ECPS)
        .await;
    let record = c.get(Some(&professional), "/api/me").await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.json);
    let mine = c
        .call(
            Some(&professional),
            Method::PATCH,
            "/api/me/contact",
            Some(json!({ "email": "pro.ecps@example.org", "mobile": "06 12 34 56 79" })),
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.json);

    // Another establishment's request: 403 for the manager of A; the manager of A and B
    // rejects it (an empty reason first), and cannot reject it twice.
    let abroad = c
        .sign_in("/api/auth/franceconnect/login", FC_AIDE_NEE_A_L_ETRANGER)
        .await;
    let other = c.post_empty(&abroad, "/api/registrations").await;
    let other_id = other.json["id"].as_str().expect("an id").to_owned();
    let filled = c
        .patch(
            &abroad,
            &format!("/api/registrations/{other_id}"),
            json!({ "email": "nee.ailleurs@example.org", "mobile": "", "establishment": FINESS_B,
                    "start_date": "2026-10-01", "eligibility": "professional_experience",
                    "accuracy_confirmed": true }),
        )
        .await;
    assert_eq!(filled.status, StatusCode::OK, "{}", filled.json);
    c.post_empty(&abroad, &format!("/api/registrations/{other_id}/submit"))
        .await;
    let foreign = c
        .get(
            Some(&manager),
            &format!("/api/manager/registrations/{other_id}"),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let foreign = c
        .post(
            &manager,
            &format!("/api/manager/registrations/{other_id}/validate"),
            json!({ "basis": "certification", "conditions_checked": true }),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let both = c.sign_in("/api/auth/psc/login", PSC_MANAGER_A_B).await;
    let empty = c
        .post(
            &both,
            &format!("/api/manager/registrations/{other_id}/reject"),
            json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let rejected = c
        .post(
            &both,
            &format!("/api/manager/registrations/{other_id}/reject"),
            json!({ "reason": "Le titre présenté n'est pas dans la liste du décret." }),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.json);
    let decided = c
        .post(
            &both,
            &format!("/api/manager/registrations/{other_id}/reject"),
            json!({ "reason": "Encore." }),
        )
        .await;
    assert_eq!(decided.status, StatusCode::CONFLICT);
    let theirs = c.get(Some(&abroad), "/api/registrations/mine").await;
    assert_eq!(theirs.json["status"]["state"], "rejected");

    // A manager registers an aide (FAQ-R1): field errors, another establishment, success.
    let typed = c
        .post(
            &manager,
            "/api/manager/registrations",
            json!({ "establishment": FINESS_A, "family_name": "Lefèvre-D'Aubigné", "given_names": "Zoé",
                    "birth_date": "2031-01-01", "birth_commune": "75015" }),
        )
        .await;
    assert_eq!(typed.status, StatusCode::BAD_REQUEST);
    let elsewhere = c
        .post(
            &manager,
            "/api/manager/registrations",
            json!({ "establishment": FINESS_B, "family_name": "Lefèvre", "given_names": "Zoé",
                    "birth_date": "1995-03-08", "birth_commune": "75115" }),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    let employer = c
        .post(
            &manager,
            "/api/manager/registrations",
            json!({ "establishment": FINESS_A, "family_name": "Lefèvre-D'Aubigné", "given_names": "Zoé",
                    "birth_date": "1995-03-08", "birth_country": "99109" }),
        )
        .await;
    assert_eq!(employer.status, StatusCode::CREATED, "{}", employer.json);
    // The manager deletes the draft; it stays closed (issue 14).
    let employer_id = employer.json["id"].as_str().unwrap().to_owned();
    let deleted = c
        .delete(
            &manager,
            &format!("/api/manager/registrations/{employer_id}"),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.json);
    assert_eq!(deleted.json["status"]["state"], "closed");
    let again = c
        .delete(
            &manager,
            &format!("/api/manager/registrations/{employer_id}"),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.json);

    // Rejected, the applicant born abroad applies again, then withdraws (issue 14).
    let anew = c.post_empty(&abroad, "/api/registrations").await;
    assert_eq!(anew.status, StatusCode::CREATED, "{}", anew.json);
    let anew_id = anew.json["id"].as_str().unwrap().to_owned();
    assert!(anew.json["expires_at"].is_string(), "{}", anew.json);
    let withdrawn = c
        .post_empty(&abroad, &format!("/api/registrations/{anew_id}/withdraw"))
        .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.json);
    assert_eq!(withdrawn.json["status"]["reason"], "withdrawn");
    let twice = c
        .post_empty(&abroad, &format!("/api/registrations/{anew_id}/withdraw"))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.json);

    // Sign-out; the session is gone afterwards.
    let out = c.post_empty(&aide, "/api/auth/logout").await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.json);
    assert_eq!(
        c.get(Some(&aide), "/api/registrations/mine").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Every documented operation was exercised.
    let exercised: RouteSet = c
        .covered
        .iter()
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    let missing: RouteSet = documented_operations(&c.doc)
        .difference(&exercised)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "documented operations no request here exercised (add one):{}",
        show(&missing)
    );
    let seen: Vec<String> = c
        .covered
        .iter()
        .map(|(m, p, s)| format!("{m} {p} {s}"))
        .collect();
    eprintln!(
        "responses checked against the document:\n  {}",
        seen.join("\n  ")
    );
}
