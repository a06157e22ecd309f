//! Time-series charts for `killscope history`: the kill score K against its
//! threshold, and the weighted components stacked up to z = logit(K).
//!
//! One [`Chart`] description feeds two renderers:
//! - [`render_terminal`]: a hand-written braille (or ASCII) canvas. Plotters
//!   is not used here because without its `ttf` feature plotters cannot draw
//!   text on any backend except SVG (its fallback font panics when asked to
//!   draw), and the terminal layout (labels at exact rows, a legend line,
//!   no trailing spaces) is simpler to get exactly right in cells than by
//!   mapping a pixel backend back onto a character grid.
//! - [`render_svg`]: plotters with only its SVG backend; text becomes
//!   `<text font-family=…>` elements that the viewer lays out.
//!
//! Both consume the same prepared data (`prep`): NaN filtering, shared
//! colours and glyphs, stacking, threshold crossings and downsampling.

mod prep;
mod svg;
mod term;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use svg::{SERIES_CLASS, render_svg};
pub use term::{MIN_COLS, MIN_ROWS, render_terminal};

/// One named series of timestamped values. Points need not be sorted;
/// non-finite values are skipped when drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(DateTime<Utc>, f64)>) -> Self {
        Self {
            name: name.into(),
            points,
        }
    }
}

/// How a layer is drawn. Layers are drawn in order, so later layers sit on
/// top; put `Stacked` first and the K line last.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    /// Points joined by straight segments.
    Line(Series),
    /// A value that holds until the next point, e.g. the kill threshold,
    /// which only changes when theta changes. The last value extends to the
    /// right edge of the chart.
    Step(Series),
    /// Bands stacked bottom-up in the given order, each from the running
    /// sum of the previous series to that sum plus its own value, so the top
    /// edge is the total. Series are aligned on the union of their
    /// timestamps, each holding its last value (its first before it starts).
    Stacked(Vec<Series>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub y_label: String,
    pub layers: Vec<Layer>,
    /// Fixed y range; `None` (or an empty or non-finite range) fits the data.
    /// Values outside are clamped to the edge.
    pub y_range: Option<(f64, f64)>,
}

impl Chart {
    /// K (0..1) as a line over the kill threshold as a step line; crossings
    /// of K over the threshold are marked.
    pub fn kill_score(title: impl Into<String>, k: Series, threshold: Series) -> Self {
        Self {
            title: title.into(),
            y_label: "K".into(),
            layers: vec![Layer::Step(threshold), Layer::Line(k)],
            y_range: Some((0.0, 1.0)),
        }
    }

    /// The weighted components (weight × component) stacked, so the top
    /// edge is z = Σ weight·component = logit(K).
    pub fn weighted_components(title: impl Into<String>, components: Vec<Series>) -> Self {
        Self {
            title: title.into(),
            y_label: "z = logit(K)".into(),
            layers: vec![Layer::Stacked(components)],
            y_range: None,
        }
    }
}

/// Terminal glyph set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyphs {
    /// Unicode braille, 2×4 dots per cell; axes use box-drawing characters.
    Braille,
    /// Printable ASCII only, one dot per cell; series differ by character.
    Ascii,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartError {
    /// `render_svg` was given no charts.
    NoCharts,
    /// A panel is too small to hold axes, labels and a plot, or the
    /// panels together are taller than `u32::MAX` pixels.
    BadSize { width: u32, height: u32 },
    /// Plotters failed while drawing.
    Draw(String),
    /// A series element could not be found in plotters' output to tag it;
    /// means plotters' SVG format changed under us.
    Untagged(String),
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoCharts => f.write_str("no charts to render"),
            Self::BadSize { width, height } => write!(
                f,
                "SVG charts need {}x{} or more pixels each and a total height that fits u32, got {width}x{height} each",
                svg::MIN_WIDTH,
                svg::MIN_HEIGHT
            ),
            Self::Draw(e) => write!(f, "drawing the chart failed: {e}"),
            Self::Untagged(name) => {
                write!(f, "series {name:?} was not found in the SVG output")
            }
        }
    }
}

impl std::error::Error for ChartError {}
