//! The SVG renderer: plotters' SVG backend, one panel per chart, stacked
//! vertically.
//!
//! Plotters is built without `ttf`, so it never rasterises text: its
//! fallback font only estimates text extents for layout (0.7 em per
//! character), and the SVG backend writes each label as a
//! `<text font-family="sans-serif" …>` element for the viewer to lay out.
//! No font is embedded or referenced.
//!
//! Every series is drawn as exactly one element: a `<polyline>` for line
//! and step series, a `<polygon>` for stacked bands. Plotters also draws
//! the axes as `<polyline>`s and has no way to attach attributes, so after
//! drawing, each series element is tagged with
//! `class="ks-series" id="ks-p{panel}-s{series}" data-series="{name}"
//! data-kind="line|step|band"`. A test counts series by that class.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::prep::{self, Kind, Plot};
use super::{Chart, ChartError};

/// The `class` attribute carried by every series element.
pub const SERIES_CLASS: &str = "ks-series";

/// Smallest panel that fits the axes, labels and some plot.
pub(super) const MIN_WIDTH: u32 = 200;
pub(super) const MIN_HEIGHT: u32 = 120;

/// Renders the charts as panels of `width`×`height_each` pixels stacked
/// top to bottom in one SVG document. Series without a finite point are
/// listed nowhere and drawn as no element.
pub fn render_svg(charts: &[Chart], width: u32, height_each: u32) -> Result<String, ChartError> {
    if charts.is_empty() {
        return Err(ChartError::NoCharts);
    }
    let bad_size = ChartError::BadSize {
        width,
        height: height_each,
    };
    if width < MIN_WIDTH || height_each < MIN_HEIGHT {
        return Err(bad_size);
    }
    let height = u32::try_from(charts.len())
        .ok()
        .and_then(|n| n.checked_mul(height_each))
        .ok_or(bad_size)?;

    let plots: Vec<Plot> = charts
        .iter()
        .map(|c| prep::prepare(c, width as usize))
        .collect();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let panels = root.split_evenly((charts.len(), 1));
        for ((panel, chart), plot) in panels.iter().zip(charts).zip(&plots) {
            draw_panel(panel, chart, plot).map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    tag_series(&buf, &plots)
}

fn draw_error(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn rgb(s: &prep::Prepared) -> RGBColor {
    let (r, g, b) = s.style.rgb;
    RGBColor(r, g, b)
}

// The x axis counts milliseconds as i64: plotters 0.3 cannot format
// custom key points on an f64 axis (it lacks the formatter impl).
fn ms(secs: f64) -> i64 {
    (secs * 1000.0).round() as i64
}

fn at_ms(pts: impl IntoIterator<Item = (f64, f64)>) -> Vec<(i64, f64)> {
    pts.into_iter().map(|(x, y)| (ms(x), y)).collect()
}

fn drawn(s: &prep::Prepared) -> bool {
    !s.pts.is_empty()
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    plot: &Plot,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let days = prep::spans_days(plot);
    let x_fmt = |x: &i64| prep::time_label(plot, *x as f64 / 1000.0, days);
    let no_fmt = |_: &i64| String::new();
    // Without data the x range is a placeholder; its times mean nothing.
    let x_fmt: &dyn Fn(&i64) -> String = if plot.has_data { &x_fmt } else { &no_fmt };
    let ticks = prep::time_ticks(plot, if days { 5 } else { 8 });
    let y_fmt = |y: &f64| prep::value_label(*y, plot.y);
    let mut ctx = ChartBuilder::on(area)
        .caption(prep::sanitize(&chart.title), ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (ms(plot.x.0)..ms(plot.x.1)).with_key_points(ticks.into_iter().map(ms).collect()),
            plot.y.0..plot.y.1,
        )?;
    let mut mesh = ctx.configure_mesh();
    mesh.y_labels(6)
        .x_label_formatter(x_fmt)
        .y_label_formatter(&y_fmt)
        .light_line_style(RGBColor(240, 240, 240))
        .bold_line_style(RGBColor(215, 215, 215));
    if !chart.y_label.is_empty() {
        mesh.y_desc(prep::sanitize(&chart.y_label));
    }
    mesh.draw()?;

    for s in plot.series.iter().filter(|s| drawn(s)) {
        let color = rgb(s);
        let anno = match s.kind {
            Kind::Band => {
                let lower = s.pts.iter().zip(&s.lower).rev().map(|(p, lo)| (p.0, *lo));
                let outline = at_ms(s.pts.iter().copied().chain(lower));
                ctx.draw_series(std::iter::once(Polygon::new(outline, color.filled())))?
            }
            Kind::Step => ctx.draw_series(std::iter::once(PathElement::new(
                at_ms(prep::staircase(&s.pts)),
                color.stroke_width(2),
            )))?,
            Kind::Line => ctx.draw_series(std::iter::once(PathElement::new(
                at_ms(s.pts.iter().copied()),
                color.stroke_width(2),
            )))?,
        };
        anno.label(s.name.as_str()).legend(move |(x, y)| {
            // A filled swatch rather than plotters' default path sample,
            // so the legend adds no path-like element.
            Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled())
        });
        // One point makes an invisible polyline; a dot shows where it is.
        if s.kind == Kind::Line && s.pts.len() == 1 {
            ctx.draw_series(
                at_ms(s.pts.iter().copied())
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )?;
        }
    }
    ctx.draw_series(
        plot.crossings
            .iter()
            .map(|&(x, y)| Circle::new((ms(x), y), 5, BLACK.stroke_width(1))),
    )?;

    if plot.series.iter().any(drawn) {
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()?;
    } else {
        let (w, h) = area.dim_in_pixel();
        let style = ("sans-serif", 16)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        area.draw_text("no data", &style, (w as i32 / 2, h as i32 / 2))?;
    }
    Ok(())
}

/// Adds the series attributes to plotters' output. Plotters writes one
/// element per line and draws a panel's series in order after its axes,
/// so each series is the next `<polyline>` (stroke) or `<polygon>` (fill)
/// in its colour; series colours are never black or grey like the axes.
fn tag_series(svg: &str, plots: &[Plot]) -> Result<String, ChartError> {
    let mut pending = plots.iter().enumerate().flat_map(|(p, plot)| {
        plot.series
            .iter()
            .enumerate()
            .filter(|(_, s)| drawn(s))
            .map(move |(i, s)| (p, i, s))
    });
    let mut next = pending.next();
    let mut out = String::with_capacity(svg.len() + 4096);
    for line in svg.split_inclusive('\n') {
        if let Some((p, i, s)) = next {
            let (r, g, b) = s.style.rgb;
            let (tag, paint) = match s.kind {
                Kind::Band => ("<polygon ", "fill"),
                Kind::Line | Kind::Step => ("<polyline ", "stroke"),
            };
            let colour = format!(" {paint}=\"#{r:02X}{g:02X}{b:02X}\"");
            if line.starts_with(tag) && line.contains(&colour) {
                let kind = match s.kind {
                    Kind::Line => "line",
                    Kind::Step => "step",
                    Kind::Band => "band",
                };
                out.push_str(tag);
                out.push_str(&format!(
                    "class=\"{SERIES_CLASS}\" id=\"ks-p{p}-s{i}\" data-series=\"{}\" data-kind=\"{kind}\" ",
                    escape(&s.name)
                ));
                out.push_str(&line[tag.len()..]);
                next = pending.next();
                continue;
            }
        }
        out.push_str(line);
    }
    match next {
        Some((_, _, s)) => Err(ChartError::Untagged(s.name.clone())),
        None => Ok(out),
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
