//! One publish cycle: inputs → kernel → records → one HSET each.
//!
//! All reads of a cycle go out in one pipelined round trip and all writes in
//! another. Each symbol's proposal is a single HSET, so a reader never sees
//! half a proposal or fields from two cycles. The rate limiter is upstream's
//! `should_publish`, rule for rule, except that the in-memory cache changes
//! only after a write succeeded — upstream updated it even when the write had
//! failed, and then stayed silent until the next change — and that a
//! proposal no longer in Redis counts as never published, so a heartbeat
//! cannot recreate it as a one-field stub.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::positions::{self, Found};
use super::rate_limit::{Cached, should_publish};
use super::writes::{hset, shell_line, xadd};
use crate::config::{PositionSource, PublishConfig};
use crate::error::Result;
use crate::kernel::{self, KernelInput, Proposal};
use crate::keys::Symbol;
use crate::pyfloat;
use crate::source::HashRead;
use crate::source::redis::{self as redis_source, Cmd, RedisClient, Reply, Value};
use crate::theta::{self, NamedTheta};
use crate::wire::{
    MarketStateRecord, Provenance, RiskProposalRecord, StopDecision, render_proposal, show_raw,
};

/// What happened to one symbol in a cycle.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Published {
        proposal: Proposal,
        stop: StopDecision,
        position_source: &'static str,
    },
    Heartbeat,
    /// No input to work from (no market state, no position): skipped quietly, as upstream.
    Skipped(String),
    /// Bad input, a kernel error or a failed write: skipped and logged.
    Error(String),
}

/// The counts a cycle's log line reports.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub outcomes: BTreeMap<Symbol, Outcome>,
    /// Writes that would have been sent (`--dry-run`), as shell-ready lines.
    pub dry_run: Vec<String>,
    /// Problems not tied to one symbol (a refused registry write, a bad discovered key).
    pub notes: Vec<String>,
}

impl CycleReport {
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.values().filter(|o| f(o)).count()
    }
}

/// The publisher's state across cycles.
pub struct Publisher {
    pub theta: NamedTheta,
    cache: HashMap<Symbol, Cached>,
}

struct Computed {
    symbol: Symbol,
    proposal: Proposal,
    market: kernel::MarketState,
    position: kernel::Position,
    position_source: &'static str,
    stop: StopDecision,
    /// The proposal hash was not in Redis when the cycle read its inputs.
    absent: bool,
}

impl Publisher {
    pub fn new(theta: NamedTheta) -> Publisher {
        Publisher {
            theta,
            cache: HashMap::new(),
        }
    }

    /// The symbols of this cycle: the configured list, or every market-state
    /// key (`--discover`).
    fn symbols(
        cfg: &PublishConfig,
        client: &mut RedisClient,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Symbol>> {
        if let Some(list) = &cfg.symbols {
            return Ok(list.clone());
        }
        let (pattern, head) = cfg.prefix.market_state_pattern();
        let mut symbols = Vec::new();
        for key in client.scan(&pattern)? {
            match cfg.rule.check_bytes(&key[head.min(key.len())..]) {
                Ok(s) => symbols.push(s),
                Err(e) => notes.push(format!("skipping key {}: {e}", show_raw(&key))),
            }
        }
        Ok(symbols)
    }

    /// Runs one cycle. `Err` only when Redis itself failed (the caller
    /// reconnects); everything per-symbol is in the report.
    pub fn cycle(
        &mut self,
        cfg: &PublishConfig,
        client: &mut RedisClient,
        now: DateTime<Utc>,
    ) -> Result<CycleReport> {
        let mut report = CycleReport::default();
        let symbols = Self::symbols(cfg, client, &mut report.notes)?;
        let inputs = read_inputs(cfg, client, &symbols)?;
        let mut computed = Vec::new();
        // The kernel and the parsing around it, on every core.
        let results = crate::parallel::map(&symbols, |symbol| {
            compute(cfg, &self.theta, symbol, &inputs)
        });
        for (symbol, result) in symbols.iter().zip(results) {
            match result {
                Ok(c) => computed.push(c),
                Err(Rejected::Skipped(why)) => {
                    report
                        .outcomes
                        .insert(symbol.clone(), Outcome::Skipped(why));
                }
                Err(Rejected::Error(why)) => {
                    report.outcomes.insert(symbol.clone(), Outcome::Error(why));
                }
            }
        }
        self.write(cfg, client, computed, now, &mut report)?;
        // Forget symbols no longer published, so the cache stays bounded.
        let current: HashSet<&Symbol> = symbols.iter().collect();
        self.cache.retain(|s, _| current.contains(s));
        Ok(report)
    }

    fn write(
        &mut self,
        cfg: &PublishConfig,
        client: &mut RedisClient,
        computed: Vec<Computed>,
        now: DateTime<Utc>,
        report: &mut CycleReport,
    ) -> Result<()> {
        let now_secs = now.timestamp_micros() as f64 / 1e6;
        let max_age = cfg.max_publish_age.as_secs_f64();
        let mut cmds: Vec<Cmd> = Vec::new();
        // (symbol, index of its HSET, index of its XADD, publish?) in `cmds`.
        let mut plan = Vec::new();
        // Which proposals to publish, and their fields, on every core; the
        // commands are then laid out in order.
        let rendered = crate::parallel::map(&computed, |c| {
            let cached = if c.absent {
                None
            } else {
                self.cache.get(&c.symbol)
            };
            should_publish(cached, &c.proposal, now_secs, cfg.change_eps, max_age).then(|| {
                let provenance = Provenance {
                    theta_hash: Some(self.theta.hash.clone()),
                    position_source: Some(c.position_source.to_owned()),
                    stop_source: Some(c.stop.source.as_str().to_owned()),
                    publisher: Some(crate::TOOL.to_owned()),
                    stale: None,
                };
                render_proposal(&c.proposal, &c.market, &c.position, now, &provenance)
            })
        });
        for (c, fields) in computed.into_iter().zip(rendered) {
            let key = cfg.prefix.proposal(&c.symbol);
            if let Some(fields) = fields {
                let hset_at = cmds.len();
                cmds.push(hset(&key, &fields));
                let xadd_at = cfg.stream.then(|| {
                    cmds.push(xadd(
                        &cfg.prefix.proposal_stream(),
                        c.symbol.as_str(),
                        &fields,
                    ));
                    cmds.len() - 1
                });
                plan.push((c, hset_at, xadd_at, true));
            } else {
                let hset_at = cmds.len();
                cmds.push(hset(
                    &key,
                    &[("last_update_epoch", now.timestamp().to_string())],
                ));
                plan.push((c, hset_at, None, false));
            }
        }
        let registry_at = cmds.len();
        cmds.push(
            redis_source::cmd("SET")
                .arg(cfg.prefix.theta(&self.theta.hash))
                .arg(theta::canonical_json(&self.theta.theta)),
        );

        let replies: Vec<Reply> = if cfg.dry_run {
            report.dry_run = cmds.iter().map(shell_line).collect();
            vec![Ok(Value::Simple("OK".to_owned())); cmds.len()]
        } else {
            client.pipeline(cmds)?
        };
        if let Some(Err(e)) = replies.get(registry_at) {
            report
                .notes
                .push(format!("theta registry write refused: {e}"));
        }
        for (c, hset_at, xadd_at, publish) in plan {
            let written = match &replies[hset_at] {
                Ok(_) => Ok(()),
                Err(e) => Err(format!("writing {}: {e}", cfg.prefix.proposal(&c.symbol))),
            };
            let outcome = match (written, publish) {
                (Err(e), _) => Outcome::Error(e),
                (Ok(()), false) => Outcome::Heartbeat,
                (Ok(()), true) => {
                    self.cache.insert(
                        c.symbol.clone(),
                        Cached {
                            action: c.proposal.action,
                            new_sl: c.proposal.new_sl_proposed,
                            kill_score: c.proposal.kill_score,
                            at: now_secs,
                        },
                    );
                    match xadd_at.map(|i| &replies[i]) {
                        Some(Err(e)) => Outcome::Error(format!(
                            "published, but XADD to {} failed: {e}",
                            cfg.prefix.proposal_stream()
                        )),
                        _ => Outcome::Published {
                            proposal: c.proposal,
                            stop: c.stop,
                            position_source: c.position_source,
                        },
                    }
                }
            };
            report.outcomes.insert(c.symbol, outcome);
        }
        Ok(())
    }
}

/// One reply of the input round trip.
enum Read {
    Hash(HashRead),
    Reply(Reply),
}

/// Every input of every symbol, from one pipelined round trip.
struct Inputs {
    market: BTreeMap<Symbol, HashRead>,
    risk: BTreeMap<Symbol, HashRead>,
    positions: BTreeMap<Symbol, Found>,
    /// Symbols whose proposal hash is not in Redis (deleted, or Redis
    /// restarted empty): whatever the cache says, they get a full publish,
    /// never a heartbeat that would leave a one-field stub.
    absent: HashSet<Symbol>,
}

fn read_inputs(
    cfg: &PublishConfig,
    client: &mut RedisClient,
    symbols: &[Symbol],
) -> Result<Inputs> {
    let prefix = &cfg.prefix;
    let wants_hash = matches!(
        cfg.position_source,
        PositionSource::RedisHash | PositionSource::Auto
    );
    let wants_stream = matches!(
        cfg.position_source,
        PositionSource::RedisStream | PositionSource::Auto
    );
    let per_symbol = if wants_hash { 4 } else { 3 };
    let mut cmds = Vec::with_capacity(symbols.len() * per_symbol + 1);
    for s in symbols {
        cmds.push(redis_source::hgetall(prefix.market_state(s)));
        cmds.push(redis_source::hgetall(prefix.risk_proposal(s)));
        if wants_hash {
            cmds.push(redis_source::hgetall(prefix.position(s)));
        }
        cmds.push(redis_source::cmd("EXISTS").arg(prefix.proposal(s)));
    }
    if wants_stream {
        cmds.push(redis_source::xrevrange(
            prefix.execution_stream(),
            positions::STREAM_LOOKBACK,
        ));
    }
    // Hashes are parsed straight from the socket into each hash's buffer;
    // only EXISTS and XREVRANGE come back as generic replies.
    let hashes_per_symbol = per_symbol - 1;
    let mut replies = client
        .pipeline_map(&cmds, |i, conn| {
            let is_hash = i < symbols.len() * per_symbol && i % per_symbol < hashes_per_symbol;
            Ok(if is_hash {
                Read::Hash(conn.read_hash()?)
            } else {
                Read::Reply(conn.read_reply()?)
            })
        })?
        .into_iter();
    let hash = |read: Option<Read>| match read {
        Some(Read::Hash(h)) => h,
        _ => HashRead::Missing,
    };
    let mut market = BTreeMap::new();
    let mut risk = BTreeMap::new();
    let mut hash_positions = BTreeMap::new();
    let mut absent = HashSet::new();
    for s in symbols {
        market.insert(s.clone(), hash(replies.next()));
        risk.insert(s.clone(), hash(replies.next()));
        if wants_hash {
            hash_positions.insert(s, hash(replies.next()));
        }
        if let Some(Read::Reply(Ok(Value::Int(0)))) = replies.next() {
            absent.insert(s.clone());
        }
    }
    let stream = if wants_stream {
        let reply = match replies.next() {
            Some(Read::Reply(reply)) => reply,
            _ => Ok(Value::Nil),
        };
        redis_source::stream_entries(reply)
    } else {
        Vec::new()
    };
    let hash_refs: BTreeMap<&Symbol, &HashRead> =
        hash_positions.iter().map(|(s, r)| (*s, r)).collect();
    let positions = positions::choose(cfg.position_source, prefix, symbols, &hash_refs, &stream);
    Ok(Inputs {
        market,
        risk,
        positions,
        absent,
    })
}

/// Why a symbol has nothing to write this cycle.
enum Rejected {
    Skipped(String),
    Error(String),
}

/// Kernel inputs for one symbol, with killscope's deliberate differences from
/// upstream: incomplete market state and FLAT/unknown sides are skipped with
/// an error instead of being read as 0.0 and SHORT.
fn compute(
    cfg: &PublishConfig,
    theta: &NamedTheta,
    symbol: &Symbol,
    inputs: &Inputs,
) -> std::result::Result<Computed, Rejected> {
    let prefix = &cfg.prefix;
    let market_key = prefix.market_state(symbol);
    let market = match inputs.market.get(symbol) {
        Some(HashRead::Found(hash)) => MarketStateRecord::parse(&market_key, hash)
            .to_kernel()
            .map_err(|e| Rejected::Error(e.to_string()))?,
        Some(HashRead::Failed(e)) => {
            return Err(Rejected::Error(format!("{market_key} cannot be read: {e}")));
        }
        _ => {
            return Err(Rejected::Skipped(format!(
                "{market_key} does not exist (expired?)"
            )));
        }
    };
    let (position, position_source) = match inputs.positions.get(symbol) {
        Some(Found::Position(p, source)) => (p.clone(), *source),
        Some(Found::Invalid(e)) => return Err(Rejected::Error(e.clone())),
        _ => {
            return Err(Rejected::Skipped(format!(
                "no position ({})",
                cfg.position_source.as_str()
            )));
        }
    };
    if position.side != "LONG" && position.side != "SHORT" {
        return Err(Rejected::Error(format!(
            "position side {} is neither LONG nor SHORT; upstream would treat it as SHORT, killscope skips it",
            show_raw(position.side.as_bytes())
        )));
    }
    let risk_key = prefix.risk_proposal(symbol);
    let risk = match inputs.risk.get(symbol) {
        Some(HashRead::Found(hash)) => Some(RiskProposalRecord::parse(&risk_key, hash)),
        _ => None,
    };
    let stop = StopDecision::resolve(risk.as_ref(), cfg.fallback_stop_pct);
    let input = KernelInput {
        position,
        market,
        stop_dist_pct: Some(stop.stop_dist_pct),
    };
    let proposal = kernel::compute(&input, &theta.theta)
        .map_err(|e| Rejected::Error(format!("kernel: {e}")))?;
    Ok(Computed {
        absent: inputs.absent.contains(symbol),
        symbol: symbol.clone(),
        proposal,
        market: input.market,
        position: input.position,
        position_source,
        stop,
    })
}

/// `action=… K=… R_net=… stop=…` for a per-symbol log line.
pub fn describe(p: &Proposal, stop: &StopDecision, position_source: &str) -> String {
    format!(
        "action={} K={} R_net={} new_sl={} stop_source={} position_source={position_source}",
        p.action,
        pyfloat::format(p.kill_score),
        pyfloat::format(p.r_net),
        pyfloat::format_opt(p.new_sl_proposed),
        stop.source,
    )
}
