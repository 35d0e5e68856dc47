fn main() -> Result<(), lambda_http::Error> {
    rpps_runtime::start(async {
        let state = rpps_cards::state_from_env().await?;
        rpps_api::lambda::run(rpps_cards::router(state)).await
    })
}
