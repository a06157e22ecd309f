use super::*;

fn tcp(host: &str, port: u16) -> Addr {
    Addr::Tcp {
        host: host.to_owned(),
        port,
    }
}

fn endpoint(urls: &[&str]) -> Endpoint {
    Endpoint {
        urls: urls.iter().map(|u| (*u).to_owned()).collect(),
        cluster: false,
        tls_ca: None,
        tls_insecure: false,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        username: None,
        password: None,
    }
}

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn every_url_form_parses() {
    let parsed = |url: &str| parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let p = parsed("redis://ops:s%40cret@10.0.0.5:6380/2");
    assert_eq!(p.addr, tcp("10.0.0.5", 6380));
    assert_eq!(
        (p.tls, p.username.as_deref(), p.password, p.db),
        (false, Some("ops"), Some(Secret("s@cret".to_owned())), 2)
    );
    let p = parsed("rediss://:pw@redis.example:6390");
    assert_eq!(
        (p.addr, p.tls, p.username),
        (tcp("redis.example", 6390), true, None)
    );
    assert_eq!(p.password, Some(Secret("pw".to_owned())));
    assert_eq!(
        parsed("redis://localhost").addr,
        tcp("localhost", DEFAULT_PORT)
    );
    assert_eq!(parsed("redis://localhost/").db, 0);
    assert_eq!(parsed("redis://[::1]:7000/0").addr, tcp("::1", 7000));
    let p = parsed("redis://h/0?user=u&password=p%26q&db=3");
    assert_eq!((p.username.as_deref(), p.db), (Some("u"), 3));
    assert_eq!(p.password, Some(Secret("p&q".to_owned())));
    for scheme in ["unix", "redis+unix"] {
        let p = parsed(&format!(
            "{scheme}:///run/redis/redis.sock?db=1&user=u&pass=p"
        ));
        assert_eq!(p.addr, Addr::Unix(PathBuf::from("/run/redis/redis.sock")));
        assert_eq!((p.db, p.username.as_deref()), (1, Some("u")));
        assert_eq!(p.password, Some(Secret("p".to_owned())));
    }
}

#[test]
fn bad_urls_are_refused_without_repeating_them() {
    for url in [
        "127.0.0.1:6379",
        "ops:hunter2@127.0.0.1:6379",
        "redis://:hunter2@host:notaport/0",
        "redis://:hunter2@host/zero",
        "redis://host/0?hunter2",
        "redis://host/0#hunter2",
        "http://:hunter2@host",
        "unix://host/tmp/x.sock",
        "unix://",
        "redis:///0",
    ] {
        let e = parse_url(url)
            .err()
            .unwrap_or_else(|| panic!("{url} parsed"));
        assert!(!e.contains("hunter2"), "{url}: {e}");
        let e = message(
            endpoint(&[url])
                .resolve()
                .err()
                .unwrap_or_else(|| panic!("{url}")),
        );
        assert!(!e.contains("hunter2"), "{url}: {e}");
    }
    let e = parse_url("127.0.0.1:6379").err().unwrap_or_default();
    assert!(e.contains("no scheme") && e.contains("redis://"), "{e}");
}

#[test]
fn passwords_are_redacted_in_every_form() {
    let cases = [
        (
            "redis://ops:s3cret@10.0.0.5:6379/0",
            "redis://ops:***@10.0.0.5:6379/0",
        ),
        ("redis://:s3cret@host/0", "redis://:***@host/0"),
        ("rediss://host:6380", "rediss://host:6380"),
        (
            "redis://host/0?password=s3cret&db=1",
            "redis://host/0?password=***&db=1",
        ),
        ("redis://host/0?pass=s3cret", "redis://host/0?pass=***"),
        (
            "unix:///tmp/r.sock?db=2&user=u&pass=s3cret",
            "unix:///tmp/r.sock?db=2&user=u&pass=***",
        ),
        (
            "redis+unix:///tmp/r.sock?password=s3cret",
            "redis+unix:///tmp/r.sock?password=***",
        ),
        ("redis://host/0?s3cret", "redis://host/0?***"),
        ("redis://host/0?passwd=s3cret", "redis://host/0?***"),
        ("redis://host/0#s3cret", "redis://host/0"),
        ("redis://ops:s3cr et@@ho st:x/0", "redis://***@ho st:x/0"),
        (
            "redis://:s3cret@host:notaport/0",
            "redis://***@host:notaport/0",
        ),
        ("redis://host:bad/0?pass=s3cret", "redis://host:bad/0?***"),
        ("redis://host:bad/0?pass=s3@cret", "redis://***"),
        ("redis://user:s3?cret@host:1", "redis://***"),
        ("ops:s3cret@127.0.0.1:6379", "***@127.0.0.1:6379"),
        ("127.0.0.1:6379", "127.0.0.1:6379"),
        ("user:s3cret@host", "***@host"),
    ];
    for (url, shown) in cases {
        let redacted = redact_url(url);
        assert!(!redacted.contains("s3c"), "{url} → {redacted}");
        assert_eq!(redacted, shown, "{url}");
    }
    let e = endpoint(&["redis://:s3cret@a:1/0", "unix:///x?pass=s3cret"]);
    assert_eq!(e.target(), "redis://:***@a:1/0,unix:///x?pass=***");
    assert!(!format!("{e:?}").contains("s3cret"));
    assert!(!format!("{:?}", Secret("s3cret".to_owned())).contains("s3cret"));
}

#[test]
fn option_combinations_are_checked_before_connecting() {
    let usage = |e: Endpoint| match e.resolve() {
        Err(Error::Usage(text)) => text,
        Err(other) => panic!("not a usage error: {other}"),
        Ok(_) => panic!("accepted"),
    };
    let mut e = endpoint(&["redis://:s3cret@h:1/0"]);
    e.tls_insecure = true;
    let text = usage(e.clone());
    assert!(
        text.contains("need a rediss:// URL") && !text.contains("s3cret"),
        "{text}"
    );
    e.urls = vec!["rediss://h:1".to_owned()];
    e.tls_ca = Some(b"-----BEGIN CERTIFICATE-----".to_vec());
    assert!(usage(e.clone()).contains("exclude each other"));
    e.tls_insecure = false;
    e.tls_ca = Some(b"not a pem file".to_vec());
    assert!(usage(e).contains("--tls-ca holds no PEM certificate"));
    assert!(usage(endpoint(&["redis://a", "redis://b"])).contains("pass --cluster"));
    let mut e = endpoint(&["redis://a/1"]);
    e.cluster = true;
    assert!(usage(e).contains("only database 0"));
    let mut e = endpoint(&["redis://a", "rediss://b"]);
    e.cluster = true;
    assert!(usage(e).contains("mix"));
}

#[test]
fn credentials_from_the_environment_fill_in_what_the_url_lacks() {
    let mut e = endpoint(&["redis://h:1/4"]);
    e.username = Some("env-user".to_owned());
    e.password = Some("env-pass".to_owned());
    let (seeds, s) = e.resolve().unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(seeds[0].addr, tcp("h", 1));
    assert_eq!((s.username.as_deref(), s.db), (Some("env-user"), 4));
    assert_eq!(s.password, Some(Secret("env-pass".to_owned())));
    e.urls = vec!["redis://url-user:url-pass@h:1".to_owned()];
    let (_, s) = e.resolve().unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(s.username.as_deref(), Some("url-user"));
    assert_eq!(s.password, Some(Secret("url-pass".to_owned())));
}

#[test]
fn the_database_of_a_redacted_target() {
    assert_eq!(database("redis://:***@h:1/3"), Some(3));
    assert_eq!(database("redis://h"), Some(0));
    assert_eq!(database("unix:///x.sock?db=2&pass=***"), Some(2));
    assert_eq!(database("redis://a/1,redis://b/1"), None);
    assert_eq!(database("***@h:1"), None);
}
