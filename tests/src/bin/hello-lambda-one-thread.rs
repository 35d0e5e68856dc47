//! The cold-start benchmark's second reference: the same smallest `lambda_runtime` function as
//! `hello-lambda`, on Tokio's one-thread runtime like the project's functions. The ratio the
//! issue sets is against `hello-lambda` (the usual `#[tokio::main]`); this one shows what the
//! functions cost over the same runtime.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<_, Error>(serde_json::json!({ "statusCode": 200, "body": "hello" }))
    }))
    .await
}
