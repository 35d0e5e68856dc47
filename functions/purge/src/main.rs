use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

// One thread: an instance serves one invocation at a time, and worker threads would only
// lengthen the cold start (docs/PERFORMANCE.md, "Cold start").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    rpps_api::lambda::init_json_logs();
    let state = rpps_purge::state_from_env()?;
    let state = &state;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let report = rpps_purge::run(state, time::OffsetDateTime::now_utc()).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
