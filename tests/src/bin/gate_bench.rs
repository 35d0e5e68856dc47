//! What the local IAM gate (`rpps_local::gate`, issue 15) adds to each call the functions make
//! in `make run` and `make test`: `N` rounds (default 300) of the three calls a request page and
//! a validation make most (GetItem of a request, PutItem of an audit event, Query of an
//! establishment's queue on GSI1), each call made once straight to moto and once through the
//! gate, alternated, then the median and 99th percentile of each. Figures in
//! docs/PERFORMANCE.md.
//!
//! AWS_ENDPOINT_URL=http://127.0.0.1:5599 cargo run --release -p rpps-e2e --bin gate_bench -- [N]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use rpps_e2e::bench::{moto_endpoint, percentile};
use rpps_store::{Store, Tables, keys};

fn item(pk: String, sk: String) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(pk)),
        (keys::SK.to_owned(), AttributeValue::S(sk)),
    ])
}

async fn round(client: &Client, table: &str, i: usize) -> anyhow::Result<[Duration; 3]> {
    let started = Instant::now();
    client
        .get_item()
        .table_name(table)
        .set_key(Some(item(
            keys::registration(&format!("bench-{i}")),
            keys::REGISTRATION_SK.into(),
        )))
        .send()
        .await?;
    let get = started.elapsed();
    let started = Instant::now();
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item(
            keys::audit_subject(&format!("REQ#bench-{i}")),
            format!("AUDIT#{i}"),
        )))
        .send()
        .await?;
    let put = started.elapsed();
    let started = Instant::now();
    client
        .query()
        .table_name(table)
        .index_name("GSI1")
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "GSI1PK")
        .expression_attribute_values(":pk", AttributeValue::S(keys::pending("750712184")))
        .send()
        .await?;
    Ok([get, put, started.elapsed()])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()
        .context("N: a number of rounds")?
        .unwrap_or(300);
    let endpoint = moto_endpoint()?;
    let prefix = format!("gate{}", uuid::Uuid::new_v4().simple());
    let tables = Tables::with_prefix(&prefix);
    let sdk = rpps_runtime::aws::for_local_endpoint(&endpoint);
    let store = Store::new(Client::new(&sdk), tables.clone());
    store.ensure_tables().await?;
    let config = rpps_runtime::Config {
        registry_table: tables.registry.clone(),
        sessions_table: tables.sessions.clone(),
        mail_from: "no-reply@rpps-plus.localhost".into(),
        mail_identity: "no-reply@rpps-plus.localhost".into(),
        public_origin: None,
    };
    let gate = rpps_local::gate::Gate::start(
        &endpoint,
        rpps_local::gate::local_stack(&config, &format!("{prefix}-site")),
        config.mail_identity.clone(),
    )
    .await?;
    let direct = Client::new(&sdk);
    let gated = Client::new(&gate.sdk_for("rpps-registrations"));
    // Warm both connections.
    round(&direct, &tables.registry, 0).await?;
    round(&gated, &tables.registry, 0).await?;
    let mut times: [[Vec<Duration>; 3]; 2] = Default::default();
    for i in 1..=rounds {
        for (path, client) in [&direct, &gated].into_iter().enumerate() {
            let took = round(client, &tables.registry, i).await?;
            for (call, t) in took.into_iter().enumerate() {
                times[path][call].push(t);
            }
        }
    }
    anyhow::ensure!(gate.denials().is_empty(), "refused: {:?}", gate.denials());
    println!("{rounds} rounds, moto at {endpoint}");
    println!("| call | direct p50 | gate p50 | gate − direct p50 | direct p99 | gate p99 |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for (call, name) in ["GetItem", "PutItem", "Query GSI1"].iter().enumerate() {
        let [direct, gated] = [0, 1].map(|path| {
            let mut sorted = times[path][call].clone();
            sorted.sort();
            (percentile(&sorted, 50.0), percentile(&sorted, 99.0))
        });
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            ms(direct.0),
            ms(gated.0),
            ms(gated.0.saturating_sub(direct.0)),
            ms(direct.1),
            ms(gated.1)
        );
    }
    Ok(())
}
