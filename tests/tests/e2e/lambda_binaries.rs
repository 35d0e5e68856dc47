//! Every function of the template as Lambda runs it: its binary (`main`: the one-thread Tokio
//! runtime of `rpps_api::lambda::start`, the configuration read from the environment, the AWS
//! clients, the Lambda runtime loop) started against a stand-in of the Lambda Runtime API
//! (`rpps_e2e::runtime_api`), with moto's tables, SES identity and secrets, answers a first
//! invocation as expected. The routes themselves are tested in process elsewhere; this holds the
//! entry points that only the deployed functions run — among them the refusal of a request that
//! did not come through CloudFront (`rpps_api::origin`): each HTTP function gets a second
//! invocation without the origin-verify header, which must be a 403 `origin.direct`.
//!
//! The binaries are those of the sources under test: the test runs `cargo build --workspace
//! --all-targets` first (cargo test builds only the binaries of packages with integration tests
//! of their own). The same targets and features as `cargo test --workspace`, whose build it
//! finds done: a `-p` per function would resolve features apart and compile much of the
//! dependency tree again. `make test` runs this very build before `cargo test`
//! (infra/local/stack.sh), so there it finds every binary up to date and builds nothing: the other
//! end-to-end tests run in this process at the same time, and a build would take their cores (and
//! their 20-second waits) from them.

use std::path::{Path, PathBuf};

use rpps_e2e::runtime_api::{Answer, Launch, http_event_with_headers, invoke_once};
use rpps_e2e::{aws_endpoint, fresh_options};
use rpps_store::Store;
use serde_json::Value;

/// target/debug, where this test's own executable is (target/debug/deps/…).
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps")
        .to_path_buf()
}

/// The origin-verify value the functions are started with, and that CloudFront would add.
const ORIGIN_VERIFY: &str = "lambda-binaries-test-origin-verify-0123456789abcdef";

/// An API Gateway event as it comes through CloudFront (with the origin-verify header).
fn http_event(path: &str, query: &str) -> String {
    http_event_with_headers(path, query, &[(rpps_api::origin::HEADER, ORIGIN_VERIFY)])
}

/// What a first invocation must get.
enum Expected {
    /// An API Gateway response with this status code.
    Status(u16),
    /// A 403 whose error code is this.
    Refused(&'static str),
    /// The health report of a database that answers and of a sending identity moto leaves
    /// unverified (503: the function does not accept unverified identities deployed).
    DatabaseUpEmailUnverified,
    /// A stream batch report without failures.
    NoFailedRecord,
    /// The purge's report (any JSON object).
    Report,
}

/// Builds every target of the workspace, or finds them up to date, in the profile of this test
/// (`dir`'s name): the binaries started here are those of the sources under test, not whatever
/// was built last (cargo test builds only the binaries of packages with integration tests).
fn build_binaries(dir: &Path) {
    let profile = match dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    rpps_e2e::cargo(&[
        "build",
        "--workspace",
        "--all-targets",
        "--profile",
        profile,
    ]);
}

/// The first invocation of each function, and what it must answer.
fn first_invocation(binary: &str) -> (String, Expected) {
    let http =
        |path: &str, query: &str, status| (http_event(path, query), Expected::Status(status));
    match binary {
        "rpps-birthplaces" => http("/api/communes", "q=paris", 200),
        "rpps-referentials" => http("/api/establishments", "q=750712184", 200),
        "rpps-health" => (
            http_event("/api/health", ""),
            Expected::DatabaseUpEmailUnverified,
        ),
        "rpps-auth" => http("/api/session", "", 200),
        "rpps-registrations" => http("/api/registrations/mine", "", 401),
        "rpps-directory" => http("/api/directory/not-a-number", "", 400),
        // Its keys read from KMS (moto's) at start: the keys' document.
        "rpps-cards" => http("/.well-known/rpps-card-keys.json", "", 200),
        "rpps-staff" => http("/api/manager/staff", "", 401),
        "rpps-fhir" => http("/fhir/metadata", "", 200),
        // A DynamoDB stream batch with no record.
        "rpps-mailer" | "rpps-publisher" => {
            (r#"{"Records":[]}"#.to_owned(), Expected::NoFailedRecord)
        }
        // EventBridge Scheduler's event: the purge runs against the (empty) table.
        "rpps-purge" => (r#"{"source":"aws.scheduler"}"#.to_owned(), Expected::Report),
        // The same: the open-data files of the (empty) directory, written to the bucket.
        "rpps-opendata" => (r#"{"source":"aws.scheduler"}"#.to_owned(), Expected::Report),
        other => panic!("{other}: a function without a first invocation here; add one"),
    }
}

#[tokio::test]
async fn every_function_binary_answers_its_first_invocation() {
    let endpoint = aws_endpoint();
    let mut options = fresh_options(endpoint.clone());
    options.public_origin = "http://127.0.0.1:9".to_owned();
    let config = options.config();
    let sdk = rpps_runtime::aws::for_local_endpoint(&endpoint);
    Store::from_config(&config, &sdk)
        .ensure_tables()
        .await
        .expect("moto creates the tables");
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity(&config.mail_from)
        .send()
        .await
        .expect("moto creates the SES identity");
    rpps_local::ensure_bucket(&rpps_opendata::s3_client(&sdk), &options.site_bucket())
        .await
        .expect("moto creates the bucket");
    let site_bucket = options.site_bucket();
    // The card's signing key, as the template creates it (ECC_NIST_P256, SIGN_VERIFY).
    let card_key = aws_sdk_kms::Client::new(&sdk)
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::EccNistP256)
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .description("RPPS+ card signing key (lambda_binaries test)")
        .send()
        .await
        .expect("moto creates the KMS key");
    let card_key = card_key
        .key_metadata()
        .expect("the key's metadata")
        .key_id()
        .to_owned();
    let run = uuid::Uuid::new_v4();
    let (fc_secret, psc_secret) = (format!("{run}/franceconnect"), format!("{run}/psc"));
    for name in [&fc_secret, &psc_secret] {
        aws_sdk_secretsmanager::Client::new(&sdk)
            .create_secret()
            .name(name)
            .secret_string("lambda-binaries-test")
            .send()
            .await
            .expect("moto creates the secret");
    }
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_REGION", "eu-west-3"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("RPPS_REGISTRY_TABLE", config.registry_table.as_str()),
        ("RPPS_SESSIONS_TABLE", config.sessions_table.as_str()),
        ("RPPS_MAIL_FROM", config.mail_from.as_str()),
        ("RPPS_PUBLIC_ORIGIN", options.public_origin.as_str()),
        ("RPPS_SITE_BUCKET", site_bucket.as_str()),
        // Issuers on a closed port: no first invocation here signs anyone in.
        ("RPPS_FC_ISSUER", "http://127.0.0.1:9/fc"),
        ("RPPS_FC_CLIENT_ID", "lambda-binaries-test"),
        ("RPPS_FC_CLIENT_SECRET_ID", fc_secret.as_str()),
        ("RPPS_PSC_ISSUER", "http://127.0.0.1:9/psc"),
        ("RPPS_PSC_CLIENT_ID", "lambda-binaries-test"),
        ("RPPS_PSC_CLIENT_SECRET_ID", psc_secret.as_str()),
        ("RPPS_CARD_KMS_KEY_ID", card_key.as_str()),
        (rpps_api::origin::ENV, ORIGIN_VERIFY),
        ("RUST_LOG", "warn"),
    ];

    let dir = binaries_dir();
    build_binaries(&dir);
    let mut failures = Vec::new();
    for binary in rpps_local::functions().into_keys() {
        let path = dir.join(binary);
        assert!(path.is_file(), "{} was not built", path.display());
        let (event, expected) = first_invocation(binary);
        let launch = Launch {
            env: &env,
            clear_env: true,
            capture_logs: true,
        };
        let mut invocations = vec![(event, expected)];
        // Issue 15: a request that went around CloudFront (no origin-verify header) is refused
        // by the deployed entry point before any handler.
        if !rpps_local::functions()[binary].is_empty() {
            invocations.push((
                http_event_with_headers("/api/health", "", &[]),
                Expected::Refused("origin.direct"),
            ));
        }
        for (event, expected) in invocations {
            match invoke_once(&path, event, launch).await {
                Ok(answer) => {
                    if let Err(problem) = check(&answer, &expected) {
                        failures.push(format!("{binary}: {problem}\n{}", answer.logs));
                    }
                }
                Err(e) => failures.push(format!("{binary}: {e:#}")),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn check(answer: &Answer, expected: &Expected) -> Result<(), String> {
    if answer.failed {
        return Err(format!("the invocation failed: {}", answer.body));
    }
    let body: Value = serde_json::from_str(&answer.body)
        .map_err(|e| format!("an answer that is not JSON ({e}): {}", answer.body))?;
    let ok = match expected {
        Expected::Status(status) => body["statusCode"] == *status,
        Expected::Refused(code) => {
            let error: Value = body["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or_default();
            body["statusCode"] == 403 && error["error"]["code"] == *code
        }
        Expected::NoFailedRecord => body["batchItemFailures"] == Value::Array(Vec::new()),
        Expected::Report => body.is_object(),
        Expected::DatabaseUpEmailUnverified => {
            let report: Value = body["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or_default();
            body["statusCode"] == 503
                && report["database"]["status"] == "up"
                && report["email"]["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("not verified"))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("unexpected answer: {body}"))
    }
}
