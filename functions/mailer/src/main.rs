use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> Result<(), Error> {
    rpps_runtime::start(async {
        let state = rpps_mailer::state_from_env()?;
        let state = &state;
        lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
            // The invocation's deadline: records not started in time come back in the next one.
            let deadline =
                std::time::UNIX_EPOCH + std::time::Duration::from_millis(event.context.deadline);
            // Two sources: the table's stream (outbox events), and SES's bounces and rejections
            // through EventBridge (a rule on its configuration set's events).
            if event.payload.get("detail-type").is_some() {
                rpps_mailer::handle_ses_event(state, &event.payload).await?;
                return Ok::<_, Error>(serde_json::Value::Null);
            }
            Ok::<_, Error>(rpps_mailer::handle_batch(state, &event.payload, Some(deadline)).await)
        }))
        .await
    })
}
