//! The Lambda entry point: a function's router, unchanged, behind `lambda_http`.

use axum::Router;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What `RUST_LOG` asks for: a default level and levels per module (`info`,
/// `warn,rpps_store=debug`); `info` when unset or unreadable. Read as `Targets`, not `EnvFilter`,
/// whose regular expressions would weigh on every function for a syntax we do not use.
pub fn log_filter(directives: Option<&str>) -> Targets {
    directives
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| d.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO))
}

fn env_filter() -> Targets {
    log_filter(std::env::var("RUST_LOG").ok().as_deref())
}

/// JSON logs for CloudWatch; level from `RUST_LOG` (default `info`).
pub fn init_json_logs() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(false)
                .without_time(),
        )
        .with(env_filter())
        .try_init();
}

/// Human-readable logs for the local runner and tests.
pub fn init_text_logs() {
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .with(env_filter())
        .try_init();
}

/// Serves `router` to the Lambda runtime (API Gateway HTTP API, payload v2), with the JSON 404
/// for paths it does not know — as the local runner does for all routers together.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(router.fallback(crate::not_found)).await
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn rust_log_sets_a_default_and_per_module_levels() {
        let filter = log_filter(Some("warn,rpps_store=debug"));
        assert!(filter.would_enable("rpps_store::sites", &Level::DEBUG));
        assert!(!filter.would_enable("rpps_api", &Level::INFO));
        assert!(filter.would_enable("rpps_api", &Level::WARN));
    }

    #[test]
    fn info_when_rust_log_is_unset_or_unreadable() {
        for directives in [None, Some(""), Some("rpps=[{x}]=debug")] {
            let filter = log_filter(directives);
            assert!(
                filter.would_enable("rpps_api", &Level::INFO),
                "{directives:?}"
            );
            assert!(
                !filter.would_enable("rpps_api", &Level::DEBUG),
                "{directives:?}"
            );
        }
    }
}
