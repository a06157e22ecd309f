//! What the speed work must not change: cross-symbol findings keep their
//! meaning when they are computed once per group instead of per pair.

use crate::support::cmd::Killscope;
use crate::support::fixtures::published_fleet;

#[test]
fn a_fleet_on_one_synthetic_position_names_five_twins_and_counts_the_rest() {
    const SYMBOLS: usize = 12;
    let server = published_fleet(SYMBOLS, &["--position-source", "synthetic"]);
    let run = Killscope::new()
        .args(["verify", "--format", "json", "--redis-url", &server.url()])
        .run();
    run.code(0);
    let report = run.json();
    let symbols = report["symbols"].as_array().expect("symbols");
    assert_eq!(symbols.len(), SYMBOLS);
    for s in symbols {
        let me = s["symbol"].as_str().unwrap_or_default();
        let check = s["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["id"] == "position-real")
            .expect("position-real");
        assert_eq!(check["status"], "warn");
        let message = check["message"].as_str().unwrap_or_default();
        let named = message
            .split("the same position as ")
            .nth(1)
            .and_then(|rest| rest.split(" and ").next())
            .unwrap_or_default();
        let names: Vec<&str> = named.split(", ").collect();
        assert_eq!(names.len(), 5, "{message}");
        assert!(
            !names.contains(&me),
            "{me} named as its own twin: {message}"
        );
        assert!(
            message.ends_with(&format!(" and {} more", SYMBOLS - 1 - 5)),
            "{message}"
        );
    }
}
