//! No drift between what is deployed and what runs locally (issue 7, "No drift"):
//!
//! - every Lambda function crate (a crate under `functions/` with a `src/main.rs` that depends
//!   on `lambda_http` or `lambda_runtime`; not the operator's CLI nor the local runner) has
//!   exactly one `AWS::Serverless::Function` in `infra/template.yaml` whose
//!   `Metadata.BuildProperties.Binary` is its binary, and every template function is such a crate;
//! - each template function's `HttpApi` events (method, path) are exactly the `ROUTES` its crate
//!   declares next to its `router()` — so the template's routes are the union of all `ROUTES`;
//! - the crate's own unit test proves its router serves each of its `ROUTES`
//!   (`rpps_api::routes::unserved`), and the last test here proves the local runner, every router
//!   merged, serves each of them too (neither the JSON 404 `route.not_found` nor a 405).
//!
//! A new function crate: declare its `ROUTES`, add it to [`declared_routes`], merge its router in
//! `functions/local`, and give it a function in the template with those events.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use rpps_e2e::{aws_endpoint, fresh_options, spawn_app, workspace_dir};
use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

type Routes = &'static [(&'static str, &'static str)];
type RouteSet = BTreeSet<(String, String)>;

/// Each Lambda function crate's binary and the routes it declares (none for a function that
/// consumes events rather than HTTP requests).
fn declared_routes() -> BTreeMap<&'static str, Routes> {
    BTreeMap::from([
        ("rpps-referentials", rpps_referentials::ROUTES),
        ("rpps-health", rpps_health::ROUTES),
        ("rpps-auth", rpps_auth::ROUTES),
        ("rpps-registrations", rpps_registrations::ROUTES),
        // A DynamoDB stream consumer: no HTTP route.
        ("rpps-mailer", &[]),
    ])
}

/// Crates under `functions/` that have a `main` but are not Lambda functions.
const NOT_FUNCTIONS: &[&str] = &["functions/admin", "functions/local"];

fn route_set(routes: &[(&str, &str)]) -> RouteSet {
    routes
        .iter()
        .map(|&(method, path)| (method.to_owned(), path.to_owned()))
        .collect()
}

#[derive(Debug)]
struct TemplateFunction {
    logical_id: String,
    binary: String,
    code_uri: Option<String>,
    /// Every `HttpApi` event as (method, path), duplicates kept.
    routes: Vec<(String, String)>,
}

fn template() -> Yaml {
    let path = workspace_dir().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).expect("infra/template.yaml is readable");
    serde_yaml_ng::from_str(&text).expect("infra/template.yaml is YAML")
}

fn is_ref_to(value: &Yaml, logical_id: &str) -> bool {
    match value {
        Yaml::Tagged(tagged) => tagged.tag == "Ref" && tagged.value.as_str() == Some(logical_id),
        Yaml::Mapping(m) => m.len() == 1 && m.get("Ref").and_then(Yaml::as_str) == Some(logical_id),
        _ => false,
    }
}

/// The template's `AWS::Serverless::Function` resources, with their binary and `HttpApi` events.
fn template_functions() -> Vec<TemplateFunction> {
    let doc = template();
    let resources = doc["Resources"]
        .as_mapping()
        .expect("the template has Resources");
    let mut functions = Vec::new();
    for (id, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let logical_id = id.as_str().expect("a logical id is a string").to_owned();
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{logical_id}: no Metadata.BuildProperties.Binary"))
            .to_owned();
        let mut routes = Vec::new();
        if let Some(events) = resource["Properties"]["Events"].as_mapping() {
            for (name, event) in events {
                if event["Type"].as_str() != Some("HttpApi") {
                    continue;
                }
                let at = format!("{logical_id}.Events.{}", name.as_str().unwrap_or("?"));
                let props = &event["Properties"];
                assert!(
                    is_ref_to(&props["ApiId"], "HttpApi"),
                    "{at}: ApiId must be !Ref HttpApi (otherwise SAM makes a second, implicit API \
                     that CloudFront does not route to)"
                );
                let method = props["Method"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: no Method"));
                let path = props["Path"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: no Path"));
                assert!(path.starts_with("/api/"), "{at}: {path} is not under /api/");
                routes.push((method.to_ascii_uppercase(), path.to_owned()));
            }
        }
        functions.push(TemplateFunction {
            code_uri: resource["Properties"]["CodeUri"]
                .as_str()
                .map(str::to_owned),
            logical_id,
            binary,
            routes,
        });
    }
    functions
}

#[derive(Debug)]
struct LambdaCrate {
    package: String,
    binary: String,
    dir: PathBuf,
}

/// The Lambda function crates of the workspace, from `cargo metadata` (manifests only).
fn lambda_crates() -> Vec<LambdaCrate> {
    let workspace = workspace_dir()
        .canonicalize()
        .expect("the workspace exists");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(&workspace)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Json = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let functions = workspace.join("functions");
    let mut crates = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(package["manifest_path"].as_str().expect("manifest_path"));
        let dir = manifest
            .parent()
            .expect("a manifest has a folder")
            .to_owned();
        if !dir.starts_with(&functions)
            || NOT_FUNCTIONS
                .iter()
                .any(|excluded| dir == workspace.join(excluded))
        {
            continue;
        }
        let main = dir.join("src/main.rs");
        let Some(bin) = package["targets"].as_array().and_then(|targets| {
            targets.iter().find(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "bin"))
                    && t["src_path"].as_str().map(Path::new) == Some(main.as_path())
            })
        }) else {
            continue;
        };
        let is_lambda = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .any(|d| {
                d["kind"].is_null()
                    && matches!(d["name"].as_str(), Some("lambda_http" | "lambda_runtime"))
            });
        if is_lambda {
            crates.push(LambdaCrate {
                package: package["name"].as_str().expect("name").to_owned(),
                binary: bin["name"].as_str().expect("bin name").to_owned(),
                dir,
            });
        }
    }
    crates
}

#[test]
fn every_function_crate_has_exactly_one_template_function_and_back() {
    let functions = template_functions();
    let crates = lambda_crates();
    assert!(
        crates.iter().any(|c| c.binary == "rpps-health"),
        "the discovery of function crates found {crates:#?}"
    );
    for krate in &crates {
        let matching: Vec<_> = functions
            .iter()
            .filter(|f| f.binary == krate.binary)
            .map(|f| f.logical_id.as_str())
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "crate {} (binary {}, {}) must have exactly one AWS::Serverless::Function in \
             infra/template.yaml with Metadata.BuildProperties.Binary: {}; found {matching:?}",
            krate.package,
            krate.binary,
            krate.dir.display(),
            krate.binary
        );
    }
    for function in &functions {
        // `make package` lays the zips out as cargo-lambda does (docs/DEPLOY.md).
        let zip = format!("../target/lambda/{}/bootstrap.zip", function.binary);
        assert_eq!(
            function.code_uri.as_deref(),
            Some(zip.as_str()),
            "{}: CodeUri must be the zip `make package` builds",
            function.logical_id
        );
        assert!(
            crates.iter().any(|c| c.binary == function.binary),
            "template function {} builds binary {}, which no Lambda crate under functions/ has \
             (crates found: {:?})",
            function.logical_id,
            function.binary,
            crates.iter().map(|c| &c.binary).collect::<Vec<_>>()
        );
    }
    let declared: BTreeSet<&str> = declared_routes().keys().copied().collect();
    let found: BTreeSet<&str> = crates.iter().map(|c| c.binary.as_str()).collect();
    assert_eq!(
        declared, found,
        "tests/tests/template.rs declared_routes() must list every function crate's ROUTES"
    );
}

#[test]
fn each_template_function_has_exactly_its_crates_routes() {
    let declared = declared_routes();
    let functions = template_functions();
    let mut template_routes = RouteSet::new();
    for function in &functions {
        let routes: RouteSet = function.routes.iter().cloned().collect();
        assert_eq!(
            routes.len(),
            function.routes.len(),
            "{}: an HttpApi event is repeated: {:?}",
            function.logical_id,
            function.routes
        );
        let Some(crate_routes) = declared.get(function.binary.as_str()) else {
            panic!(
                "{}: binary {} has no ROUTES in declared_routes()",
                function.logical_id, function.binary
            );
        };
        let crate_routes_len = crate_routes.len();
        let crate_routes = route_set(crate_routes);
        assert_eq!(
            crate_routes.len(),
            crate_routes_len,
            "{}: ROUTES repeats an entry",
            function.binary
        );
        let missing: Vec<_> = crate_routes.difference(&routes).collect();
        let extra: Vec<_> = routes.difference(&crate_routes).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{} (binary {}): routes of the crate's ROUTES missing from the template: \
             {missing:?}; template events not in ROUTES: {extra:?}",
            function.logical_id,
            function.binary
        );
        for route in routes {
            assert!(
                template_routes.insert(route.clone()),
                "{route:?} is routed to two functions"
            );
        }
    }
    let union: RouteSet = declared.values().flat_map(|r| route_set(r)).collect();
    let undeployed: Vec<_> = union.difference(&template_routes).collect();
    assert!(
        undeployed.is_empty(),
        "routes of the crates' ROUTES that no template function has: {undeployed:?}"
    );
    assert_eq!(template_routes, union);
}

/// The string literal right after each `.route(` in the Rust sources under `dir`.
fn route_literals(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            route_literals(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("a readable source file");
            for (at, _) in source.match_indices(".route(") {
                let rest = source[at + ".route(".len()..].trim_start();
                if let Some(literal) = rest.strip_prefix('"') {
                    let end = literal.find('"').expect("a closed string literal");
                    found.insert(literal[..end].to_owned());
                }
            }
        }
    }
}

/// The converse of the crates' unit tests, as far as the source shows it: a path given to
/// `.route("…")` in a function crate is in that crate's `ROUTES`.
#[test]
fn every_path_a_function_crate_routes_is_in_its_routes() {
    let declared = declared_routes();
    for krate in lambda_crates() {
        let mut literals = BTreeSet::new();
        route_literals(&krate.dir.join("src"), &mut literals);
        let paths: BTreeSet<String> = declared
            .get(krate.binary.as_str())
            .map(|routes| routes.iter().map(|&(_, path)| path.to_owned()).collect())
            .unwrap_or_default();
        let undeclared: Vec<_> = literals.difference(&paths).collect();
        assert!(
            undeclared.is_empty(),
            "{}: .route() paths not in its ROUTES (nor then in the template): {undeclared:?}",
            krate.package
        );
    }
}

/// Every declared route, asked of the whole local application (`make run`'s), with its method:
/// none falls to the JSON 404 of unknown `/api/` paths, none is refused with 405.
#[tokio::test]
async fn the_local_runner_serves_every_declared_route() {
    let app = spawn_app(fresh_options(aws_endpoint()))
        .await
        .expect("the local application starts");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let unserved_status = |status: StatusCode, body: &Json| {
        status == StatusCode::METHOD_NOT_ALLOWED
            || (status == StatusCode::NOT_FOUND && body["error"]["code"] == "route.not_found")
    };

    // The check itself tells an unknown route from a served one.
    let response = client
        .get(app.url("/api/no-such-route"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.json::<Json>().await.unwrap_or(Json::Null);
    assert!(unserved_status(status, &body), "{status} {body}");

    let mut unserved = Vec::new();
    for (binary, routes) in declared_routes() {
        for &(method, path) in routes {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let url = app.url(&rpps_api::routes::sample_path(path));
            let response = client.request(method.clone(), url).send().await.unwrap();
            let status = response.status();
            let body = response.json::<Json>().await.unwrap_or(Json::Null);
            if unserved_status(status, &body) {
                unserved.push(format!("{binary}: {method} {path} → {status} {body}"));
            }
        }
    }
    assert!(
        unserved.is_empty(),
        "routes the local runner does not serve (is the crate's router merged in \
         functions/local?): {unserved:#?}"
    );
}
