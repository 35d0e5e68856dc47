use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> Result<(), Error> {
    rpps_runtime::start(async {
        let state = rpps_purge::state_from_env()?;
        let state = &state;
        // Two schedules: the daily run, and the outbox sweep every few minutes
        // (`{"task": "sweep"}`).
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            let now = time::OffsetDateTime::now_utc();
            if event.payload.get("task").and_then(Value::as_str) == Some("sweep") {
                let report = rpps_purge::sweep::sweep(&state.store, now).await?;
                return Ok::<_, Error>(serde_json::to_value(report)?);
            }
            let report = rpps_purge::run(state, now).await?;
            Ok::<_, Error>(serde_json::to_value(report)?)
        }))
        .await
    })
}
