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
//!
//! The second half holds the template to what the deployment promises and no local run can see
//! (docs/DEPLOY.md): every function arm64 with its own log group, retention and alarms; inline
//! least-privilege policies; stream consumers that report failures per record and keep what
//! fails; schedules on Paris time; CloudFront routing `/api/*` uncached and the rest with the SPA
//! fallback; the registry table recoverable and kept; the card key (issue 20) a P-256 signing key
//! in KMS that only the cards function may use, its keys' document routed by CloudFront.

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
    rpps_local::functions()
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
                // CloudFront sends these to the API (cloudfront_sends_…_to_the_http_api).
                assert!(
                    path.starts_with("/api/")
                        || path.starts_with("/fhir/")
                        || path == rpps_cards::KEYS_PATH,
                    "{at}: {path} is under neither /api/ nor /fhir/, nor the card keys' document \
                     (no CloudFront behaviour sends it to the API)"
                );
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
    let output = rpps_e2e::cargo(&[
        "metadata",
        "--no-deps",
        "--offline",
        "--format-version",
        "1",
    ]);
    let metadata: Json = serde_json::from_slice(&output).expect("cargo metadata is JSON");
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
        "tests/tests/e2e/template.rs declared_routes() must list every function crate's ROUTES"
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
                    // axum's wildcard `{*rest}` is API Gateway's greedy `{rest+}`.
                    let path = literal[..end].to_owned();
                    let path = match path.split_once("{*") {
                        Some((head, tail)) => format!("{head}{{{}+}}", tail.trim_end_matches('}')),
                        None => path,
                    };
                    found.insert(path);
                }
            }
        }
    }
}

/// The Rust sources under `dir`, concatenated.
fn sources(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            text.push_str(&sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&std::fs::read_to_string(&path).expect("a readable source file"));
        }
    }
    text
}

/// A log metric filter counts something a function logs: it watches a function's log group,
/// selects `{ $.fields.event = "…" }` (the JSON shape `rpps_api::lambda` writes, tested there),
/// that function's crate logs `event = "…"`, and an alarm watches the metric.
#[test]
fn every_log_metric_filter_counts_an_event_its_function_logs_and_is_alarmed() {
    let doc = template();
    let crates = lambda_crates();
    let functions = resources_of_type(&doc, "AWS::Serverless::Function");
    let alarms = resources_of_type(&doc, "AWS::CloudWatch::Alarm");
    for (id, filter) in resources_of_type(&doc, "AWS::Logs::MetricFilter") {
        let props = &filter["Properties"];
        let group = ref_name(&props["LogGroupName"])
            .unwrap_or_else(|| panic!("{id}: LogGroupName must be !Ref a function's log group"));
        let (function_id, function) = functions
            .iter()
            .find(|(_, f)| ref_name(&f["Properties"]["LoggingConfig"]["LogGroup"]) == Some(group))
            .unwrap_or_else(|| panic!("{id}: no function logs to {group}"));
        let binary = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_else(|| panic!("{function_id}: no Binary"));
        let krate = crates
            .iter()
            .find(|c| c.binary == binary)
            .unwrap_or_else(|| panic!("{function_id}: no crate builds {binary}"));
        let pattern = props["FilterPattern"].as_str().unwrap_or_default();
        let event = pattern
            .strip_prefix("{ $.fields.event = \"")
            .and_then(|rest| rest.strip_suffix("\" }"))
            .unwrap_or_else(|| {
                panic!("{id}: FilterPattern {pattern:?} is not {{ $.fields.event = \"…\" }}")
            });
        assert!(
            sources(&krate.dir.join("src")).contains(&format!("event = \"{event}\"")),
            "{id}: {} never logs event = \"{event}\"",
            krate.package
        );
        let metric = props["MetricTransformations"][0]["MetricName"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: no MetricName"));
        assert!(
            alarms
                .iter()
                .any(|(_, a)| a["Properties"]["MetricName"].as_str() == Some(metric)),
            "{id}: no alarm on {metric}"
        );
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

// ------------------------------------------------------------------------------------------------
// What the deployment must keep, checked on the template itself (issue 7, items 1 and 2): these
// cannot be seen by running the code locally, so they would rot silently.
// ------------------------------------------------------------------------------------------------

/// Managed CloudFront policies (ids are fixed by AWS).
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const ALL_VIEWER_EXCEPT_HOST_HEADER: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

/// Actions that AWS only grants on `Resource: "*"` and that a function may need. Each entry is a
/// documented exception (none is needed today: SAM's own AWSXrayWriteOnlyAccess covers X-Ray).
const STAR_RESOURCE_ACTIONS: &[&str] = &["xray:PutTraceSegments", "xray:PutTelemetryRecords"];

fn resources(doc: &Yaml) -> &serde_yaml_ng::Mapping {
    doc["Resources"]
        .as_mapping()
        .expect("the template has Resources")
}

fn resources_of_type<'a>(doc: &'a Yaml, kind: &str) -> Vec<(String, &'a Yaml)> {
    resources(doc)
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().expect("a logical id").to_owned(), r))
        .collect()
}

/// The argument of an intrinsic function, in its short (`!Ref X`) or long (`Ref: X`) form.
fn intrinsic<'a>(value: &'a Yaml, name: &str) -> Option<&'a Yaml> {
    match value {
        Yaml::Tagged(tagged) if tagged.tag == name => Some(&tagged.value),
        Yaml::Mapping(m) if m.len() == 1 => {
            let key = if name == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{name}")
            };
            m.get(key.as_str())
        }
        _ => None,
    }
}

/// `!Ref X` → `X` (also `X.Alias`, SAM's reference to a function's alias).
fn ref_name(value: &Yaml) -> Option<&str> {
    intrinsic(value, "Ref").and_then(Yaml::as_str)
}

/// `!GetAtt X.Attr` or `Fn::GetAtt: [X, Attr]` → (X, Attr).
fn get_att(value: &Yaml) -> Option<(String, String)> {
    let arg = intrinsic(value, "GetAtt")?;
    match arg {
        Yaml::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
        Yaml::Sequence(parts) if parts.len() == 2 => {
            Some((parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()))
        }
        _ => None,
    }
}

/// The text of a plain string or of a `!Sub` (its template string).
fn text_of(value: &Yaml) -> Option<&str> {
    if let Some(s) = value.as_str() {
        return Some(s);
    }
    match intrinsic(value, "Sub")? {
        Yaml::String(s) => Some(s),
        Yaml::Sequence(parts) => parts.first().and_then(Yaml::as_str),
        _ => None,
    }
}

/// A value or each value of a list.
fn one_or_many(value: &Yaml) -> Vec<&Yaml> {
    match value {
        Yaml::Sequence(items) => items.iter().collect(),
        Yaml::Null => Vec::new(),
        other => vec![other],
    }
}

/// Both branches of an `!If [condition, a, b]`, or the value itself.
fn branches(value: &Yaml) -> Vec<&Yaml> {
    match intrinsic(value, "If").and_then(Yaml::as_sequence) {
        Some(parts) if parts.len() == 3 => vec![&parts[1], &parts[2]],
        _ => vec![value],
    }
}

/// A function's effective property: its own, else the template's `Globals.Function` one.
fn effective<'a>(doc: &'a Yaml, function: &'a Yaml, property: &str) -> &'a Yaml {
    let own = &function["Properties"][property];
    if own.is_null() {
        &doc["Globals"]["Function"][property]
    } else {
        own
    }
}

/// A CloudWatch alarm on `metric` of `namespace` whose dimension `dimension` is `matches`, with
/// an action.
fn has_alarm(
    doc: &Yaml,
    namespace: &str,
    metric: &str,
    dimension: &str,
    matches: impl Fn(&Yaml) -> bool,
) -> bool {
    resources_of_type(doc, "AWS::CloudWatch::Alarm")
        .into_iter()
        .any(|(_, alarm)| {
            let p = &alarm["Properties"];
            p["Namespace"].as_str() == Some(namespace)
                && p["MetricName"].as_str() == Some(metric)
                && p["Dimensions"].as_sequence().is_some_and(|dims| {
                    dims.iter()
                        .any(|d| d["Name"].as_str() == Some(dimension) && matches(&d["Value"]))
                })
                && p["AlarmActions"]
                    .as_sequence()
                    .is_some_and(|actions| !actions.is_empty())
        })
}

#[test]
fn every_function_is_arm64_al2023_with_its_own_log_group_json_logs_and_alarms() {
    let doc = template();
    let log_groups: BTreeMap<String, &Yaml> = resources_of_type(&doc, "AWS::Logs::LogGroup")
        .into_iter()
        .collect();
    let mut used_groups = BTreeSet::new();
    let functions = resources_of_type(&doc, "AWS::Serverless::Function");
    assert!(!functions.is_empty());
    for (id, function) in functions {
        assert_eq!(
            effective(&doc, function, "Runtime").as_str(),
            Some("provided.al2023"),
            "{id}: Runtime"
        );
        assert_eq!(
            effective(&doc, function, "Architectures"),
            &Yaml::Sequence(vec![Yaml::String("arm64".into())]),
            "{id}: Architectures [arm64] (make package builds for arm64)"
        );
        for property in ["MemorySize", "Timeout"] {
            assert!(
                function["Properties"][property].is_u64(),
                "{id}: {property} is chosen per function (with a comment saying why), not \
                 inherited from Globals"
            );
        }
        assert_eq!(
            doc["Globals"]["Function"]["LoggingConfig"]["LogFormat"].as_str(),
            Some("JSON"),
            "Globals.Function.LoggingConfig.LogFormat: JSON"
        );
        let group =
            ref_name(&function["Properties"]["LoggingConfig"]["LogGroup"]).unwrap_or_else(|| {
                panic!("{id}: LoggingConfig.LogGroup must be !Ref its own AWS::Logs::LogGroup")
            });
        let resource = log_groups.get(group).unwrap_or_else(|| {
            panic!("{id}: {group} is not an AWS::Logs::LogGroup of the template")
        });
        assert!(
            !resource["Properties"]["RetentionInDays"].is_null(),
            "{group}: RetentionInDays (logs hold personal data, and cost)"
        );
        assert!(
            used_groups.insert(group.to_owned()),
            "{group} serves two functions"
        );
        for metric in ["Errors", "Throttles"] {
            assert!(
                has_alarm(&doc, "AWS/Lambda", metric, "FunctionName", |v| ref_name(v)
                    == Some(id.as_str())),
                "{id}: no AWS::CloudWatch::Alarm on AWS/Lambda {metric} with FunctionName !Ref {id} \
                 and an AlarmActions (copy the mailer's)"
            );
        }
    }
}

/// Every `Allow` statement the template writes: the functions' inline policies and any IAM
/// resource someone adds. (SAM adds AWSLambdaBasicExecutionRole and, with `Tracing`,
/// AWSXrayWriteOnlyAccess: AWS managed, documented in the template.)
fn allow_statements(doc: &Yaml) -> Vec<(String, &Yaml)> {
    fn push<'a>(statements: &mut Vec<(String, &'a Yaml)>, owner: &str, document: &'a Yaml) {
        for statement in one_or_many(&document["Statement"]) {
            for statement in branches(statement) {
                if statement["Effect"].as_str() == Some("Allow") {
                    statements.push((owner.to_owned(), statement));
                }
            }
        }
    }
    let mut statements = Vec::new();
    for (id, function) in resources_of_type(doc, "AWS::Serverless::Function") {
        for policy in one_or_many(&function["Properties"]["Policies"]) {
            push(&mut statements, &id, policy);
        }
    }
    for kind in ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"] {
        for (id, resource) in resources_of_type(doc, kind) {
            push(
                &mut statements,
                &id,
                &resource["Properties"]["PolicyDocument"],
            );
        }
    }
    for (id, role) in resources_of_type(doc, "AWS::IAM::Role") {
        for policy in one_or_many(&role["Properties"]["Policies"]) {
            push(&mut statements, &id, &policy["PolicyDocument"]);
        }
    }
    statements
}

#[test]
fn function_policies_are_inline_and_least_privilege() {
    let doc = template();
    for (id, function) in resources_of_type(&doc, "AWS::Serverless::Function") {
        assert!(
            function["Properties"]["Role"].is_null(),
            "{id}: no Role of its own: SAM builds one from Policies, which this test reads"
        );
        for policy in one_or_many(&function["Properties"]["Policies"]) {
            let inline = policy
                .as_mapping()
                .is_some_and(|m| m.len() == 1 && m.contains_key("Statement"));
            assert!(
                inline,
                "{id}: Policies entries must be inline `- Statement: [...]`, not a managed policy \
                 or a SAM policy template (DynamoDBCrudPolicy grants Scan and every table action): \
                 {policy:?}"
            );
        }
    }
    let statements = allow_statements(&doc);
    assert!(statements.len() >= 5);
    for (owner, statement) in statements {
        let actions: Vec<&str> = one_or_many(&statement["Action"])
            .into_iter()
            .map(|a| {
                a.as_str()
                    .unwrap_or_else(|| panic!("{owner}: an Action is not a string"))
            })
            .collect();
        assert!(!actions.is_empty(), "{owner}: a statement without Action");
        assert!(
            statement["NotAction"].is_null() && statement["NotResource"].is_null(),
            "{owner}: NotAction/NotResource"
        );
        for action in &actions {
            assert!(
                !action.contains('*'),
                "{owner}: action {action} (name each action)"
            );
            assert_ne!(
                action.to_ascii_lowercase(),
                "dynamodb:scan",
                "{owner}: Scan (every access pattern is a GetItem or a Query, docs/DATA_MODEL.md)"
            );
        }
        for resource in one_or_many(&statement["Resource"])
            .into_iter()
            .flat_map(branches)
        {
            let Some(text) = text_of(resource) else {
                // !Ref / !GetAtt of a resource of the template: one resource.
                assert!(
                    ref_name(resource).is_some() || get_att(resource).is_some(),
                    "{owner}: resource {resource:?}"
                );
                continue;
            };
            if text == "*" {
                assert!(
                    actions.iter().all(|a| STAR_RESOURCE_ACTIONS.contains(a)),
                    "{owner}: Resource \"*\" for {actions:?}; name the table, index, identity, \
                     secret or queue (exceptions: {STAR_RESOURCE_ACTIONS:?})"
                );
            } else if text.ends_with("/*") || text.ends_with(":*") {
                // The one wildcard AWS documents for a stream reader: ListStreams of the table;
                // and S3 objects of one folder of a bucket (files named by the day they are
                // written: `${SiteBucket.Arn}/donnees/*`), never a whole bucket.
                let stream = actions == ["dynamodb:ListStreams"] && text.ends_with("/stream/*");
                let folder = actions.iter().all(|a| {
                    (a.starts_with("s3:") && a.contains("Object"))
                        || *a == "s3:AbortMultipartUpload"
                }) && text
                    .strip_suffix("/*")
                    .and_then(|bucket_and_folder| bucket_and_folder.split_once(".Arn}/"))
                    .is_some_and(|(_, folder)| !folder.is_empty() && !folder.contains('*'));
                assert!(
                    stream || folder,
                    "{owner}: wildcard resource {text} for {actions:?}: name it (an index is \
                     .../index/GSI1, not .../index/*; S3 objects: one folder of a bucket)"
                );
            }
        }
    }
}

/// Whether some Allow statement of `function` grants `action` on a resource that `resource`
/// accepts.
fn function_allows(
    doc: &Yaml,
    function: &str,
    action: &str,
    resource: impl Fn(&Yaml) -> bool,
) -> bool {
    allow_statements(doc).into_iter().any(|(owner, statement)| {
        owner == function
            && one_or_many(&statement["Action"])
                .iter()
                .any(|a| a.as_str() == Some(action))
            && one_or_many(&statement["Resource"])
                .into_iter()
                .flat_map(branches)
                .any(&resource)
    })
}

#[test]
fn stream_consumers_report_item_failures_retry_boundedly_and_keep_what_fails() {
    let doc = template();
    for (id, function) in resources_of_type(&doc, "AWS::Serverless::Function") {
        if let Some(events) = function["Properties"]["Events"].as_mapping() {
            for (name, event) in events {
                let kind = event["Type"].as_str().unwrap_or_default();
                assert!(
                    !matches!(kind, "DynamoDB" | "Kinesis" | "SQS"),
                    "{id}.Events.{name:?}: a SAM {kind} event attaches an AWS managed policy \
                     on Resource \"*\"; declare an AWS::Lambda::EventSourceMapping (copy \
                     MailerOutboxMapping)"
                );
            }
        }
    }
    let mappings = resources_of_type(&doc, "AWS::Lambda::EventSourceMapping");
    assert!(!mappings.is_empty(), "the mailer's mapping is missing");
    let mut readers: BTreeMap<String, usize> = BTreeMap::new();
    for (id, mapping) in mappings {
        let p = &mapping["Properties"];
        let (table, attribute) = get_att(&p["EventSourceArn"])
            .unwrap_or_else(|| panic!("{id}: EventSourceArn must be !GetAtt <table>.StreamArn"));
        assert_eq!(attribute, "StreamArn", "{id}: EventSourceArn");
        *readers.entry(table.clone()).or_default() += 1;
        assert!(
            one_or_many(&p["FunctionResponseTypes"])
                .iter()
                .any(|t| t.as_str() == Some("ReportBatchItemFailures")),
            "{id}: FunctionResponseTypes [ReportBatchItemFailures]"
        );
        assert_eq!(
            p["BisectBatchOnFunctionError"].as_bool(),
            Some(true),
            "{id}: BisectBatchOnFunctionError"
        );
        assert!(
            p["MaximumRetryAttempts"].as_u64().is_some_and(|n| n <= 10),
            "{id}: MaximumRetryAttempts, bounded (the default, -1, retries until the record expires)"
        );
        assert!(
            p["MaximumRecordAgeInSeconds"]
                .as_u64()
                .is_some_and(|n| (60..86_400).contains(&n)),
            "{id}: MaximumRecordAgeInSeconds under the stream's 24-hour retention, so a record \
             reaches the dead-letter queue before it disappears"
        );
        assert!(
            p["StartingPosition"].as_str().is_some(),
            "{id}: StartingPosition"
        );
        let function = ref_name(&p["FunctionName"])
            .map(|r| r.strip_suffix(".Alias").unwrap_or(r))
            .unwrap_or_else(|| panic!("{id}: FunctionName must be !Ref <Function>.Alias"))
            .to_owned();
        let (queue, queue_attribute) = get_att(&p["DestinationConfig"]["OnFailure"]["Destination"])
            .unwrap_or_else(|| {
                panic!("{id}: DestinationConfig.OnFailure.Destination: !GetAtt <queue>.Arn")
            });
        assert_eq!(queue_attribute, "Arn");
        let queue_resource = &doc["Resources"][queue.as_str()];
        assert_eq!(
            queue_resource["Type"].as_str(),
            Some("AWS::SQS::Queue"),
            "{id}: {queue}"
        );
        let qp = &queue_resource["Properties"];
        assert!(
            qp["SqsManagedSseEnabled"].as_bool() == Some(true) || !qp["KmsMasterKeyId"].is_null(),
            "{queue}: encrypted (SqsManagedSseEnabled or KmsMasterKeyId)"
        );
        assert!(
            has_alarm(
                &doc,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                |v| { get_att(v) == Some((queue.clone(), "QueueName".into())) }
            ),
            "{queue}: no alarm on its depth (ApproximateNumberOfMessagesVisible > 0)"
        );
        let stream = |v: &Yaml| get_att(v) == Some((table.clone(), "StreamArn".into()));
        for action in [
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:DescribeStream",
        ] {
            assert!(
                function_allows(&doc, &function, action, stream),
                "{function}: {action} on {table}.StreamArn"
            );
        }
        assert!(
            function_allows(&doc, &function, "sqs:SendMessage", |v| {
                get_att(v) == Some((queue.clone(), "Arn".into()))
            }),
            "{function}: sqs:SendMessage on {queue} (the on-failure destination uses its role)"
        );
    }
    for (table, count) in readers {
        assert!(
            count <= 2,
            "{table}'s stream has {count} mappings: DynamoDB Streams serves at most two readers \
             per shard without throttling; fan out instead"
        );
    }
}

#[test]
fn schedules_run_on_paris_time_with_retries_and_a_dead_letter_queue() {
    let doc = template();
    for (id, function) in resources_of_type(&doc, "AWS::Serverless::Function") {
        let Some(events) = function["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (name, event) in events {
            let at = format!("{id}.Events.{}", name.as_str().unwrap_or("?"));
            match event["Type"].as_str() {
                Some("Schedule") => panic!(
                    "{at}: an EventBridge rule runs on UTC; use Type ScheduleV2 (EventBridge \
                     Scheduler) with ScheduleExpressionTimezone Europe/Paris"
                ),
                Some("ScheduleV2") => {
                    let p = &event["Properties"];
                    assert_eq!(
                        p["ScheduleExpressionTimezone"].as_str(),
                        Some("Europe/Paris"),
                        "{at}"
                    );
                    assert!(
                        p["RetryPolicy"]["MaximumRetryAttempts"].is_u64(),
                        "{at}: RetryPolicy"
                    );
                    assert!(!p["DeadLetterConfig"].is_null(), "{at}: DeadLetterConfig");
                }
                _ => {}
            }
        }
    }
}

/// Issue 18, « e-mail non remis »: the configuration set every email names publishes its bounces
/// and rejections to the default event bus (the only one SES publishes to), and a rule on that
/// configuration set's events invokes the mailer, whose crate handles them.
#[test]
fn ses_bounces_and_rejections_reach_the_mailer() {
    let doc = template();
    let destinations = resources_of_type(&doc, "AWS::SES::ConfigurationSetEventDestination");
    let (_, destination) = destinations
        .iter()
        .find(|(_, d)| {
            ref_name(&d["Properties"]["ConfigurationSetName"]) == Some("MailConfigurationSet")
        })
        .expect("an event destination on MailConfigurationSet");
    let published = &destination["Properties"]["EventDestination"];
    assert_eq!(published["Enabled"].as_bool(), Some(true));
    let types: Vec<&str> = one_or_many(&published["MatchingEventTypes"])
        .into_iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert!(
        types.contains(&"bounce") && types.contains(&"reject"),
        "{types:?}"
    );
    assert!(
        text_of(&published["EventBridgeDestination"]["EventBusArn"])
            .is_some_and(|arn| arn.ends_with(":event-bus/default")),
        "the default bus"
    );
    let mailer = &resources(&doc)["MailerFunction"];
    let rule = &mailer["Properties"]["Events"]["SesEvents"];
    assert_eq!(rule["Type"].as_str(), Some("EventBridgeRule"));
    let pattern = &rule["Properties"]["Pattern"];
    assert_eq!(one_or_many(&pattern["source"])[0].as_str(), Some("aws.ses"));
    let kinds: Vec<&str> = one_or_many(&pattern["detail-type"])
        .into_iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(kinds, ["Email Bounced", "Email Rejected"]);
    let only_ours = one_or_many(&pattern["detail"]["mail"]["tags"]["ses:configuration-set"]);
    assert_eq!(only_ours.len(), 1);
    assert_eq!(ref_name(only_ours[0]), Some("MailConfigurationSet"));
    assert!(!rule["Properties"]["RetryPolicy"].is_null(), "RetryPolicy");
    let main = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions/mailer/src/main.rs"),
    )
    .unwrap();
    assert!(
        main.contains("handle_ses_event"),
        "the mailer's handler reads them"
    );
}

#[test]
fn cloudfront_sends_api_uncached_to_the_http_api_and_the_rest_to_s3_with_the_spa_fallback() {
    let doc = template();
    let distributions = resources_of_type(&doc, "AWS::CloudFront::Distribution");
    assert_eq!(distributions.len(), 1);
    let config = &distributions[0].1["Properties"]["DistributionConfig"];
    assert!(
        config["CustomErrorResponses"].is_null(),
        "no CustomErrorResponses: they would turn the API's 403/404 JSON into index.html; the \
         SPA fallback is the viewer-request function of the default behaviour"
    );
    let origins = config["Origins"].as_sequence().expect("Origins");
    let origin = |id: &Yaml| {
        origins
            .iter()
            .find(|o| o["Id"] == *id)
            .unwrap_or_else(|| panic!("no origin {id:?}"))
    };

    let default = &config["DefaultCacheBehavior"];
    let site = origin(&default["TargetOriginId"]);
    assert!(get_att(&site["DomainName"]).is_some_and(|(bucket, _)| {
        doc["Resources"][bucket.as_str()]["Type"].as_str() == Some("AWS::S3::Bucket")
    }));
    assert!(
        !site["OriginAccessControlId"].is_null(),
        "the bucket is read through OAC"
    );
    assert_eq!(default["Compress"].as_bool(), Some(true));
    assert!(!default["ResponseHeadersPolicyId"].is_null());
    let spa = one_or_many(&default["FunctionAssociations"])
        .into_iter()
        .find(|f| f["EventType"].as_str() == Some("viewer-request"))
        .expect("the default behaviour's viewer-request function (SPA fallback)");
    let (function, _) = get_att(&spa["FunctionARN"]).expect("FunctionARN: !GetAtt");
    let code = doc["Resources"][function.as_str()]["Properties"]["FunctionCode"]
        .as_str()
        .expect("FunctionCode");
    assert!(
        code.contains("/index.html"),
        "{function} rewrites to /index.html"
    );

    let api = one_or_many(&config["CacheBehaviors"])
        .into_iter()
        .find(|b| b["PathPattern"].as_str() == Some("/api/*"))
        .expect("a /api/* behaviour");
    let api_origin = origin(&api["TargetOriginId"]);
    // Its execute-api endpoint, or its own domain (only_cloudfront_reaches_the_api).
    assert!(
        branches(&api_origin["DomainName"])
            .into_iter()
            .any(|d| text_of(d).is_some_and(|d| d.contains("${HttpApi}"))),
        "/api/* goes to the HttpApi"
    );
    assert_eq!(
        api["CachePolicyId"].as_str(),
        Some(CACHING_DISABLED),
        "/api/*: CachingDisabled"
    );
    assert_eq!(
        api["OriginRequestPolicyId"].as_str(),
        Some(ALL_VIEWER_EXCEPT_HOST_HEADER),
        "/api/*: AllViewerExceptHostHeader (cookies, query strings, headers)"
    );
    let methods: BTreeSet<&str> = one_or_many(&api["AllowedMethods"])
        .into_iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(
        methods,
        BTreeSet::from(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"])
    );
    assert!(
        one_or_many(&api["FunctionAssociations"]).is_empty(),
        "/api/* must not get the SPA fallback"
    );

    // The FHIR API (issue 16): the same origin, never cached, read-only, no SPA fallback.
    let fhir = one_or_many(&config["CacheBehaviors"])
        .into_iter()
        .find(|b| b["PathPattern"].as_str() == Some("/fhir/*"))
        .expect("a /fhir/* behaviour");
    assert_eq!(
        fhir["TargetOriginId"], api["TargetOriginId"],
        "/fhir/* goes to the HttpApi"
    );
    assert_eq!(fhir["CachePolicyId"].as_str(), Some(CACHING_DISABLED));
    assert_eq!(
        fhir["OriginRequestPolicyId"].as_str(),
        Some(ALL_VIEWER_EXCEPT_HOST_HEADER)
    );
    let methods: BTreeSet<&str> = one_or_many(&fhir["AllowedMethods"])
        .into_iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(methods, BTreeSet::from(["GET", "HEAD", "OPTIONS"]));
    assert!(one_or_many(&fhir["FunctionAssociations"]).is_empty());

    // The card keys' document (issue 20): the same origin (the cards function), read-only,
    // cached as the function says (CachingOptimized honours its max-age), no SPA fallback (an
    // index.html with 200 would be read as a document without keys).
    let keys = one_or_many(&config["CacheBehaviors"])
        .into_iter()
        .find(|b| b["PathPattern"].as_str() == Some(rpps_cards::KEYS_PATH))
        .unwrap_or_else(|| panic!("a {} behaviour", rpps_cards::KEYS_PATH));
    assert_eq!(
        keys["TargetOriginId"],
        api["TargetOriginId"],
        "{} goes to the HttpApi",
        rpps_cards::KEYS_PATH
    );
    assert_eq!(keys["CachePolicyId"].as_str(), Some(CACHING_OPTIMIZED));
    let methods: BTreeSet<&str> = one_or_many(&keys["AllowedMethods"])
        .into_iter()
        .filter_map(Yaml::as_str)
        .collect();
    assert_eq!(methods, BTreeSet::from(["GET", "HEAD"]));
    assert!(one_or_many(&keys["FunctionAssociations"]).is_empty());
    assert!(!keys["ResponseHeadersPolicyId"].is_null());

    let policies = resources_of_type(&doc, "AWS::CloudFront::ResponseHeadersPolicy");
    assert_eq!(policies.len(), 1);
    let headers =
        &policies[0].1["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        .as_str()
        .expect("a CSP");
    for needed in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "default-src 'self'",
    ] {
        assert!(csp.contains(needed), "CSP lacks {needed}: {csp}");
    }
    assert!(
        !csp.contains("'unsafe-eval'"),
        "'wasm-unsafe-eval' is enough for WebAssembly"
    );
    assert!(headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"].is_u64());
    assert_eq!(
        headers["FrameOptions"]["FrameOption"].as_str(),
        Some("DENY")
    );
    // Issue 20: the verification page reads a card's QR code with the camera, on the site's own
    // pages only; no other powerful feature.
    let custom = one_or_many(
        &policies[0].1["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]["Items"],
    );
    let permissions = custom
        .iter()
        .find(|h| h["Header"].as_str() == Some("Permissions-Policy"))
        .and_then(|h| h["Value"].as_str())
        .expect("a Permissions-Policy");
    let features: BTreeSet<&str> = permissions.split(',').map(str::trim).collect();
    assert_eq!(
        features,
        BTreeSet::from([
            "camera=(self)",
            "microphone=()",
            "geolocation=()",
            "payment=()",
            "usb=()"
        ]),
        "{permissions}"
    );
}

/// The directives of a Content-Security-Policy, each as its name and sources, in order.
fn csp_directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .map(str::split_whitespace)
        .filter_map(|mut words| {
            let name = words.next()?.to_ascii_lowercase();
            Some((name, words.map(str::to_owned).collect()))
        })
        .collect()
}

fn template_csp() -> String {
    let doc = template();
    let policies = resources_of_type(&doc, "AWS::CloudFront::ResponseHeadersPolicy");
    assert_eq!(policies.len(), 1);
    policies[0].1["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        ["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        .as_str()
        .expect("a CSP")
        .to_owned()
}

/// The web app starts under the deployed CSP: `index.html` loads every script from a file
/// (`script-src 'self'` has no `'unsafe-inline'` and no hash: an inline boot script would be
/// refused and the app would not start), has no inline event handler, and dioxus' `document`
/// feature stays off (its `document::Title` and `eval` run JavaScript through `new Function`,
/// refused without `'unsafe-eval'`). The local runner sends the same policy, so the browser tests
/// run under it.
#[test]
fn the_web_app_starts_under_the_cloudfront_content_security_policy() {
    let csp = template_csp();
    let directives = csp_directives(&csp);
    let script_src = directives
        .iter()
        .find(|(name, _)| name == "script-src")
        .map(|(_, sources)| sources.clone())
        .expect("a script-src directive");
    assert!(
        !script_src
            .iter()
            .any(|s| s == "'unsafe-inline'" || s == "'unsafe-eval'"),
        "script-src must not allow inline scripts nor eval: {csp}"
    );

    let index_path = workspace_dir().join("frontend/index.html");
    let index = std::fs::read_to_string(&index_path).expect("frontend/index.html is readable");
    let lower = index.to_ascii_lowercase();
    let mut scripts = 0;
    for (start, _) in lower.match_indices("<script") {
        scripts += 1;
        let tag_end = start + lower[start..].find('>').expect("a closed <script> tag");
        let tag = &lower[start..=tag_end];
        let close = tag_end + lower[tag_end..].find("</script>").expect("</script>");
        let body = index[tag_end + 1..close].trim();
        assert!(
            tag.contains(" src=") && body.is_empty(),
            "frontend/index.html: an inline script, refused by script-src {script_src:?} \
             (load it from a file the build writes): {}",
            &index[start..close]
        );
    }
    assert!(scripts > 0, "index.html loads the app with <script src>");
    let handler = lower
        .split(|c: char| c.is_whitespace())
        .find(|word| word.starts_with("on") && word.contains('=') && !word.starts_with("one"));
    assert_eq!(handler, None, "an inline event handler in index.html");
    assert!(
        !lower.contains("javascript:"),
        "a javascript: URL in index.html"
    );

    let frontend = std::fs::read_to_string(workspace_dir().join("frontend/Cargo.toml"))
        .expect("frontend/Cargo.toml is readable");
    let dioxus_features: Vec<&str> = frontend
        .lines()
        .filter(|line| line.trim_start().starts_with("dioxus ="))
        .collect();
    assert!(!dioxus_features.is_empty());
    assert!(
        dioxus_features
            .iter()
            .all(|line| !line.contains("\"document\"")),
        "dioxus' document feature evaluates JavaScript with new Function: {dioxus_features:?}"
    );

    // The local runner's policy is the template's, less upgrade-insecure-requests (plain HTTP).
    let local = csp_directives(rpps_local::site::CONTENT_SECURITY_POLICY_LOCAL);
    let deployed: Vec<_> = directives
        .into_iter()
        .filter(|(name, _)| name != "upgrade-insecure-requests")
        .collect();
    assert_eq!(
        local, deployed,
        "rpps_local::site's CSP drifted from the template's"
    );
}

#[test]
fn the_registry_table_is_recoverable_and_kept() {
    let doc = template();
    let table = &doc["Resources"]["RegistryTable"];
    assert_eq!(table["DeletionPolicy"].as_str(), Some("Retain"));
    assert_eq!(table["UpdateReplacePolicy"].as_str(), Some("Retain"));
    let p = &table["Properties"];
    assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    assert_eq!(
        p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(p["SSESpecification"]["SSEEnabled"].as_bool(), Some(true));
    assert!(!p["DeletionProtectionEnabled"].is_null());
}

/// Issue 15: only the sign-in function writes what a session holds (create, end); the others
/// read sessions and slide their idle expiry with an `UpdateItem` limited to the key and
/// `expires_at` (`dynamodb:Attributes`), so a compromised function cannot mint a session nor
/// change one's role. And no statement grants a session write without that condition.
#[test]
fn only_the_sign_in_function_writes_sessions() {
    let doc = template();
    let on_sessions = |r: &Yaml| get_att(r).is_some_and(|(id, _)| id == "SessionsTable");
    let writes = [
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    ];
    let mut readers = 0;
    for (owner, statement) in allow_statements(&doc) {
        let resources: Vec<&Yaml> = one_or_many(&statement["Resource"])
            .into_iter()
            .flat_map(branches)
            .collect();
        if !resources.iter().any(|r| on_sessions(r)) {
            continue;
        }
        let actions: Vec<&str> = one_or_many(&statement["Action"])
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
        if actions.iter().any(|a| writes.contains(a)) {
            assert_eq!(
                owner, "AuthFunction",
                "{owner} writes sessions: {actions:?}"
            );
        }
        if actions.contains(&"dynamodb:GetItem") {
            readers += 1;
        }
        if actions.contains(&"dynamodb:UpdateItem") {
            assert_eq!(
                actions,
                ["dynamodb:UpdateItem"],
                "{owner}: UpdateItem in its own statement"
            );
            let attributes: Vec<&str> = one_or_many(
                &statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"],
            )
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
            assert_eq!(
                attributes,
                ["PK", "expires_at"],
                "{owner}: a session UpdateItem must be limited to the key and expires_at"
            );
            let returns: Vec<&str> = one_or_many(
                &statement["Condition"]["StringEqualsIfExists"]["dynamodb:ReturnValues"],
            )
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
            assert!(
                !returns.is_empty()
                    && !returns.contains(&"ALL_OLD")
                    && !returns.contains(&"ALL_NEW"),
                "{owner}: ReturnValues limited too: {returns:?}"
            );
        }
    }
    // The three functions with sessions: sign-in, registrations, staff.
    assert_eq!(readers, 3);
    for function in ["RegistrationsFunction", "StaffFunction"] {
        assert!(function_allows(
            &doc,
            function,
            "dynamodb:UpdateItem",
            on_sessions
        ));
        assert!(!function_allows(
            &doc,
            function,
            "dynamodb:PutItem",
            on_sessions
        ));
    }
}

/// The `{{resolve:secretsmanager:${Secret}:SecretString:key}}` references in a `!Sub` text, as
/// (secret logical id, JSON key).
fn secret_references(text: &str) -> Vec<(String, String)> {
    text.split("{{resolve:secretsmanager:${")
        .skip(1)
        .filter_map(|rest| {
            let (secret, rest) = rest.split_once('}')?;
            let key = rest.strip_prefix(":SecretString:")?.split_once("}}")?.0;
            Some((secret.to_owned(), key.to_owned()))
        })
        .collect()
}

/// Issue 15, "the execute-api endpoint is reachable directly, around CloudFront and its
/// headers": CloudFront sends a secret header that the functions require (rpps_api::origin,
/// whose unit test shows the refusal), from a generated secret whose placeholder the functions
/// ignore; with an API domain the execute-api endpoint is off and CloudFront goes through it; a
/// rotation reaches both sides.
#[test]
fn only_cloudfront_reaches_the_api() {
    let doc = template();
    let api = &doc["Resources"]["HttpApi"]["Properties"];
    let disable = intrinsic(&api["DisableExecuteApiEndpoint"], "If")
        .and_then(Yaml::as_sequence)
        .expect("DisableExecuteApiEndpoint: !If [HasApiDomain, true, false]");
    assert_eq!(disable[0].as_str(), Some("HasApiDomain"));
    assert_eq!(disable[1].as_bool(), Some(true));
    let domain = &doc["Resources"]["ApiDomain"];
    assert_eq!(domain["Condition"].as_str(), Some("HasApiDomain"));
    assert_eq!(
        domain["Properties"]["DomainNameConfigurations"][0]["EndpointType"].as_str(),
        Some("REGIONAL")
    );
    let mapping = &doc["Resources"]["ApiDomainMapping"]["Properties"];
    assert!(is_ref_to(&mapping["ApiId"], "HttpApi"));
    assert!(is_ref_to(&mapping["DomainName"], "ApiDomain"));

    let distribution = &doc["Resources"]["Distribution"]["Properties"]["DistributionConfig"];
    let origin = distribution["Origins"]
        .as_sequence()
        .expect("Origins")
        .iter()
        .find(|o| o["Id"].as_str() == Some("api"))
        .expect("the api origin");
    let domains = intrinsic(&origin["DomainName"], "If")
        .and_then(Yaml::as_sequence)
        .expect("the api origin's DomainName: !If [HasApiDomain, ...]");
    assert_eq!(domains[0].as_str(), Some("HasApiDomain"));
    assert!(is_ref_to(&domains[1], "ApiDomainName"));
    let header = origin["OriginCustomHeaders"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|h| h["HeaderName"].as_str() == Some(rpps_api::origin::HEADER))
        .unwrap_or_else(|| panic!("the api origin adds {}", rpps_api::origin::HEADER));
    let sent = secret_references(text_of(&header["HeaderValue"]).expect("a !Sub"));
    assert_eq!(
        sent,
        [("OriginVerifySecret".to_owned(), "current".to_owned())]
    );

    let env = &doc["Globals"]["Function"]["Environment"]["Variables"];
    let accepted = secret_references(
        text_of(&env[rpps_api::origin::ENV]).expect("the functions' accepted values"),
    );
    assert_eq!(
        accepted,
        [
            ("OriginVerifySecret".to_owned(), "current".to_owned()),
            ("OriginVerifySecret".to_owned(), "previous".to_owned())
        ]
    );

    // The generated value is long enough; the first deployment's `previous` is a placeholder
    // the functions never accept.
    let generate = &doc["Resources"]["OriginVerifySecret"]["Properties"]["GenerateSecretString"];
    assert_eq!(generate["GenerateStringKey"].as_str(), Some("current"));
    let length = generate["PasswordLength"].as_u64().expect("PasswordLength");
    assert!(length as usize >= rpps_api::origin::MIN_LEN);
    let placeholder: Json = serde_json::from_str(
        generate["SecretStringTemplate"]
            .as_str()
            .expect("SecretStringTemplate"),
    )
    .expect("JSON");
    let previous = placeholder["previous"].as_str().expect("previous");
    assert!(rpps_api::origin::OriginVerify::parse(previous).is_none());

    // A rotation: OriginVerifyRotation changes a property of the functions and of the
    // distribution, so both read the secret again.
    assert!(is_ref_to(
        &env["RPPS_ORIGIN_VERIFY_ROTATION"],
        "OriginVerifyRotation"
    ));
    assert!(
        text_of(&distribution["Comment"]).is_some_and(|c| c.contains("${OriginVerifyRotation}"))
    );

    // Every HTTP function starts through rpps_api::lambda::run, which installs the check.
    for (binary, routes) in declared_routes() {
        if routes.is_empty() {
            continue;
        }
        let krate = binary.trim_start_matches("rpps-");
        let main =
            std::fs::read_to_string(workspace_dir().join(format!("functions/{krate}/src/main.rs")))
                .unwrap_or_else(|e| panic!("functions/{krate}/src/main.rs: {e}"));
        assert!(
            main.contains("rpps_api::lambda::run("),
            "{binary}'s main must serve its router with rpps_api::lambda::run (the origin check)"
        );
    }
}

fn waf_template() -> Yaml {
    let path = workspace_dir().join("infra/waf.yaml");
    let text = std::fs::read_to_string(&path).expect("infra/waf.yaml is readable");
    serde_yaml_ng::from_str(&text).expect("infra/waf.yaml is YAML")
}

/// The URI prefix a rate rule's scope-down statement matches, and whether it also excludes the
/// reading methods.
fn rate_rule_scope(statement: &Yaml) -> (Option<String>, bool) {
    let scope = &statement["RateBasedStatement"]["ScopeDownStatement"];
    let prefix = |s: &Yaml| {
        let m = &s["ByteMatchStatement"];
        (m["PositionalConstraint"].as_str() == Some("STARTS_WITH")
            && !m["FieldToMatch"]["UriPath"].is_null())
        .then(|| m["SearchString"].as_str().map(str::to_owned))
        .flatten()
    };
    if let Some(p) = prefix(scope) {
        return (Some(p), false);
    }
    let parts = one_or_many(&scope["AndStatement"]["Statements"]);
    let uri = parts.iter().find_map(|s| prefix(s));
    let writes_only = parts.iter().any(|s| {
        let r = &s["NotStatement"]["Statement"]["RegexMatchStatement"];
        !r["FieldToMatch"]["Method"].is_null()
            && r["RegexString"]
                .as_str()
                .is_some_and(|re| ["GET", "HEAD", "OPTIONS"].iter().all(|m| re.contains(m)))
    });
    (uri, writes_only)
}

/// Issue 15, "the HTTP API's throttling is one bucket for everyone": the distribution is behind
/// a web ACL (required in prod) with per-IP rate limits on sign-in and on writes, answering a
/// 429 in French in the API's error envelope, and AWS's managed rules.
#[test]
fn the_distribution_is_behind_a_web_acl_with_per_ip_limits() {
    let doc = template();
    let distribution = &doc["Resources"]["Distribution"]["Properties"]["DistributionConfig"];
    let acl = intrinsic(&distribution["WebACLId"], "If")
        .and_then(Yaml::as_sequence)
        .expect("WebACLId: !If [HasWebAcl, !Ref WebAclArn, !Ref AWS::NoValue]");
    assert!(is_ref_to(&acl[1], "WebAclArn"));
    let rule = &doc["Rules"]["ProductionHasAWebAcl"];
    let condition = intrinsic(&rule["RuleCondition"], "Equals")
        .and_then(Yaml::as_sequence)
        .expect("RuleCondition: !Equals [!Ref Environment, prod]");
    assert!(is_ref_to(&condition[0], "Environment") && condition[1].as_str() == Some("prod"));
    let assert_text = format!("{:?}", rule["Assertions"]);
    assert!(assert_text.contains("WebAclArn"), "{assert_text}");

    let waf = waf_template();
    let acls = resources_of_type(&waf, "AWS::WAFv2::WebACL");
    assert_eq!(acls.len(), 1);
    let p = &acls[0].1["Properties"];
    assert_eq!(p["Scope"].as_str(), Some("CLOUDFRONT"));
    let rules = p["Rules"].as_sequence().expect("Rules");
    let mut sign_in = false;
    let mut writes = false;
    for rule in rules {
        let statement = &rule["Statement"];
        if statement["RateBasedStatement"].is_null() {
            continue;
        }
        assert_eq!(
            statement["RateBasedStatement"]["AggregateKeyType"].as_str(),
            Some("IP")
        );
        let response = &rule["Action"]["Block"]["CustomResponse"];
        assert_eq!(response["ResponseCode"].as_u64(), Some(429));
        let body_key = response["CustomResponseBodyKey"].as_str().expect("a body");
        let body = &p["CustomResponseBodies"][body_key];
        let content = body["Content"].as_str().expect("Content");
        assert!(content.contains("Trop de"), "a French message: {content}");
        match rate_rule_scope(statement) {
            (Some(prefix), false) if prefix == "/api/auth/" => {
                sign_in = true;
                assert_eq!(body["ContentType"].as_str(), Some("TEXT_HTML"));
            }
            (Some(prefix), true) if prefix == "/api/" => {
                writes = true;
                assert_eq!(body["ContentType"].as_str(), Some("APPLICATION_JSON"));
                let envelope: rpps_contract::error::ErrorEnvelope =
                    serde_json::from_str(content).expect("the API's error envelope");
                assert_eq!(envelope.error.code, "rate.limited");
            }
            other => panic!("a rate rule of unexpected scope: {other:?}"),
        }
    }
    assert!(sign_in, "a per-IP rate rule on /api/auth/");
    assert!(writes, "a per-IP rate rule on writes under /api/");
    let managed: Vec<&str> = rules
        .iter()
        .filter_map(|r| r["Statement"]["ManagedRuleGroupStatement"]["Name"].as_str())
        .collect();
    assert!(
        managed.contains(&"AWSManagedRulesCommonRuleSet"),
        "{managed:?}"
    );
    assert!(!waf["Outputs"]["WebAclArn"].is_null());
}

/// Issue 15, "reserved concurrency per function so one flooded route cannot starve
/// validation": every function has its reservation, and together they leave the account's
/// default quota (1,000) its required 100 unreserved; the parameter's description says the sum.
#[test]
fn every_function_has_its_own_reserved_concurrency() {
    let doc = template();
    let mut total = 0;
    let mut registrations = 0;
    for (id, function) in resources_of_type(&doc, "AWS::Serverless::Function") {
        let reserved = intrinsic(
            &function["Properties"]["ReservedConcurrentExecutions"],
            "If",
        )
        .and_then(Yaml::as_sequence)
        .unwrap_or_else(|| {
            panic!(
                "{id}: ReservedConcurrentExecutions: !If [ReservesConcurrency, n, \
                     !Ref AWS::NoValue]"
            )
        });
        assert_eq!(reserved[0].as_str(), Some("ReservesConcurrency"), "{id}");
        let n = reserved[1]
            .as_u64()
            .unwrap_or_else(|| panic!("{id}: a number"));
        assert!(n >= 1, "{id}");
        total += n;
        if id == "RegistrationsFunction" {
            registrations = n;
        }
    }
    assert!(total + 100 <= 1000, "{total} reserved");
    assert!(
        registrations >= 100,
        "validation keeps room: {registrations}"
    );
    let description = doc["Parameters"]["ReserveConcurrency"]["Description"]
        .as_str()
        .expect("a description");
    assert!(
        description.contains(&format!("({total} in all"))
            && description.contains(&format!("{} or more", total + 100)),
        "the description gives the sum ({total}): {description}"
    );
}

/// Issue 20, "a function of its own so that kms:Sign is granted only to it": the card key is a
/// P-256 signing key of KMS, kept when the stack goes; no function but the cards function has
/// any `kms:` action, and it has `Sign` and `GetPublicKey` on the signing key only (the retired
/// keys give their public key, nothing more); the key's own policy lets the account administer
/// it but no one sign except a role with the cards function's tag; the function is told its
/// key, and its keys' document is routed to it.
#[test]
fn only_the_cards_function_signs_cards_with_a_p256_key_of_kms() {
    let doc = template();
    let keys = resources_of_type(&doc, "AWS::KMS::Key");
    assert_eq!(keys.len(), 1, "one KMS key: the card's");
    let (key_id, key) = &keys[0];
    let p = &key["Properties"];
    assert_eq!(p["KeySpec"].as_str(), Some("ECC_NIST_P256"), "{key_id}");
    assert_eq!(p["KeyUsage"].as_str(), Some("SIGN_VERIFY"), "{key_id}");
    assert_ne!(p["EnableKeyRotation"].as_bool(), Some(true), "{key_id}");
    // The cards it signed are verified with it for a year: never deleted with the stack.
    assert_eq!(key["DeletionPolicy"].as_str(), Some("Retain"));
    assert_eq!(key["UpdateReplacePolicy"].as_str(), Some("Retain"));

    let on_key = |r: &Yaml| get_att(r) == Some((key_id.clone(), "Arn".to_owned()));
    let mut signs = Vec::new();
    for (owner, statement) in allow_statements(&doc) {
        let actions: Vec<&str> = one_or_many(&statement["Action"])
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
        if !actions
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("kms:"))
        {
            continue;
        }
        assert_eq!(owner, "CardsFunction", "{owner} has {actions:?}");
        for action in &actions {
            assert!(
                ["kms:Sign", "kms:GetPublicKey"].contains(action),
                "{owner}: {action}"
            );
        }
        let resources: Vec<&Yaml> = one_or_many(&statement["Resource"])
            .into_iter()
            .flat_map(branches)
            .collect();
        if actions.contains(&"kms:Sign") {
            // The stack's key, or the one a rotation names (a parameter): nothing else.
            assert_eq!(resources.len(), 2, "{resources:?}");
            assert!(resources.iter().any(|r| on_key(r)), "{resources:?}");
            assert!(
                resources
                    .iter()
                    .any(|r| ref_name(r) == Some("CardSigningKeyArn")),
                "{resources:?}"
            );
            signs.push(owner);
        } else {
            assert_eq!(actions, ["kms:GetPublicKey"]);
            assert!(
                resources
                    .iter()
                    .all(|r| ref_name(r) == Some("CardRetiredKeyArns")),
                "retired keys: {resources:?}"
            );
        }
    }
    assert_eq!(signs, ["CardsFunction"]);

    // The key's policy: administration for the account, signing for the tagged role alone.
    let function = &resources(&doc)["CardsFunction"];
    let tags = function["Properties"]["Tags"]
        .as_mapping()
        .expect("the cards function's tags (SAM gives them to its role)");
    let key_statements = one_or_many(&p["KeyPolicy"]["Statement"]);
    assert!(!key_statements.is_empty());
    let mut signers = 0;
    for statement in key_statements {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        let actions: Vec<&str> = one_or_many(&statement["Action"])
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
        let grants_sign = actions
            .iter()
            .any(|a| like(&a.to_ascii_lowercase(), "kms:sign") || *a == "*");
        if !grants_sign {
            continue;
        }
        signers += 1;
        assert_eq!(actions, ["kms:Sign", "kms:GetPublicKey"], "{statement:?}");
        let condition = statement["Condition"]["StringEquals"]
            .as_mapping()
            .expect("kms:Sign only under a StringEquals condition");
        assert_eq!(condition.len(), 1, "{condition:?}");
        let (key, value) = condition.iter().next().expect("one condition");
        let tag = key
            .as_str()
            .and_then(|k| k.strip_prefix("aws:PrincipalTag/"))
            .unwrap_or_else(|| panic!("kms:Sign held to a principal tag, not {key:?}"));
        assert!(
            tags.get(tag)
                .is_some_and(|v| ref_name(v) == Some("AWS::StackName"))
                && ref_name(value) == Some("AWS::StackName"),
            "the cards function carries the tag {tag} = its stack's name, which the key asks"
        );
    }
    assert_eq!(
        signers, 1,
        "one statement of the key policy allows kms:Sign"
    );
    // No other function carries that tag.
    for (id, other) in resources_of_type(&doc, "AWS::Serverless::Function") {
        if id != "CardsFunction" {
            assert!(other["Properties"]["Tags"].is_null(), "{id}: Tags");
        }
    }

    // The function is told its key (the stack's unless a rotation names another), and no other
    // function is.
    let env = &function["Properties"]["Environment"]["Variables"];
    let key_env = branches(&env["RPPS_CARD_KMS_KEY_ID"]);
    assert!(key_env.iter().any(|v| ref_name(v) == Some(key_id.as_str())));
    assert!(
        key_env
            .iter()
            .any(|v| ref_name(v) == Some("CardSigningKeyArn"))
    );
    for name in ["RPPS_CARD_KMS_RETIRED_KEY_IDS", "RPPS_CARD_REVOKED_KIDS"] {
        assert!(!env[name].is_null(), "CardsFunction: {name}");
    }
    assert!(
        doc["Globals"]["Function"]["Environment"]["Variables"]["RPPS_CARD_KMS_KEY_ID"].is_null()
    );
    for (id, other) in resources_of_type(&doc, "AWS::Serverless::Function") {
        if id != "CardsFunction" {
            assert!(
                other["Properties"]["Environment"]["Variables"]["RPPS_CARD_KMS_KEY_ID"].is_null(),
                "{id}: RPPS_CARD_KMS_KEY_ID"
            );
        }
    }

    // Both routes of the card are the cards function's (each_template_function_has_exactly_…
    // holds the rest), the keys' document among them.
    let routes: Vec<(String, String)> = template_functions()
        .into_iter()
        .find(|f| f.logical_id == "CardsFunction")
        .expect("CardsFunction")
        .routes;
    for route in rpps_cards::ROUTES {
        assert!(
            routes.contains(&(route.0.to_owned(), route.1.to_owned())),
            "{route:?} in {routes:?}"
        );
    }
    assert!(routes.contains(&("GET".to_owned(), rpps_cards::KEYS_PATH.to_owned())));
}

/// `*` as StringLike's wildcard.
fn like(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, tail)) => value.strip_prefix(head).is_some_and(|rest| {
            rest.char_indices()
                .map(|(i, _)| i)
                .chain([rest.len()])
                .any(|i| like(tail, &rest[i..]))
        }),
    }
}

/// Issue 15, "every function may write any key of the registry table": every function's writes
/// to the table are held to its partitions with `dynamodb:LeadingKeys` (the public functions'
/// and the registrations' reads too), and the patterns cover the keys the store builds for what
/// they do. (The IAM gate of the local runner enforces the same statements on every call of the
/// end-to-end suite: `rpps_local::gate`.)
#[test]
fn functions_that_touch_few_partitions_are_held_to_them() {
    use rpps_store::keys;
    let doc = template();
    let on_table =
        |r: &Yaml| get_att(r).is_some_and(|(id, attr)| id == "RegistryTable" && attr == "Arn");
    let expected: &[(&str, &str, Vec<String>)] = &[
        (
            "ReferentialsFunction",
            "dynamodb:GetItem",
            vec![keys::establishment("750712184")],
        ),
        (
            "DirectoryFunction",
            "dynamodb:GetItem",
            vec![keys::directory("10000000008")],
        ),
        (
            "CardsFunction",
            "dynamodb:GetItem",
            vec![keys::directory("10000000008")],
        ),
        (
            "AuthFunction",
            "dynamodb:GetItem",
            vec![
                keys::franceconnect_subject("sub"),
                keys::civil_identity("hash"),
            ],
        ),
        (
            "AuthFunction",
            "dynamodb:PutItem",
            vec![keys::audit_subject("manager:810000000001")],
        ),
        (
            "MailerFunction",
            "dynamodb:PutItem",
            vec![keys::delivery("mailer", "event")],
        ),
        (
            "MailerFunction",
            "dynamodb:UpdateItem",
            // The delivery completed; the request's "number sent" step; the event handled.
            vec![
                keys::delivery("mailer", "event"),
                keys::registration("id"),
                keys::outbox("event"),
            ],
        ),
        (
            "MailerFunction",
            "dynamodb:DeleteItem",
            vec![keys::delivery("mailer", "event")],
        ),
        (
            "PublisherFunction",
            "dynamodb:PutItem",
            vec![keys::directory("10000000008")],
        ),
        (
            "PublisherFunction",
            "dynamodb:DeleteItem",
            vec![keys::directory("10000000008")],
        ),
        (
            "PublisherFunction",
            "dynamodb:UpdateItem",
            vec![keys::registration("id"), keys::outbox("event")],
        ),
        // Drafts, submissions, validations, rejections (request, audit, outbox; the
        // professional, their claims, the identity partition's lock, the open-request claim),
        // the RPPS counter.
        (
            "RegistrationsFunction",
            "dynamodb:GetItem",
            vec![keys::registration("id"), keys::establishment("750712184")],
        ),
        (
            "RegistrationsFunction",
            "dynamodb:PutItem",
            vec![
                keys::registration("id"),
                keys::audit_subject("REQ#id"),
                keys::outbox("event"),
                keys::professional("10000000008"),
                keys::franceconnect_subject("sub"),
                keys::civil_identity("hash"),
                keys::identity_lock("750560001#1990"),
                keys::open_request("identity"),
                keys::import("id"),
            ],
        ),
        (
            "RegistrationsFunction",
            "dynamodb:UpdateItem",
            vec![keys::rpps_counter().0.to_owned(), keys::import("id")],
        ),
        // A manager's import (issue 19): its partition, read whole and written by chunks.
        (
            "RegistrationsFunction",
            "dynamodb:Query",
            vec![keys::import("id")],
        ),
        (
            "RegistrationsFunction",
            "dynamodb:BatchWriteItem",
            vec![keys::import("id")],
        ),
        (
            "RegistrationsFunction",
            "dynamodb:DeleteItem",
            vec![keys::open_request("identity")],
        ),
        (
            "RegistrationsFunction",
            "dynamodb:ConditionCheckItem",
            vec![
                keys::franceconnect_subject("sub"),
                keys::civil_identity("hash"),
            ],
        ),
        // A departure (site, audit, outbox), a contact change (profile, audit, outbox).
        (
            "StaffFunction",
            "dynamodb:PutItem",
            vec![
                keys::professional("10000000008"),
                keys::audit_subject("PRO#10000000008#SITE#750012346"),
                keys::outbox("event"),
            ],
        ),
        (
            "StaffFunction",
            "dynamodb:UpdateItem",
            vec![keys::professional("10000000008")],
        ),
        // The purge of departed staff (site, audit, outbox), a draft's expiry (request, audit,
        // outbox, open-request claim) or notice (request); after a cancelled transaction the
        // request is read back (Store::save_registration).
        (
            "PurgeFunction",
            "dynamodb:GetItem",
            vec![keys::registration("id"), keys::outbox("event")],
        ),
        // The sweep also advances the running imports (issue 19): the import read and saved,
        // each line's request created with its open-request claim and audit entry.
        (
            "PurgeFunction",
            "dynamodb:PutItem",
            vec![
                keys::professional("10000000008"),
                keys::registration("id"),
                keys::audit_subject("REQ#id"),
                keys::outbox("event"),
                keys::open_request("identity"),
                keys::import("id"),
            ],
        ),
        (
            "PurgeFunction",
            "dynamodb:UpdateItem",
            vec![
                keys::registration("id"),
                keys::outbox("event"),
                keys::import("id"),
            ],
        ),
        ("PurgeFunction", "dynamodb:Query", vec![keys::import("id")]),
        (
            "PurgeFunction",
            "dynamodb:ConditionCheckItem",
            vec![keys::civil_identity("hash")],
        ),
        (
            "PurgeFunction",
            "dynamodb:DeleteItem",
            vec![keys::open_request("identity")],
        ),
    ];
    // What none of them may touch unless listed: sessions, the RPPS counter, the identity claims
    // that stop a second number, a manager's designation, a directory entry, a delivery record.
    let outside = [
        keys::session("hash"),
        keys::rpps_counter().0.to_owned(),
        keys::franceconnect_subject("sub"),
        keys::manager("810000000001"),
        keys::directory("10000000008"),
        keys::delivery("mailer", "event"),
    ];
    for (function, action, needed) in expected {
        let mut granted = 0;
        for (owner, statement) in allow_statements(&doc) {
            let grants = owner == *function
                && one_or_many(&statement["Action"])
                    .iter()
                    .any(|a| a.as_str() == Some(action))
                && one_or_many(&statement["Resource"])
                    .into_iter()
                    .flat_map(branches)
                    .any(on_table);
            if !grants {
                continue;
            }
            granted += 1;
            let patterns: Vec<&str> = one_or_many(
                &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"],
            )
            .into_iter()
            .filter_map(Yaml::as_str)
            .collect();
            assert!(
                !patterns.is_empty(),
                "{function}: {action} on the table without dynamodb:LeadingKeys"
            );
            for key in needed {
                assert!(
                    patterns.iter().any(|p| like(p, key)),
                    "{function}: {action} of {key} is refused by {patterns:?}"
                );
            }
            for key in outside.iter().filter(|key| !needed.contains(key)) {
                assert!(
                    !patterns.iter().any(|p| like(p, key)),
                    "{function}: {action} of {key} is allowed by {patterns:?}"
                );
            }
        }
        assert_eq!(
            granted, 1,
            "{function}: one statement grants {action} on the table"
        );
    }
}
