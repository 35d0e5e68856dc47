//! Shared by the store's tests: a store on moto with tables of its own.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
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
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-3"))
        .endpoint_url(endpoint())
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .build();
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        Tables::with_prefix(&prefix),
    );
    store.ensure_tables().await.expect("tables created");
    store
}
