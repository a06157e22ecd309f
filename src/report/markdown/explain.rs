//! `explain` as markdown.

use std::fmt::Write;

use super::{Markdown, cell, code, header_table, reproduce, table_head, table_row};
use crate::explain::Explanation;
use crate::report::content::explain as words;
use crate::report::model::{ExplainFormat, ExplainReport};

impl ExplainFormat for Markdown {
    fn explain(&self, r: &ExplainReport) -> String {
        let mut out = String::from("# killscope explain\n\n");
        header_table(&mut out, &r.header, &[]);
        for e in r.explanations.iter().filter(|e| !e.missing) {
            explanation(&mut out, e);
        }
        reproduce(&mut out, &r.header);
        out
    }
}

fn explanation(out: &mut String, e: &Explanation) {
    let (title, mismatch) = words::title(e);
    let title = if mismatch {
        title.replace("MISMATCH", "❌ MISMATCH")
    } else {
        title
    };
    let _ = writeln!(out, "\n## {}\n", cell(&title));
    let _ = writeln!(out, "{}", words::subtitle(e, code));
    if let Some(note) = &e.theta_note {
        let _ = writeln!(out, "\n> ⚠️ {}", cell(note));
    }
    if let Some(problem) = &e.problem {
        let _ = writeln!(out, "\n> ❗ {}", cell(problem));
    }
    if !e.inputs.is_empty() {
        let _ = writeln!(out, "\n### Inputs\n");
        table_head(out, &words::INPUT_COLUMNS, &[false; 3]);
        for i in &e.inputs {
            table_row(out, &[cell(&i.name), code(&i.value), cell(&i.source)]);
        }
    }
    if !e.components.is_empty() {
        let _ = writeln!(out, "\n### Kill score\n");
        let mut columns = words::COMPONENT_COLUMNS.to_vec();
        columns.insert(1, "formula with the numbers");
        table_head(out, &columns, &[false, false, true, true, true, true]);
        for c in &e.components {
            let mut cells = words::component_cells(c).to_vec();
            cells.insert(1, code(&words::filled_formula(c)));
            cells.push(words::percent(c.share));
            table_row(out, &cells);
        }
    }
    if let Some(s) = &e.score {
        let _ = writeln!(out, "\n{}  ", words::z_sentence(e, s));
        let _ = writeln!(out, "{}", words::k_sentence(s));
    }
    if !e.comparisons.is_empty() {
        let _ = writeln!(out, "\n### Published vs recomputed\n");
        table_head(
            out,
            &words::COMPARISON_COLUMNS,
            &[false, false, false, true],
        );
        for c in &e.comparisons {
            let (delta, _) = words::comparison_delta(c);
            table_row(
                out,
                &[
                    cell(&c.field),
                    code(&c.published),
                    code(&c.recomputed),
                    delta,
                ],
            );
        }
    }
    if !e.flips.is_empty() {
        let _ = writeln!(out, "\n### {}\n", words::FLIPS_TITLE);
        let threshold = e.score.map_or(f64::NAN, |s| s.threshold);
        for flip in &e.flips {
            let _ = writeln!(
                out,
                "- **{}** (now {}): {}",
                flip.component.name(),
                cell(&flip.current),
                cell(&words::flip_sentence(flip, threshold))
            );
        }
    }
    if let Some(h) = &e.harvest {
        let _ = writeln!(out, "\n### Harvest\n");
        for (label, text) in words::harvest_lines(h) {
            let _ = writeln!(out, "- {label}: {}", cell(&text));
        }
    }
}
