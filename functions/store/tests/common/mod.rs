//! Shared by the store's tests: a store on moto with tables of its own.

use rpps_store::{Store, Tables};

pub fn endpoint() -> String {
    std::env::var("RPPS_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "RPPS_TEST_AWS_ENDPOINT is not set: run these tests with `make test`, which starts \
             moto server and sets it"
        )
    })
}

pub async fn fresh_store() -> Store {
    // The functions' own SDK configuration (HTTPS client), pointed at moto, without their time
    // limits and with more attempts: moto copies the whole table in every transaction, the
    // concurrency tests queue fifty of them on a machine that may be busy, and moto's copy is
    // not thread-safe (a concurrent write to the table makes it answer HTTP 500, "dictionary
    // changed size during iteration"), which the SDK retries as the transient error it is.
    let sdk = rpps_api::aws::for_local_endpoint(&endpoint());
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .timeout_config(aws_sdk_dynamodb::config::timeout::TimeoutConfig::disabled())
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(8))
        .build();
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        Tables::with_prefix(&prefix),
    );
    store.ensure_tables().await.expect("tables created");
    store
}
