//! JUnit XML for CI: one test suite per symbol, one test case per check,
//! named `SYMBOL::check-id` so every name is unique in the report. Warnings
//! pass (with their message in system-out) unless `--strict`.
//!
//! Written a suite at a time, in the layout quick-junit (and quick-xml)
//! give a whole report — a test holds the two byte for byte — without
//! building the report in memory first or escaping a character at a time.

use std::fmt::Write;

use super::model::{VerifyFormat, VerifyReport};
use crate::checks::{CheckResult, Status, SymbolVerdict};

pub struct Junit;

/// Text and attribute values as XML wants them (the five entities quick-xml
/// escapes).
fn escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['<', '>', '&', '\'', '"']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'\'' => "&apos;",
            _ => "&quot;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// ` name="value"`.
fn attribute(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, " {name}=\"");
    escaped(out, value);
    out.push('"');
}

/// The message and, where there are any, expected and actual values.
fn description(c: &CheckResult) -> String {
    let mut text = c.message.to_string();
    if let Some(e) = &c.expected {
        let _ = write!(text, "\nexpected: {e}");
    }
    if let Some(a) = &c.actual {
        let _ = write!(text, "\nactual:   {a}");
    }
    text
}

/// `<failure …>description</failure>` and the like, at the case's depth.
fn status_element(
    out: &mut String,
    tag: &str,
    message: &str,
    ty: Option<&str>,
    text: Option<&str>,
) {
    let _ = write!(out, "\n            <{tag}");
    attribute(out, "message", message);
    if let Some(ty) = ty {
        attribute(out, "type", ty);
    }
    match text {
        Some(text) => {
            out.push('>');
            escaped(out, text);
            let _ = write!(out, "</{tag}>");
        }
        None => out.push_str("/>"),
    }
}

fn test_case(out: &mut String, symbol: &str, c: &CheckResult, strict: bool) {
    let _ = write!(out, "\n        <testcase");
    attribute(out, "name", &format!("{symbol}::{}", c.id));
    attribute(out, "classname", &format!("killscope.{symbol}"));
    out.push('>');
    let message = c.message.to_string();
    match c.status {
        Status::Pass => {}
        Status::Warn if !strict => {}
        Status::Warn | Status::Fail => {
            status_element(
                out,
                "failure",
                &message,
                Some(c.id.as_str()),
                Some(&description(c)),
            );
        }
        Status::Error => {
            status_element(
                out,
                "error",
                &message,
                Some(c.id.as_str()),
                Some(&description(c)),
            );
        }
        Status::Skip => status_element(out, "skipped", &message, None, None),
    }
    if matches!(c.status, Status::Pass | Status::Warn) {
        let prefix = if c.status == Status::Warn {
            "warn: "
        } else {
            ""
        };
        out.push_str("\n            <system-out>");
        escaped(out, &format!("{prefix}{}", description(c)));
        out.push_str("</system-out>");
    }
    out.push_str("\n        </testcase>");
}

/// `tests`, `skipped`, `errors` and `failures` of some checks.
fn counts<'a>(checks: impl Iterator<Item = &'a CheckResult>, strict: bool) -> [usize; 4] {
    let mut n = [0; 4];
    for c in checks {
        n[0] += 1;
        match c.status {
            Status::Skip => n[1] += 1,
            Status::Error => n[2] += 1,
            Status::Fail => n[3] += 1,
            Status::Warn if strict => n[3] += 1,
            Status::Pass | Status::Warn => {}
        }
    }
    n
}

impl VerifyFormat for Junit {
    fn head(&self, r: &VerifyReport, out: &mut String) {
        let [tests, skipped, errors, failures] =
            counts(r.verdicts.iter().flat_map(|v| &v.checks), r.strict);
        let problems = r.problems.len();
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
        attribute(out, "name", "killscope verify");
        for (name, n) in [
            ("tests", tests + problems),
            ("skipped", skipped),
            ("failures", failures),
            ("errors", errors + problems),
        ] {
            attribute(out, name, &n.to_string());
        }
        out.push('>');
        // A run-level problem (nothing found to verify) is an errored test
        // case of its own: `tests="0"` would read as success.
        if !r.problems.is_empty() {
            out.push_str("\n    <testsuite");
            attribute(out, "name", "killscope");
            for (name, n) in [
                ("tests", problems),
                ("skipped", 0),
                ("errors", problems),
                ("failures", 0),
            ] {
                attribute(out, name, &n.to_string());
            }
            out.push('>');
            for problem in &r.problems {
                out.push_str("\n        <testcase");
                attribute(out, "name", "killscope::run");
                attribute(out, "classname", "killscope");
                out.push('>');
                status_element(out, "error", problem, Some("run"), Some(problem));
                out.push_str("\n        </testcase>");
            }
            out.push_str("\n    </testsuite>");
        }
    }

    fn symbol(&self, r: &VerifyReport, _index: usize, v: &SymbolVerdict, out: &mut String) {
        let [tests, skipped, errors, failures] = counts(v.checks.iter(), r.strict);
        out.push_str("\n    <testsuite");
        attribute(out, "name", v.symbol.as_str());
        for (name, n) in [
            ("tests", tests),
            ("skipped", skipped),
            ("errors", errors),
            ("failures", failures),
        ] {
            attribute(out, name, &n.to_string());
        }
        out.push('>');
        out.push_str("\n        <properties>\n            <property");
        attribute(out, "name", "theta");
        attribute(out, "value", &v.theta.label());
        out.push_str("/>\n            <property");
        attribute(out, "name", "source");
        attribute(out, "value", &r.header.source.to_string());
        out.push_str("/>\n        </properties>");
        for c in &v.checks {
            test_case(out, v.symbol.as_str(), c, r.strict);
        }
        out.push_str("\n    </testsuite>");
    }

    fn tail(&self, _r: &VerifyReport, out: &mut String) {
        out.push_str("\n</testsuites>\n");
    }
}
