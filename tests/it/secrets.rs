//! A Redis password never appears in output, logs, packs or reports: every
//! command runs with a password-bearing URL (and with `REDIS_PASSWORD`),
//! and everything it printed or wrote is searched for the password.

use std::path::Path;
use std::time::Duration;

use crate::publish::publish_loop;
use crate::support::cmd::{Killscope, Run, root};
use crate::support::redis_server::{RedisServer, free_port};

const PASSWORD: &str = "Zq7-hunter2-secret";

/// Everything a run left behind: its output and every file under `dir`.
fn leaked(run: &Run, dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if run.stdout.contains(PASSWORD) {
        found.push(format!("stdout of {}", run.line));
    }
    if run.stderr.contains(PASSWORD) {
        found.push(format!("stderr of {}", run.line));
    }
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let bytes = std::fs::read(entry.path()).unwrap_or_default();
        if String::from_utf8_lossy(&bytes).contains(PASSWORD) {
            found.push(entry.path().display().to_string());
        }
    }
    found
}

#[test]
fn no_command_shows_the_password_anywhere() {
    let server = RedisServer::builder().password(PASSWORD).start();
    server.load_pack(&root().join("examples/packs/production-2026-01-23.json"));
    let port = server.port;
    let url = format!("redis://default:{PASSWORD}@127.0.0.1:{port}/0");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| dir.path().join(name).display().to_string();
    let pack = file("pack.json");
    let reports: Vec<String> = ["json", "junit", "markdown", "tap", "prometheus"]
        .iter()
        .map(|f| format!("{f}={}", file(&format!("report.{f}"))))
        .collect();

    let mut runs: Vec<Vec<String>> = vec![
        vec!["snapshot".into(), "--out".into(), pack.clone()],
        vec!["snapshot".into(), "--format".into(), "json".into()],
        vec!["snapshot".into(), "--format".into(), "markdown".into()],
        vec!["explain".into(), "ETHUSDT".into()],
        vec![
            "explain".into(),
            "ETHUSDT".into(),
            "--format".into(),
            "json".into(),
        ],
        vec!["explain".into(), "NOSUCHUSDT".into()],
        vec![
            "publish".into(),
            "--once".into(),
            "-v".into(),
            "--position-source".into(),
            "synthetic".into(),
        ],
        vec![
            "publish".into(),
            "--once".into(),
            "--dry-run".into(),
            "--position-source".into(),
            "synthetic".into(),
        ],
        vec![
            "verify".into(),
            "--retry-timeout".into(),
            "1s".into(),
            "--sleep".into(),
            "200ms".into(),
            "--max-age".into(),
            "0s".into(),
        ],
    ];
    let mut verify = vec!["verify".to_owned()];
    for r in &reports {
        verify.push("--report".into());
        verify.push(r.clone());
    }
    runs.push(verify);
    for format in ["table", "json", "junit", "markdown", "tap", "prometheus"] {
        runs.push(vec!["verify".into(), "--format".into(), format.into()]);
    }
    let mut found = Vec::new();
    for args in &runs {
        // The password in the URL, and in the environment with a username.
        let in_url = Killscope::new().args(args).args(["--redis-url", &url]);
        let in_env = Killscope::new()
            .args(args)
            .args(["--redis-url", &server.url()])
            .env("REDIS_USERNAME", "default")
            .env("REDIS_PASSWORD", PASSWORD);
        for run in [in_url.run(), in_env.run()] {
            assert!(
                matches!(run.code, Some(0..=3)),
                "{}: {:?}\n{}",
                run.line,
                run.code,
                run.stderr
            );
            found.extend(leaked(&run, dir.path()));
        }
    }
    assert!(Path::new(&pack).exists() && dir.path().join("report.junit").exists());

    // Failures name the target, redacted: a wrong password, nothing
    // listening, a URL that does not parse, cluster seeds.
    let closed = free_port();
    for bad in [
        format!("redis://default:{PASSWORD}x@127.0.0.1:{port}/0"),
        format!("redis://default:{PASSWORD}@127.0.0.1:{closed}/0"),
        format!("redis://default:{PASSWORD}@127.0.0.1:notaport/0"),
        format!("rediss://default:{PASSWORD}@127.0.0.1:{closed}/0"),
    ] {
        for args in [
            vec!["verify"],
            vec!["snapshot", "--out", &pack],
            vec!["publish", "--once"],
        ] {
            let run = Killscope::new()
                .args(&args)
                .args(["--redis-url", &bad, "--connect-timeout", "500ms"])
                .run();
            run.code(2).one_line_error();
            found.extend(leaked(&run, dir.path()));
        }
        let run = Killscope::new()
            .args([
                "verify",
                "--cluster",
                "--connect-timeout",
                "500ms",
                "--redis-url",
            ])
            .arg(format!("{bad},redis://:{PASSWORD}@127.0.0.1:{closed}"))
            .run();
        run.code(2).one_line_error();
        found.extend(leaked(&run, dir.path()));
    }

    // The service's log, over a few cycles and a lost connection.
    let mut publisher = publish_loop(&url, &["--interval", "0.05", "-v"]);
    publisher.await_line("cycle=2 published=0 heartbeats=3", Duration::from_secs(10));
    drop(server);
    publisher.await_line("not published", Duration::from_secs(10));
    let (code, _) = publisher.signal("-TERM");
    assert_eq!(code, Some(0));
    // The reader thread may still be handing over the last lines.
    publisher.await_line("stopping on signal", Duration::from_secs(5));
    if publisher.all_lines().iter().any(|l| l.contains(PASSWORD)) {
        found.push("the publish loop's log".into());
    }
    assert!(found.is_empty(), "the password leaked into: {found:#?}");
}

#[test]
fn the_reproduce_line_names_a_target_from_redis_url_without_its_password() {
    let server = RedisServer::start();
    server.load_pack(&root().join("examples/packs/production-2026-01-23.json"));
    let url = server.url();
    const NOW: &str = "2026-01-23T01:08:45Z";
    // The markdown report's reproduce line names a target that came from
    // REDIS_URL, with its password redacted.
    let _: () = redis::cmd("CONFIG")
        .arg(&["SET", "requirepass", "hunter2"])
        .query(&mut server.client())
        .expect("CONFIG SET requirepass");
    let with_password = url.replace("redis://", "redis://:hunter2@");
    let run = Killscope::new()
        .args(["verify", "--now", NOW, "--format", "markdown"])
        .env("REDIS_URL", &with_password)
        .run();
    run.code(0);
    let redacted = url.replace("redis://", "redis://:***@");
    run.stdout_has(&format!(
        "killscope verify --now {NOW} --format markdown --redis-url '{redacted}'"
    ));
    assert!(!run.stdout.contains("hunter2"));
}
