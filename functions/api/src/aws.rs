//! The AWS SDK configuration shared by every client: region, explicit timeouts, bounded retries.
//! In AWS the credentials and region come from the Lambda environment; locally the endpoint comes
//! from `AWS_ENDPOINT_URL` (the emulators), read by the SDK itself.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

pub const DEFAULT_REGION: &str = "eu-west-3";

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The configuration from the environment, as a Lambda function or the local runner uses it.
pub async fn from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(
            aws_config::meta::region::RegionProviderChain::default_provider()
                .or_else(Region::new(DEFAULT_REGION)),
        )
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}

/// A configuration pointing every client at a local emulator, with placeholder credentials.
/// For tests and the local runner; never used in AWS.
pub fn for_local_endpoint(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(DEFAULT_REGION))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "local-emulator",
        )))
        .timeout_config(timeouts())
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build()
}
