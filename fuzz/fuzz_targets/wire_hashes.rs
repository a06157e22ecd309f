//! Fuzzes the four Redis-hash parsers in `killscope::wire` on one hash built
//! from the fuzz bytes (see `src/lib.rs` for the encoding; field names are
//! biased toward the real ones):
//!
//! * `ProposalRecord::parse` + `market_inputs()`
//! * `MarketStateRecord::parse` + `to_kernel()`
//! * `RiskProposalRecord::parse` + `StopDecision::resolve`
//! * `position_from_hash` and `position_from_stream_entry`
//!
//! Hash values come from Redis, i.e. from whoever can write there, so besides
//! "never panics / hangs / allocates without bound" it asserts that every
//! `FieldError` (and every fallback reason built from one) displays as a
//! single line: these messages go to terminals, logs and JUnit reports, and
//! a CR/LF in a raw value must not forge extra lines.
#![no_main]

use killscope::wire::{
    self, Field, MarketStateRecord, ProposalRecord, RiskProposalRecord, StopDecision, StopSource,
};
use killscope_fuzz::{assert_one_line, decode_hash};
use libfuzzer_sys::fuzz_target;

const SYMBOL: &str = "ETHUSDT";
const PROPOSAL_KEY: &str = "quantum:harvest:proposal:ETHUSDT";
const MARKET_KEY: &str = "quantum:marketstate:ETHUSDT";
const RISK_KEY: &str = "quantum:risk:proposal:ETHUSDT";
const POSITION_KEY: &str = "quantum:state:positions:ETHUSDT";
const STREAM_KEY: &str = "quantum:stream:execution";

fn check<T>(what: &str, field: &Field<T>) {
    if let Err(e) = field {
        assert_one_line(what, &e.to_string());
        assert!(!e.field.is_empty(), "{what}: error names no field");
    }
}

fuzz_target!(|data: &[u8]| {
    let hash = decode_hash(data);

    let rec = ProposalRecord::parse(PROPOSAL_KEY, &hash);
    check("harvest_action", &rec.harvest_action);
    check("new_sl_proposed", &rec.new_sl_proposed);
    for (name, f) in [
        ("R_net", &rec.r_net),
        ("risk_unit", &rec.risk_unit),
        ("cost_est", &rec.cost_est),
        ("kill_score", &rec.kill_score),
        ("sigma", &rec.sigma),
        ("ts", &rec.ts),
        ("p_trend", &rec.p_trend),
        ("p_mr", &rec.p_mr),
        ("p_chop", &rec.p_chop),
        ("position_age_sec", &rec.position_age_sec),
        ("position_current_price", &rec.position_current_price),
        ("position_entry_price", &rec.position_entry_price),
        ("position_unrealized_pnl", &rec.position_unrealized_pnl),
    ] {
        check(name, f);
    }
    for c in &rec.components {
        check("k_*", c);
    }
    check("reason_codes", &rec.reason_codes);
    check("computed_at_utc", &rec.computed_at_utc);
    check("last_update_epoch", &rec.last_update_epoch);
    check("position_side", &rec.position_side);
    check("market_inputs", &rec.market_inputs());
    assert_eq!(
        rec.heat_gate,
        wire::HEAT_GATE_FIELDS.iter().any(|f| hash.contains(f))
    );

    let market = MarketStateRecord::parse(MARKET_KEY, &hash);
    for f in [
        &market.sigma,
        &market.ts,
        &market.p_trend,
        &market.p_mr,
        &market.p_chop,
    ] {
        check("market_state", f);
    }
    check("to_kernel", &market.to_kernel());
    // The proposal's inputs and the market state read the same five fields
    // with the same parser; they must agree.
    assert_eq!(
        format!("{:?}", rec.market_inputs().ok()),
        format!("{:?}", market.to_kernel().ok())
    );

    let risk = RiskProposalRecord::parse(RISK_KEY, &hash);
    check("stop_dist_pct", &risk.stop_dist_pct);
    check("proposed_sl", &risk.proposed_sl);
    let stop = StopDecision::resolve(Some(&risk), 0.02);
    if let Some(reason) = &stop.reason {
        assert_one_line("StopDecision reason", reason);
    }
    match stop.source {
        StopSource::RiskProposal => {
            assert_eq!(
                risk.stop_dist_pct.as_ref().ok().map(|v| v.to_bits()),
                Some(stop.stop_dist_pct.to_bits())
            );
            assert!(stop.reason.is_none());
        }
        StopSource::Fallback => assert!(stop.reason.is_some()),
    }
    let none = StopDecision::resolve(None, 0.02);
    assert_eq!(
        (none.stop_dist_pct, none.source),
        (0.02, StopSource::Fallback)
    );

    check(
        "position_from_hash",
        &wire::position_from_hash(SYMBOL, POSITION_KEY, &hash),
    );
    check(
        "position_from_stream_entry",
        &wire::position_from_stream_entry(SYMBOL, STREAM_KEY, &hash),
    );
});
