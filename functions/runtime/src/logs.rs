//! Logs: JSON lines for CloudWatch in AWS, readable text locally; the level from `RUST_LOG`.

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

/// The JSON log line's shape: `{"level":"WARN","fields":{"message":…,"event":…},"target":…}`,
/// one object per line, no timestamp (CloudWatch stamps each line). The template's metric
/// filters select on it (`$.fields.event`).
fn json_layer<S, W>(writer: W) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .without_time()
        .with_writer(writer)
}

/// JSON logs for CloudWatch; level from `RUST_LOG` (default `info`).
pub fn init_json_logs() {
    let _ = tracing_subscriber::registry()
        .with(json_layer(std::io::stdout))
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    /// Collects what the JSON layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_json_log_line_carries_its_fields_where_the_metric_filters_look() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            tracing_subscriber::registry().with(super::json_layer(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!(
                event = "auth.secrets_unreadable",
                provider = "psc",
                "unreadable"
            );
        });
        let bytes = captured.0.lock().unwrap().clone();
        let line: serde_json::Value = serde_json::from_slice(&bytes).expect("one JSON object");
        // What `AuthSecretsUnreadableMetricFilter` selects: `{ $.fields.event = "…" }`.
        assert_eq!(line["fields"]["event"], "auth.secrets_unreadable");
        assert_eq!(line["fields"]["message"], "unreadable");
        assert_eq!(line["level"], "ERROR");
    }

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
