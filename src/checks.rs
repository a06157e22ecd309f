//! The proof checks: what `verify` asserts about each symbol.
//!
//! Check ids are public API — CI jobs, JUnit reports and alerts refer to them
//! — so they are declared once here, documented in the README, and never
//! renumbered or renamed. Each check returns one of five statuses, and a value
//! that could not be read is `error`, never `pass` or `skip`: a rubber-stamp
//! PASS on unreadable data is exactly what killscope exists to prevent.
//!
//! Checks judge a [`Capture`] and nothing else (plus the clock and, for
//! `service-active`, facts gathered beforehand), which is why a pack verifies
//! offline exactly as it did live.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::kernel::{self, Action, Component, Components};
use crate::keys::Symbol;
use crate::pyfloat;
use crate::recompute::{self, Inputs, KillScore, Match};
use crate::source::{Capture, HashKind, HashRead, SymbolCapture};
use crate::theta::NamedTheta;
use crate::wire::{Field, MarketStateRecord, Problem, ProposalRecord};

/// The stable check ids, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    ProposalPresent,
    ComponentsPublished,
    Fresh,
    ComponentsReproduce,
    KillScoreReproduces,
    RNetReproduces,
    ActionConsistent,
    ReasonCodesConsistent,
    ProfitLockConsistent,
    InputsCurrent,
    PositionReal,
    ServiceActive,
}

impl CheckId {
    pub const ALL: [CheckId; 12] = [
        CheckId::ProposalPresent,
        CheckId::ComponentsPublished,
        CheckId::Fresh,
        CheckId::ComponentsReproduce,
        CheckId::KillScoreReproduces,
        CheckId::RNetReproduces,
        CheckId::ActionConsistent,
        CheckId::ReasonCodesConsistent,
        CheckId::ProfitLockConsistent,
        CheckId::InputsCurrent,
        CheckId::PositionReal,
        CheckId::ServiceActive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::ProposalPresent => "proposal-present",
            CheckId::ComponentsPublished => "components-published",
            CheckId::Fresh => "fresh",
            CheckId::ComponentsReproduce => "components-reproduce",
            CheckId::KillScoreReproduces => "kill-score-reproduces",
            CheckId::RNetReproduces => "r-net-reproduces",
            CheckId::ActionConsistent => "action-consistent",
            CheckId::ReasonCodesConsistent => "reason-codes-consistent",
            CheckId::ProfitLockConsistent => "profit-lock-consistent",
            CheckId::InputsCurrent => "inputs-current",
            CheckId::PositionReal => "position-real",
            CheckId::ServiceActive => "service-active",
        }
    }

    /// What a pass proves, one line (README and markdown reports).
    pub fn proves(self) -> &'static str {
        match self {
            CheckId::ProposalPresent => "the proposal hash exists with its core fields parseable",
            CheckId::ComponentsPublished => "the four k_* fields are there and finite",
            CheckId::Fresh => "the publisher is alive for this symbol",
            CheckId::ComponentsReproduce => "each k_* equals its formula on the recorded inputs",
            CheckId::KillScoreReproduces => {
                "kill_score = sigmoid(Σ weight·k) of the published components"
            }
            CheckId::RNetReproduces => {
                "cost_est and R_net follow from entry, pnl, risk_unit and cost_bps"
            }
            CheckId::ActionConsistent => "harvest_action follows from R_net, K and theta",
            CheckId::ReasonCodesConsistent => "reason_codes are exactly the kernel's, in order",
            CheckId::ProfitLockConsistent => {
                "profit_lock present ⇔ a stop is proposed, at entry·(1±be_plus_pct)"
            }
            CheckId::InputsCurrent => "the live market-state hash still matches the inputs used",
            CheckId::PositionReal => "the position is not the synthetic fallback",
            CheckId::ServiceActive => {
                "the publisher's systemd unit is active and logging no errors"
            }
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pass,
    Fail,
    Warn,
    /// Not requested, or not applicable.
    Skip,
    /// Could not be checked — never shown as pass or skip.
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Skip,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }

    /// Severity for "the worst of": error > fail > warn > pass > skip.
    fn severity(self) -> u8 {
        match self {
            Status::Skip => 0,
            Status::Pass => 1,
            Status::Warn => 2,
            Status::Fail => 3,
            Status::Error => 4,
        }
    }

    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            .max_by_key(|s| s.severity())
            .unwrap_or(Status::Skip)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One check's result for one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: Status,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub message: String,
}

impl CheckResult {
    fn new(id: CheckId, status: Status, message: impl Into<String>) -> Self {
        CheckResult {
            id,
            status,
            expected: None,
            actual: None,
            message: message.into(),
        }
    }

    fn values(mut self, expected: impl Into<String>, actual: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }
}

/// How verification is judged.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_age: std::time::Duration,
    /// Relative tolerance for reproduced values.
    pub tolerance: f64,
    /// Warnings fail the run.
    pub strict: bool,
    /// The clock the checks read.
    pub now: DateTime<Utc>,
}

/// What `systemctl` and `journalctl` said about the publisher's unit,
/// gathered once before judging.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceState {
    pub unit: String,
    pub facts: Result<ServiceFacts, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFacts {
    /// `systemctl is-active` output: active, inactive, failed, …
    pub active_state: String,
    /// Error-priority journal lines from the last minutes.
    pub error_lines: Vec<String>,
}

/// Every theta verification knows about.
#[derive(Debug, Clone)]
pub struct ThetaBook {
    /// The theta of this run (`--theta`, `--theta-from-policy` or defaults).
    pub run: NamedTheta,
    /// Other thetas worth trying when a kill score does not reproduce: the
    /// defaults, the policy's, the `--theta` file's.
    pub known: Vec<NamedTheta>,
    /// Registry entries by theta hash, or why one is unusable.
    pub registry: BTreeMap<String, Result<NamedTheta, String>>,
}

impl ThetaBook {
    /// The theta for one proposal: the registry entry its `theta_hash` names,
    /// if there is a usable one, else the run's; plus a note when the hash
    /// pointed nowhere useful.
    pub fn for_proposal(&self, rec: &ProposalRecord) -> (NamedTheta, Option<String>) {
        let Some(hash) = &rec.provenance.theta_hash else {
            return (self.run.clone(), None);
        };
        match self.registry.get(hash) {
            Some(Ok(theta)) => (theta.clone(), None),
            Some(Err(why)) => (
                self.run.clone(),
                Some(format!(
                    "theta_hash {hash}: {why}; using {}",
                    self.run.label()
                )),
            ),
            None => (
                self.run.clone(),
                Some(format!(
                    "theta_hash {hash} is not in the theta registry; using {}",
                    self.run.label()
                )),
            ),
        }
    }

    /// All distinct thetas to try, the given one excluded.
    fn alternatives<'a>(&'a self, used: &'a NamedTheta) -> impl Iterator<Item = &'a NamedTheta> {
        let mut seen = vec![used.hash.as_str()];
        std::iter::once(&self.run)
            .chain(self.known.iter())
            .chain(self.registry.values().filter_map(|r| r.as_ref().ok()))
            .filter(move |t| {
                if seen.contains(&t.hash.as_str()) {
                    false
                } else {
                    seen.push(&t.hash);
                    true
                }
            })
    }
}

/// The published numbers of one proposal, for tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Published {
    pub action: Option<Action>,
    pub r_net: Option<f64>,
    pub kill_score: Option<f64>,
    pub components: [Option<f64>; 4],
    /// Seconds since the last update (`now − last_update_epoch`).
    pub age_sec: Option<f64>,
}

/// One symbol's verification.
#[derive(Debug, Clone, PartialEq)]
pub struct SymbolVerdict {
    pub symbol: Symbol,
    pub status: Status,
    pub theta: NamedTheta,
    /// Set when the proposal's `theta_hash` could not be used.
    pub theta_note: Option<String>,
    pub published: Published,
    /// Components, z and K recomputed from the inputs, when possible.
    pub recomputed: Option<KillScore>,
    pub checks: Vec<CheckResult>,
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub symbols: usize,
    pub checks: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub error: usize,
    /// Worst status over the run (warnings count as failures with `--strict`).
    pub status: Option<Status>,
}

impl Summary {
    pub fn of(verdicts: &[SymbolVerdict], strict: bool) -> Summary {
        let mut s = Summary {
            symbols: verdicts.len(),
            ..Summary::default()
        };
        for check in verdicts.iter().flat_map(|v| &v.checks) {
            s.checks += 1;
            match check.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Warn => s.warn += 1,
                Status::Skip => s.skip += 1,
                Status::Error => s.error += 1,
            }
        }
        let worst = Status::worst(verdicts.iter().map(|v| v.status));
        s.status = Some(match worst {
            Status::Warn if strict => Status::Fail,
            Status::Skip => Status::Pass,
            other => other,
        });
        s
    }

    pub fn status(&self) -> Status {
        self.status.unwrap_or(Status::Pass)
    }

    /// True when the run must exit 1.
    pub fn failed(&self) -> bool {
        matches!(self.status(), Status::Fail | Status::Error)
    }
}

/// Judges every symbol of a capture.
pub fn judge(
    capture: &Capture,
    book: &ThetaBook,
    settings: &Settings,
    service: Option<&ServiceState>,
) -> Vec<SymbolVerdict> {
    let symbols: Vec<(&Symbol, &SymbolCapture)> = capture.symbols.iter().collect();
    // position-real looks across symbols; everything else needs one symbol
    // at a time, so each proposal is parsed, judged and dropped in turn.
    let twins = identical_positions(&symbols);
    crate::parallel::map(&symbols, |(symbol, cap)| {
        let rec = cap
            .get(HashKind::Proposal)
            .map(|h| ProposalRecord::parse(&capture.prefix.proposal(symbol), h));
        let market_read = cap.read(HashKind::MarketState);
        let market = cap
            .get(HashKind::MarketState)
            .map(|h| MarketStateRecord::parse(&capture.prefix.market_state(symbol), h));
        let (theta, theta_note) = match &rec {
            Some(rec) => book.for_proposal(rec),
            None => (book.run.clone(), None),
        };
        let ctx = Ctx {
            symbol,
            key: capture.prefix.proposal(symbol),
            proposal_read: cap.read(HashKind::Proposal),
            rec: rec.as_ref(),
            market: market.as_ref(),
            market_read,
            theta: &theta,
            book,
            settings,
            twins: twins.get(*symbol).map_or(&[], |g| g.as_slice()),
        };
        ctx.verdict((*symbol).clone(), theta.clone(), theta_note, service)
    })
}

/// Groups of symbols whose proposals carry exactly the same position
/// fields, by member. Each group is shared by its members, so ten thousand
/// symbols on the same synthetic position cost one list, not ten thousand.
fn identical_positions<'a>(
    symbols: &[(&'a Symbol, &SymbolCapture)],
) -> HashMap<&'a Symbol, Arc<Vec<Symbol>>> {
    let fingerprints = crate::parallel::map(symbols, |(_, cap)| {
        cap.get(HashKind::Proposal)
            .and_then(ProposalRecord::position_fingerprint)
    });
    let mut by_position: HashMap<String, Vec<&Symbol>> = HashMap::new();
    for ((symbol, _), fingerprint) in symbols.iter().zip(fingerprints) {
        if let Some(fingerprint) = fingerprint {
            by_position.entry(fingerprint).or_default().push(symbol);
        }
    }
    let mut twins = HashMap::new();
    for group in by_position.into_values().filter(|g| g.len() > 1) {
        let shared = Arc::new(group.iter().map(|s| (*s).clone()).collect::<Vec<_>>());
        for symbol in group {
            twins.insert(symbol, Arc::clone(&shared));
        }
    }
    twins
}

struct Ctx<'a> {
    symbol: &'a Symbol,
    key: String,
    proposal_read: &'a HashRead,
    rec: Option<&'a ProposalRecord>,
    market: Option<&'a MarketStateRecord>,
    market_read: &'a HashRead,
    theta: &'a NamedTheta,
    book: &'a ThetaBook,
    settings: &'a Settings,
    /// Every symbol with exactly this position, this one included.
    twins: &'a [Symbol],
}

fn f(x: f64) -> String {
    pyfloat::format(x)
}

/// `regime_flip=1.0 sigma_spike=0.0 …`
fn components_text(values: [Option<f64>; 4]) -> String {
    Component::ALL
        .iter()
        .zip(values)
        .map(|(c, v)| format!("{}={}", c.name(), v.map_or_else(|| "—".to_owned(), f)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn weights_text(theta: &kernel::Theta) -> String {
    Component::ALL
        .iter()
        .map(|c| f(c.weight(theta)))
        .collect::<Vec<_>>()
        .join("/")
}

/// Seconds as `6s`, `45.3s` or `2h 5m 3s`.
pub fn format_age(seconds: f64) -> String {
    if !seconds.is_finite() {
        return format!("{seconds}s");
    }
    let magnitude = seconds.abs();
    let sign = if seconds < 0.0 { "-" } else { "" };
    if magnitude < 60.0 {
        if magnitude.fract() == 0.0 {
            format!("{sign}{magnitude:.0}s")
        } else {
            format!("{sign}{magnitude:.1}s")
        }
    } else {
        let whole = std::time::Duration::from_secs(magnitude.round() as u64);
        format!("{sign}{}", humantime::format_duration(whole))
    }
}

/// The first error of some fields, for "could not check" messages.
fn first_error<T>(fields: &[&Field<T>]) -> Option<String> {
    fields
        .iter()
        .find_map(|f| f.as_ref().err())
        .map(|e| e.to_string())
}

impl Ctx<'_> {
    fn verdict(
        &self,
        symbol: Symbol,
        theta: NamedTheta,
        theta_note: Option<String>,
        service: Option<&ServiceState>,
    ) -> SymbolVerdict {
        let inputs = self.rec.map(|rec| recompute::inputs(rec, self.market));
        let recomputed = match &inputs {
            Some(Ok(inputs)) => recompute::kill_score(inputs, &self.theta.theta).ok(),
            _ => None,
        };
        let checks = match self.rec {
            None => self.without_proposal(service),
            Some(rec) => {
                let inputs = inputs.unwrap_or_else(|| Err("no proposal".to_owned()));
                vec![
                    self.proposal_present(rec),
                    self.components_published(rec),
                    self.fresh(rec),
                    self.components_reproduce(rec, &inputs),
                    self.kill_score_reproduces(rec, &inputs),
                    self.r_net_reproduces(rec),
                    self.action_consistent(rec),
                    self.reason_codes_consistent(rec, &inputs),
                    self.profit_lock_consistent(rec),
                    self.inputs_current(rec),
                    self.position_real(rec),
                    service_active(service),
                ]
            }
        };
        let published = self.rec.map(|rec| self.published(rec)).unwrap_or_default();
        SymbolVerdict {
            symbol,
            status: Status::worst(checks.iter().map(|c| c.status)),
            theta,
            theta_note,
            published,
            recomputed,
            checks,
        }
    }

    fn published(&self, rec: &ProposalRecord) -> Published {
        let age_sec = rec.last_update_epoch.as_ref().ok().map(|epoch| {
            let at = DateTime::from_timestamp(*epoch, 0).unwrap_or_default();
            (self.settings.now - at).num_milliseconds() as f64 / 1000.0
        });
        Published {
            action: rec.harvest_action.as_ref().ok().copied(),
            r_net: rec.r_net.as_ref().ok().copied(),
            kill_score: rec.kill_score.as_ref().ok().copied(),
            components: Component::ALL.map(|c| rec.component(c).as_ref().ok().copied()),
            age_sec,
        }
    }

    /// No proposal hash: it fails to be present, and nothing else can be checked.
    fn without_proposal(&self, service: Option<&ServiceState>) -> Vec<CheckResult> {
        let present = match self.proposal_read {
            HashRead::Failed(e) => CheckResult::new(
                CheckId::ProposalPresent,
                Status::Fail,
                format!("{} cannot be read as a hash: {e}", self.key),
            ),
            _ => CheckResult::new(
                CheckId::ProposalPresent,
                Status::Fail,
                format!("{} does not exist", self.key),
            ),
        };
        let mut checks = vec![present];
        checks.extend(
            CheckId::ALL[1..11]
                .iter()
                .map(|id| CheckResult::new(*id, Status::Error, "no proposal hash to check")),
        );
        checks.push(service_active(service));
        checks
    }

    fn proposal_present(&self, rec: &ProposalRecord) -> CheckResult {
        // The seven fields every consumer reads, as the upstream writes them first.
        let core = [
            rec.harvest_action.as_ref().err(),
            rec.new_sl_proposed.as_ref().err(),
            rec.r_net.as_ref().err(),
            rec.risk_unit.as_ref().err(),
            rec.cost_est.as_ref().err(),
            rec.kill_score.as_ref().err(),
            rec.reason_codes.as_ref().err(),
        ];
        let errors: Vec<String> = core.iter().flatten().map(ToString::to_string).collect();
        if errors.is_empty() {
            CheckResult::new(
                CheckId::ProposalPresent,
                Status::Pass,
                format!(
                    "{} exists and its {} core fields parse",
                    self.key,
                    core.len()
                ),
            )
        } else {
            CheckResult::new(CheckId::ProposalPresent, Status::Fail, errors.join("; "))
        }
    }

    fn components_published(&self, rec: &ProposalRecord) -> CheckResult {
        let mut problems = Vec::new();
        let mut missing = Vec::new();
        for c in Component::ALL {
            match rec.component(c) {
                Ok(v) if v.is_finite() => {}
                Ok(v) => problems.push(format!("{} = {} is not finite", c.field(), f(*v))),
                Err(e) if e.problem == Problem::Missing => missing.push(c.field()),
                Err(e) => problems.push(e.to_string()),
            }
        }
        let values =
            components_text(Component::ALL.map(|c| rec.component(c).as_ref().ok().copied()));
        if !missing.is_empty() {
            let all = missing.len() == 4;
            problems.insert(
                0,
                format!(
                    "{} {} missing{}",
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                    if all {
                        " (written before P2.6B published the components)"
                    } else {
                        ""
                    }
                ),
            );
        }
        if problems.is_empty() {
            CheckResult::new(
                CheckId::ComponentsPublished,
                Status::Pass,
                "all four k_* fields are present and finite",
            )
            .values("four finite k_* fields", values)
        } else {
            CheckResult::new(
                CheckId::ComponentsPublished,
                Status::Fail,
                problems.join("; "),
            )
            .values("four finite k_* fields", values)
        }
    }

    fn fresh(&self, rec: &ProposalRecord) -> CheckResult {
        let max = self.settings.max_age.as_secs_f64();
        let (at, basis) = match (&rec.last_update_epoch, &rec.computed_at_utc) {
            (Ok(epoch), _) => match DateTime::from_timestamp(*epoch, 0) {
                Some(at) => (at, format!("last_update_epoch {epoch}")),
                None => {
                    return CheckResult::new(
                        CheckId::Fresh,
                        Status::Error,
                        format!(
                            "{} field last_update_epoch = {epoch} is out of range",
                            rec.key
                        ),
                    );
                }
            },
            (Err(epoch_err), Ok(computed)) => (
                computed.utc,
                format!(
                    "computed_at_utc {} read as UTC ({})",
                    computed.utc.format("%Y-%m-%dT%H:%M:%S%.fZ"),
                    if epoch_err.problem == Problem::Missing {
                        "no last_update_epoch".to_owned()
                    } else {
                        epoch_err.to_string()
                    }
                ),
            ),
            (Err(a), Err(b)) => {
                return CheckResult::new(CheckId::Fresh, Status::Error, format!("{a}; {b}"));
            }
        };
        let age = (self.settings.now - at)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64
            / 1e6;
        let expected = format!("age ≤ {}", format_age(max));
        let actual = format!("age {}", format_age(age));
        let (status, message) = if age > max {
            (
                Status::Fail,
                format!(
                    "{basis} is {} old, over --max-age {}: the publisher has stopped updating this symbol",
                    format_age(age),
                    format_age(max)
                ),
            )
        } else if age < -1.0 {
            (
                Status::Warn,
                format!(
                    "{basis} is {} in the future: are the clocks in step?",
                    format_age(-age)
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{basis} is {} old", format_age(age.max(0.0))),
            )
        };
        CheckResult::new(CheckId::Fresh, status, message).values(expected, actual)
    }

    fn components_reproduce(
        &self,
        rec: &ProposalRecord,
        inputs: &Result<Inputs, String>,
    ) -> CheckResult {
        let id = CheckId::ComponentsReproduce;
        let published = Component::ALL.map(|c| rec.component(c));
        if published
            .iter()
            .all(|p| matches!(p, Err(e) if e.problem == Problem::Missing))
        {
            return CheckResult::new(
                id,
                Status::Skip,
                "not applicable: the hash publishes no k_* components (see components-published)",
            );
        }
        if let Some(e) = published
            .iter()
            .find_map(|p| p.as_ref().err().filter(|e| e.problem != Problem::Missing))
        {
            return CheckResult::new(id, Status::Error, e.to_string());
        }
        let inputs = match inputs {
            Ok(i) => i,
            Err(why) => {
                return CheckResult::new(id, Status::Error, format!("cannot recompute: {why}"));
            }
        };
        let recomputed = match recompute::kill_score(inputs, &self.theta.theta) {
            Ok(k) => k.components,
            Err(e) => {
                return CheckResult::new(id, Status::Error, format!("the kernel raises: {e}"));
            }
        };
        let published_values = published.map(|p| p.as_ref().ok().copied());
        let mut differing = Vec::new();
        let mut within = false;
        for (c, value) in Component::ALL.iter().zip(published_values) {
            let Some(value) = value else { continue };
            match Match::of(recomputed.get(*c), value, self.settings.tolerance) {
                Match::Exact => {}
                Match::Within { .. } => within = true,
                Match::Differs => differing.push(format!(
                    "{} published {} but the formula gives {}",
                    c.field(),
                    f(value),
                    f(recomputed.get(*c))
                )),
            }
        }
        let expected = components_text(Component::ALL.map(|c| Some(recomputed.get(c))));
        let actual = components_text(published_values);
        let from = format!("from {} under theta {}", inputs.origin, self.theta.label());
        let result = if differing.is_empty() {
            let how = if within {
                "within --tolerance"
            } else {
                "bit for bit"
            };
            CheckResult::new(id, Status::Pass, format!("reproduce {how} {from}"))
        } else {
            CheckResult::new(
                id,
                Status::Fail,
                format!("{} ({from})", differing.join("; ")),
            )
        };
        result.values(expected, actual)
    }

    fn kill_score_reproduces(
        &self,
        rec: &ProposalRecord,
        inputs: &Result<Inputs, String>,
    ) -> CheckResult {
        let id = CheckId::KillScoreReproduces;
        let published_k = match &rec.kill_score {
            Ok(k) => *k,
            Err(e) => return CheckResult::new(id, Status::Error, e.to_string()),
        };
        let (components, basis) = match (recompute::published_components(rec), inputs) {
            (Some(c), _) => (c, "the published components"),
            (None, Ok(inputs)) => {
                match kernel::components(&inputs.market, inputs.age_sec, &self.theta.theta) {
                    Ok(c) => (
                        c,
                        "components recomputed from the inputs (none are published)",
                    ),
                    Err(e) => {
                        return CheckResult::new(
                            id,
                            Status::Error,
                            format!("the kernel raises: {e}"),
                        );
                    }
                }
            }
            (None, Err(why)) => {
                return CheckResult::new(
                    id,
                    Status::Error,
                    format!("no published components and cannot recompute them: {why}"),
                );
            }
        };
        let ks = match recompute::kill_score_of(components, &self.theta.theta) {
            Ok(ks) => ks,
            Err(e) => {
                return CheckResult::new(id, Status::Error, format!("the kernel raises: {e}"));
            }
        };
        let how = format!(
            "sigmoid(z = {}) of {basis} with weights {} (theta {})",
            f(ks.z),
            weights_text(&self.theta.theta),
            self.theta.label()
        );
        let result = match Match::of(ks.kill_score, published_k, self.settings.tolerance) {
            Match::Exact => CheckResult::new(id, Status::Pass, format!("{how}, bit for bit")),
            Match::Within { relative } => CheckResult::new(
                id,
                Status::Pass,
                format!("{how}, within --tolerance (relative difference {relative:e})"),
            ),
            Match::Differs => CheckResult::new(
                id,
                Status::Fail,
                format!(
                    "{how} ≠ published; {}",
                    self.diagnose(published_k, ks.z, rec, inputs)
                ),
            ),
        };
        result.values(f(ks.kill_score), f(published_k))
    }

    /// Which known theta would reproduce a published K, and the z it implies.
    fn diagnose(
        &self,
        published_k: f64,
        z: f64,
        rec: &ProposalRecord,
        inputs: &Result<Inputs, String>,
    ) -> String {
        let published = recompute::published_components(rec);
        let reproducers: Vec<String> = self
            .book
            .alternatives(self.theta)
            .filter(|candidate| {
                let ks = match inputs {
                    Ok(inputs) => recompute::kill_score(inputs, &candidate.theta),
                    Err(_) => match published {
                        Some(c) => recompute::kill_score_of(c, &candidate.theta),
                        None => return false,
                    },
                };
                ks.is_ok_and(|ks| {
                    Match::of(ks.kill_score, published_k, self.settings.tolerance).ok()
                })
            })
            .map(NamedTheta::label)
            .collect();
        let implied = format!(
            "implied z = logit(K) = {} vs recomputed z = {}",
            f(kernel::logit(published_k)),
            f(z)
        );
        if reproducers.is_empty() {
            let tried: Vec<String> = self
                .book
                .alternatives(self.theta)
                .map(NamedTheta::label)
                .collect();
            let tried = if tried.is_empty() {
                "this is the only theta known; try --theta FILE or --theta-from-policy".to_owned()
            } else {
                format!("also tried {}", tried.join(", "))
            };
            format!("no known theta reproduces it ({tried}); {implied}")
        } else {
            format!(
                "theta {} reproduces the published value; {implied}",
                reproducers.join(" and ")
            )
        }
    }

    fn r_net_reproduces(&self, rec: &ProposalRecord) -> CheckResult {
        let id = CheckId::RNetReproduces;
        let fields = [
            &rec.position_entry_price,
            &rec.position_unrealized_pnl,
            &rec.risk_unit,
            &rec.cost_est,
            &rec.r_net,
        ];
        if let Some(e) = first_error(&fields) {
            return CheckResult::new(id, Status::Error, e);
        }
        let [entry, pnl, risk_unit, cost, r_net] = fields.map(|f| f.clone().unwrap_or(f64::NAN));
        let theta = &self.theta.theta;
        let expected_cost = kernel::cost_est(entry, theta);
        let expected_r = kernel::r_net(pnl, expected_cost, risk_unit);
        let tol = self.settings.tolerance;
        let mut problems = Vec::new();
        if !Match::of(expected_cost, cost, tol).ok() {
            problems.push(format!(
                "cost_est published {} but ({}/10000)·{} = {}",
                f(cost),
                f(theta.cost_bps),
                f(entry),
                f(expected_cost)
            ));
        }
        if !Match::of(expected_r, r_net, tol).ok() {
            problems.push(format!(
                "R_net published {} but ({} − {})/{} = {}",
                f(r_net),
                f(pnl),
                f(expected_cost),
                f(risk_unit),
                f(expected_r)
            ));
        }
        if risk_unit < kernel::RISK_UNIT_FLOOR {
            problems.push(format!(
                "risk_unit {} is below the kernel's floor 1e-09",
                f(risk_unit)
            ));
        }
        let expected = format!("cost_est={} R_net={}", f(expected_cost), f(expected_r));
        let actual = format!("cost_est={} R_net={}", f(cost), f(r_net));
        let result = if problems.is_empty() {
            CheckResult::new(
                id,
                Status::Pass,
                format!(
                    "cost_est = ({}/10000)·{entry}; R_net = ({} − {})/{}; risk_unit implies a stop distance of {}",
                    f(theta.cost_bps),
                    f(pnl),
                    f(cost),
                    f(risk_unit),
                    f(risk_unit / entry),
                    entry = f(entry),
                ),
            )
        } else {
            CheckResult::new(id, Status::Fail, problems.join("; "))
        };
        result.values(expected, actual)
    }

    fn action_consistent(&self, rec: &ProposalRecord) -> CheckResult {
        let id = CheckId::ActionConsistent;
        let (r_net, k, action) = match (&rec.r_net, &rec.kill_score, &rec.harvest_action) {
            (Ok(r), Ok(k), Ok(a)) => (*r, *k, *a),
            (r, k, a) => {
                let e = [r.as_ref().err(), k.as_ref().err(), a.as_ref().err()]
                    .into_iter()
                    .flatten()
                    .map(ToString::to_string)
                    .next()
                    .unwrap_or_default();
                return CheckResult::new(id, Status::Error, e);
            }
        };
        let theta = &self.theta.theta;
        let ladder = kernel::harvest_action(r_net, theta);
        let zero = Components {
            regime_flip: 0.0,
            sigma_spike: 0.0,
            ts_drop: 0.0,
            age_penalty: 0.0,
        };
        let (expected, _) = kernel::decide(r_net, false, k, &zero, theta);
        let why = format!(
            "R_net {} → {ladder} on the ladder {}/{}/{}; K {} {} kill_threshold {}",
            f(r_net),
            f(theta.t1_r),
            f(theta.t2_r),
            f(theta.t3_r),
            f(k),
            if k >= theta.kill_threshold {
                "≥"
            } else {
                "<"
            },
            f(theta.kill_threshold)
        );
        let status = if expected == action {
            Status::Pass
        } else {
            Status::Fail
        };
        CheckResult::new(id, status, format!("{why} → {expected}"))
            .values(expected.as_str(), action.as_str())
    }

    fn reason_codes_consistent(
        &self,
        rec: &ProposalRecord,
        inputs: &Result<Inputs, String>,
    ) -> CheckResult {
        let id = CheckId::ReasonCodesConsistent;
        let (r_net, k, new_sl, codes) = match (
            &rec.r_net,
            &rec.kill_score,
            &rec.new_sl_proposed,
            &rec.reason_codes,
        ) {
            (Ok(r), Ok(k), Ok(sl), Ok(c)) => (*r, *k, *sl, c),
            _ => {
                let e = first_error(&[&rec.r_net, &rec.kill_score])
                    .or_else(|| rec.new_sl_proposed.as_ref().err().map(ToString::to_string))
                    .or_else(|| rec.reason_codes.as_ref().err().map(ToString::to_string))
                    .unwrap_or_default();
                return CheckResult::new(id, Status::Error, e);
            }
        };
        let (components, note) = match (recompute::published_components(rec), inputs) {
            (Some(c), _) => (c, ""),
            (None, Ok(inputs)) => {
                match kernel::components(&inputs.market, inputs.age_sec, &self.theta.theta) {
                    Ok(c) => (c, " (component cut-offs applied to recomputed components)"),
                    Err(e) => {
                        return CheckResult::new(
                            id,
                            Status::Error,
                            format!("the kernel raises: {e}"),
                        );
                    }
                }
            }
            (None, Err(why)) => {
                return CheckResult::new(
                    id,
                    Status::Error,
                    format!("no components to apply cut-offs to: {why}"),
                );
            }
        };
        let (_, expected) =
            kernel::decide(r_net, new_sl.is_some(), k, &components, &self.theta.theta);
        let expected: Vec<&str> = expected.iter().map(|c| c.as_str()).collect();
        let expected_text = expected.join(",");
        let actual_text = codes.join(",");
        // The published list comes from whoever wrote the hash: a CR/LF or
        // a 10 MB value must not reach the report as it is.
        let show = |t: &str| {
            if t.is_empty() {
                "(none)".to_owned()
            } else {
                crate::wire::show_text(t)
            }
        };
        let result = if expected_text == actual_text {
            CheckResult::new(
                id,
                Status::Pass,
                format!("exactly the kernel's codes, in order{note}"),
            )
        } else {
            CheckResult::new(
                id,
                Status::Fail,
                format!(
                    "published {} but the kernel gives {}{note}",
                    show(&actual_text),
                    show(&expected_text)
                ),
            )
        };
        result.values(show(&expected_text), show(&actual_text))
    }

    fn profit_lock_consistent(&self, rec: &ProposalRecord) -> CheckResult {
        let id = CheckId::ProfitLockConsistent;
        let (codes, new_sl, r_net) = match (&rec.reason_codes, &rec.new_sl_proposed, &rec.r_net) {
            (Ok(c), Ok(sl), Ok(r)) => (c, *sl, *r),
            _ => {
                let e = rec
                    .reason_codes
                    .as_ref()
                    .err()
                    .or(rec.new_sl_proposed.as_ref().err())
                    .or(rec.r_net.as_ref().err())
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return CheckResult::new(id, Status::Error, e);
            }
        };
        let theta = &self.theta.theta;
        let has_code = codes.iter().any(|c| c == "profit_lock");
        let shown_sl = pyfloat::format_opt(new_sl);
        match (has_code, new_sl) {
            (true, None) => CheckResult::new(
                id,
                Status::Fail,
                "reason code profit_lock but new_sl_proposed is None",
            )
            .values("a stop", "None"),
            (false, Some(sl)) => CheckResult::new(
                id,
                Status::Fail,
                format!(
                    "new_sl_proposed {} without the profit_lock reason code",
                    f(sl)
                ),
            )
            .values("None", shown_sl),
            (false, None) => {
                let message = if r_net < theta.lock_r {
                    format!(
                        "R_net {} < lock_R {}: no lock due",
                        f(r_net),
                        f(theta.lock_r)
                    )
                } else {
                    format!(
                        "R_net {} ≥ lock_R {} but no lock: the current stop was already at or beyond BE+ (the hash does not record it)",
                        f(r_net),
                        f(theta.lock_r)
                    )
                };
                CheckResult::new(id, Status::Pass, message).values("None", shown_sl)
            }
            (true, Some(sl)) => {
                let (side, entry) = match (&rec.position_side, &rec.position_entry_price) {
                    (Ok(side), Ok(entry)) => (side, *entry),
                    (side, entry) => {
                        let e = side
                            .as_ref()
                            .err()
                            .or(entry.as_ref().err())
                            .map(ToString::to_string)
                            .unwrap_or_default();
                        return CheckResult::new(id, Status::Error, e);
                    }
                };
                let be = kernel::break_even_plus(entry, side, theta);
                let sign = if kernel::is_long(side) { "+" } else { "−" };
                let formula = format!(
                    "{side}: entry {} × (1 {sign} be_plus_pct {}) = {}",
                    f(entry),
                    f(theta.be_plus_pct),
                    f(be)
                );
                let mut problems = Vec::new();
                if !Match::of(be, sl, self.settings.tolerance).ok() {
                    problems.push(format!("new_sl_proposed {} is not BE+ ({formula})", f(sl)));
                }
                if r_net < theta.lock_r {
                    problems.push(format!(
                        "a stop is proposed although R_net {} < lock_R {}",
                        f(r_net),
                        f(theta.lock_r)
                    ));
                }
                let result = if problems.is_empty() {
                    CheckResult::new(id, Status::Pass, formula)
                } else {
                    CheckResult::new(id, Status::Fail, problems.join("; "))
                };
                result.values(f(be), shown_sl)
            }
        }
    }

    fn inputs_current(&self, rec: &ProposalRecord) -> CheckResult {
        let id = CheckId::InputsCurrent;
        let market_key = self.market.map(|m| m.key.clone());
        let live = match (self.market, self.market_read) {
            (Some(m), _) => m,
            (None, HashRead::Failed(e)) => {
                return CheckResult::new(
                    id,
                    Status::Error,
                    format!("market-state hash cannot be read: {e}"),
                );
            }
            (None, _) => {
                return CheckResult::new(
                    id,
                    Status::Warn,
                    "the market-state hash is missing or expired (upstream sets a 600 s TTL): is the P0.5 publisher running?",
                );
            }
        };
        let pairs = [
            ("sigma", &rec.sigma, &live.sigma),
            ("ts", &rec.ts, &live.ts),
            ("p_trend", &rec.p_trend, &live.p_trend),
            ("p_mr", &rec.p_mr, &live.p_mr),
            ("p_chop", &rec.p_chop, &live.p_chop),
        ];
        let mut drifted = Vec::new();
        let mut unrecorded = Vec::new();
        let (mut expected, mut actual) = (Vec::new(), Vec::new());
        for (name, recorded, now) in pairs {
            let now = match now {
                Ok(v) => *v,
                Err(e) => return CheckResult::new(id, Status::Error, e.to_string()),
            };
            actual.push(format!("{name}={}", f(now)));
            match recorded {
                Ok(used) => {
                    expected.push(format!("{name}={}", f(*used)));
                    if !Match::of(*used, now, 0.0).ok() {
                        drifted.push(format!("{name} {} → {}", f(*used), f(now)));
                    }
                }
                Err(e) if e.problem == Problem::Missing => {
                    expected.push(format!("{name}=—"));
                    unrecorded.push(name);
                }
                Err(e) => return CheckResult::new(id, Status::Error, e.to_string()),
            }
        }
        let key = market_key.unwrap_or_default();
        let result = if !unrecorded.is_empty() {
            CheckResult::new(
                id,
                Status::Warn,
                format!(
                    "the proposal does not record {}; cannot compare with {key}",
                    unrecorded.join(", ")
                ),
            )
        } else if drifted.is_empty() {
            CheckResult::new(
                id,
                Status::Pass,
                format!("{key} still holds the inputs the proposal used"),
            )
        } else {
            let overwritten = if rec.heat_gate && drifted.iter().any(|d| d.starts_with("ts ")) {
                " (ts in the proposal was overwritten by portfolio_heat_gate)"
            } else {
                ""
            };
            CheckResult::new(
                id,
                Status::Warn,
                format!(
                    "{key} has moved since the proposal was computed: {}{overwritten}",
                    drifted.join(", ")
                ),
            )
        };
        result.values(expected.join(" "), actual.join(" "))
    }

    fn position_real(&self, rec: &ProposalRecord) -> CheckResult {
        let id = CheckId::PositionReal;
        let fields = [
            &rec.position_age_sec,
            &rec.position_entry_price,
            &rec.position_unrealized_pnl,
        ];
        if let Some(e) = first_error(&fields) {
            return CheckResult::new(id, Status::Error, e);
        }
        let [age, entry, pnl] = fields.map(|f| f.clone().unwrap_or(f64::NAN));
        let mut reasons = Vec::new();
        if rec.provenance.position_source.as_deref() == Some("synthetic") {
            reasons.push("position_source is synthetic".to_owned());
        }
        if age == 3600.0 && matches!((entry, pnl), (100.0, 5.0) | (50.0, 2.5)) {
            reasons.push(format!(
                "the upstream synthetic fallback's fingerprint (age 3600.0, entry {}, pnl {})",
                f(entry),
                f(pnl)
            ));
        }
        let others: Vec<&str> = self
            .twins
            .iter()
            .filter(|s| *s != self.symbol)
            .map(Symbol::as_str)
            .collect();
        if !others.is_empty() {
            const NAMED: usize = 5;
            let mut names = others[..others.len().min(NAMED)].join(", ");
            if others.len() > NAMED {
                names.push_str(&format!(" and {} more", others.len() - NAMED));
            }
            reasons.push(format!("the same position as {names}"));
        }
        let actual = format!("age={} entry={} pnl={}", f(age), f(entry), f(pnl));
        if reasons.is_empty() {
            CheckResult::new(id, Status::Pass, "no sign of a synthetic position")
                .values("a real position", actual)
        } else {
            CheckResult::new(
                id,
                Status::Warn,
                format!("looks synthetic: {}", reasons.join("; ")),
            )
            .values("a real position", actual)
        }
    }
}

fn service_active(service: Option<&ServiceState>) -> CheckResult {
    let id = CheckId::ServiceActive;
    let Some(service) = service else {
        return CheckResult::new(id, Status::Skip, "not requested (use --systemd-unit NAME)");
    };
    let unit = &service.unit;
    match &service.facts {
        Err(why) => CheckResult::new(id, Status::Error, format!("cannot check {unit}: {why}")),
        Ok(facts) if facts.active_state != "active" => CheckResult::new(
            id,
            Status::Fail,
            format!("{unit} is {}", facts.active_state),
        )
        .values("active", facts.active_state.clone()),
        Ok(facts) if !facts.error_lines.is_empty() => CheckResult::new(
            id,
            Status::Fail,
            format!(
                "{unit} logged {} error line(s) recently; first: {}",
                facts.error_lines.len(),
                crate::wire::show_raw(facts.error_lines[0].as_bytes())
            ),
        )
        .values(
            "no error lines",
            format!("{} error lines", facts.error_lines.len()),
        ),
        Ok(_) => CheckResult::new(
            id,
            Status::Pass,
            format!("{unit} is active with no recent error lines"),
        )
        .values("active", "active"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_documented_ones() {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "proposal-present",
                "components-published",
                "fresh",
                "components-reproduce",
                "kill-score-reproduces",
                "r-net-reproduces",
                "action-consistent",
                "reason-codes-consistent",
                "profit-lock-consistent",
                "inputs-current",
                "position-real",
                "service-active"
            ]
        );
    }

    #[test]
    fn worst_status_orders_error_over_fail_over_warn() {
        assert_eq!(Status::worst([Status::Pass, Status::Skip]), Status::Pass);
        assert_eq!(Status::worst([Status::Warn, Status::Pass]), Status::Warn);
        assert_eq!(
            Status::worst([Status::Fail, Status::Error, Status::Warn]),
            Status::Error
        );
        assert_eq!(Status::worst([]), Status::Skip);
    }

    #[test]
    fn ages_read_like_a_person_wrote_them() {
        assert_eq!(format_age(6.0), "6s");
        assert_eq!(format_age(45.25), "45.2s");
        assert_eq!(format_age(7503.0), "2h 5m 3s");
        assert_eq!(format_age(-12.0), "-12s");
    }
}
