//! The hash parsers on arbitrary bytes: they may refuse, they never panic.

use killscope::theta;
use killscope::wire::{
    MarketStateRecord, ProposalRecord, RawHash, RiskProposalRecord, StopDecision, UPSTREAM_FIELDS,
    position_from_hash, position_from_stream_entry,
};
use proptest::prelude::*;

/// Every field name any parser looks at, plus a few it does not.
const NAMES: &[&str] = &[
    "symbol",
    "side",
    "entry_price",
    "current_price",
    "peak_price",
    "trough_price",
    "age_sec",
    "unrealized_pnl",
    "current_sl",
    "current_tp",
    "stop_dist_pct",
    "proposed_sl",
    "theta_hash",
    "publisher",
    "heat_value",
    "plan_id",
    "unknown",
    "",
];

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        "[-+0-9eE._ ]{0,12}".prop_map(String::into_bytes),
        Just(b"None".to_vec()),
        Just(b"nan".to_vec()),
        Just(b"2026-01-23T01:08:16Z".to_vec()),
    ]
}

fn any_hash() -> impl Strategy<Value = RawHash> {
    let name = prop_oneof![
        proptest::sample::select(UPSTREAM_FIELDS.to_vec()).prop_map(|s| s.as_bytes().to_vec()),
        proptest::sample::select(NAMES.to_vec()).prop_map(|s| s.as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec((name, value()), 0..30).prop_map(|pairs| pairs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn hash_parsers_never_panic(hash in any_hash()) {
        let proposal = ProposalRecord::parse("quantum:harvest:proposal:X", &hash);
        let _ = proposal.market_inputs();
        let market = MarketStateRecord::parse("quantum:marketstate:X", &hash);
        let _ = market.to_kernel();
        let risk = RiskProposalRecord::parse("quantum:risk:proposal:X", &hash);
        let _ = StopDecision::resolve(Some(&risk), 0.02);
        let _ = position_from_hash("X", "quantum:state:positions:X", &hash);
        let _ = position_from_stream_entry("X", "quantum:stream:execution", &hash);
    }

    #[test]
    fn every_error_message_is_one_line(hash in any_hash()) {
        let p = ProposalRecord::parse("quantum:harvest:proposal:X", &hash);
        let errors = [p.kill_score.err(), p.r_net.err(), p.new_sl_proposed.err(), p.computed_at_utc.err(), p.harvest_action.err()];
        for e in errors.into_iter().flatten() {
            let msg = e.to_string();
            prop_assert!(!msg.contains('\n') && !msg.contains('\r'), "{}", msg);
        }
    }

    #[test]
    fn theta_reader_never_panics(text in "\\PC{0,80}") {
        let _ = theta::from_overrides_json(&text);
        let _ = theta::from_harvest_params(&text, 0.02);
    }
}
