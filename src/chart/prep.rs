//! Data preparation shared by the terminal and SVG renderers, so both show
//! the same ranges, colours, crossings and downsampled points.

use chrono::{DateTime, TimeDelta, Utc};
use owo_colors::AnsiColors;

use super::{Chart, Layer, Series};

type TimePoints = Vec<(DateTime<Utc>, f64)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Line,
    Step,
    Band,
}

/// How one series looks in every renderer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    pub ascii: char,
    pub ansi: AnsiColors,
    pub rgb: (u8, u8, u8),
    /// Position among series of the same kind; picks the braille fill
    /// pattern for bands when there is no colour to tell them apart.
    pub nth: usize,
}

// The K line and the threshold are the first Line and Step, so they get
// `*` and `-`; the SVG colours avoid black and grey, which plotters uses
// for axes, so a series element is never mistaken for an axis.
const LINES: [(char, AnsiColors, (u8, u8, u8)); 3] = [
    ('*', AnsiColors::BrightBlue, (0x1F, 0x77, 0xB4)),
    ('@', AnsiColors::BrightWhite, (0x8C, 0x56, 0x4B)),
    ('%', AnsiColors::BrightGreen, (0x17, 0xBE, 0xCF)),
];
const STEPS: [(char, AnsiColors, (u8, u8, u8)); 2] = [
    ('-', AnsiColors::Red, (0xD6, 0x27, 0x28)),
    ('~', AnsiColors::BrightMagenta, (0xE3, 0x77, 0xC2)),
];
const BANDS: [(char, AnsiColors, (u8, u8, u8)); 6] = [
    ('#', AnsiColors::Green, (0x2C, 0xA0, 0x2C)),
    ('=', AnsiColors::Yellow, (0xFF, 0x7F, 0x0E)),
    ('+', AnsiColors::Magenta, (0x94, 0x67, 0xBD)),
    ('o', AnsiColors::Cyan, (0x17, 0xA0, 0xB0)),
    ('x', AnsiColors::BrightRed, (0xBC, 0xBD, 0x22)),
    ('&', AnsiColors::Blue, (0x3B, 0x4C, 0xC0)),
];

fn style(kind: Kind, nth: usize) -> Style {
    let table: &[(char, AnsiColors, (u8, u8, u8))] = match kind {
        Kind::Line => &LINES,
        Kind::Step => &STEPS,
        Kind::Band => &BANDS,
    };
    let (ascii, ansi, rgb) = table[nth % table.len()];
    Style {
        ascii,
        ansi,
        rgb,
        nth,
    }
}

/// One series, ready to draw: x in seconds since `Plot::origin`, y clamped
/// to `Plot::y`.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    pub name: String,
    pub kind: Kind,
    pub style: Style,
    /// Line: its points. Step: its change points, the last one at the right
    /// edge. Band: its upper edge.
    pub pts: Vec<(f64, f64)>,
    /// Band only: the lower edge at the same x as `pts`.
    pub lower: Vec<f64>,
}

#[derive(Debug, Clone)]
pub(super) struct Plot {
    pub origin: DateTime<Utc>,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub series: Vec<Prepared>,
    /// Where a Line crosses a Step, found on the full data.
    pub crossings: Vec<(f64, f64)>,
    /// Distinct Step values inside the y range, for y-axis labels.
    pub levels: Vec<f64>,
    pub has_data: bool,
}

/// Prepares a chart for drawing about `buckets` columns wide: each series
/// keeps at most a handful of points per column (first, last, min, max),
/// plus both ends of every threshold crossing, so extremes and crossings
/// survive downsampling.
pub(super) fn prepare(chart: &Chart, buckets: usize) -> Plot {
    let buckets = buckets.max(1);
    let mut raw: Vec<(Kind, &str, TimePoints)> = Vec::new();
    let mut stacks: Vec<Vec<usize>> = Vec::new();
    for layer in &chart.layers {
        match layer {
            Layer::Line(s) => raw.push((Kind::Line, &s.name, clean(s))),
            Layer::Step(s) => raw.push((Kind::Step, &s.name, clean(s))),
            Layer::Stacked(list) => {
                stacks.push((raw.len()..raw.len() + list.len()).collect());
                raw.extend(list.iter().map(|s| (Kind::Band, s.name.as_str(), clean(s))));
            }
        }
    }

    let times = raw.iter().flat_map(|r| r.2.iter().map(|p| p.0));
    let (origin, x, has_data) = match (times.clone().min(), times.max()) {
        (Some(lo), Some(hi)) => {
            let span = secs(lo, hi);
            // A single instant gets a minute of room so it has a position.
            let x = if span > 0.0 {
                (0.0, span)
            } else {
                (-30.0, 30.0)
            };
            (lo, x, true)
        }
        _ => (DateTime::<Utc>::UNIX_EPOCH, (0.0, 1.0), false),
    };

    let mut counts = [0usize; 3];
    let mut series: Vec<Prepared> = raw
        .iter()
        .map(|(kind, name, pts)| {
            let nth = &mut counts[*kind as usize];
            let st = style(*kind, *nth);
            *nth += 1;
            let mut pts: Vec<(f64, f64)> = pts.iter().map(|p| (secs(origin, p.0), p.1)).collect();
            if *kind == Kind::Step {
                pts = compress_steps(&pts, x.1);
            }
            Prepared {
                name: sanitize(name),
                kind: *kind,
                style: st,
                pts,
                lower: Vec::new(),
            }
        })
        .collect();

    for members in &stacks {
        stack(&mut series, members);
    }

    let mut crossings = Vec::new();
    let mut keep: Vec<Vec<usize>> = vec![Vec::new(); series.len()];
    for (li, line) in series.iter().enumerate().filter(|s| s.1.kind == Kind::Line) {
        for step in series.iter().filter(|s| s.kind == Kind::Step) {
            let (found, idx) = find_crossings(&line.pts, &step.pts);
            crossings.extend(found);
            keep[li].extend(idx);
        }
    }

    let y = chart
        .y_range
        .filter(|r| r.0.is_finite() && r.1.is_finite() && r.0 < r.1)
        .unwrap_or_else(|| fit_range(&series));

    thin_and_clamp(&mut series, &stacks, &keep, x, y, buckets);
    for c in &mut crossings {
        c.1 = c.1.clamp(y.0, y.1);
    }
    crossings.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut levels: Vec<f64> = series
        .iter()
        .filter(|s| s.kind == Kind::Step)
        .flat_map(|s| s.pts.iter().map(|p| p.1))
        .filter(|v| *v > y.0 && *v < y.1)
        .collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();

    Plot {
        origin,
        x,
        y,
        series,
        crossings,
        levels,
        has_data,
    }
}

/// Finite points only, in time order (stable, so equal times keep their
/// input order).
fn clean(s: &Series) -> TimePoints {
    let mut pts: Vec<_> = s
        .points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .collect();
    pts.sort_by_key(|p| p.0);
    pts
}

/// Thins every series to about `buckets` columns (keeping the points in
/// `keep`) and clamps it to the y range. Bands of one stack share their
/// edges, so they are thinned together: one index set chosen from all
/// their levels.
fn thin_and_clamp(
    series: &mut [Prepared],
    stacks: &[Vec<usize>],
    keep: &[Vec<usize>],
    x: (f64, f64),
    y: (f64, f64),
    buckets: usize,
) {
    let mut picks: Vec<Vec<usize>> = Vec::with_capacity(series.len());
    for (i, (s, keep)) in series.iter().zip(keep).enumerate() {
        let xs: Vec<f64> = s.pts.iter().map(|p| p.0).collect();
        let members = stacks.iter().find(|m| m.contains(&i));
        let levels: Vec<Vec<f64>> = match members {
            Some(m) => m.iter().map(|&i| ys(&series[i])).collect(),
            None => vec![ys(s)],
        };
        let cols: Vec<&[f64]> = levels.iter().map(Vec::as_slice).collect();
        picks.push(pick(&xs, &cols, x, buckets, keep));
    }
    for (s, picked) in series.iter_mut().zip(&picks) {
        if picked.len() < s.pts.len() {
            s.pts = picked.iter().map(|&i| s.pts[i]).collect();
            if s.kind == Kind::Band {
                s.lower = picked.iter().map(|&i| s.lower[i]).collect();
            }
        }
        for p in &mut s.pts {
            p.1 = p.1.clamp(y.0, y.1);
        }
        for v in &mut s.lower {
            *v = v.clamp(y.0, y.1);
        }
    }
}

/// Names come from Redis data: control characters (ESC above all) must
/// not reach a terminal, and are not allowed in XML even when escaped.
pub(super) fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

pub(super) fn secs(origin: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    (t - origin).num_milliseconds() as f64 / 1000.0
}

fn time_at(origin: DateTime<Utc>, secs: f64) -> Option<DateTime<Utc>> {
    TimeDelta::try_milliseconds((secs * 1000.0).round() as i64)
        .and_then(|d| origin.checked_add_signed(d))
}

/// Whether the x range crosses a UTC date, so labels need the date.
pub(super) fn spans_days(plot: &Plot) -> bool {
    let day = |s| time_at(plot.origin, s).map(|t| t.date_naive());
    day(plot.x.0) != day(plot.x.1)
}

pub(super) fn time_label(plot: &Plot, secs: f64, days: bool) -> String {
    let fmt = if days { "%m-%d %H:%M" } else { "%H:%M" };
    time_at(plot.origin, secs)
        .map(|t| t.format(fmt).to_string())
        .unwrap_or_default()
}

/// Tick positions (seconds from the origin) on round UTC times, at most
/// about `max` of them: every minute, 5 minutes, hour, day and so on.
pub(super) fn time_ticks(plot: &Plot, max: usize) -> Vec<f64> {
    const STEPS: [i64; 17] = [
        60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800,
        2_592_000, 7_776_000, 31_536_000,
    ];
    let max = max.max(2) as f64;
    let span = plot.x.1 - plot.x.0;
    let step = STEPS
        .into_iter()
        .find(|&s| span / s as f64 <= max)
        .unwrap_or(STEPS[STEPS.len() - 1]);
    let base = plot.origin.timestamp_millis() as f64 / 1000.0;
    let first = ((base + plot.x.0) / step as f64).ceil() as i64 * step;
    (0..)
        .map(|i| (first + i * step) as f64 - base)
        .take_while(|&x| x <= plot.x.1)
        // Only a span of centuries (a corrupt timestamp) gets this far.
        .take(4 * max as usize)
        .collect()
}

/// A y value with as many decimals as the range needs (two for K's 0..1).
pub(super) fn value_label(v: f64, range: (f64, f64)) -> String {
    let span = range.1 - range.0;
    let big = range.0.abs().max(range.1.abs());
    if big >= 1e6 || (big > 0.0 && big < 1e-4) {
        return format!("{v:.2e}");
    }
    let decimals = (2.0 - span.log10().floor()).clamp(0.0, 6.0) as usize;
    let s = format!("{v:.decimals$}");
    // "-0.00" reads as a negative value that is not there.
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// Only the points where the value changes matter for a step line; the
/// last value is extended to the right edge because it stays in force.
fn compress_steps(pts: &[(f64, f64)], right: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &p in pts {
        if out.last().is_none_or(|l| l.1 != p.1) {
            out.push(p);
        }
    }
    if let Some(&(lx, ly)) = out.last()
        && lx < right
    {
        out.push((right, ly));
    }
    out
}

/// Turns the members of one stack into bands: aligned on the union of their
/// times, each holding its last value, and summed bottom-up.
fn stack(series: &mut [Prepared], members: &[usize]) {
    let mut xs: Vec<f64> = members
        .iter()
        .flat_map(|&m| series[m].pts.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut base = vec![0.0; xs.len()];
    for &m in members {
        let own = &series[m].pts;
        let mut next = 0;
        let mut held = own.first().map_or(0.0, |p| p.1);
        let mut upper = Vec::with_capacity(xs.len());
        for (x, b) in xs.iter().zip(&base) {
            while next < own.len() && own[next].0 <= *x {
                held = own[next].1;
                next += 1;
            }
            upper.push((*x, b + held));
        }
        let s = &mut series[m];
        s.lower = std::mem::replace(&mut base, upper.iter().map(|p| p.1).collect());
        s.pts = upper;
    }
}

/// Crossings of a line over a step line, on the full data, and the indices
/// of the line points on both sides of each, which downsampling must keep.
fn find_crossings(line: &[(f64, f64)], step: &[(f64, f64)]) -> (Vec<(f64, f64)>, Vec<usize>) {
    let level = |x: f64| {
        let i = step.partition_point(|p| p.0 <= x);
        i.checked_sub(1).map(|i| step[i].1)
    };
    let mut found = Vec::new();
    let mut keep = Vec::new();
    for (i, w) in line.windows(2).enumerate() {
        let (a, b) = (w[0], w[1]);
        let (Some(la), Some(lb)) = (level(a.0), level(b.0)) else {
            continue;
        };
        let (da, db) = (a.1 - la, b.1 - lb);
        if (da >= 0.0) != (db >= 0.0) {
            let f = da / (da - db);
            found.push((a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1)));
            keep.extend([i, i + 1]);
        }
    }
    (found, keep)
}

/// Indices to draw: per x bucket the first, last, smallest and largest
/// point of every column, plus `keep`. Short series are left whole.
fn pick(xs: &[f64], cols: &[&[f64]], x: (f64, f64), buckets: usize, keep: &[usize]) -> Vec<usize> {
    let n = xs.len();
    if n <= buckets.saturating_mul(4) {
        return (0..n).collect();
    }
    let span = (x.1 - x.0).max(f64::MIN_POSITIVE);
    let bucket = |v: f64| (((v - x.0) / span) * buckets as f64) as usize;
    let mut idx: Vec<usize> = keep.to_vec();
    let mut start = 0;
    while start < n {
        let b = bucket(xs[start]);
        let mut end = start + 1;
        while end < n && bucket(xs[end]) == b {
            end += 1;
        }
        idx.extend([start, end - 1]);
        for col in cols {
            let range = start..end;
            let by = |a: &usize, b: &usize| col[*a].total_cmp(&col[*b]);
            idx.extend(range.clone().min_by(by));
            idx.extend(range.max_by(by));
        }
        start = end;
    }
    idx.sort_unstable();
    idx.dedup();
    idx
}

fn ys(s: &Prepared) -> Vec<f64> {
    s.pts.iter().map(|p| p.1).collect()
}

fn fit_range(series: &[Prepared]) -> (f64, f64) {
    let ys = series
        .iter()
        .flat_map(|s| s.pts.iter().map(|p| p.1).chain(s.lower.iter().copied()));
    let lo = ys.clone().fold(f64::INFINITY, f64::min);
    let hi = ys.fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    if lo < hi {
        return (lo, hi);
    }
    let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
    (lo - pad, hi + pad)
}

/// The corners of a step line, ready to join with straight segments.
pub(super) fn staircase(pts: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(pts.len() * 2);
    for (i, &p) in pts.iter().enumerate() {
        if i > 0 && pts[i - 1].1 != p.1 {
            out.push((p.0, pts[i - 1].1));
        }
        out.push(p);
    }
    out
}
