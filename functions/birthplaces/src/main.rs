fn main() -> Result<(), lambda_http::Error> {
    rpps_runtime::start(async {
        rpps_birthplaces::load_reference_data()?;
        rpps_api::lambda::run(rpps_birthplaces::router()).await
    })
}
