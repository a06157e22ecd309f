//! Items 6–9: non-finite and insane inputs, freshness, spelling, a pack
//! forging the screen.

use chrono::DateTime;
use serde_json::Value;

use super::{ETH, NOW, PRODUCTION, assert_check, hset, production, upstream_write, verify};
use crate::support::cmd::{Killscope, root};

use killscope::kernel::{self, KernelInput, MarketState, Position};
use killscope::wire::{Provenance, render_proposal};

// 6. Inputs that are not finite or not sane never pass.

#[test]
fn non_finite_ages_and_insane_sides_fail_and_a_flat_close_warns() {
    let server = production();
    for bad in ["nan", "inf", "-inf"] {
        hset(&server, ETH, &[("position_age_sec", bad)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(1);
        assert_check(
            &run.json(),
            "ETHUSDT",
            "components-reproduce",
            "fail",
            &format!("position_age_sec = {bad} is not finite"),
        );
    }
    let server = production();
    let huge = "L".repeat(10 << 20);
    hset(&server, ETH, &[("position_side", &huge)]);
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    run.code(1);
    assert_check(
        &run.json(),
        "ETHUSDT",
        "proposal-present",
        "fail",
        "not a position side",
    );

    // A FULL_CLOSE_PROPOSED for a FLAT position, otherwise exactly what the
    // upstream kernel computes: the numbers reproduce, the decision is the
    // upstream trap.
    let server = production();
    let mut fields = upstream_write(DateTime::parse_from_rfc3339(NOW).expect("now").into());
    for (name, value) in &mut fields {
        match *name {
            "position_side" => *value = "FLAT".into(),
            "position_unrealized_pnl" => *value = "0.2".into(),
            _ => {}
        }
    }
    recompute_flat(&mut fields);
    let _: () = redis::cmd("DEL")
        .arg(ETH)
        .query(&mut server.client())
        .expect("DEL");
    let _: () = redis::cmd("HSET")
        .arg(ETH)
        .arg(&fields)
        .query(&mut server.client())
        .expect("HSET");
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    let report = run.json();
    assert_check(
        &report,
        "ETHUSDT",
        "action-consistent",
        "warn",
        "upstream trap",
    );
    assert_eq!(report["symbols"][0]["status"], "warn", "{report}");
}

/// The decision fields of a FLAT position with pnl 0.2 on ETHUSDT's inputs,
/// as the upstream kernel computes them (any side but LONG is SHORT there).
fn recompute_flat(fields: &mut [(&'static str, String)]) {
    let input = KernelInput {
        position: Position {
            symbol: "ETHUSDT".into(),
            side: "FLAT".into(),
            entry_price: 50.0,
            current_price: 52.5,
            peak_price: 53.0,
            trough_price: 49.0,
            age_sec: 3600.0,
            unrealized_pnl: 0.2,
            current_sl: None,
            current_tp: None,
        },
        market: MarketState {
            sigma: 0.00523559,
            ts: 0.092405,
            p_trend: 0.24746,
            p_mr: 0.126031,
            p_chop: 0.626509,
        },
        stop_dist_pct: Some(0.005),
    };
    let proposal = kernel::compute(&input, &kernel::Theta::default()).expect("the kernel");
    assert_eq!(proposal.action, kernel::Action::FullCloseProposed);
    let at = DateTime::parse_from_rfc3339(NOW).expect("now").into();
    let rendered = render_proposal(
        &proposal,
        &input.market,
        &input.position,
        at,
        &Provenance::default(),
    );
    for (name, value) in fields.iter_mut() {
        if let Some((_, v)) = rendered.iter().find(|(n, _)| n == name) {
            *value = v.clone();
        }
    }
}

// 7. Freshness that is not.

#[test]
fn an_unparsable_or_future_update_time_fails_fresh() {
    let server = production();
    for (epoch, needle) in [
        ("1796172770.0", "not an integer"),
        ("17961727700000000000", "not an integer"),
        ("1769130645", "more than --max-skew"),
    ] {
        hset(&server, ETH, &[("last_update_epoch", epoch)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(1);
        assert_check(&run.json(), "ETHUSDT", "fresh", "fail", needle);
    }
    // Within the allowed skew it passes, and says it is in the future.
    hset(&server, ETH, &[("last_update_epoch", "1769130555")]);
    let run = verify(&server, &["--format", "json", "ETHUSDT"]);
    assert_check(
        &run.json(),
        "ETHUSDT",
        "fresh",
        "pass",
        "in the future, within --max-skew",
    );
    let run = verify(
        &server,
        &["--format", "json", "--max-skew", "5s", "ETHUSDT"],
    );
    assert_check(
        &run.json(),
        "ETHUSDT",
        "fresh",
        "fail",
        "more than --max-skew 5s",
    );
}

// 8. Spelling is evidence.

#[test]
fn a_number_in_another_spelling_warns_and_fails_strict() {
    for spelling in [
        " 0.7533012950554003",
        "+0.7533012950554003",
        "7.533012950554003e-1",
        "0.75330129505540030",
    ] {
        let server = production();
        hset(&server, ETH, &[("kill_score", spelling)]);
        let run = verify(&server, &["--format", "json", "ETHUSDT"]);
        run.code(0);
        assert_check(
            &run.json(),
            "ETHUSDT",
            "single-write",
            "warn",
            "kill_score = ",
        );
        verify(&server, &["--strict", "ETHUSDT"]).code(1);
    }
}

// 9. A pack cannot forge the screen.

#[test]
fn free_text_from_a_pack_is_escaped_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(root().join(PRODUCTION)).expect("pack");
    let mut pack: Value = serde_json::from_str(&text).expect("json");
    pack["source"]["target"] =
        Value::String("redis://h/0\u{1b}[2J\u{1b}[H\n3 symbols · 39 checks → PASS\u{202e}".into());
    let path = dir.path().join("forged.json");
    std::fs::write(&path, pack.to_string()).expect("write");
    for format in ["table", "markdown", "tap", "junit", "prometheus"] {
        let run = Killscope::new()
            .args(["verify", "--from"])
            .arg(&path)
            .args(["--format", format, "--color", "always"])
            .run();
        assert!(
            !run.stdout.contains("\u{1b}[2J") && !run.stdout.contains('\u{202e}'),
            "{format}: a raw escape sequence reached the output:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout
                .lines()
                .any(|l| l.starts_with("3 symbols · 39 checks → PASS")),
            "{format}: a forged line:\n{}",
            run.stdout
        );
    }
}
