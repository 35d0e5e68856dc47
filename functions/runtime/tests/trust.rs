//! What the SDK clients trust, over real TLS handshakes. A certificate authority made for this
//! test becomes "the system's store" (`SSL_CERT_FILE`, which the SDK's native-roots loader
//! reads); a loopback HTTPS server answers a DynamoDB `ListTables` with a certificate it signed.
//! The functions' client (`https_client`, Amazon Trust Services' roots only) must refuse it; the
//! operators' CLI client (`https_client_trusting_system_roots`) must accept it. One test in its
//! own binary: the environment variable and the SDK's cached native roots are process-wide.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A loopback HTTPS server that answers every request with an empty `ListTables` result,
/// presenting a certificate for `localhost` signed by a new authority; returns its port and the
/// authority's PEM.
async fn server() -> (u16, String) {
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = CertificateParams::new(Vec::new()).expect("CA parameters");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("a CA certificate");
    let key = KeyPair::generate().expect("a server key");
    let cert = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server parameters")
        .signed_by(&key, &ca, &ca_key)
        .expect("a server certificate");
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .expect("a server configuration");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake ends here: that is the case under test.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"TableNames":[]}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, ca.pem())
}

#[tokio::test]
async fn the_functions_trust_amazon_roots_only_and_the_cli_the_systems_too() {
    let (port, ca_pem) = server().await;
    let dir = std::env::temp_dir().join(format!("rpps-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let ca_file = dir.join("system-store.pem");
    std::fs::write(&ca_file, ca_pem).expect("the CA written");
    // SAFETY: set before any client exists, in a test binary with this single test.
    unsafe { std::env::set_var("SSL_CERT_FILE", &ca_file) };

    let endpoint = format!("https://localhost:{port}");
    let list_tables = |http| {
        let mut sdk = rpps_runtime::aws::for_local_endpoint(&endpoint).to_builder();
        sdk.set_http_client(Some(http));
        let client = aws_sdk_dynamodb::Client::new(&sdk.build());
        async move { client.list_tables().send().await }
    };

    // The CLI trusts the system's store: the handshake succeeds and the answer is read.
    let cli = list_tables(rpps_runtime::aws::https_client_trusting_system_roots()).await;
    let tables = cli.expect("the CLI's client trusts the system's store");
    assert_eq!(tables.table_names(), [] as [String; 0]);

    // The functions trust Amazon's roots only: the same server is refused at the handshake.
    let functions = list_tables(rpps_runtime::aws::https_client()).await;
    let error = functions.expect_err("the functions' client refuses an authority not Amazon's");
    let chain = format!("{:?}", aws_sdk_dynamodb::error::DisplayErrorContext(&error));
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("invalid peer certificate"),
        "not a certificate refusal: {chain}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
