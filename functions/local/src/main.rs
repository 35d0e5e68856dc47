use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use rpps_local::LocalOptions;

/// RPPS+ on one machine: the API of every function and the web app on 127.0.0.1.
#[derive(Parser, Debug)]
#[command(name = "rpps-local")]
struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// The local AWS emulator (moto server).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    aws_endpoint: String,
    #[arg(long, env = "RPPS_TABLE_PREFIX", default_value = "rpps-local")]
    table_prefix: String,
    #[arg(
        long,
        env = "RPPS_MAIL_FROM",
        default_value = "no-reply@rpps-plus.localhost"
    )]
    mail_from: String,
    /// The frontend build to serve (default: frontend/dist, else frontend/placeholder).
    #[arg(long, env = "RPPS_FRONTEND_DIR")]
    frontend_dir: Option<PathBuf>,
    /// Import the demo establishments at start-up.
    #[arg(long)]
    seed: bool,
    /// Also create the demo register (a few hundred fictitious professionals, some departed:
    /// `rpps_local::demo`), in the background once the server listens; idempotent.
    #[arg(long, requires = "seed")]
    demo_register: bool,
    /// Sign in with this OpenID provider in FranceConnect's place (with the client id and
    /// secret below) instead of the development provider.
    #[arg(long, env = "RPPS_FC_ISSUER", requires_all = ["fc_client_id", "fc_client_secret"])]
    fc_issuer: Option<String>,
    #[arg(long, env = "RPPS_FC_CLIENT_ID", requires = "fc_issuer")]
    fc_client_id: Option<String>,
    #[arg(
        long,
        env = "RPPS_FC_CLIENT_SECRET",
        requires = "fc_issuer",
        hide_env_values = true
    )]
    fc_client_secret: Option<String>,
    /// Sign in with this OpenID provider in Pro Santé Connect's place (its discovery document
    /// at {issuer}/.well-known/wallet-openid-configuration).
    #[arg(long, env = "RPPS_PSC_ISSUER", requires_all = ["psc_client_id", "psc_client_secret"])]
    psc_issuer: Option<String>,
    #[arg(long, env = "RPPS_PSC_CLIENT_ID", requires = "psc_issuer")]
    psc_client_id: Option<String>,
    #[arg(
        long,
        env = "RPPS_PSC_CLIENT_SECRET",
        requires = "psc_issuer",
        hide_env_values = true
    )]
    psc_client_secret: Option<String>,
}

/// A provider given by its three settings (clap has checked that all three are there).
fn external(
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Option<rpps_local::ExternalProvider> {
    Some(rpps_local::ExternalProvider {
        issuer: issuer?,
        client_id: client_id?,
        client_secret: client_secret?,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rpps_runtime::logs::init_text_logs();
    let args = Args::parse();
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let options = LocalOptions {
        aws_endpoint: args.aws_endpoint,
        table_prefix: args.table_prefix,
        mail_from: args.mail_from,
        frontend_dir: args
            .frontend_dir
            .unwrap_or_else(|| rpps_local::default_frontend_dir(&workspace)),
        seed: args.seed,
        public_origin: format!("http://127.0.0.1:{}", args.port),
        franceconnect: external(args.fc_issuer, args.fc_client_id, args.fc_client_secret),
        psc: external(args.psc_issuer, args.psc_client_id, args.psc_client_secret),
        mailer_lease: None,
        card_key_file: workspace.join(".local").join("card-signing-key.json"),
    };
    let app = rpps_local::build(&options).await?.router;
    if args.demo_register {
        let config = options.config();
        let store = rpps_store::Store::from_config(
            &config,
            &rpps_runtime::aws::for_local_endpoint(&options.aws_endpoint),
        );
        tokio::spawn(async move {
            let establishments = match rpps_referentials::finess_extract::parse(
                rpps_referentials::DEMO_ESTABLISHMENTS.as_bytes(),
            ) {
                Ok(extract) => extract
                    .establishments
                    .into_iter()
                    .map(|e| e.finess)
                    .collect::<Vec<_>>(),
                Err(e) => {
                    tracing::warn!(error = %e, "demo register: the demo establishments");
                    return;
                }
            };
            if let Err(e) = rpps_local::demo::seed_register(
                &store,
                &establishments,
                rpps_domain::SequenceRange::FULL,
                rpps_local::demo::PEOPLE,
            )
            .await
            {
                tracing::warn!(error = %e, "demo register not complete (made again at the next start)");
            }
        });
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("port {} is taken: set PORT to another one", args.port))?;
    tracing::info!(
        "RPPS+ is running on http://{addr} (frontend: {})",
        options.frontend_dir.display()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
