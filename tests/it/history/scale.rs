//! 100,000 stream entries, read in bounded memory: the peak RSS of the
//! `history` process stays far below what holding the stream would take,
//! whatever the format.

use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{PRODUCTION, STREAM, pack_entries, pipeline, xadds};
use crate::support::cmd::{Killscope, root};
use crate::support::redis_server::RedisServer;

const ENTRIES: usize = 100_000;

/// The `VmHWM` (peak resident set) line of a process's status, in KiB.
fn peak_kib(pid: u32) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `history ARGS` to completion with stdout to a file: exit code,
/// wall time, peak RSS in KiB, and what it wrote. The peak is the
/// process's own high-water mark, sampled until it exits (`wait4`'s
/// `ru_maxrss` would count the test process too: the child is spawned
/// with vfork and shares its parent's memory until it execs).
fn measured(url: &str, args: &[&str]) -> (i32, Duration, i64, String) {
    let out = tempfile::NamedTempFile::new().expect("temp file");
    let mut cmd = Killscope::new()
        .args(["history", "--redis-url", url])
        .args(args)
        .command();
    let started = Instant::now();
    let mut child = cmd
        .stdout(out.reopen().expect("reopen"))
        .stderr(Stdio::null())
        .spawn()
        .expect("start killscope");
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_kib(child.id()) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    let written = std::fs::read_to_string(out.path()).expect("output");
    (status.code().unwrap_or(-1), wall, peak, written)
}

#[test]
fn a_hundred_thousand_entries_are_read_in_bounded_memory() {
    let server = RedisServer::start();
    let shipped = pack_entries(&root().join(PRODUCTION));
    // The shipped two hours again and again, a second apart: every entry
    // a real publisher write, 100 MB of stream in Redis.
    for chunk in (0..ENTRIES).collect::<Vec<_>>().chunks(10_000) {
        let entries: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let (_, fields) = &shipped[i % shipped.len()];
                (
                    format!("{}-0", 1_769_000_000_000 + i as u64 * 1000),
                    fields.clone(),
                )
            })
            .collect();
        pipeline(&server, &xadds(STREAM, &entries));
    }
    let url = server.url();
    let now = ["--now", "2026-01-22T03:00:00Z"];
    let mut figures = Vec::new();
    for (format, extra) in [
        ("csv", &[][..]),
        ("json", &[][..]),
        ("table", &["--changes", "--ascii"][..]),
    ] {
        let mut args = vec!["--format", format];
        args.extend(extra);
        args.extend(now);
        let (code, wall, rss_kb, written) = measured(&url, &args);
        assert_eq!(
            code,
            0,
            "{format}: {}",
            written.lines().last().unwrap_or("")
        );
        match format {
            "csv" => assert_eq!(written.lines().count(), ENTRIES + 1),
            "json" => {
                let report: serde_json::Value = serde_json::from_str(&written).expect("json");
                assert_eq!(report["summary"]["entries"], ENTRIES);
                assert_eq!(report["summary"]["pass"], ENTRIES);
                assert_eq!(report["read"]["batches"], ENTRIES / 1000 + 1);
            }
            _ => assert!(written.contains("100000 entries: 100000 pass"), "{written}"),
        }
        // 100 MB of entries in Redis, 80 MB of JSON out: holding either
        // would show here. The table keeps the rows it shows (here the
        // 7,500 changes) to lay them out per symbol.
        let bound = if format == "table" { 128 } else { 64 };
        assert!(rss_kb < bound * 1024, "{format}: peak RSS {rss_kb} KiB");
        figures.push(format!(
            "{format}: {:.1} s, peak RSS {:.1} MB",
            wall.as_secs_f64(),
            rss_kb as f64 / 1024.0
        ));
    }
    println!("history of {ENTRIES} entries: {}", figures.join("; "));
}
