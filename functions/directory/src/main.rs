fn main() -> Result<(), lambda_http::Error> {
    rpps_runtime::start(async {
        let state = rpps_directory::state_from_env()?;
        rpps_api::lambda::run(rpps_directory::router(state)).await
    })
}
