use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> Result<(), Error> {
    rpps_runtime::start(async {
        let state = rpps_opendata::state_from_env()?;
        let state = &state;
        // EventBridge Scheduler, daily: today's files.
        lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
            let manifest = rpps_opendata::extract(state, time::OffsetDateTime::now_utc()).await?;
            Ok::<_, Error>(serde_json::to_value(manifest)?)
        }))
        .await
    })
}
