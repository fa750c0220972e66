//! A hyper HTTP/1.1 server answering "Hello, World!" over TLS, on baton.
//!
//! Run: `cargo run --features tls,hyper --example hello_https [ADDR] [CERT.pem KEY.pem]`
//! (default 127.0.0.1:3443), then `curl -k https://127.0.0.1:3443/` (`-k`: the certificate is
//! self-signed). Without PEM files it makes a self-signed certificate for `localhost` and
//! 127.0.0.1 with rcgen. It advertises `http/1.1` through ALPN.

use std::convert::Infallible;
use std::sync::Arc;

use baton::net::hyper_rt::HyperTimer;
use baton::net::TcpListener;
use baton::tls::rustls::pki_types::pem::PemObject;
use baton::tls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use baton::tls::{rustls, TlsAcceptor};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

/// The certificate chain and key: read from PEM files, or made here, self-signed.
fn certificate(
    pem_files: &[String],
) -> std::io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let invalid = |e: rustls::pki_types::pem::Error| std::io::Error::other(e.to_string());
    if let [cert, key] = pem_files {
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(invalid)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(invalid)?;
        return Ok((chain, key));
    }
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).map_err(std::io::Error::other)?;
    let key = PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    Ok((vec![made.cert.der().clone()], key))
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (addr, pem_files) = match args.as_slice() {
        [addr, pem @ ..] if !addr.ends_with(".pem") => (addr.clone(), pem.to_vec()),
        pem => ("127.0.0.1:3443".to_owned(), pem.to_vec()),
    };
    let (chain, key) = certificate(&pem_files)?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));

    baton::run(async move {
        let listener = TcpListener::bind(addr).await?;
        println!("listening on https://{}", listener.local_addr()?);
        loop {
            let (tcp, _) = listener.accept().await?;
            let acceptor = acceptor.clone();
            // Each connection's handshake and requests run in its own task, so a client that
            // stalls its handshake holds up nobody else.
            drop(baton::spawn(async move {
                let handshake = acceptor.accept(tcp);
                let tls = match baton::timeout(std::time::Duration::from_secs(60), handshake).await
                {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return eprintln!("TLS handshake failed: {e}"),
                    Err(_) => return eprintln!("TLS handshake timed out"),
                };
                let served = http1::Builder::new()
                    .timer(HyperTimer)
                    .serve_connection(tls, service_fn(hello))
                    .await;
                if let Err(e) = served {
                    eprintln!("connection error: {e}");
                }
            }));
        }
    })
}
