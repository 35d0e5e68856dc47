//! The baseline of the cold-start benchmark: the smallest `lambda_runtime` function.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<_, Error>(serde_json::json!({ "statusCode": 200, "body": "hello" }))
    }))
    .await
}
