//! The terminal renderer: a dot grid (2×4 braille dots or one ASCII
//! character per cell) framed by y labels, an x axis with start and end
//! times, and a legend.

use owo_colors::{AnsiColors, OwoColorize};

use super::prep::{self, Kind, Plot, Prepared};
use super::{Chart, Glyphs};

/// Smallest terminal chart; below it `render_terminal` explains instead.
pub const MIN_COLS: usize = 20;
pub const MIN_ROWS: usize = 5;

const MARKER: char = 'X';
const MARKER_COLOR: AnsiColors = AnsiColors::BrightYellow;

/// Draws `chart` as exactly `rows` lines, each ending in `\n` (so an empty
/// last line still counts), none wider than `cols` characters and none with
/// trailing spaces. ANSI colours only when `color`. Below
/// [`MIN_COLS`]×[`MIN_ROWS`] it returns a one-line message instead.
pub fn render_terminal(
    chart: &Chart,
    cols: usize,
    rows: usize,
    glyphs: Glyphs,
    color: bool,
) -> String {
    if cols < MIN_COLS || rows < MIN_ROWS {
        return format!(
            "chart needs at least {MIN_COLS}x{MIN_ROWS} characters, got {cols}x{rows}\n"
        );
    }
    let ascii = glyphs == Glyphs::Ascii;
    let plot = prep::prepare(chart, cols * 2);
    let mut lines: Vec<String> = Vec::with_capacity(rows);

    let mut title = clean_text(&chart.title, ascii);
    if !chart.y_label.is_empty() {
        let y_label = clean_text(&chart.y_label, ascii);
        title = if title.is_empty() {
            y_label
        } else {
            format!("{title} ({y_label})")
        };
    }
    let title = fit(title.trim(), cols, ascii);
    lines.push(if color {
        title.bold().to_string()
    } else {
        title
    });

    // Title, x axis and x labels take three rows; the plot keeps at least one.
    let legend = legend_lines(&plot, cols, rows - 4, ascii, color);
    let plot_rows = rows - 3 - legend.len();

    let labels = y_labels(&plot, plot_rows, ascii);
    let label_w = labels
        .iter()
        .flatten()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let plot_cols = cols - label_w - 1;

    let mut grid = Grid::new(plot_cols, plot_rows, ascii);
    for (who, s) in plot.series.iter().enumerate() {
        grid.draw(&plot, s, who, color);
    }
    for &(x, y) in &plot.crossings {
        let (px, py) = grid.dot(&plot, x, y);
        grid.mark(px.round() as i64, py.round() as i64);
    }

    let mut cells: Vec<Vec<Cell>> = (0..plot_rows).map(|r| grid.row(r, &plot)).collect();
    if !plot.has_data {
        let msg = "(no data)";
        let row = &mut cells[plot_rows / 2];
        let start = plot_cols.saturating_sub(msg.len()) / 2;
        for (cell, ch) in row.iter_mut().skip(start).zip(msg.chars()) {
            *cell = Cell { ch, paint: None };
        }
    }

    let (tick, bar, corner, rule) = if ascii {
        ('+', '|', '+', '-')
    } else {
        ('┤', '│', '└', '─')
    };
    for (label, row) in labels.iter().zip(&cells) {
        let mut line = match label {
            Some(l) => format!("{l:>label_w$}{tick}"),
            None => format!("{:label_w$}{bar}", ""),
        };
        push_cells(&mut line, row, color);
        lines.push(line);
    }
    lines.push(format!(
        "{:label_w$}{corner}{}",
        "",
        rule.to_string().repeat(plot_cols)
    ));
    lines.push(x_labels(&plot, label_w + 1, plot_cols, ascii));
    lines.extend(legend);

    let mut out = String::new();
    for line in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The y labels per plot row: max at the top, min at the bottom, and each
/// threshold level at the row its line is drawn on, where that row is free.
fn y_labels(plot: &Plot, plot_rows: usize, ascii: bool) -> Vec<Option<String>> {
    let dy = if ascii { 1 } else { 4 };
    let h = (plot_rows * dy) as f64;
    let row_of = |v: f64| {
        let dot = ((plot.y.1 - v) / (plot.y.1 - plot.y.0) * (h - 1.0)).round();
        (dot.max(0.0) as usize / dy).min(plot_rows - 1)
    };
    let mut labels = vec![None; plot_rows];
    let wanted = [plot.y.1, plot.y.0]
        .into_iter()
        .chain(plot.levels.iter().copied());
    for v in wanted {
        let slot = &mut labels[row_of(v)];
        if slot.is_none() {
            *slot = Some(prep::value_label(v, plot.y));
        }
    }
    labels
}

/// Start time under the left edge, end time flush with the right edge, and
/// the middle time between them when there is room for all three.
fn x_labels(plot: &Plot, indent: usize, width: usize, ascii: bool) -> String {
    if !plot.has_data {
        return String::new();
    }
    let days = prep::spans_days(plot);
    let label = |x: f64| clean_text(&prep::time_label(plot, x, days), ascii);
    let (start, end) = (label(plot.x.0), label(plot.x.1));
    let (sw, ew) = (start.chars().count(), end.chars().count());
    let mut line = format!("{:indent$}", "");
    if sw + 2 + ew > width {
        line.push_str(&fit(&start, width, ascii));
        return line;
    }
    line.push_str(&start);
    let mid = label((plot.x.0 + plot.x.1) / 2.0);
    let mw = mid.chars().count();
    let mid_at = (width.saturating_sub(mw)) / 2;
    let mut used = sw;
    if mid_at >= sw + 3 && mid_at + mw + 3 <= width - ew {
        line.push_str(&" ".repeat(mid_at - used));
        line.push_str(&mid);
        used = mid_at + mw;
    }
    line.push_str(&" ".repeat(width - ew - used));
    line.push_str(&end);
    line
}

/// Legend entries packed into at most `max_lines` lines of `cols`; entries
/// that do not fit are replaced by "..." at the end.
fn legend_lines(
    plot: &Plot,
    cols: usize,
    max_lines: usize,
    ascii: bool,
    color: bool,
) -> Vec<String> {
    let mut entries: Vec<(String, Option<AnsiColors>, String)> = plot
        .series
        .iter()
        .map(|s| {
            (
                sample(s, ascii, color),
                Some(s.style.ansi),
                clean_text(&s.name, ascii),
            )
        })
        .collect();
    if !plot.crossings.is_empty() {
        entries.push((MARKER.to_string(), Some(MARKER_COLOR), "crossing".into()));
    }
    if entries.is_empty() {
        entries.push((String::new(), None, "(no series)".into()));
    }

    let mut lines = vec![String::new()];
    let mut used = 0;
    for (glyph, paint, name) in entries {
        let gw = glyph.chars().count();
        let name = fit(&name, cols.saturating_sub(gw + 1), ascii);
        let width = gw + usize::from(gw > 0) + name.chars().count();
        let sep = if used == 0 { 0 } else { 2 };
        if used + sep + width > cols {
            if lines.len() >= max_lines {
                if let Some(last) = lines.last_mut()
                    && used + 5 <= cols
                {
                    last.push_str("  ...");
                }
                break;
            }
            lines.push(String::new());
            used = 0;
        }
        let Some(line) = lines.last_mut() else { break };
        if used > 0 {
            line.push_str("  ");
            used += 2;
        }
        match paint {
            Some(c) if color => line.push_str(&glyph.color(c).to_string()),
            _ => line.push_str(&glyph),
        }
        if gw > 0 {
            line.push(' ');
        }
        line.push_str(&name);
        used += width;
    }
    lines
}

/// What a series looks like in the legend: its ASCII character, or a
/// braille cell drawn with the same dash or fill pattern the plot uses.
fn sample(s: &Prepared, ascii: bool, color: bool) -> String {
    if ascii {
        return s.style.ascii.to_string();
    }
    let mut mask = 0u8;
    for x in 0..2 {
        for y in 0..4 {
            let on = match s.kind {
                Kind::Line => y == 2,
                Kind::Step => y == 2 && (color || dash(x, y)),
                Kind::Band => color || fill_pattern(s.style.nth, x, y),
            };
            if on {
                mask |= braille_bit(x as usize, y as usize);
            }
        }
    }
    let ch = braille(mask);
    if s.kind == Kind::Band {
        ch.to_string()
    } else {
        format!("{ch}{ch}")
    }
}

/// Without colour, braille series differ only by texture: the threshold
/// is dotted and each band has its own fill pattern.
fn dash(x: i64, y: i64) -> bool {
    (x + y) % 2 == 0
}

fn fill_pattern(nth: usize, x: i64, y: i64) -> bool {
    match nth % 4 {
        0 => true,
        1 => (x + y) % 2 == 0,
        2 => y % 2 == 0,
        _ => x % 2 == 0,
    }
}

fn braille_bit(x: usize, y: usize) -> u8 {
    const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
    BITS[x & 1][y & 3]
}

fn braille(mask: u8) -> char {
    char::from_u32(0x2800 + u32::from(mask)).unwrap_or(' ')
}

/// Replaces what a terminal must not get: control characters always, and
/// anything outside printable ASCII in ASCII mode.
fn clean_text(s: &str, ascii: bool) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || (ascii && !(c == ' ' || c.is_ascii_graphic())) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Cuts `s` to at most `n` characters, marking the cut.
fn fit(s: &str, n: usize, ascii: bool) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mark = if ascii { ".." } else { "…" };
    let keep = n.saturating_sub(mark.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.truncate(out.trim_end().len());
    if keep > 0 {
        out.push_str(mark);
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
struct Cell {
    ch: char,
    paint: Option<AnsiColors>,
}

/// Appends cells up to the last visible one, one colour span per run.
fn push_cells(line: &mut String, row: &[Cell], color: bool) {
    let end = row.iter().rposition(|c| c.ch != ' ').map_or(0, |i| i + 1);
    let mut i = 0;
    while i < end {
        let paint = row[i].paint;
        let run_end = (i..end).find(|&j| row[j].paint != paint).unwrap_or(end);
        let text: String = row[i..run_end].iter().map(|c| c.ch).collect();
        match paint {
            Some(c) if color => line.push_str(&text.color(c).to_string()),
            _ => line.push_str(&text),
        }
        i = run_end;
    }
}

/// Dots grouped into cells. A cell shows the union of its dots in the
/// colour (or ASCII character) of the series that drew into it last.
struct Grid {
    cols: usize,
    rows: usize,
    ascii: bool,
    mask: Vec<u8>,
    owner: Vec<Option<usize>>,
    marked: Vec<bool>,
}

impl Grid {
    fn new(cols: usize, rows: usize, ascii: bool) -> Self {
        let n = cols * rows;
        Self {
            cols,
            rows,
            ascii,
            mask: vec![0; n],
            owner: vec![None; n],
            marked: vec![false; n],
        }
    }

    fn cell_dots(&self) -> (usize, usize) {
        if self.ascii { (1, 1) } else { (2, 4) }
    }

    /// Data coordinates to (unrounded) dot coordinates, y growing down.
    fn dot(&self, plot: &Plot, x: f64, y: f64) -> (f64, f64) {
        let (dx, dy) = self.cell_dots();
        let w = (self.cols * dx) as f64 - 1.0;
        let h = (self.rows * dy) as f64 - 1.0;
        (
            (x - plot.x.0) / (plot.x.1 - plot.x.0) * w,
            (plot.y.1 - y) / (plot.y.1 - plot.y.0) * h,
        )
    }

    fn cell(&self, x: i64, y: i64) -> Option<usize> {
        let (dx, dy) = self.cell_dots();
        let (x, y) = (usize::try_from(x).ok()?, usize::try_from(y).ok()?);
        let (c, r) = (x / dx, y / dy);
        (c < self.cols && r < self.rows).then_some(r * self.cols + c)
    }

    fn set(&mut self, x: i64, y: i64, who: usize) {
        if let Some(i) = self.cell(x, y) {
            self.mask[i] |= braille_bit(x as usize, y as usize);
            self.owner[i] = Some(who);
        }
    }

    fn mark(&mut self, x: i64, y: i64) {
        if let Some(i) = self.cell(x, y) {
            self.marked[i] = true;
        }
    }

    fn draw(&mut self, plot: &Plot, s: &Prepared, who: usize, color: bool) {
        let dotted = !self.ascii && !color;
        let pts: Vec<(i64, i64)> = match s.kind {
            Kind::Band => return self.band(plot, s, who, dotted),
            Kind::Line => round_all(s.pts.iter().map(|p| self.dot(plot, p.0, p.1))),
            Kind::Step => round_all(
                prep::staircase(&s.pts)
                    .iter()
                    .map(|p| self.dot(plot, p.0, p.1)),
            ),
        };
        let dashed = dotted && s.kind == Kind::Step;
        if let [only] = pts[..] {
            self.set(only.0, only.1, who);
        }
        for w in pts.windows(2) {
            self.segment(w[0], w[1], who, dashed);
        }
    }

    /// Bresenham between two dots.
    fn segment(&mut self, a: (i64, i64), b: (i64, i64), who: usize, dashed: bool) {
        let (mut x, mut y) = a;
        let (dx, dy) = ((b.0 - a.0).abs(), -(b.1 - a.1).abs());
        let (sx, sy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
        let mut err = dx + dy;
        loop {
            if !dashed || dash(x, y) {
                self.set(x, y, who);
            }
            if (x, y) == b {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Fills a band column by column, interpolating both edges between its
    /// points, so a band is solid however sparse its samples are.
    fn band(&mut self, plot: &Plot, s: &Prepared, who: usize, patterned: bool) {
        let cols: Vec<Edge> = s
            .pts
            .iter()
            .zip(&s.lower)
            .map(|(p, lo)| {
                let (x, top) = self.dot(plot, p.0, p.1);
                (x, top, self.dot(plot, p.0, *lo).1)
            })
            .collect();
        let mut spans: Vec<(Edge, Edge)> = cols.windows(2).map(|w| (w[0], w[1])).collect();
        if let [only] = cols[..] {
            spans.push((only, only));
        }
        for (a, b) in spans {
            let (x0, x1) = (a.0.round() as i64, b.0.round() as i64);
            for x in x0..=x1 {
                let t = if x1 > x0 {
                    (x - x0) as f64 / (x1 - x0) as f64
                } else {
                    0.0
                };
                let top = a.1 + t * (b.1 - a.1);
                let bottom = a.2 + t * (b.2 - a.2);
                if (bottom - top).abs() < 1e-9 {
                    continue;
                }
                // Dots whose centres lie inside the band; a band thinner
                // than a dot still gets the dot nearest its middle.
                let (a, b) = (top.min(bottom), top.max(bottom));
                let (mut hi, mut lo) = (a.ceil() as i64, b.floor() as i64);
                if hi > lo {
                    hi = ((a + b) / 2.0).round() as i64;
                    lo = hi;
                }
                for y in hi..=lo {
                    if !patterned || fill_pattern(s.style.nth, x, y) {
                        self.set(x, y, who);
                    }
                }
            }
        }
    }

    fn row(&self, r: usize, plot: &Plot) -> Vec<Cell> {
        (0..self.cols)
            .map(|c| {
                let i = r * self.cols + c;
                if self.marked[i] {
                    return Cell {
                        ch: MARKER,
                        paint: Some(MARKER_COLOR),
                    };
                }
                let Some(who) = self.owner[i] else {
                    return Cell {
                        ch: ' ',
                        paint: None,
                    };
                };
                let style = plot.series[who].style;
                let ch = if self.ascii {
                    style.ascii
                } else {
                    braille(self.mask[i])
                };
                Cell {
                    ch,
                    paint: Some(style.ansi),
                }
            })
            .collect()
    }
}

/// A band's x, top and bottom in dot coordinates.
type Edge = (f64, f64, f64);

fn round_all(pts: impl Iterator<Item = (f64, f64)>) -> Vec<(i64, i64)> {
    pts.map(|(x, y)| (x.round() as i64, y.round() as i64))
        .collect()
}
