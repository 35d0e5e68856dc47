//! `rpps-admin`: what the operator does from a terminal, with AWS credentials (or against the
//! local emulator with `AWS_ENDPOINT_URL`). Every change is audited with the operator's name.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rpps_domain::Finess;
use rpps_store::{Store, Tables};

#[derive(Parser, Debug)]
#[command(name = "rpps-admin", about = "Operator commands for RPPS+")]
struct Args {
    /// The registry table (as deployed: rpps-<env>-registry).
    #[arg(long, env = "RPPS_REGISTRY_TABLE")]
    registry_table: String,
    #[arg(long, env = "RPPS_SESSIONS_TABLE", default_value = "")]
    sessions_table: String,
    /// Who runs the command, recorded in the audit trail.
    #[arg(long, env = "RPPS_OPERATOR")]
    operator: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Imports (or re-imports: unchanged establishments are skipped) a FINESS extraction file
    /// (etalab-cs1100507-stock-*.csv, UTF-8 or Latin-1).
    ImportFiness {
        file: PathBuf,
        /// Read and check the file, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Designates an RPPS+ manager of an establishment (FAQ-R9): the person's national
    /// identifier as Pro Santé Connect gives it (`8`+RPPS, `3`+FINESS/…, …).
    DesignateManager {
        #[arg(long)]
        finess: String,
        #[arg(long)]
        national_id: String,
        /// The address where the manager is told of new requests (FAQ-R11).
        #[arg(long)]
        email: Option<String>,
    },
    /// Revokes a designation.
    RevokeManager {
        #[arg(long)]
        finess: String,
        #[arg(long)]
        national_id: String,
    },
    /// Lists the managers of an establishment.
    ListManagers {
        #[arg(long)]
        finess: String,
    },
    /// Lists, as CSV, the pairs of requests (open or numbered) that are or may be one person
    /// (FAQ-R3, R12): verdict, reasons, numbers, names, dates, establishments. Read-only; scans
    /// the registry table.
    Duplicates {
        /// Where to write the CSV (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Parallel scan segments.
        #[arg(long, default_value_t = 4)]
        segments: i32,
    },
    /// Puts every request stored before the identity index existed into its identity-match
    /// partition (GSI3 IDCAND#…), so that sign-ins, drafts and validations find it. Once, after
    /// deploying the identity match; running it again changes nothing. Audited.
    IndexIdentities {
        /// Count what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value_t = 4)]
        segments: i32,
    },
    /// Rebuilds every directory entry written before the listings existed (issue 16: the FHIR
    /// listings and `_lastUpdated`, the daily files), as the publisher does on an event. Once,
    /// after deploying them; running it again finds nothing to do. Audited.
    IndexDirectory {
        /// Count what would change, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, default_value_t = 4)]
        segments: i32,
    },
}

fn finess(raw: &str) -> anyhow::Result<Finess> {
    Finess::parse(raw).map_err(|e| anyhow::anyhow!("FINESS {raw:?}: {e}"))
}

/// A PSC national identifier: a prefix digit then the identifier (no spaces, ≤ 64 characters).
fn national_id(raw: &str) -> anyhow::Result<String> {
    let id = raw.trim();
    let ok = (2..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_digit())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '/');
    if !ok {
        anyhow::bail!(
            "national id {raw:?}: expected a PSC identifier such as 810001045367 or 3750012346/42"
        );
    }
    Ok(id.to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rpps_runtime::logs::init_text_logs();
    let args = Args::parse();
    let sdk = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(endpoint) if !endpoint.is_empty() => rpps_runtime::aws::for_local_endpoint(&endpoint),
        // An operator's workstation: aws-config's whole chain (profiles, SSO, process
        // credentials…), with the functions' HTTPS client trusting the system's roots too.
        _ => {
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(rpps_runtime::aws::https_client_trusting_system_roots())
                .region(
                    aws_config::meta::region::RegionProviderChain::default_provider()
                        .or_else(rpps_runtime::aws::DEFAULT_REGION),
                )
                .load()
                .await
        }
    };
    let store = Store::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        Tables {
            registry: args.registry_table.clone(),
            sessions: args.sessions_table.clone(),
        },
    );
    match args.command {
        Command::ImportFiness { file, dry_run } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            if dry_run {
                let extract = rpps_referentials::finess_extract::parse(&bytes)?;
                println!(
                    "{} establishments read, {} lines rejected ({:?})",
                    extract.establishments.len(),
                    extract.rejected.len(),
                    extract.encoding
                );
                for rejected in extract.rejected.iter().take(20) {
                    println!("  line {}: {}", rejected.line, rejected.reason);
                }
                return Ok(());
            }
            let actor = format!("operator:{}", args.operator);
            let outcome =
                rpps_referentials::import::import_finess_extract(&store, &bytes, &actor).await?;
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        }
        Command::DesignateManager {
            finess: f,
            national_id: id,
            email,
        } => {
            let operator = format!("operator:{}", args.operator);
            let email = email
                .map(|raw| {
                    rpps_domain::Email::parse(&raw)
                        .map_err(|e| anyhow::anyhow!("email {raw:?}: {e}"))
                })
                .transpose()?;
            if email.is_none() {
                eprintln!(
                    "note: without --email this manager is not told of new requests by email"
                );
            }
            let designation = store
                .designate_manager(&finess(&f)?, &national_id(&id)?, email.as_ref(), &operator)
                .await?;
            println!("{}", serde_json::to_string_pretty(&designation)?);
        }
        Command::RevokeManager {
            finess: f,
            national_id: id,
        } => {
            let operator = format!("operator:{}", args.operator);
            store
                .revoke_manager(&finess(&f)?, &national_id(&id)?, &operator)
                .await?;
            println!("revoked: the person's sessions lose this establishment within a minute");
        }
        Command::Duplicates { out, segments } => {
            let register = store.scan_registrations(segments).await?;
            let pairs = rpps_admin::duplicates::find_pairs(&register, &rpps_places::EmbeddedPlaces);
            let csv = rpps_admin::duplicates::to_csv(&pairs);
            match out {
                Some(path) => std::fs::write(&path, csv)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{csv}"),
            }
            eprintln!(
                "{} requests read, {} pairs ({} same, {} probable)",
                register.len(),
                pairs.len(),
                pairs
                    .iter()
                    .filter(|p| p.matched.verdict == rpps_domain::Verdict::Same)
                    .count(),
                pairs
                    .iter()
                    .filter(|p| p.matched.verdict == rpps_domain::Verdict::Probable)
                    .count()
            );
        }
        Command::IndexDirectory { dry_run, segments } => {
            let numbers = store.unlisted_directory_entries(segments).await?;
            let mut rebuilt = 0usize;
            if !dry_run {
                let now = time::OffsetDateTime::now_utc();
                for rpps in &numbers {
                    if rpps_publisher::publish(&store, rpps, now).await? {
                        rebuilt += 1;
                    }
                }
                let summary = serde_json::json!({ "read": numbers.len(), "rebuilt": rebuilt });
                store
                    .record_audit(
                        &rpps_store::AuditEntry::new(
                            "REGISTRY#directory-index",
                            format!("operator:{}", args.operator),
                            "directory.index",
                        )
                        .with_after(&summary),
                    )
                    .await?;
            }
            println!(
                "{} entries outside the listings, {rebuilt} rebuilt{}",
                numbers.len(),
                if dry_run {
                    " — dry run, nothing written"
                } else {
                    ""
                }
            );
        }
        Command::IndexIdentities { dry_run, segments } => {
            let operator = format!("operator:{}", args.operator);
            let register = store.scan_registrations(segments).await?;
            let (mut indexed, mut moved) = (0usize, 0usize);
            let missing: Vec<_> = register
                .iter()
                .filter(|s| s.candidate_key.is_none())
                .collect();
            if !dry_run {
                for stored in &missing {
                    let traits = rpps_domain::IdentityTraits::from(stored.request.civil_status());
                    let key = rpps_domain::candidate_key(&traits, &rpps_places::EmbeddedPlaces);
                    if store.set_candidate_key(stored, &key).await? {
                        indexed += 1;
                    } else {
                        moved += 1;
                    }
                }
                let summary = serde_json::json!({
                    "read": register.len(), "indexed": indexed, "changed_meanwhile": moved,
                });
                store
                    .record_audit(
                        &rpps_store::AuditEntry::new(
                            "REGISTRY#identity-index",
                            &operator,
                            "registrations.index_identities",
                        )
                        .with_after(&summary),
                    )
                    .await?;
            }
            println!(
                "{} requests read, {} without an identity partition, {indexed} indexed, {moved} changed meanwhile (run again){}",
                register.len(),
                missing.len(),
                if dry_run {
                    " — dry run, nothing written"
                } else {
                    ""
                }
            );
        }
        Command::ListManagers { finess: f } => {
            for m in store.managers_of(&finess(&f)?).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    m.national_id,
                    m.email.as_ref().map_or("(no email)", |e| e.as_str()),
                    m.designated_by,
                    m.designated_at
                );
            }
        }
    }
    Ok(())
}
