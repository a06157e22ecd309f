//! Silences: stretches with no entry for a symbol longer than the allowed
//! gap. The publisher writes a full proposal at least every
//! MAX_PUBLISH_AGE_SEC while it runs, so a silence is an incident, not a
//! quiet market.

use chrono::{DateTime, Utc};

use super::model::{Gap, MaxGap};

/// How many median intervals make a gap, when `--max-gap` is not given.
pub const MEDIANS: f64 = 3.0;

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The allowed gap: `given`, else [`MEDIANS`] × the median interval between
/// the entry times (milliseconds, in order).
pub fn max_gap(given: Option<f64>, times: &[i64]) -> MaxGap {
    if let Some(seconds) = given {
        return MaxGap::Given(seconds);
    }
    let mut intervals: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if intervals.is_empty() {
        return MaxGap::Unknown;
    }
    intervals.sort_unstable();
    let mid = intervals.len() / 2;
    let median_ms = if intervals.len().is_multiple_of(2) {
        (intervals[mid - 1] + intervals[mid]) as f64 / 2.0
    } else {
        intervals[mid] as f64
    };
    let median = median_ms / 1000.0;
    MaxGap::Median {
        median,
        max_gap: median * MEDIANS,
    }
}

/// Every interval longer than the allowed gap, and the silence from the
/// last entry to `end` (the range's end, or now) when that is longer too.
pub fn gaps(times: &[i64], max_gap: MaxGap, end: DateTime<Utc>) -> Vec<Gap> {
    let Some(limit) = max_gap.seconds().filter(|s| *s > 0.0) else {
        return Vec::new();
    };
    let limit_ms = limit * 1000.0;
    let mut found: Vec<Gap> = times
        .windows(2)
        .filter(|w| (w[1] - w[0]) as f64 > limit_ms)
        .map(|w| Gap {
            from: at(w[0]),
            to: at(w[1]),
            open: false,
        })
        .collect();
    if let Some(&last) = times.last()
        && (end.timestamp_millis() - last) as f64 > limit_ms
    {
        found.push(Gap {
            from: at(last),
            to: end,
            open: true,
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_medians_make_a_gap_and_a_silent_end_counts() {
        // Every 60 s, one 10-minute silence, then nothing for 5 minutes.
        let mut times: Vec<i64> = (0..10).map(|i| i * 60_000).collect();
        times.extend((0..5).map(|i| 540_000 + 600_000 + i * 60_000));
        let limit = max_gap(None, &times);
        assert_eq!(
            limit,
            MaxGap::Median {
                median: 60.0,
                max_gap: 180.0
            }
        );
        let end = at(times[times.len() - 1] + 300_000);
        let found = gaps(&times, limit, end);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].seconds(), 600.0);
        assert!(!found[0].open);
        assert_eq!(found[1].seconds(), 300.0);
        assert!(found[1].open);
        assert!(gaps(&times, MaxGap::Given(1000.0), end).is_empty());
        assert_eq!(max_gap(None, &times[..1]), MaxGap::Unknown);
        assert!(gaps(&times[..1], MaxGap::Unknown, end).is_empty());
    }
}
