use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> Result<(), Error> {
    rpps_runtime::start(async {
        let state = rpps_purge::state_from_env()?;
        let state = &state;
        lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
            let report = rpps_purge::run(state, time::OffsetDateTime::now_utc()).await?;
            Ok::<_, Error>(serde_json::to_value(report)?)
        }))
        .await
    })
}
