//! What a check result is: ids, statuses, the words of a result, verdicts
//! and the run's summary.
//!
//! Check ids are public API — CI jobs, JUnit reports and alerts refer to
//! them — so they are declared once, in [`check_ids!`] below, documented in
//! the README, and never renamed or renumbered. A value that could not be
//! read is `error`, never `pass` or `skip`: a rubber-stamp PASS on unreadable
//! data is exactly what killscope exists to prevent.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::kernel::Action;
use crate::keys::Symbol;
use crate::recompute::KillScore;
use crate::theta::NamedTheta;

macro_rules! check_ids {
    ($($variant:ident => $id:literal, $proves:literal, $warned:literal;)*) => {
        /// The stable check ids, in report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId {
            $($variant,)*
        }

        impl CheckId {
            pub const ALL: &[CheckId] = &[$(CheckId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $id,)*
                }
            }

            /// What a pass proves, one line (README and markdown reports).
            pub fn proves(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $proves,)*
                }
            }

            /// What symbols that warn on this check are, for a line that
            /// groups them: "3 symbols look synthetic".
            pub fn warned(self) -> &'static str {
                match self {
                    $(CheckId::$variant => $warned,)*
                }
            }
        }
    };
}

check_ids! {
    ProposalPresent => "proposal-present",
        "the proposal hash exists with its core fields parseable",
        "warn on their proposal";
    ComponentsPublished => "components-published",
        "the four k_* fields are there and finite",
        "warn on their components";
    Fresh => "fresh",
        "the publisher is alive for this symbol",
        "have timestamps slightly in the future";
    ComponentsReproduce => "components-reproduce",
        "each k_* equals its formula on the recorded inputs",
        "warn on their components";
    KillScoreReproduces => "kill-score-reproduces",
        "kill_score = sigmoid(Σ weight·k) of the published components",
        "warn on their kill score";
    RNetReproduces => "r-net-reproduces",
        "cost_est and R_net follow from entry, pnl, risk_unit and cost_bps",
        "warn on R_net";
    ActionConsistent => "action-consistent",
        "harvest_action follows from R_net, K and theta",
        "act for a position side that is neither LONG nor SHORT";
    ReasonCodesConsistent => "reason-codes-consistent",
        "reason_codes are exactly the kernel's, in order",
        "warn on their reason codes";
    ProfitLockConsistent => "profit-lock-consistent",
        "profit_lock present ⇔ a stop is proposed, at entry·(1±be_plus_pct)",
        "warn on their profit lock";
    InputsCurrent => "inputs-current",
        "the live market-state hash still matches the inputs used",
        "have market state that moved or expired since they were published";
    PositionReal => "position-real",
        "the position is not the synthetic fallback",
        "look synthetic";
    ServiceActive => "service-active",
        "the publisher's systemd unit is active and logging no errors",
        "warn on the publisher's service";
    SingleWrite => "single-write",
        "the hash is one publisher write: every upstream field there, every number spelled as Python writes it, provenance from this write",
        "are not one whole publisher write";
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

type Render = dyn Fn(&mut fmt::Formatter<'_>) -> fmt::Result + Send + Sync;

/// The words of a check result. Most formats never print most of them (a
/// passing check is one line in a table and a number in Prometheus), so a
/// check hands over the facts and a way to say them, and the text is made
/// only by a format that prints it: at ten thousand symbols, formatting
/// 120,000 messages nobody reads was a tenth of a run.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Owned(Arc<str>),
    Lazy(Arc<Render>),
}

impl Text {
    pub fn lazy(
        render: impl Fn(&mut fmt::Formatter<'_>) -> fmt::Result + Send + Sync + 'static,
    ) -> Self {
        Text(Repr::Lazy(Arc::new(render)))
    }
}

impl From<&'static str> for Text {
    fn from(text: &'static str) -> Self {
        Text(Repr::Static(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Repr::Owned(text.into()))
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Static(text) => f.write_str(text),
            Repr::Owned(text) => f.write_str(text),
            Repr::Lazy(render) => render(f),
        }
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

/// A [`Text`] that is formatted only when printed: `text!("{} ≠ {}", f(a), f(b))`.
/// Everything it names is moved into it, so it must own its values.
macro_rules! text {
    ($($arg:tt)*) => {
        $crate::checks::model::Text::lazy(move |__out: &mut ::std::fmt::Formatter<'_>| {
            ::std::write!(__out, $($arg)*)
        })
    };
}
pub(crate) use text;

/// What one check found for one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub expected: Option<Text>,
    pub actual: Option<Text>,
    pub message: Text,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<Text>) -> Self {
        Outcome {
            status,
            expected: None,
            actual: None,
            message: message.into(),
        }
    }

    pub fn pass(message: impl Into<Text>) -> Self {
        Outcome::new(Status::Pass, message)
    }

    pub fn fail(message: impl Into<Text>) -> Self {
        Outcome::new(Status::Fail, message)
    }

    pub fn warn(message: impl Into<Text>) -> Self {
        Outcome::new(Status::Warn, message)
    }

    pub fn skip(message: impl Into<Text>) -> Self {
        Outcome::new(Status::Skip, message)
    }

    /// Could not be checked.
    pub fn error(message: impl Into<Text>) -> Self {
        Outcome::new(Status::Error, message)
    }

    pub fn values(mut self, expected: impl Into<Text>, actual: impl Into<Text>) -> Self {
        self.expected = Some(expected.into());
        self.actual = Some(actual.into());
        self
    }
}

/// One check's result for one symbol.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub id: CheckId,
    pub status: Status,
    pub expected: Option<Text>,
    pub actual: Option<Text>,
    pub message: Text,
}

impl CheckResult {
    pub fn new(id: CheckId, outcome: Outcome) -> Self {
        CheckResult {
            id,
            status: outcome.status,
            expected: outcome.expected,
            actual: outcome.actual,
            message: outcome.message,
        }
    }
}

/// How verification is judged.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_age: std::time::Duration,
    /// How far in the future a timestamp may be before it fails `fresh`.
    pub max_skew: std::time::Duration,
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

/// The published numbers of one proposal, for tables.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Published {
    pub action: Option<Action>,
    pub r_net: Option<f64>,
    pub kill_score: Option<f64>,
    pub components: [Option<f64>; 4],
    /// Seconds since the last update (`now − last_update_epoch`).
    pub age_sec: Option<f64>,
    /// The proposed stop; `None` when none is proposed (`"None"`) or the
    /// field cannot be read.
    pub new_sl: Option<f64>,
    /// When the proposal was last updated, in Unix seconds:
    /// `last_update_epoch`, else `computed_at_utc` read as UTC.
    pub updated_at: Option<f64>,
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn lazy_text_is_made_when_printed_and_compares_by_words() {
        let value = 0.5_f64;
        let lazy = text!("K {} ≥ {}", value, 0.6);
        assert_eq!(lazy.to_string(), "K 0.5 ≥ 0.6");
        assert_eq!(lazy, Text::from("K 0.5 ≥ 0.6".to_owned()));
        assert_eq!(format!("{:?}", Text::from("a")), "\"a\"");
    }
}
