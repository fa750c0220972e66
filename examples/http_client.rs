//! GET a URL with baton's pooling HTTP client (hyper-util's `Client` over
//! `baton::http::Connector`) and print the status and the body.
//!
//! Run: `cargo run --features hyper --example http_client -- http://127.0.0.1:3000/`.
//! For https, build with `tls` too and give the PEM file of the root certificate to trust
//! (baton bundles none): `cargo run --features hyper,tls --example http_client --
//! https://localhost:3443/ root.pem`. The client offers HTTP/2 and HTTP/1.1 by ALPN.

use std::path::Path;
use std::time::Duration;

use baton::http::{client_builder, Connector};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{StatusCode, Uri};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// GETs `url`, trusting the root certificates in `root_pem` for https: the status and the
/// whole body.
pub async fn fetch(url: &str, root_pem: Option<&Path>) -> Result<(StatusCode, Bytes), BoxError> {
    let uri: Uri = url.parse()?;
    let client = client_builder().build::<_, Empty<Bytes>>(connector(root_pem)?);
    let res = client.get(uri).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// A connector for http, and for https when given root certificates.
fn connector(root_pem: Option<&Path>) -> Result<Connector, BoxError> {
    let connector = Connector::new().connect_timeout(Some(Duration::from_secs(10)));
    match root_pem {
        None => Ok(connector),
        #[cfg(feature = "tls")]
        Some(pem) => {
            use baton::tls::rustls::{self, pki_types::pem::PemObject, pki_types::CertificateDer};
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(pem)? {
                roots.add(cert?)?;
            }
            let config = rustls::ClientConfig::builder()
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(connector.with_tls(std::sync::Arc::new(config)))
        }
        #[cfg(not(feature = "tls"))]
        Some(_) => Err("a root certificate needs the `tls` feature: \
                        cargo run --features hyper,tls --example http_client -- URL ROOT.pem"
            .into()),
    }
}

#[baton::main]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, root_pem) = match args.as_slice() {
        [url] => (url, None),
        [url, pem] => (url, Some(Path::new(pem))),
        _ => return Err("usage: http_client URL [ROOT.pem]".into()),
    };
    let (status, body) = fetch(url, root_pem).await?;
    println!("{status}");
    println!("{}", String::from_utf8_lossy(&body));
    Ok(())
}
