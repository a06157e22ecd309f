//! Files under `tests/fixtures/`.

use std::path::PathBuf;

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn read(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A Redis holding the made-up fleet's inputs for symbols `0..n`
/// (`tests/it/fleet.rs`) and the proposals `killscope publish --once
/// --discover` computes from them; `extra` is added to that command line
/// (e.g. `--position-source synthetic`).
pub fn published_fleet(n: usize, extra: &[&str]) -> super::redis_server::RedisServer {
    let server = super::redis_server::RedisServer::start();
    crate::fleet::load(&mut server.client(), n);
    super::cmd::Killscope::new()
        .args([
            "publish",
            "--once",
            "--discover",
            "--redis-url",
            &server.url(),
        ])
        .args(extra)
        .run()
        .code(0)
        .stderr_has(&format!("published={n} heartbeats=0 skipped=0 errors=0"));
    server
}
