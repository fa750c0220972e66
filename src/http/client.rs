//! `client()` and `client_builder()`: hyper-util's pooling `legacy::Client` wired to baton in
//! one line (executor, timers, [`Connector`]).

use hyper_util::client::legacy::{Builder, Client};

use super::Connector;
use crate::net::hyper_rt::{HyperExecutor, HyperTimer};

/// A pooling HTTP client (hyper-util's `legacy::Client`) on baton: connections through a
/// [`Connector`] (`http` only; see [`client_builder`] for `https` or other options), their
/// tasks spawned on the loop that opens them, hyper's and the pool's timers on baton's. HTTP/1
/// and, over TLS when the server chooses it by ALPN, HTTP/2. `B` is the request body type.
///
/// The client is `Send + Sync` and may be shared by the tasks of a [`Runtime`](crate::Runtime);
/// a pooled connection stays with the loop it was opened on, so it dies with that loop (a
/// later request then opens another).
///
/// # Examples
/// ```
/// use http_body_util::{BodyExt, Empty};
/// use hyper::body::Bytes;
///
/// baton::run(async {
///     let listener = baton::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     baton::spawn(async move {
///         let (mut conn, _) = listener.accept().await.unwrap();
///         conn.read(&mut [0; 1024]).await.unwrap();
///         conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello").await.unwrap();
///     });
///     let client = baton::http::client::<Empty<Bytes>>();
///     let res = client.get(format!("http://{addr}/").parse().unwrap()).await.unwrap();
///     assert_eq!(res.status(), 200);
///     assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), "hello");
///     std::io::Result::Ok(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn client<B>() -> Client<Connector, B>
where
    B: hyper::body::Body + Send,
    B::Data: Send,
{
    client_builder().build(Connector::new())
}

/// hyper-util's `legacy::Client` builder with baton's executor, timer and pool timer set:
/// choose the client options, then `build` with a [`Connector`] (one that speaks `https`,
/// say).
///
/// # Examples
/// ```
/// use baton::http::{client_builder, Connector};
/// use http_body_util::Full;
/// use hyper::body::Bytes;
/// use std::time::Duration;
///
/// let client = client_builder()
///     .pool_idle_timeout(Duration::from_secs(30))
///     .pool_max_idle_per_host(8)
///     .build::<_, Full<Bytes>>(Connector::new().connect_timeout(Some(Duration::from_secs(5))));
/// # drop(client);
/// ```
pub fn client_builder() -> Builder {
    let mut builder = Client::builder(HyperExecutor);
    builder.timer(HyperTimer).pool_timer(HyperTimer);
    builder
}
