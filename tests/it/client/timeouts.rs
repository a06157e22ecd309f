//! Bounded time: a trickling server, a paused server, a server that never
//! answers AUTH or never reads, and what is not Redis at all.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use killscope::error::Error;
use killscope::source::redis::{RedisClient, cmd};

use crate::support::redis_server::{RedisServer, certificates, endpoint, free_port};

/// A fake server on a free port; `serve` gets each accepted connection.
fn fake(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let serve = std::sync::Arc::new(serve);
        for stream in listener.incoming().flatten() {
            let serve = std::sync::Arc::clone(&serve);
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("redis://127.0.0.1:{port}/0")
}

fn timed(timeout: Duration, url: &str, password: bool) -> killscope::source::redis::Endpoint {
    let mut e = endpoint(&[url.to_owned()]);
    e.timeout = timeout;
    e.connect_timeout = timeout;
    if password {
        e.password = Some("pw".to_owned());
    }
    e
}

fn within(started: Instant, low: f64, high: f64) -> Duration {
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs_f64(low) && took <= Duration::from_secs_f64(high),
        "took {took:?}, wanted {low}–{high} s"
    );
    took
}

fn split(e: Error) -> (String, String) {
    match e {
        Error::Redis { target, reason } => (target, reason),
        other => panic!("not a Redis error: {other}"),
    }
}

#[test]
fn a_trickling_reply_times_out_at_the_deadline_not_per_read() {
    let url = fake(|mut stream| {
        let mut request = [0u8; 1024];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(b"$1000\r\n");
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(500));
            if stream.write_all(&[b'x'; 64]).is_err() {
                return;
            }
        }
    });
    let mut client =
        RedisClient::connect(&timed(Duration::from_secs(1), &url, false)).expect("connects");
    let started = Instant::now();
    let e = client.get_many(&["k"]).expect_err("times out");
    within(started, 1.0, 1.6);
    let (target, reason) = split(e);
    assert_eq!(target, url);
    assert_eq!(reason, "timed out after 1s (waiting for a reply)");
}

/// A TLS server that answers with one record of a 1,000-byte bulk string,
/// sent 64 bytes every half second: no read ever waits long, and no
/// complete record arrives for 8 s.
fn tls_trickler(dir: &std::path::Path) -> (String, Vec<u8>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (cert, key, ca) = certificates(dir);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .expect("cert")
        .collect::<Result<_, _>>()
        .expect("cert");
    let key = PrivateKeyDer::from_pem_file(&key).expect("key");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let config = std::sync::Arc::new(config);
    let url = fake(move |sock| {
        let conn = rustls::ServerConnection::new(std::sync::Arc::clone(&config)).expect("tls");
        let mut tls = rustls::StreamOwned::new(conn, sock);
        let mut request = [0u8; 1024];
        if tls.read(&mut request).is_err() {
            return;
        }
        let mut reply = b"$1000\r\n".to_vec();
        reply.extend_from_slice(&[b'x'; 1000]);
        reply.extend_from_slice(b"\r\n");
        tls.conn.writer().write_all(&reply).expect("plaintext");
        let mut records = Vec::new();
        while tls.conn.wants_write() {
            tls.conn.write_tls(&mut records).expect("records");
        }
        for piece in records.chunks(64) {
            std::thread::sleep(Duration::from_millis(500));
            if tls.sock.write_all(piece).is_err() {
                return;
            }
        }
    });
    (
        url.replace("redis://", "rediss://"),
        std::fs::read(ca).expect("CA"),
    )
}

#[test]
fn a_trickled_tls_record_times_out_at_the_deadline_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (url, ca) = tls_trickler(dir.path());
    let mut e = timed(Duration::from_secs(1), &url, false);
    e.tls_ca = Some(ca);
    let mut client = RedisClient::connect(&e).expect("connects");
    let started = Instant::now();
    let e = client.get_many(&["k"]).expect_err("times out");
    within(started, 1.0, 1.6);
    let (target, reason) = split(e);
    assert_eq!(target, url);
    assert_eq!(reason, "timed out after 1s (waiting for a reply)");
}

#[test]
fn a_paused_server_times_out_within_the_bound() {
    let server = RedisServer::start();
    server.cmd(&["HSET", "quantum:a", "f", "v"]);
    let mut client = RedisClient::connect(&timed(Duration::from_secs(1), &server.url(), false))
        .expect("connects");
    let keys: Vec<String> = (0..5000).map(|i| format!("quantum:{i}")).collect();
    server.cmd(&["CLIENT", "PAUSE", "5000", "ALL"]);
    for read in 0..3 {
        let started = Instant::now();
        let e = match read {
            0 => client.hgetall_many(&keys).map(drop),
            1 => client.scan("quantum:*").map(drop),
            _ => client.get_many(&["quantum:a"]).map(drop),
        }
        .expect_err("times out");
        within(started, 1.0, 1.6);
        let (target, reason) = split(e);
        assert_eq!(target, server.url());
        assert!(reason.starts_with("timed out after 1s"), "{reason}");
    }
}

#[test]
fn connecting_is_bounded_by_the_connect_timeout_as_a_whole() {
    // Accepts, reads AUTH, never answers.
    let silent = fake(|mut stream| {
        let mut buf = [0u8; 1024];
        while let Ok(1..) = stream.read(&mut buf) {}
    });
    let started = Instant::now();
    let e = RedisClient::connect(&timed(Duration::from_millis(500), &silent, true))
        .err()
        .expect("times out");
    within(started, 0.5, 1.0);
    let (target, reason) = split(e);
    assert_eq!(target, silent);
    assert_eq!(
        reason,
        "timed out after 500ms (waiting for the AUTH/SELECT reply)"
    );

    // Trickles an answer to AUTH: still bounded as a whole.
    let trickle = fake(|mut stream| {
        let mut buf = [0u8; 1024];
        let _ = stream.read(&mut buf);
        for b in b"+OK".iter().cycle().take(100) {
            std::thread::sleep(Duration::from_millis(100));
            if stream.write_all(&[*b]).is_err() {
                return;
            }
        }
    });
    let started = Instant::now();
    let e = RedisClient::connect(&timed(Duration::from_millis(500), &trickle, true))
        .err()
        .expect("times out");
    within(started, 0.5, 1.0);
    assert!(split(e).1.starts_with("timed out after 500ms"));
}

#[test]
fn a_server_that_never_reads_bounds_the_write() {
    let deaf = fake(|stream| {
        std::thread::sleep(Duration::from_secs(30));
        drop(stream);
    });
    let mut client =
        RedisClient::connect(&timed(Duration::from_secs(1), &deaf, false)).expect("connects");
    // Bigger than every socket buffer on the way.
    let huge = cmd("SET").arg("quantum:k").arg(vec![b'x'; 64 << 20]);
    let started = Instant::now();
    let e = client.pipeline(vec![huge]).expect_err("times out");
    within(started, 1.0, 1.6);
    assert!(
        split(e)
            .1
            .starts_with("timed out after 1s (sending commands)")
    );
}

#[test]
fn what_is_not_redis_fails_fast_with_one_line() {
    let closed = format!("redis://127.0.0.1:{}/0", free_port());
    let (target, reason) = split(
        RedisClient::connect(&endpoint(std::slice::from_ref(&closed)))
            .err()
            .expect("refused"),
    );
    assert_eq!(target, closed);
    assert!(reason.starts_with("connection refused ("), "{reason}");

    let http = fake(|mut stream| {
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let mut client =
        RedisClient::connect(&endpoint(std::slice::from_ref(&http))).expect("connects");
    let (_, reason) = split(client.hgetall_many(&["k"]).expect_err("not Redis"));
    assert_eq!(
        reason,
        "the server did not answer like Redis (expected a RESP reply, got \"HTTP/1.1 400 Bad Request\")"
    );
    let e = RedisClient::connect(&timed(Duration::from_secs(1), &http, true))
        .err()
        .expect("not Redis");
    assert!(reason_of(e).contains("did not answer like Redis"));

    // Closed mid-reply.
    let cut = fake(|mut stream| {
        let mut buf = [0u8; 512];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"*2\r\n$1\r\na\r\n");
    });
    let mut client = RedisClient::connect(&endpoint(&[cut])).expect("connects");
    let (_, reason) = split(client.hgetall_many(&["k"]).expect_err("cut"));
    assert_eq!(
        reason,
        "connection failed (the server closed the connection)"
    );
    // …and the next call connects again rather than reading a stale stream.
    let (_, reason) = split(client.hgetall_many(&["k"]).expect_err("cut again"));
    assert_eq!(
        reason,
        "connection failed (the server closed the connection)"
    );
}

fn reason_of(e: Error) -> String {
    split(e).1
}
