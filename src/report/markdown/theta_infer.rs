//! `theta infer` as markdown, for a ticket: the verdict, what was read, the
//! weights, every field, what does not fit or cannot be used, each known
//! theta, the file written, and the command that reproduces it.

use std::fmt::Write;

use super::{Markdown, badge, cell, code, reproduce, table_head, table_row};
use crate::report::content::theta_infer as words;
use crate::report::content::{source, theta_numbers};
use crate::report::model::{ThetaInferFormat, ThetaInferReport, timestamp};

fn list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n## {title} ({})\n", items.len());
    let (shown, more) = words::first(items, words::LIST_LIMIT);
    for item in shown.iter().chain(&more) {
        let _ = writeln!(out, "- {}", cell(item));
    }
}

impl ThetaInferFormat for Markdown {
    fn theta_infer(&self, r: &ThetaInferReport) -> String {
        let h = &r.header;
        let status = words::status(r);
        let mut out = format!("# killscope theta infer — {}\n\n", badge(status));
        let _ = writeln!(out, "**{}**\n", cell(&r.conclusion.headline));
        for problem in &r.conclusion.problems {
            let _ = writeln!(out, "> {} {}\n", badge(status), cell(problem));
        }
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| Evaluated at | {} |", timestamp(h.evaluated_at));
        let _ = writeln!(out, "| Generated at | {} |", timestamp(h.generated_at));
        let _ = writeln!(out, "| Source | {} |", source(h, code));
        let _ = writeln!(
            out,
            "| Read | {} |",
            words::read_line(&r.read, r.inference.observations, code)
        );
        for w in &h.warnings {
            let _ = writeln!(out, "| Warning | {} |", cell(w));
        }
        let _ = writeln!(out, "\n## Weights\n");
        for line in words::weight_lines(&r.inference.weights) {
            let _ = writeln!(out, "- {}", cell(&line));
        }
        let _ = writeln!(out, "\n## Fields\n");
        table_head(
            &mut out,
            &words::FIELD_COLUMNS,
            &[false, false, true, false],
        );
        for [name, inferred, count, how] in words::field_rows(&r.inference) {
            let names: Vec<String> = name.split(", ").map(code).collect();
            table_row(
                &mut out,
                &[names.join(", "), cell(&inferred), count, cell(&how)],
            );
        }
        let outliers: Vec<String> = r
            .inference
            .weights
            .outliers()
            .map(words::not_fitting)
            .collect();
        list(&mut out, "Not fitting", &outliers);
        list(&mut out, "Not usable", &words::not_usable(r));
        if let Some(verdict) = &r.verdict {
            let _ = writeln!(out, "\n## Known thetas\n");
            table_head(
                &mut out,
                &["theta", "verdict", "numbers", "why"],
                &[false; 4],
            );
            for t in &verdict.thetas {
                let numbers = r
                    .known
                    .iter()
                    .find(|k| k.label() == t.label)
                    .map_or_else(String::new, |k| theta_numbers(&k.theta));
                table_row(
                    &mut out,
                    &[
                        code(&t.label),
                        words::theta_word(t).to_owned(),
                        cell(&numbers),
                        cell(&words::theta_detail(t)),
                    ],
                );
            }
        }
        if let Some(w) = &r.written {
            let _ = writeln!(out, "\n## Theta file\n\n{}", words::written_line(w, code));
        }
        reproduce(&mut out, h);
        out
    }
}
