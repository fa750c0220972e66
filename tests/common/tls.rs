//! TLS configurations for the tests (feature `tls`): one self-signed certificate for
//! `localhost`, made with rcgen at each call.

use std::sync::Arc;

use baton::tls::rustls::{self, pki_types::PrivateKeyDer};

/// A client config trusting a fresh self-signed certificate for `localhost`, and a server
/// config presenting it; unwrapped, for a test that sets more (ALPN) before sharing them.
pub fn localhost_config_parts() -> (rustls::ClientConfig, rustls::ServerConfig) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let key = PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let server = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key)
        .unwrap();
    (client, server)
}

/// [`localhost_config_parts`], shared.
pub fn localhost_configs() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let (client, server) = localhost_config_parts();
    (Arc::new(client), Arc::new(server))
}
