//! JUnit XML for CI: one test suite per symbol, one test case per check,
//! named `SYMBOL::check-id` so every name is unique in the report.
//! Warnings pass (with their message in system-out) unless `--strict`.

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{VerifyFormat, VerifyReport};
use crate::checks::{CheckResult, Status};

pub struct Junit;

fn description(c: &CheckResult) -> String {
    let mut text = c.message.to_string();
    if let Some(e) = &c.expected {
        text.push_str(&format!("\nexpected: {e}"));
    }
    if let Some(a) = &c.actual {
        text.push_str(&format!("\nactual:   {a}"));
    }
    text
}

fn non_success(kind: NonSuccessKind, c: &CheckResult) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status
        .set_message(c.message.to_string())
        .set_type(c.id.as_str())
        .set_description(description(c));
    status
}

impl VerifyFormat for Junit {
    fn verify(&self, r: &VerifyReport) -> String {
        let mut report = Report::new("killscope verify");
        // A run-level problem (nothing found to verify) is an errored test
        // case of its own: `tests="0"` would read as success.
        if !r.problems.is_empty() {
            let mut suite = TestSuite::new("killscope");
            for problem in &r.problems {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status
                    .set_message(problem.clone())
                    .set_type("run")
                    .set_description(problem.clone());
                let mut case = TestCase::new("killscope::run", status);
                case.set_classname("killscope");
                suite.add_test_case(case);
            }
            report.add_test_suite(suite);
        }
        for v in &r.verdicts {
            let mut suite = TestSuite::new(v.symbol.as_str());
            suite.add_property(Property::new("theta", v.theta.label()));
            suite.add_property(Property::new("source", r.header.source.to_string()));
            for c in &v.checks {
                let status = match c.status {
                    Status::Pass => TestCaseStatus::success(),
                    Status::Warn if !r.strict => TestCaseStatus::success(),
                    Status::Warn | Status::Fail => non_success(NonSuccessKind::Failure, c),
                    Status::Error => non_success(NonSuccessKind::Error, c),
                    Status::Skip => {
                        let mut s = TestCaseStatus::skipped();
                        s.set_message(c.message.to_string());
                        s
                    }
                };
                let mut case = TestCase::new(format!("{}::{}", v.symbol, c.id), status);
                case.set_classname(format!("killscope.{}", v.symbol));
                if matches!(c.status, Status::Pass | Status::Warn) {
                    let prefix = if c.status == Status::Warn {
                        "warn: "
                    } else {
                        ""
                    };
                    case.set_system_out(format!("{prefix}{}", description(c)));
                }
                suite.add_test_case(case);
            }
            report.add_test_suite(suite);
        }
        // quick-junit only fails on I/O, and a String sink has none.
        report.to_string().unwrap_or_default()
    }
}
