use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

// One thread: an instance serves one invocation at a time, and worker threads would only
// lengthen the cold start (docs/PERFORMANCE.md, "Cold start").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    rpps_api::lambda::init_json_logs();
    let state = rpps_mailer::state_from_env()?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, Error>(rpps_mailer::handle_batch(state, &event.payload).await)
    }))
    .await
}
