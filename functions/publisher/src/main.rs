use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> Result<(), Error> {
    rpps_runtime::start(async {
        let state = rpps_publisher::state_from_env()?;
        let state = &state;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            Ok::<_, Error>(rpps_publisher::handle_batch(state, &event.payload).await)
        }))
        .await
    })
}
