fn main() -> Result<(), lambda_http::Error> {
    rpps_runtime::start(async {
        let state = rpps_staff::state_from_env()?;
        rpps_api::lambda::run(rpps_staff::router(state)).await
    })
}
