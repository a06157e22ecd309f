//! Real `redis-server` processes for tests, each on its own free loopback
//! port (never 6379), in its own temporary directory, killed on drop.
//!
//! The binary comes from `KILLSCOPE_REDIS_SERVER` or `PATH`. A test that needs
//! Redis and cannot find it fails with a message saying what to install: it
//! never skips.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use killscope::source::redis::Endpoint;
use serde_json::Value;

pub fn server_binary() -> PathBuf {
    let name = std::env::var("KILLSCOPE_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let found = if name.contains('/') {
        Some(PathBuf::from(&name)).filter(|p| p.exists())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(&name))
                .find(|p| p.is_file())
        })
    };
    found.unwrap_or_else(|| {
        panic!(
            "{name} not found: these tests start real Redis servers. Install it \
             (Debian/Ubuntu: apt-get install redis-server redis-tools) or set KILLSCOPE_REDIS_SERVER"
        )
    })
}

/// A port nothing listens on right now, below 55536 (Redis refuses a
/// cluster node above that when it derives the bus port as port + 10000).
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        if port < 55536 {
            return port;
        }
    }
}

/// The client's settings for `urls`, with short timeouts.
pub fn endpoint(urls: &[String]) -> Endpoint {
    Endpoint {
        urls: urls.to_vec(),
        cluster: false,
        tls_ca: None,
        tls_insecure: false,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        username: None,
        password: None,
    }
}

/// A CA and a server certificate for 127.0.0.1, written as PEM files.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    let paths = (
        dir.join("server.pem"),
        dir.join("server.key"),
        dir.join("ca.pem"),
    );
    std::fs::write(&paths.0, cert.pem()).expect("write");
    std::fs::write(&paths.1, key.serialize_pem()).expect("write");
    std::fs::write(&paths.2, ca_cert.pem()).expect("write");
    paths
}

pub struct RedisServer {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// How clients reach it (`redis://…` or `rediss://…`), without credentials.
    pub scheme: &'static str,
    password: Option<String>,
    /// PEM of the CA, for a TLS server.
    ca: Option<Vec<u8>>,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::builder().start()
    }

    pub fn builder() -> Builder {
        Builder::default()
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}/0", self.scheme, self.port)
    }

    /// A direct client (as the default user, with the password if one is set).
    pub fn client(&self) -> redis::Connection {
        let url = match &self.password {
            Some(pw) => format!("{}://:{pw}@127.0.0.1:{}/0", self.scheme, self.port),
            None => self.url(),
        };
        let client = match &self.ca {
            Some(ca) => redis::Client::build_with_tls(
                url,
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.clone()),
                },
            ),
            None => redis::Client::open(url),
        };
        client
            .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
            .expect("test client connects")
    }

    pub fn cmd(&self, args: &[&str]) -> redis::Value {
        let mut con = self.client();
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        cmd.query(&mut con)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    /// Writes every hash of a pack into this Redis, byte for byte.
    pub fn load_pack(&self, pack: &Path) {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(pack).expect("pack")).expect("pack json");
        let prefix = doc["prefix"].as_str().expect("prefix");
        let mut con = self.client();
        let mut pipe = redis::pipe();
        for (symbol, hashes) in doc["symbols"].as_object().expect("symbols") {
            let keys = [
                ("proposal", format!("{prefix}:harvest:proposal:{symbol}")),
                ("market_state", format!("{prefix}:marketstate:{symbol}")),
                ("risk_proposal", format!("{prefix}:risk:proposal:{symbol}")),
                ("position", format!("{prefix}:state:positions:{symbol}")),
            ];
            for (name, key) in keys {
                if let Some(fields) = hashes[name].as_object() {
                    let pairs: Vec<(&str, &str)> = fields
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str().expect("plain string field")))
                        .collect();
                    pipe.hset_multiple(&key, &pairs).ignore();
                }
            }
        }
        pipe.query::<()>(&mut con).expect("load pack");
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
pub struct Builder {
    args: Vec<String>,
    password: Option<String>,
    tls: Option<(PathBuf, PathBuf, PathBuf)>,
    port: Option<u16>,
    unix_socket: bool,
}

impl Builder {
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn password(mut self, pw: &str) -> Self {
        self.password = Some(pw.to_owned());
        self.arg("--requirepass").arg(pw)
    }

    /// Serve TLS only, with this certificate, key and CA.
    pub fn tls(mut self, cert: &Path, key: &Path, ca: &Path) -> Self {
        self.tls = Some((cert.into(), key.into(), ca.into()));
        self
    }

    /// Also listen on `redis.sock` in the server's directory.
    pub fn unix_socket(mut self) -> Self {
        self.unix_socket = true;
        self
    }

    /// Listen on this port (to restart a server where a client expects it).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    pub fn start(self) -> RedisServer {
        let binary = server_binary();
        let mut last_error = String::new();
        // Another test may grab the free port between our probe and the
        // server's bind; a few attempts make that race harmless.
        for _ in 0..5 {
            let port = self.port.unwrap_or_else(free_port);
            let dir = tempfile::tempdir().expect("tempdir");
            let mut cmd = Command::new(&binary);
            cmd.args([
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ])
            .arg("--dir")
            .arg(dir.path())
            .arg("--logfile")
            .arg(dir.path().join("redis.log"));
            match &self.tls {
                None => {
                    cmd.args(["--port", &port.to_string()]);
                }
                Some((cert, key, ca)) => {
                    cmd.args([
                        "--port",
                        "0",
                        "--tls-port",
                        &port.to_string(),
                        "--tls-auth-clients",
                        "no",
                    ])
                    .arg("--tls-cert-file")
                    .arg(cert)
                    .arg("--tls-key-file")
                    .arg(key)
                    .arg("--tls-ca-cert-file")
                    .arg(ca);
                }
            }
            if self.unix_socket {
                cmd.arg("--unixsocket")
                    .arg(dir.path().join("redis.sock"))
                    .args(["--unixsocketperm", "700"]);
            }
            cmd.args(&self.args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let mut server = RedisServer {
                child,
                port,
                dir,
                scheme: if self.tls.is_some() {
                    "rediss"
                } else {
                    "redis"
                },
                password: self.password.clone(),
                ca: self
                    .tls
                    .as_ref()
                    .map(|(_, _, ca)| std::fs::read(ca).expect("CA file")),
            };
            match server.wait_ready() {
                Ok(()) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("redis-server did not start: {last_error}");
    }
}

impl RedisServer {
    /// Waits until the server accepts connections (or has exited).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default();
                return Err(format!(
                    "exited with {status}: {}",
                    log.lines().last().unwrap_or("")
                ));
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("not listening after 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Watches every command a server executes, with `MONITOR`.
pub struct Monitor {
    reader: BufReader<TcpStream>,
}

/// The sentinel command that marks the end of a monitored stretch.
const SENTINEL: &str = "killscope-test-sentinel";

impl Monitor {
    pub fn start(server: &RedisServer) -> Monitor {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("monitor connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        if let Some(pw) = &server.password {
            write!(stream, "AUTH {pw}\r\n").expect("auth");
        }
        stream.write_all(b"MONITOR\r\n").expect("monitor");
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).expect("monitor reply");
            if line.starts_with("+OK") {
                break;
            }
        }
        Monitor { reader }
    }

    /// Every command seen since `start`, as argument lists, up to a sentinel
    /// sent now through another plain connection (so nothing in flight is
    /// missed); that connection's own commands are left out.
    pub fn finish(mut self, server: &RedisServer) -> Vec<Vec<String>> {
        let mut sentinel =
            TcpStream::connect(("127.0.0.1", server.port)).expect("sentinel connects");
        if let Some(pw) = &server.password {
            write!(sentinel, "AUTH {pw}\r\n").expect("auth");
        }
        write!(sentinel, "ECHO {SENTINEL}\r\n").expect("sentinel");
        let mut commands: Vec<(String, Vec<String>)> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).expect("monitor line") == 0 {
                panic!("monitor connection closed before the sentinel");
            }
            let (from, args) = parse_monitor_line(&line);
            if args.first().is_some_and(|c| c.eq_ignore_ascii_case("ECHO"))
                && args.get(1).is_some_and(|a| a == SENTINEL)
            {
                return commands
                    .into_iter()
                    .filter(|(addr, _)| *addr != from)
                    .map(|(_, args)| args)
                    .collect();
            }
            if !args.is_empty() {
                commands.push((from, args));
            }
        }
    }
}

/// `+1764059000.1 [0 127.0.0.1:5] "SCAN" "0"` → `("127.0.0.1:5", ["SCAN", "0"])`.
fn parse_monitor_line(line: &str) -> (String, Vec<String>) {
    let Some(start) = line.find("] ") else {
        return (String::new(), Vec::new());
    };
    let from = line[..start]
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut args = Vec::new();
    let mut chars = line[start + 2..].chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut arg = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => arg.extend(chars.next()),
                '"' => break,
                c => arg.push(c),
            }
        }
        args.push(arg);
    }
    (from, args)
}

/// The command names in `commands`, upper-cased, deduplicated and sorted
/// (`CLUSTER SLOTS` counts as `CLUSTER|SLOTS`).
pub fn names(commands: &[Vec<String>]) -> Vec<String> {
    let mut names: Vec<String> = commands
        .iter()
        .map(|args| {
            let name = args[0].to_uppercase();
            match args.get(1) {
                Some(sub) if name == "CLUSTER" => format!("CLUSTER|{}", sub.to_uppercase()),
                _ => name,
            }
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// A program that ships with Redis (`redis-cli`), from `PATH`.
pub fn redis_tool(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "{name} not found: these tests need it. Install it \
                 (Debian/Ubuntu: apt-get install redis-tools)"
            )
        })
}

/// A Redis Cluster of primaries only, each a [`RedisServer`] with its bus on
/// another free port, created with `redis-cli --cluster create`.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    pub fn start(primaries: usize) -> RedisCluster {
        let nodes: Vec<RedisServer> = (0..primaries)
            .map(|_| {
                RedisServer::builder()
                    .arg("--cluster-enabled")
                    .arg("yes")
                    .arg("--cluster-config-file")
                    .arg("nodes.conf")
                    .arg("--cluster-port")
                    .arg(free_port().to_string())
                    .start()
            })
            .collect();
        let out = Command::new(redis_tool("redis-cli"))
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let cluster = RedisCluster { nodes };
        cluster.wait_ok();
        cluster
    }

    /// Waits until every node says `cluster_state:ok` and knows every primary.
    fn wait_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &self.nodes {
            loop {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut node.client())
                    .expect("CLUSTER INFO");
                let known = format!("cluster_known_nodes:{}", self.nodes.len());
                if info.contains("cluster_state:ok") && info.contains(&known) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "cluster not ready after 30 s:\n{info}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// The seed URLs, comma-separated, as `--redis-url` takes them.
    pub fn seeds(&self) -> String {
        self.nodes
            .iter()
            .map(RedisServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn client(&self) -> redis::cluster::ClusterConnection {
        redis::cluster::ClusterClient::new(self.nodes.iter().map(RedisServer::url))
            .and_then(|c| c.get_connection())
            .expect("cluster client connects")
    }
}
