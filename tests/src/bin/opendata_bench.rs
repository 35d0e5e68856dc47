//! Issue 16, item 4: the daily open-data extract of `N` synthetic professionals (default
//! 100,000; one in five with two sites, one in ten departed) over moto: the entries are loaded
//! (`BatchWriteItem`), then the function's own code runs in this process as the schedule runs
//! it — day 1 (the full file, a delta of additions), then day 2 after 1 % of the register changed
//! (the previous full file read back and merged). Per day: wall time and this process's CPU
//! time (the function's and the gate's work; the rest is moto's),
//! the function's AWS calls (counted by the IAM gate, its policy enforced), lines, file sizes, and
//! the process's peak resident memory during the run (VmHWM, reset before
//! each run). Figures in docs/PERFORMANCE.md, extrapolated to the reference's 1.2 million.
//!
//! AWS_ENDPOINT_URL=http://127.0.0.1:5599 cargo run --release -p rpps-e2e --bin opendata_bench -- [N]

use std::time::Instant;

use anyhow::Context;
use rpps_domain::{Finess, RppsNumber};
use rpps_e2e::bench::{arg, local_options, moto_endpoint, no_time_limit};
use rpps_store::{DirectoryEntry, DirectorySite, Store};

const FINESS: [&str; 5] = [
    "750012346",
    "690000880",
    "130000011",
    "330000019",
    "590000014",
];

fn entry(i: usize, day: u32) -> anyhow::Result<DirectoryEntry> {
    let at = time::OffsetDateTime::now_utc();
    let site = |k: usize, active: bool| -> anyhow::Result<DirectorySite> {
        Ok(DirectorySite {
            finess: Finess::parse(FINESS[k % FINESS.len()])?,
            establishment_name: format!("Service d'aide et d'accompagnement à domicile n° {k}"),
            commune_code: "75115".into(),
            commune_name: "Paris 15e Arrondissement".into(),
            departement: "75".into(),
            started_on: time::macros::date!(2026 - 09 - 01),
            ended_on: (!active).then_some(time::macros::date!(2026 - 11 - 30)),
            active,
        })
    };
    // Day 2: 1 % changed — half of them leave, half change their name.
    let changed = day == 2 && i % 100 == 7;
    let departed = i % 10 == 9 || (changed && i % 200 == 7);
    let mut sites = vec![site(i, !departed)?];
    if i.is_multiple_of(5) {
        sites.push(site(i + 1, !departed)?);
    }
    let mut family = rpps_e2e::people::family_name(i);
    if changed && !departed {
        family.push_str("-Martin");
    }
    Ok(DirectoryEntry {
        rpps: RppsNumber::from_sequence(5_000_000 + i as u64)?,
        family_name: family,
        given_names: "Camille Marie".into(),
        profession: "aide_a_domicile_qualifiee".into(),
        sites,
        ecps_activable_from: None,
        published_at: at,
        updated_at: at,
    })
}

/// The process's resident memory now and at its peak since the last reset, in MB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The process's CPU time so far (user + system), in seconds (`/proc/self/stat`, clock ticks of
/// 1/100 s): this process's own work, not moto's.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn load(store: &Store, n: usize, day: u32) -> anyhow::Result<()> {
    for start in (0..n).step_by(1000) {
        let batch: Vec<DirectoryEntry> = (start..(start + 1000).min(n))
            .filter(|i| day == 1 || i % 100 == 7)
            .map(|i| entry(i, day))
            .collect::<anyhow::Result<_>>()?;
        store.load_directory_entries(&batch).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = arg(1, 100_000)?.max(100);
    let endpoint = moto_endpoint()?;
    let options = local_options(&endpoint, "opendata", false);
    let sdk = rpps_runtime::aws::for_local_endpoint(&endpoint)
        .to_builder()
        .timeout_config(no_time_limit())
        .build();
    let store = Store::from_config(&options.config(), &sdk);
    store.ensure_tables().await?;
    let s3 = rpps_opendata::s3_client(&sdk);
    rpps_local::ensure_bucket(&s3, &options.site_bucket())
        .await
        .context("creating the bucket")?;
    let loaded = Instant::now();
    load(&store, n, 1).await?;
    println!(
        "{n} professionals loaded in {:.1} s",
        loaded.elapsed().as_secs_f64()
    );
    // The function as deployed: its calls through the IAM gate (its policy enforced, its calls
    // counted).
    let gate = rpps_local::gate::Gate::start(
        &endpoint,
        rpps_local::gate::local_stack(&options.config(), &options.site_bucket()),
        options.mail_from.clone(),
    )
    .await?;
    let state = rpps_opendata::state_from_sdk(
        &options.config(),
        &gate
            .sdk_for("rpps-opendata")
            .to_builder()
            .timeout_config(no_time_limit())
            .build(),
        &options.site_bucket(),
    );
    drop(s3);
    let start = time::OffsetDateTime::now_utc();
    for day in 1..=2u32 {
        if day == 2 {
            load(&store, n, 2).await?;
        }
        // VmHWM from here: the run's own peak (the kernel's "5" resets it to the current RSS).
        std::fs::write("/proc/self/clear_refs", "5").context("resetting VmHWM")?;
        let (before, _) = memory();
        let calls_before = gate.calls("rpps-opendata");
        let cpu = cpu_seconds();
        let t = Instant::now();
        let manifest =
            rpps_opendata::extract(&state, start + time::Duration::days(i64::from(day) - 1))
                .await?;
        let seconds = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let (_, peak) = memory();
        let calls_after = gate.calls("rpps-opendata");
        let calls: std::collections::BTreeMap<&String, usize> = calls_after
            .iter()
            .map(|(op, n)| (op, n - calls_before.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        anyhow::ensure!(gate.denials().is_empty(), "{:?}", gate.denials());
        let delta = manifest.delta.as_ref().context("a delta")?;
        println!(
            "day {day}: {seconds:.1} s ({cpu:.1} s CPU in this process: the function and the gate), calls {calls:?}, {} professionals, full {} lines {:.2} MB, \
             delta {} lines {:.3} MB ({:?}), RSS {before:.1} MB before, peak {peak:.1} MB",
            manifest.professionals,
            manifest.full.lines,
            manifest.full.bytes as f64 / 1e6,
            delta.file.lines,
            delta.file.bytes as f64 / 1e6,
            delta.counts,
        );
        if day == 1 {
            let scale = 1_200_000.0 / n as f64;
            println!(
                "extrapolated to 1.2 million: full {:.0} MB gzip, {:.0} listing queries",
                manifest.full.bytes as f64 / 1e6 * scale,
                calls
                    .get(&"dynamodb:Query".to_owned())
                    .copied()
                    .unwrap_or(0) as f64
                    * scale
            );
        }
    }
    Ok(())
}
