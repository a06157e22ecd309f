//! A fleet of made-up symbols with the input hashes the upstream services
//! write (market state, risk proposal, position), for the cluster tests and
//! the scale benchmark (`benches/scale.rs` includes this file).
//!
//! The numbers come from a fixed pseudo-random sequence, so every run loads
//! the same fleet, and they are spread so that the kernel reaches every
//! action: some symbols flip regime, some spike, some lock profit.

/// One symbol's hashes: `(key, fields)` in the upstream formats.
pub type Hashes = Vec<(String, Vec<(&'static str, String)>)>;

/// `S00000USDT`, `S00001USDT`, …: valid symbols whose keys hash to slots all
/// over a cluster.
pub fn symbol(i: usize) -> String {
    format!("S{i:05}USDT")
}

/// SplitMix64: a tiny, well-mixed deterministic sequence.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The input hashes of symbol `i` under the `quantum` prefix.
pub fn inputs(i: usize) -> Hashes {
    let sym = symbol(i);
    let mut n = Numbers(i as u64);
    let sigma = 0.004 + 0.02 * n.next();
    let ts = 0.6 * n.next();
    let p_trend = n.next();
    let p_mr = (1.0 - p_trend) * n.next();
    let p_chop = 1.0 - p_trend - p_mr;
    let entry = 10.0 + 990.0 * n.next();
    let stop = 0.005 + 0.01 * n.next();
    let side = if n.next() < 0.7 { "LONG" } else { "SHORT" };
    // R_net from about -2 to 10, so every rung of the ladder is reached.
    let pnl = entry * stop * (12.0 * n.next() - 2.0);
    let age = 86400.0 * n.next();
    vec![
        (
            format!("quantum:marketstate:{sym}"),
            vec![
                ("sigma", format!("{sigma:.8}")),
                ("mu", format!("{:.8}", sigma * ts)),
                ("ts", format!("{ts:.6}")),
                ("p_trend", format!("{p_trend:.6}")),
                ("p_mr", format!("{p_mr:.6}")),
                ("p_chop", format!("{p_chop:.6}")),
                ("ts_timestamp", "1769130492".to_owned()),
                ("buffer_size", "412".to_owned()),
            ],
        ),
        (
            format!("quantum:risk:proposal:{sym}"),
            vec![
                ("stop_dist_pct", format!("{stop}")),
                ("proposed_sl", format!("{}", entry * (1.0 - stop))),
                ("reason_codes", "regime_weighted_stop".to_owned()),
            ],
        ),
        (
            format!("quantum:state:positions:{sym}"),
            vec![
                ("symbol", sym),
                ("side", side.to_owned()),
                ("entry_price", format!("{entry}")),
                ("current_price", format!("{}", entry + pnl)),
                ("unrealized_pnl", format!("{pnl}")),
                ("age_sec", format!("{age}")),
            ],
        ),
    ]
}

/// `HSET` commands for symbols `range`, ready to pipeline.
pub fn hset_commands(range: std::ops::Range<usize>) -> Vec<redis::Cmd> {
    range
        .flat_map(inputs)
        .map(|(key, fields)| {
            let mut cmd = redis::cmd("HSET");
            cmd.arg(key);
            for (f, v) in fields {
                cmd.arg(f).arg(v);
            }
            cmd
        })
        .collect()
}

/// Writes symbols `0..n` into a single Redis node, a pipeline of a
/// thousand symbols at a time: the benchmark measures its children's peak
/// RSS, which on Linux starts from the parent's own.
pub fn load(con: &mut redis::Connection, n: usize) {
    for start in (0..n).step_by(1000) {
        let mut pipe = redis::pipe();
        for cmd in hset_commands(start..n.min(start + 1000)) {
            pipe.add_command(cmd).ignore();
        }
        pipe.query::<()>(con).expect("load the fleet");
    }
}
