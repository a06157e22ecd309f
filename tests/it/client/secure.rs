//! Credentials, least privilege and TLS: passwords in the URL, the query
//! and the environment; a read-only ACL user watched with MONITOR; a Unix
//! socket; TLS with a CA, a wrong CA and `--tls-insecure`.

use killscope::error::Error;
use killscope::source::HashRead;
use killscope::source::redis::{RedisClient, cmd, hgetall, read_tls_ca, xrange, xrevrange};

use crate::support::redis_server::{Monitor, RedisServer, certificates, endpoint, names};

const PASSWORD: &str = "Zq7-hunter2-secret";

fn connect(urls: &[String]) -> Result<RedisClient, Error> {
    RedisClient::connect(&endpoint(urls))
}

fn found(read: &HashRead) -> bool {
    matches!(read, HashRead::Found(h) if h.get("f") == Some(&b"v"[..]))
}

/// The text of an error, and a check that no secret is in it (shown either way).
fn text(e: &Error) -> String {
    let shown = format!("{e} {e:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains("wrong-secret"),
        "{shown}"
    );
    e.to_string()
}

#[test]
fn passwords_from_the_url_or_the_environment() {
    let server = RedisServer::builder().password(PASSWORD).start();
    server.cmd(&["HSET", "quantum:a", "f", "v"]);
    let port = server.port;
    for url in [
        format!("redis://:{PASSWORD}@127.0.0.1:{port}/0"),
        format!("redis://default:{PASSWORD}@127.0.0.1:{port}"),
        format!("redis://127.0.0.1:{port}/0?password={PASSWORD}"),
        format!("redis://127.0.0.1:{port}?user=default&pass={PASSWORD}"),
    ] {
        let mut client =
            connect(std::slice::from_ref(&url)).unwrap_or_else(|e| panic!("{}", text(&e)));
        assert!(!client.target().contains(PASSWORD), "{}", client.target());
        assert!(found(
            &client.hgetall_many(&["quantum:a"]).expect("read")[0]
        ));
    }
    let mut from_env = endpoint(&[server.url()]);
    from_env.username = Some("default".to_owned());
    from_env.password = Some(PASSWORD.to_owned());
    assert!(!format!("{from_env:?}").contains(PASSWORD));
    let mut client = RedisClient::connect(&from_env).unwrap_or_else(|e| panic!("{}", text(&e)));
    assert!(found(
        &client.hgetall_many(&["quantum:a"]).expect("read")[0]
    ));

    // A wrong password fails at connect, names the target redacted.
    let wrong = format!("redis://:wrong-secret-42@127.0.0.1:{port}/0");
    let e = connect(&[wrong]).err().expect("refused");
    let shown = text(&e);
    assert!(
        shown.contains("authentication failed (WRONGPASS"),
        "{shown}"
    );
    assert!(
        shown.starts_with(&format!("redis://:***@127.0.0.1:{port}/0: ")),
        "{shown}"
    );
    let mut wrong_env = endpoint(&[server.url()]);
    wrong_env.password = Some("wrong-secret-42".to_owned());
    let e = RedisClient::connect(&wrong_env).err().expect("refused");
    assert!(text(&e).contains("authentication failed"));

    // No password: nothing is sent at connect, so the first read says it.
    let mut client = connect(&[server.url()]).expect("connects");
    let e = client.hgetall_many(&["quantum:a"]).expect_err("NOAUTH");
    assert!(text(&e).contains("authentication failed (NOAUTH"), "{e}");
}

#[test]
fn a_read_only_acl_user_is_sent_only_read_commands() {
    let server = RedisServer::start();
    server.cmd(&[
        "ACL",
        "SETUSER",
        "auditor",
        "on",
        ">s3cret-ro",
        "~quantum:*",
        "+@read",
    ]);
    for i in 0..300 {
        server.cmd(&["HSET", &format!("quantum:p:{i}"), "f", "v"]);
    }
    server.cmd(&["XADD", "quantum:stream", "*", "f", "v"]);
    server.cmd(&["SET", "quantum:theta", "{}"]);
    server.cmd(&["HSET", "secret:p:1", "f", "v"]);
    let url = format!("redis://auditor:s3cret-ro@127.0.0.1:{}/0", server.port);

    let monitor = Monitor::start(&server);
    let mut client = connect(&[url]).expect("connects");
    let keys = client.scan("quantum:p:*").expect("scan");
    assert_eq!(keys.len(), 300);
    let reads = client.hgetall_many(&keys).expect("hgetall_many");
    assert!(reads.iter().all(found));
    assert_eq!(
        client.get_many(&["quantum:theta"]).expect("get"),
        [Some(b"{}".to_vec())]
    );
    let discovered = client
        .scan_and_hgetall("quantum:p:*", |key| vec![hgetall(key)])
        .expect("scan_and_read");
    assert!(discovered.iter().all(|d| found(&d.replies[0])));
    let replies = client
        .pipeline(vec![
            cmd("EXISTS").arg("quantum:p:1"),
            xrevrange("quantum:stream", 10),
            xrange("quantum:stream", 10),
            hgetall("secret:p:1"),
        ])
        .expect("pipeline");
    assert!(
        matches!(&replies[3], Err(e) if e.starts_with("NOPERM")),
        "{:?}",
        replies[3]
    );
    let commands = monitor.finish(&server);
    assert_eq!(
        names(&commands),
        [
            "AUTH",
            "EXISTS",
            "GET",
            "HGETALL",
            "SCAN",
            "XRANGE",
            "XREVRANGE"
        ],
        "{commands:?}"
    );
    assert_eq!(
        commands.iter().filter(|c| c[0] == "AUTH").count(),
        1,
        "one connection, one AUTH"
    );

    // Writes are refused in their own slot, the rest of the batch goes on.
    let replies = client
        .pipeline(vec![
            cmd("HSET").arg("quantum:p:1").arg("f").arg("w"),
            hgetall("quantum:p:1"),
        ])
        .expect("pipeline");
    assert!(
        matches!(&replies[0], Err(e) if e.starts_with("NOPERM")),
        "{:?}",
        replies[0]
    );
    assert!(replies[1].is_ok());
}

#[test]
fn select_is_sent_only_for_a_database_other_than_0() {
    let server = RedisServer::start();
    server.cmd(&["SELECT", "3"]);
    let mut raw = server.client();
    redis::cmd("SELECT")
        .arg(3)
        .query::<()>(&mut raw)
        .expect("select");
    redis::cmd("HSET")
        .arg("quantum:a")
        .arg("f")
        .arg("v")
        .query::<()>(&mut raw)
        .expect("hset");
    let monitor = Monitor::start(&server);
    let url3 = format!("redis://127.0.0.1:{}/3", server.port);
    assert!(found(
        &connect(&[url3])
            .expect("db 3")
            .hgetall_many(&["quantum:a"])
            .expect("read")[0]
    ));
    let read0 = connect(&[server.url()])
        .expect("db 0")
        .hgetall_many(&["quantum:a"])
        .expect("read");
    assert_eq!(read0, [HashRead::Missing]);
    let commands = monitor.finish(&server);
    assert_eq!(names(&commands), ["HGETALL", "SELECT"], "{commands:?}");
    assert_eq!(commands.iter().filter(|c| c[0] == "SELECT").count(), 1);
}

#[test]
fn a_unix_socket_with_the_password_in_the_query() {
    let server = RedisServer::builder()
        .unix_socket()
        .password(PASSWORD)
        .start();
    server.cmd(&["HSET", "quantum:a", "f", "v"]);
    let socket = server.socket().display().to_string();
    for url in [
        format!("unix://{socket}?pass={PASSWORD}"),
        format!("redis+unix://{socket}?db=0&user=default&password={PASSWORD}"),
    ] {
        let mut client =
            connect(std::slice::from_ref(&url)).unwrap_or_else(|e| panic!("{}", text(&e)));
        assert!(client.target().contains("=***") && !client.target().contains(PASSWORD));
        assert!(found(
            &client.hgetall_many(&["quantum:a"]).expect("read")[0]
        ));
    }
    let e = connect(&[format!("unix://{socket}.gone?pass={PASSWORD}")])
        .err()
        .expect("no socket");
    assert!(text(&e).contains("connection failed"), "{e}");
}

#[test]
fn tls_verifies_with_the_ca_or_not_at_all_and_says_why_it_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, ca) = certificates(dir.path());
    let other = tempfile::tempdir().expect("tempdir");
    let (_, _, wrong_ca) = certificates(other.path());
    let server = RedisServer::builder()
        .tls(&cert, &key, &ca)
        .password(PASSWORD)
        .start();
    let mut loader = server.client();
    let big = vec![b'x'; 10 << 20];
    redis::cmd("HSET")
        .arg("quantum:big")
        .arg("f")
        .arg(&big)
        .query::<()>(&mut loader)
        .expect("big");
    redis::cmd("HSET")
        .arg("quantum:a")
        .arg("f")
        .arg("v")
        .query::<()>(&mut loader)
        .expect("a");
    let url = format!("rediss://:{PASSWORD}@127.0.0.1:{}/0", server.port);

    let mut e = endpoint(std::slice::from_ref(&url));
    e.tls_ca = Some(read_tls_ca(&ca).expect("CA file"));
    let mut client = RedisClient::connect(&e).unwrap_or_else(|e| panic!("{}", text(&e)));
    let reads = client
        .hgetall_many(&["quantum:a", "quantum:big"])
        .expect("read over TLS");
    assert!(found(&reads[0]));
    assert!(matches!(&reads[1], HashRead::Found(h) if h.get("f") == Some(&big[..])));

    let mut insecure = endpoint(std::slice::from_ref(&url));
    insecure.tls_insecure = true;
    let mut client = RedisClient::connect(&insecure).unwrap_or_else(|e| panic!("{}", text(&e)));
    assert!(found(
        &client.hgetall_many(&["quantum:a"]).expect("read")[0]
    ));

    let mut wrong = endpoint(std::slice::from_ref(&url));
    wrong.tls_ca = Some(read_tls_ca(&wrong_ca).expect("CA file"));
    let system = endpoint(std::slice::from_ref(&url));
    for e in [wrong, system] {
        let shown = text(&RedisClient::connect(&e).err().expect("untrusted"));
        assert!(shown.contains("TLS failed (the server's certificate is not signed by a trusted CA; pass its CA with --tls-ca"), "{shown}");
        assert!(
            shown.starts_with(&format!("rediss://:***@127.0.0.1:{}/0: ", server.port)),
            "{shown}"
        );
    }

    // A --tls-ca file with no certificate in it is named, not an UnknownIssuer.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").expect("write");
    let shown = read_tls_ca(&empty).expect_err("empty CA").to_string();
    assert!(
        shown.contains("empty.pem") && shown.contains("no PEM certificate"),
        "{shown}"
    );
    let shown = read_tls_ca(&key).expect_err("a key is no CA").to_string();
    assert!(
        shown.contains("server.key") && shown.contains("no PEM certificate"),
        "{shown}"
    );
    let mut e = endpoint(std::slice::from_ref(&url));
    e.tls_ca = Some(Vec::new());
    let shown = text(&RedisClient::connect(&e).err().expect("empty CA"));
    assert!(
        shown.contains("--tls-ca holds no PEM certificate"),
        "{shown}"
    );

    // A plain Redis behind a rediss:// URL waits for the rest of a "line":
    // bounded by the connect timeout, and says where it was stuck.
    let plain = RedisServer::start();
    let mut e = endpoint(&[format!("rediss://127.0.0.1:{}/0", plain.port)]);
    e.tls_insecure = true;
    e.connect_timeout = std::time::Duration::from_millis(500);
    let shown = text(&RedisClient::connect(&e).err().expect("not TLS"));
    assert!(
        shown.ends_with("timed out after 500ms (in the TLS handshake)"),
        "{shown}"
    );
}
