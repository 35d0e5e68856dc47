//! Issue 15, "IAM narrowed… no function but auth writing sessions": the local runner's functions
//! call moto through an IAM gate that evaluates `infra/template.yaml`'s statements on every call
//! (`rpps_local::gate`), so every other end-to-end test runs under the deployed policies and
//! fails on a refused call. Here, the gate itself: over the wire, with the functions' own
//! signatures, what their roles allow passes and what they do not is refused as AWS refuses it.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use rpps_e2e::{aws_endpoint, fresh_options, spawn_app};
use rpps_store::keys;

fn key(pk: String, sk: &str) -> std::collections::HashMap<String, AttributeValue> {
    std::collections::HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// The SDK error's code (`AccessDeniedException`…), or "ok".
fn outcome<T, E>(result: Result<T, aws_sdk_dynamodb::error::SdkError<E>>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::fmt::Debug,
{
    match result {
        Ok(_) => "ok".into(),
        Err(e) => e
            .as_service_error()
            .and_then(|s| s.code())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{e:?}")),
    }
}

#[tokio::test]
async fn each_function_reaches_the_emulator_only_with_what_its_role_allows() {
    let mut options = fresh_options(aws_endpoint());
    options.seed = false;
    let app = spawn_app(options).await.unwrap();
    let config = app.options.config();
    let as_function = |binary: &str| aws_sdk_dynamodb::Client::new(&app.gate.sdk_for(binary));
    let registrations = as_function("rpps-registrations");
    let directory = as_function("rpps-directory");

    // Allowed: a request read, an audit event written.
    let read = registrations
        .get_item()
        .table_name(&config.registry_table)
        .set_key(Some(key(keys::registration("nope"), keys::REGISTRATION_SK)))
        .send()
        .await;
    assert_eq!(outcome(read), "ok");
    let audit = registrations
        .put_item()
        .table_name(&config.registry_table)
        .set_item(Some(key(keys::audit_subject("REQ#gate"), "AUDIT#1")))
        .send()
        .await;
    assert_eq!(outcome(audit), "ok");
    assert_eq!(app.gate.denials(), vec![]);

    // Refused: a session minted by the registrations function (in either table), a directory
    // entry it does not publish, a directory entry written by the directory (read-only) in a
    // transaction, and a call signed by no function at all.
    let mint = registrations
        .put_item()
        .table_name(&config.sessions_table)
        .set_item(Some(key(keys::session("forged"), "SESSION")))
        .send()
        .await;
    assert_eq!(outcome(mint), "AccessDeniedException");
    let in_registry = registrations
        .put_item()
        .table_name(&config.registry_table)
        .set_item(Some(key(keys::session("forged"), "SESSION")))
        .send()
        .await;
    assert_eq!(outcome(in_registry), "AccessDeniedException");
    let entry = registrations
        .put_item()
        .table_name(&config.registry_table)
        .set_item(Some(key(
            keys::directory("10000000008"),
            keys::DIRECTORY_SK,
        )))
        .send()
        .await;
    assert_eq!(outcome(entry), "AccessDeniedException");
    let transaction = directory
        .transact_write_items()
        .transact_items(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&config.registry_table)
                        .set_item(Some(key(
                            keys::directory("10000000008"),
                            keys::DIRECTORY_SK,
                        )))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await;
    assert_eq!(outcome(transaction), "AccessDeniedException");
    let anonymous =
        aws_sdk_dynamodb::Client::new(&rpps_runtime::aws::for_local_endpoint(app.gate.endpoint()))
            .get_item()
            .table_name(&config.registry_table)
            .set_key(Some(key(keys::registration("nope"), keys::REGISTRATION_SK)))
            .send()
            .await;
    assert_eq!(outcome(anonymous), "AccessDeniedException");

    // Nothing refused reached the emulator.
    let unchanged = aws_sdk_dynamodb::Client::new(&rpps_runtime::aws::for_local_endpoint(
        &app.options.aws_endpoint,
    ))
    .get_item()
    .table_name(&config.registry_table)
    .set_key(Some(key(
        keys::directory("10000000008"),
        keys::DIRECTORY_SK,
    )))
    .send()
    .await
    .unwrap()
    .item;
    assert!(unchanged.is_none());
    // Each refusal is recorded (and served to a person at /_local/iam-denials).
    let listed: serde_json::Value = reqwest::get(app.url("/_local/iam-denials"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(5), "{listed:#}");
    let denials = app.gate.take_denials();
    let summary: Vec<(&str, &str)> = denials
        .iter()
        .map(|d| (d.function.as_str(), d.action.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("rpps-registrations", "dynamodb:PutItem"),
            ("rpps-registrations", "dynamodb:PutItem"),
            ("rpps-registrations", "dynamodb:PutItem"),
            ("rpps-directory", "dynamodb:PutItem"),
            ("?", "DynamoDB_20120810.GetItem"),
        ]
    );
    assert!(
        denials[1].reason.contains("SESSION#forged"),
        "the refused partition is named: {}",
        denials[1].reason
    );
}
