fn main() -> Result<(), lambda_http::Error> {
    rpps_runtime::start(async {
        let mut state = rpps_directory::state_from_env()?;
        state.card_keys =
            rpps_directory::card_keys_from_env(&rpps_runtime::aws::from_env()).await?;
        rpps_api::lambda::run(rpps_directory::router(state)).await
    })
}
