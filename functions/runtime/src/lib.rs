//! What every function and the operators' CLI share at run time, whether they serve HTTP or
//! not: the configuration read once at start-up, the AWS SDK configuration, logs, and the
//! runtime a Lambda `main` runs on. The HTTP conventions are `rpps-api`'s; the store depends on
//! this crate, not on that one.

pub mod aws;
pub mod config;
pub mod logs;

pub use config::Config;

/// A Lambda function's `main`: JSON logs, then `function` on Tokio's one-thread runtime. An
/// instance serves one invocation at a time, so worker threads would have nothing to run in
/// parallel (concurrent AWS calls still overlap on one thread) and only lengthen the cold start
/// (≈ 0.3 ms, docs/PERFORMANCE.md, "Cold start").
pub fn start<E>(function: impl Future<Output = Result<(), E>>) -> Result<(), E>
where
    E: From<std::io::Error>,
{
    logs::init_json_logs();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(function)
}
