use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::prep;
use super::*;

const SIZES: [(usize, usize); 3] = [(60, 12), (80, 16), (200, 20)];
const COMPONENTS: [&str; 4] = ["regime_flip", "sigma_spike", "ts_drop", "age_penalty"];

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 0, 0)
        .single()
        .expect("valid date")
}

/// Irregular spacing, 10..60 s, like the real history stream.
fn times(n: usize) -> Vec<DateTime<Utc>> {
    let mut t = start();
    (0..n)
        .map(|i| {
            let now = t;
            t += TimeDelta::seconds(10 + (i as i64 * 37) % 51);
            now
        })
        .collect()
}

/// K rises from 0.3 to 0.8 and falls back, crossing 0.6 exactly twice.
fn k_chart() -> Chart {
    let ts = times(60);
    let k = ts
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, 0.8 - ((i as f64 - 30.0) / 30.0).powi(2) * 0.5))
        .collect();
    let thr = ts.iter().map(|t| (*t, 0.6)).collect();
    Chart::kill_score(
        "BTCUSDT kill score",
        Series::new("K", k),
        Series::new("threshold", thr),
    )
}

fn stacked_chart() -> Chart {
    let ts = times(60);
    let series = COMPONENTS
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let pts = ts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let x = i as f64;
                    let v = match c {
                        0 if (20..45).contains(&i) => 1.0,
                        0 => 0.2,
                        1 => 0.3 + 0.2 * (x / 6.0).sin(),
                        2 => 0.5 * x / 60.0,
                        _ => 0.1,
                    };
                    (*t, v)
                })
                .collect();
            Series::new(*name, pts)
        })
        .collect();
    Chart::weighted_components("BTCUSDT weighted components", series)
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn assert_shape(out: &str, cols: usize, rows: usize) {
    assert!(out.ends_with('\n'), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), rows, "{out}");
    for line in lines {
        assert!(line.chars().count() <= cols, "{line:?} wider than {cols}");
        assert_eq!(line, line.trim_end(), "trailing space in {line:?}");
    }
}

fn legend(out: &str) -> &str {
    out.lines().last().unwrap_or_default()
}

/// Crossing markers drawn in the plot, not counting the legend's sample.
fn markers(out: &str) -> usize {
    out.matches('X').count() - legend(out).matches('X').count()
}

#[test]
fn terminal_shape_for_every_size_and_glyph_set() {
    for (cols, rows) in SIZES {
        for glyphs in [Glyphs::Braille, Glyphs::Ascii] {
            for (chart, names) in [
                (k_chart(), vec!["K", "threshold"]),
                (stacked_chart(), COMPONENTS.to_vec()),
            ] {
                let out = render_terminal(&chart, cols, rows, glyphs, false);
                assert_shape(&out, cols, rows);
                assert!(!out.contains('\x1b'), "ESC without colour:\n{out}");
                for name in names {
                    assert!(legend(&out).contains(name), "{name} not in legend:\n{out}");
                }
                if glyphs == Glyphs::Ascii {
                    assert!(
                        out.chars()
                            .all(|c| c == '\n' || c == ' ' || c.is_ascii_graphic()),
                        "not printable ASCII:\n{out}"
                    );
                } else {
                    assert!(out.chars().any(|c| ('\u{2801}'..='\u{28FF}').contains(&c)));
                }

                let painted = render_terminal(&chart, cols, rows, glyphs, true);
                assert!(painted.contains('\x1b'));
                let plain = strip_ansi(&painted);
                assert_shape(&plain, cols, rows);
                // Braille without colour swaps solid fills for textures;
                // ASCII looks the same either way.
                if glyphs == Glyphs::Ascii {
                    assert_eq!(plain, out, "colour must not move anything");
                }
            }
        }
    }
}

#[test]
fn ascii_series_differ_by_character() {
    let out = render_terminal(&k_chart(), 80, 16, Glyphs::Ascii, false);
    assert!(legend(&out).starts_with("- threshold  * K  X crossing"));
    assert_eq!(markers(&out), 2, "two crossings:\n{out}");
    let stacked = render_terminal(&stacked_chart(), 80, 16, Glyphs::Ascii, false);
    for mark in ['#', '=', '+', 'o'] {
        assert!(stacked.lines().skip(1).any(|l| l.contains(mark)), "{mark}");
    }
    assert_eq!(
        legend(&stacked),
        "# regime_flip  = sigma_spike  + ts_drop  o age_penalty"
    );
}

#[test]
fn ascii_k_chart_is_pinned() {
    let expected = concat!(
        "BTCUSDT kill score (K)\n",
        "1.00+\n",
        "    |                        **********\n",
        "    |             ***********          **********\n",
        "0.60+------****X**-------------------------------**X***-----\n",
        "    | *****                                            *****\n",
        "    |*                                                     *\n",
        "    |\n",
        "0.00+\n",
        "    +-------------------------------------------------------\n",
        "     09:00                    09:16                    09:33\n",
        "- threshold  * K  X crossing\n",
    );
    let out = render_terminal(&k_chart(), 60, 12, Glyphs::Ascii, false);
    assert_eq!(out, expected, "actual:\n{out}");
}

#[test]
fn y_labels_show_min_max_and_threshold() {
    let out = render_terminal(&k_chart(), 80, 16, Glyphs::Braille, false);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[1].starts_with("1.00┤"));
    assert!(lines.iter().any(|l| l.starts_with("0.60┤")));
    assert!(lines[12].starts_with("0.00┤"));
    assert!(lines[14].trim_start().starts_with("09:00"));
}

#[test]
fn theta_change_labels_both_thresholds() {
    let ts = times(40);
    let k = ts.iter().map(|t| (*t, 0.5)).collect();
    let thr = ts
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, if i < 20 { 0.6 } else { 0.45 }))
        .collect();
    let chart = Chart::kill_score("theta", Series::new("K", k), Series::new("thr", thr));
    let out = render_terminal(&chart, 60, 20, Glyphs::Ascii, false);
    assert!(out.contains("0.60+") && out.contains("0.45+"), "{out}");
    // K does not move; the threshold dropping under it is the crossing.
    assert_eq!(markers(&out), 1, "{out}");
}

#[test]
fn bad_size_gives_one_line_message() {
    for (cols, rows) in [(19, 12), (60, 4), (0, 0), (5, 100)] {
        let out = render_terminal(&k_chart(), cols, rows, Glyphs::Braille, true);
        assert_eq!(out.lines().count(), 1);
        assert!(out.starts_with("chart needs at least 20x5"), "{out}");
    }
    assert_shape(
        &render_terminal(&k_chart(), 20, 5, Glyphs::Braille, false),
        20,
        5,
    );
}

#[test]
fn degenerate_data_still_draws_a_frame() {
    let t0 = start();
    let hours = |h: i64| t0 + TimeDelta::hours(h);
    let charts = [
        Chart {
            title: "nothing".into(),
            y_label: String::new(),
            layers: vec![],
            y_range: None,
        },
        Chart::kill_score(
            "no points",
            Series::new("K", vec![]),
            Series::new("threshold", vec![]),
        ),
        Chart::kill_score(
            "only NaN",
            Series::new("K", vec![(t0, f64::NAN), (hours(1), f64::INFINITY)]),
            Series::new("threshold", vec![(t0, f64::NAN)]),
        ),
        Chart::kill_score(
            "one point",
            Series::new("K", vec![(t0, 0.7)]),
            Series::new("threshold", vec![(t0, 0.6)]),
        ),
        Chart {
            title: "flat".into(),
            y_label: "v".into(),
            layers: vec![Layer::Line(Series::new(
                "v",
                vec![(t0, 2.5), (hours(1), 2.5)],
            ))],
            y_range: None,
        },
        Chart::kill_score(
            "NaN holes and an hours-long gap across midnight",
            Series::new("K", vec![(t0, 0.2), (hours(1), f64::NAN), (hours(20), 0.9)]),
            Series::new("threshold", vec![(t0, 0.6)]),
        ),
        Chart::weighted_components("empty stack", vec![Series::new("a", vec![])]),
    ];
    for chart in &charts {
        for glyphs in [Glyphs::Braille, Glyphs::Ascii] {
            for (cols, rows) in [(20, 5), (60, 12)] {
                let out = render_terminal(chart, cols, rows, glyphs, false);
                assert_shape(&out, cols, rows);
                assert!(out.lines().next().is_some_and(|l| !l.is_empty()), "{out}");
            }
        }
    }
    let nothing = render_terminal(&charts[0], 60, 12, Glyphs::Ascii, false);
    assert!(nothing.contains("(no data)") && nothing.contains("(no series)"));
    let days = render_terminal(&charts[5], 60, 12, Glyphs::Ascii, false);
    assert!(
        days.contains("03-14 09:00") && days.contains("03-15 05:00"),
        "{days}"
    );
    assert_eq!(markers(&days), 1, "{days}");
}

#[test]
fn hostile_names_are_neutralised() {
    let mut chart = k_chart();
    chart.title = "evil\x1b[2J title — ünïcode".into();
    let out = render_terminal(&chart, 60, 12, Glyphs::Ascii, false);
    assert!(!out.contains('\x1b'));
    assert!(out.is_ascii());
    let svg = render_svg(&[chart], 600, 300).expect("svg");
    assert!(roxmltree::Document::parse(&svg).is_ok());
}

#[test]
fn downsampling_keeps_every_crossing() {
    // 10,000 points with single-sample spikes over the threshold: a
    // min/max decimation alone could keep a spike but lose its sides.
    let ts: Vec<_> = (0..10_000)
        .map(|i| start() + TimeDelta::seconds(i * 20))
        .collect();
    let spikes = [1234, 5000, 5001, 8888];
    let k: Vec<_> = ts
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, if spikes.contains(&i) { 0.9 } else { 0.3 }))
        .collect();
    let thr = ts.iter().map(|t| (*t, 0.6)).collect();
    let chart = Chart::kill_score("10k", Series::new("K", k.clone()), Series::new("thr", thr));
    let plot = prep::prepare(&chart, 120);
    assert_eq!(plot.crossings.len(), 6);
    let line = &plot.series[1];
    assert!(line.pts.len() < 1000, "{} points kept", line.pts.len());
    for &s in &spikes {
        for i in [s - 1, s, s + 1] {
            let x = prep::secs(plot.origin, k[i].0);
            assert!(line.pts.contains(&(x, k[i].1)), "point {i} dropped");
        }
    }
    // The step line collapses to its one change-free value.
    assert_eq!(plot.series[0].pts.len(), 2);
}

#[test]
fn stacked_top_edge_is_the_sum() {
    let plot = prep::prepare(&stacked_chart(), 400);
    let top = &plot.series[3];
    let chart = stacked_chart();
    let Layer::Stacked(parts) = &chart.layers[0] else {
        panic!("stacked layer");
    };
    for (j, p) in top.pts.iter().enumerate() {
        let sum: f64 = parts.iter().map(|s| s.points[j].1).sum();
        assert!((p.1 - sum).abs() < 1e-12);
    }
    for w in plot.series.windows(2) {
        assert_eq!(w[0].pts.iter().map(|p| p.1).collect::<Vec<_>>(), w[1].lower);
    }
}

fn series_elements(svg: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(SERIES_CLASS))
        .map(|n| {
            (
                n.tag_name().name().to_string(),
                n.attribute("data-series").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn svg_has_one_tagged_element_per_series() {
    let k = render_svg(&[k_chart()], 800, 300).expect("svg");
    assert_eq!(
        series_elements(&k),
        [("polyline", "threshold"), ("polyline", "K")].map(|(a, b)| (a.into(), b.into()))
    );
    let both = render_svg(&[k_chart(), stacked_chart()], 800, 300).expect("svg");
    let found = series_elements(&both);
    assert_eq!(found.len(), 6);
    let bands: Vec<&str> = found[2..].iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(bands, COMPONENTS);
    assert!(found[2..].iter().all(|(tag, _)| tag == "polygon"));

    let doc = roxmltree::Document::parse(&both).expect("well-formed");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("height"), Some("600"));
    // Every other path-like element is an axis, drawn in black.
    for n in doc.descendants().filter(|n| n.has_tag_name("polyline")) {
        if n.attribute("class").is_none() {
            assert_eq!(n.attribute("stroke"), Some("#000000"));
        }
    }
    for text in ["BTCUSDT kill score", "regime_flip", "09:00"] {
        assert!(
            doc.descendants()
                .any(|n| n.text().map(str::trim) == Some(text)),
            "{text}"
        );
    }
    for banned in ["font-face", "@import", "href", "url(", "<image", "<style"] {
        assert!(!both.contains(banned), "{banned}");
    }
}

#[test]
fn svg_edge_cases() {
    assert_eq!(render_svg(&[], 800, 300), Err(ChartError::NoCharts));
    assert!(matches!(
        render_svg(&[k_chart()], 100, 300),
        Err(ChartError::BadSize { .. })
    ));
    assert!(matches!(
        render_svg(&[k_chart(), k_chart()], 800, u32::MAX),
        Err(ChartError::BadSize { .. })
    ));
    let t0 = start();
    let empty = Chart::kill_score("none", Series::new("K", vec![]), Series::new("t", vec![]));
    let one = Chart::kill_score(
        "one",
        Series::new("K", vec![(t0, 0.7), (t0, f64::NAN)]),
        Series::new("t", vec![(t0, 0.6)]),
    );
    let svg = render_svg(&[empty, one], 400, 200).expect("svg");
    // The empty chart draws no series; the one-point chart both of its own.
    assert_eq!(series_elements(&svg).len(), 2);
    assert!(svg.contains(">\nno data\n<"));
}
