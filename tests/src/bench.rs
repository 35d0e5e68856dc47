//! What the benchmarks (`src/bin/validations.rs`, `src/bin/directory_bench.rs`) share: the moto
//! they run against, the SDK's time limits lifted, the tables of infra/template.yaml without the
//! registry's stream, and the nearest-rank percentile of their timings.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use rpps_store::Store;
use rpps_store::schema::TableSpecs;

/// The moto `make bench` started: `AWS_ENDPOINT_URL`, else `RPPS_TEST_AWS_ENDPOINT`.
pub fn moto_endpoint() -> anyhow::Result<String> {
    std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("RPPS_TEST_AWS_ENDPOINT"))
        .context("AWS_ENDPOINT_URL is not set: run with `make bench`, which starts moto")
}

/// No time limit per attempt or operation (a 10 s connect timeout only): moto holds the tables
/// in memory and copies the whole table in every transaction, so a slow call is moto's, not the
/// store's.
pub fn no_time_limit() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .disable_operation_attempt_timeout()
        .disable_operation_timeout()
        .build()
}

/// The tables of infra/template.yaml, the registry's without its stream unless `with_stream`:
/// moto keeps every stream record for ever and deep-copies them with the table in each
/// transaction. The stream feeds the mailer and the publisher, which the benchmarks call
/// directly or not at all.
pub fn table_specs(with_stream: bool) -> anyhow::Result<TableSpecs> {
    let mut specs = rpps_store::schema::table_specs()?;
    if !with_stream {
        specs.registry.stream_view = None;
    }
    Ok(specs)
}

/// Creates `store`'s two tables when missing, with [`table_specs`] (with the stream, what
/// `Store::ensure_tables` creates).
pub async fn create_tables(store: &Store, with_stream: bool) -> anyhow::Result<()> {
    let specs = table_specs(with_stream)?;
    let tables = store.tables();
    specs
        .registry
        .create_if_missing(store.client(), &tables.registry)
        .await?;
    specs
        .sessions
        .create_if_missing(store.client(), &tables.sessions)
        .await?;
    Ok(())
}

/// The `p`th percentile (nearest rank) of `sorted`; zero when empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The `n`th command-line argument as a number, `default` when absent.
pub fn arg(n: usize, default: usize) -> anyhow::Result<usize> {
    std::env::args()
        .nth(n)
        .map(|a| a.parse())
        .transpose()
        .with_context(|| format!("argument {n} is a number"))
        .map(|v| v.unwrap_or(default))
}

/// The local runner's options of a benchmark on `endpoint`: tables of its own (`prefix` and a
/// uuid), the placeholder page, the development sign-in, the demo establishments if `seed`.
pub fn local_options(endpoint: &str, prefix: &str, seed: bool) -> rpps_local::LocalOptions {
    let workspace = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    rpps_local::LocalOptions {
        aws_endpoint: endpoint.to_owned(),
        table_prefix: format!("{prefix}{}", uuid::Uuid::new_v4().simple()),
        mail_from: "no-reply@rpps-plus.localhost".into(),
        frontend_dir: workspace.join("frontend/placeholder"),
        seed,
        public_origin: "http://127.0.0.1:8080".into(),
        franceconnect: None,
        psc: None,
        mailer_lease: None,
        card_key_file: std::env::temp_dir().join("rpps-bench-card-signing-key.json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_the_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let sorted: Vec<Duration> = (1..=20).map(ms).collect();
        assert_eq!(percentile(&sorted, 50.0), ms(10));
        assert_eq!(percentile(&sorted, 95.0), ms(19));
        assert_eq!(percentile(&sorted, 0.0), ms(1));
        assert_eq!(percentile(&sorted, 100.0), ms(20));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn the_registry_stream_is_kept_only_when_asked() {
        assert!(table_specs(false).unwrap().registry.stream_view.is_none());
        assert_eq!(
            table_specs(true).unwrap().registry.stream_view,
            rpps_store::schema::table_specs()
                .unwrap()
                .registry
                .stream_view
        );
    }
}
