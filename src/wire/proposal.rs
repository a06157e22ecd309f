//! `{prefix}:harvest:proposal:{SYM}`: parsing what is there, rendering what
//! the publisher writes.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use super::fields::{Field, FieldReader, Problem, show_raw, show_text};
use super::hash::RawHash;
use crate::kernel::{Action, Component, MarketState, Position, Proposal};
use crate::pyfloat;

/// The 23 fields the upstream P2.5 publisher writes, in the order killscope
/// writes them (`HSET` order is not observable in a hash; it is in a stream
/// entry, where consumers read by name).
pub const UPSTREAM_FIELDS: [&str; 23] = [
    "harvest_action",
    "new_sl_proposed",
    "R_net",
    "risk_unit",
    "cost_est",
    "kill_score",
    "reason_codes",
    "k_regime_flip",
    "k_sigma_spike",
    "k_ts_drop",
    "k_age_penalty",
    "sigma",
    "ts",
    "p_trend",
    "p_mr",
    "p_chop",
    "computed_at_utc",
    "last_update_epoch",
    "position_side",
    "position_age_sec",
    "position_current_price",
    "position_entry_price",
    "position_unrealized_pnl",
];

/// Fields `portfolio_heat_gate` HSETs into the proposal hash. Their presence
/// means `ts` may have been overwritten with an epoch (REFERENCE.md §4).
pub const HEAT_GATE_FIELDS: [&str; 4] = ["heat_value", "heat_bucket", "calibrated_by", "plan_id"];

/// `computed_at_utc` as read. Upstream writes a naive UTC time; test scripts
/// write a `Z`-suffixed one. Both are accepted and told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComputedAt {
    pub utc: DateTime<Utc>,
    /// False for the upstream naive form, true when the text carried a zone.
    pub zoned: bool,
}

/// Which inputs of the proposal a reader can trust to be the ones the kernel saw.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRecord {
    pub key: String,
    pub harvest_action: Field<Action>,
    pub new_sl_proposed: Field<Option<f64>>,
    pub r_net: Field<f64>,
    pub risk_unit: Field<f64>,
    pub cost_est: Field<f64>,
    pub kill_score: Field<f64>,
    /// Split on `,`; the empty string is "no codes".
    pub reason_codes: Field<Vec<String>>,
    /// `k_*`, indexed like [`Component::ALL`].
    pub components: [Field<f64>; 4],
    pub sigma: Field<f64>,
    pub ts: Field<f64>,
    pub p_trend: Field<f64>,
    pub p_mr: Field<f64>,
    pub p_chop: Field<f64>,
    pub computed_at_utc: Field<ComputedAt>,
    pub last_update_epoch: Field<i64>,
    pub position_side: Field<String>,
    pub position_age_sec: Field<f64>,
    pub position_current_price: Field<f64>,
    pub position_entry_price: Field<f64>,
    pub position_unrealized_pnl: Field<f64>,
    pub provenance: Provenance,
    /// The hash carries `portfolio_heat_gate` fields (see [`HEAT_GATE_FIELDS`]).
    pub heat_gate: bool,
}

/// killscope's additive fields. Absent on hashes the upstream publisher wrote.
///
/// They describe one write, so they carry the `computed_at_utc` of that
/// write ([`Provenance::TIE`]): the upstream publisher HSETs its 23 fields
/// and never deletes, so after a rollback to it the old `theta_hash` would
/// otherwise go on describing a proposal it did not compute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    pub theta_hash: Option<String>,
    pub position_source: Option<String>,
    pub stop_source: Option<String>,
    pub publisher: Option<String>,
    /// Why the fields above were found but are not used (left from an
    /// earlier write): they are `None` then.
    pub stale: Option<String>,
}

impl Provenance {
    pub const FIELDS: [&'static str; 4] =
        ["theta_hash", "position_source", "stop_source", "publisher"];
    /// The field that ties the provenance to the write it describes.
    pub const TIE: &'static str = "provenance_computed_at_utc";

    fn any(&self) -> bool {
        self.theta_hash.is_some()
            || self.position_source.is_some()
            || self.stop_source.is_some()
            || self.publisher.is_some()
    }

    /// Provenance read from a hash, kept only if it belongs to the write
    /// whose `computed_at_utc` the hash holds.
    fn read(r: &FieldReader<'_>) -> Provenance {
        let text_opt = |field: &str| r.text(field).ok().map(show_text);
        let fields = Provenance {
            theta_hash: text_opt("theta_hash"),
            position_source: text_opt("position_source"),
            stop_source: text_opt("stop_source"),
            publisher: text_opt("publisher"),
            stale: None,
        };
        if !fields.any() {
            return fields;
        }
        let written = r.raw("computed_at_utc").ok();
        let stale = match (r.raw(Self::TIE).ok(), written) {
            (Some(tie), Some(written)) if tie == written => return fields,
            (Some(tie), Some(written)) => format!(
                "provenance fields were written with computed_at_utc {} but the hash was rewritten at {} by a writer that does not record provenance: ignored",
                show_raw(tie),
                show_raw(written)
            ),
            (Some(_), None) => {
                "provenance fields but no computed_at_utc to tie them to: ignored".to_owned()
            }
            (None, _) => format!(
                "provenance fields without {}, so nothing ties them to this write: ignored",
                Self::TIE
            ),
        };
        Provenance {
            stale: Some(stale),
            ..Provenance::default()
        }
    }
}

impl ProposalRecord {
    pub fn parse(key: &str, hash: &RawHash) -> ProposalRecord {
        let r = FieldReader::new(key, hash);
        ProposalRecord {
            key: key.to_owned(),
            harvest_action: r.text("harvest_action").and_then(|text| {
                Action::parse(text).ok_or_else(|| {
                    r.error(
                        "harvest_action",
                        Problem::Invalid {
                            raw: text.as_bytes().to_vec(),
                            expected: "not one of NONE, PARTIAL_25, PARTIAL_50, PARTIAL_75, FULL_CLOSE_PROPOSED",
                        },
                    )
                })
            }),
            new_sl_proposed: r.number_or_none("new_sl_proposed"),
            r_net: r.number("R_net"),
            risk_unit: r.number("risk_unit"),
            cost_est: r.number("cost_est"),
            kill_score: r.number("kill_score"),
            reason_codes: r.text("reason_codes").map(|text| {
                if text.is_empty() {
                    Vec::new()
                } else {
                    text.split(',').map(str::to_owned).collect()
                }
            }),
            components: Component::ALL.map(|c| r.number(c.field())),
            sigma: r.number("sigma"),
            ts: r.number("ts"),
            p_trend: r.number("p_trend"),
            p_mr: r.number("p_mr"),
            p_chop: r.number("p_chop"),
            computed_at_utc: parse_computed_at(&r),
            last_update_epoch: r.integer("last_update_epoch"),
            // Free text ends up in messages, tables and JUnit attributes; a
            // value with control characters (or a megabyte of them) is kept
            // in its escaped, shortened form, unequal to every real one.
            position_side: r.text("position_side").map(show_text),
            position_age_sec: r.number("position_age_sec"),
            position_current_price: r.number("position_current_price"),
            position_entry_price: r.number("position_entry_price"),
            position_unrealized_pnl: r.number("position_unrealized_pnl"),
            provenance: Provenance::read(&r),
            heat_gate: HEAT_GATE_FIELDS.iter().any(|f| hash.contains(f)),
        }
    }

    /// The position a proposal was computed for (side, age, prices, pnl) as
    /// one comparable string, when all five fields parse: what
    /// `position-real` compares across symbols, without a full parse.
    pub fn position_fingerprint(hash: &RawHash) -> Option<String> {
        let r = FieldReader::new("", hash);
        let side = r.text("position_side").ok()?;
        let [age, current, entry, pnl] = [
            "position_age_sec",
            "position_current_price",
            "position_entry_price",
            "position_unrealized_pnl",
        ]
        .map(|field| r.number(field).ok());
        Some(format!(
            "{side}|{:?}|{:?}|{:?}|{:?}",
            age?, current?, entry?, pnl?
        ))
    }

    pub fn component(&self, c: Component) -> &Field<f64> {
        &self.components[c as usize]
    }

    /// The market inputs recorded in the hash, all or nothing.
    pub fn market_inputs(&self) -> Field<MarketState> {
        Ok(MarketState {
            sigma: self.sigma.clone()?,
            ts: self.ts.clone()?,
            p_trend: self.p_trend.clone()?,
            p_mr: self.p_mr.clone()?,
            p_chop: self.p_chop.clone()?,
        })
    }
}

impl ComputedAt {
    /// The upstream naive form, or an RFC 3339 time with a zone.
    pub fn parse(text: &str) -> Option<ComputedAt> {
        if let Ok(naive) = text.parse::<NaiveDateTime>() {
            return Some(ComputedAt {
                utc: naive.and_utc(),
                zoned: false,
            });
        }
        DateTime::parse_from_rfc3339(text).ok().map(|t| ComputedAt {
            utc: t.with_timezone(&Utc),
            zoned: true,
        })
    }
}

fn parse_computed_at(r: &FieldReader<'_>) -> Field<ComputedAt> {
    const FIELD: &str = "computed_at_utc";
    let text = r.text(FIELD)?;
    if text.is_empty() {
        return Err(r.error(FIELD, Problem::Empty));
    }
    ComputedAt::parse(text).ok_or_else(|| {
        r.error(
            FIELD,
            Problem::Invalid {
                raw: text.as_bytes().to_vec(),
                expected: "not an ISO-8601 time",
            },
        )
    })
}

/// Python's `datetime.isoformat()` of a naive UTC time: microseconds, and no
/// fraction at all when they are zero.
pub fn python_isoformat(t: DateTime<Utc>) -> String {
    let micros = t.nanosecond() / 1_000;
    let base = t.format("%Y-%m-%dT%H:%M:%S");
    if micros == 0 {
        base.to_string()
    } else {
        format!("{base}.{micros:06}")
    }
}

/// The hash fields for one published proposal: the 23 upstream fields with
/// the upstream's exact strings, then killscope's provenance fields. One
/// `HSET` of this list replaces the proposal atomically.
pub fn render_proposal(
    proposal: &Proposal,
    market: &MarketState,
    position: &Position,
    computed_at: DateTime<Utc>,
    provenance: &Provenance,
) -> Vec<(&'static str, String)> {
    let f = pyfloat::format;
    let reason_codes: Vec<&str> = proposal.reason_codes.iter().map(|c| c.as_str()).collect();
    let c = &proposal.components;
    let mut fields = vec![
        ("harvest_action", proposal.action.as_str().to_owned()),
        (
            "new_sl_proposed",
            pyfloat::format_opt(proposal.new_sl_proposed),
        ),
        ("R_net", f(proposal.r_net)),
        ("risk_unit", f(proposal.risk_unit)),
        ("cost_est", f(proposal.cost_est)),
        ("kill_score", f(proposal.kill_score)),
        ("reason_codes", reason_codes.join(",")),
        ("k_regime_flip", f(c.regime_flip)),
        ("k_sigma_spike", f(c.sigma_spike)),
        ("k_ts_drop", f(c.ts_drop)),
        ("k_age_penalty", f(c.age_penalty)),
        ("sigma", f(market.sigma)),
        ("ts", f(market.ts)),
        ("p_trend", f(market.p_trend)),
        ("p_mr", f(market.p_mr)),
        ("p_chop", f(market.p_chop)),
        ("computed_at_utc", python_isoformat(computed_at)),
        ("last_update_epoch", computed_at.timestamp().to_string()),
        ("position_side", position.side.clone()),
        ("position_age_sec", f(position.age_sec)),
        ("position_current_price", f(position.current_price)),
        ("position_entry_price", f(position.entry_price)),
        ("position_unrealized_pnl", f(position.unrealized_pnl)),
    ];
    let extra = [
        ("theta_hash", &provenance.theta_hash),
        ("position_source", &provenance.position_source),
        ("stop_source", &provenance.stop_source),
        ("publisher", &provenance.publisher),
    ];
    let before = fields.len();
    fields.extend(
        extra
            .into_iter()
            .filter_map(|(name, value)| value.clone().map(|v| (name, v))),
    );
    if fields.len() > before {
        fields.push((Provenance::TIE, python_isoformat(computed_at)));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn isoformat_drops_zero_microseconds() {
        let t = Utc.with_ymd_and_hms(2026, 1, 23, 1, 8, 16).single();
        let t = t.unwrap_or_default();
        assert_eq!(python_isoformat(t), "2026-01-23T01:08:16");
        let t = t + chrono::Duration::microseconds(201_787);
        assert_eq!(python_isoformat(t), "2026-01-23T01:08:16.201787");
        let t = t + chrono::Duration::nanoseconds(999);
        assert_eq!(python_isoformat(t), "2026-01-23T01:08:16.201787");
    }

    #[test]
    fn computed_at_accepts_naive_and_zoned() {
        let h: RawHash = [("computed_at_utc", "2026-01-23T01:08:16.201787")]
            .into_iter()
            .collect();
        let rec = ProposalRecord::parse("k", &h);
        assert_eq!(rec.computed_at_utc.as_ref().map(|c| c.zoned), Ok(false));
        let h: RawHash = [("computed_at_utc", "2026-01-23T01:08:16Z")]
            .into_iter()
            .collect();
        let rec = ProposalRecord::parse("k", &h);
        assert_eq!(rec.computed_at_utc.as_ref().map(|c| c.zoned), Ok(true));
        let h: RawHash = [("computed_at_utc", "yesterday")].into_iter().collect();
        assert!(ProposalRecord::parse("k", &h).computed_at_utc.is_err());
    }
}
