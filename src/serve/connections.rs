//! Serving connections: the router over hyper's HTTP/1, with two limits that
//! `axum::serve` does not offer. A client that opens connections and sends
//! nothing, or trickles a request head byte by byte, must not be able to
//! hold the server: a request head has [`Limits::head_timeout`] to arrive
//! (an idle keep-alive connection is closed after as long; browsers open a
//! new one), and at most [`Limits::connections`] connections are open at
//! once (more wait in the listen queue until one closes). A live-reload event
//! stream is a response being sent, not a head being read: it stays open.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How much a client may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; a browser tab uses a handful.
    pub connections: usize,
    /// Time to send a whole request head.
    pub head_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connections: 256,
            head_timeout: Duration::from_secs(10),
        }
    }
}

/// Accept connections and serve `router` on them, until the future is dropped.
pub async fn serve(listener: TcpListener, router: Router, limits: Limits) {
    let permits = Arc::new(Semaphore::new(limits.connections.max(1)));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, a connection reset before it was
            // accepted…: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Live-reload events are tiny writes: send them at once.
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let router = router.clone();
                async move {
                    let response = router.oneshot(request.map(Body::new)).await;
                    Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
                }
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(limits.head_timeout);
            // A connection that ends in error (timed out, reset) is just closed.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Instant;

    async fn start(limits: Limits) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "hello" }));
        tokio::spawn(serve(listener, router, limits));
        addr
    }

    /// Read until the server closes the connection or `within` passes;
    /// what was read and whether it closed.
    fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
        stream.set_read_timeout(Some(within)).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => return (String::from_utf8_lossy(&out).into_owned(), true),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    return (String::from_utf8_lossy(&out).into_owned(), true);
                }
                Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_head_that_never_ends_is_cut_off() {
        let addr = start(Limits {
            connections: 8,
            head_timeout: Duration::from_millis(300),
        })
        .await;
        tokio::task::spawn_blocking(move || {
            let mut slow = TcpStream::connect(addr).unwrap();
            slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            let started = Instant::now();
            let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(10));
            assert!(closed, "the server kept a half-sent request open");
            assert!(started.elapsed() >= Duration::from_millis(250));

            // A whole request is answered as usual.
            let mut ok = TcpStream::connect(addr).unwrap();
            ok.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .unwrap();
            let (response, closed) = read_until_closed(&mut ok, Duration::from_secs(10));
            assert!(closed);
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            assert!(response.ends_with("hello"), "{response}");
        })
        .await
        .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_over_the_limit_wait_for_one_to_close() {
        let addr = start(Limits {
            connections: 2,
            head_timeout: Duration::from_secs(30),
        })
        .await;
        tokio::task::spawn_blocking(move || {
            let first = TcpStream::connect(addr).unwrap();
            let _second = TcpStream::connect(addr).unwrap();
            // The third is queued, not served, while two are open…
            let mut third = TcpStream::connect(addr).unwrap();
            third
                .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .unwrap();
            let (early, _) = read_until_closed(&mut third, Duration::from_millis(300));
            assert_eq!(early, "", "served beyond the limit");
            // …and served once one of them closes.
            drop(first);
            let (response, closed) = read_until_closed(&mut third, Duration::from_secs(10));
            assert!(closed);
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        })
        .await
        .unwrap();
    }
}
