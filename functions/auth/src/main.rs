// One thread: an instance serves one invocation at a time, and worker threads would only
// lengthen the cold start (docs/PERFORMANCE.md, "Cold start").
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    rpps_api::lambda::init_json_logs();
    let state = rpps_auth::state_from_env()?;
    rpps_api::lambda::run(rpps_auth::router(state)).await
}
