//! The `rpps-local` binary as `make run` starts it: it prepares moto, seeds the demo data and
//! answers on the port it is given — the README's "done when" checks, over HTTP.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Running(tokio::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

#[tokio::test]
async fn the_runner_serves_the_api_and_the_site_on_its_port() {
    let endpoint = std::env::var("RPPS_TEST_AWS_ENDPOINT")
        .expect("RPPS_TEST_AWS_ENDPOINT is not set: run the tests with `make test`");
    let port = free_port();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rpps-local"))
        .arg("--seed")
        .env("PORT", port.to_string())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("RPPS_TABLE_PREFIX", format!("bin{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("rpps-local starts");
    let _running = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/api/health"))
            .send()
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        ready,
        "rpps-local did not answer on port {port} within 10 s"
    );

    let paris: Value = client
        .get(format!("{base}/api/communes?q=paris"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let labels: Vec<&str> = paris["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(labels[0].contains("75056"), "{labels:?}");
    assert!(
        labels.len() >= 21,
        "Paris and its 20 arrondissements: {labels:?}"
    );
    assert!(
        labels[1..21].iter().all(|l| l.contains("(751")),
        "{labels:?}"
    );

    let siret: Value = client
        .get(format!("{base}/api/establishments?q=26010004500012"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        siret["explanation"]["code"],
        "establishment.siret_not_finess"
    );

    let home = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("RPPS+"));
}
