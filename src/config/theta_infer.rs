//! `theta infer`'s options: where to read, how much of the stream, which
//! thetas to judge, where to write the inferred one.

use std::io::IsTerminal;

use super::history::{env_size, time_spec};
use super::model::{HistorySourceSpec, ThetaInferConfig};
use super::parse::{Common, endpoint, output, parse_now, symbols, theta_choice};
use crate::cli;
use crate::error::{Error, Result};
use crate::report::ReportKind;
use crate::theta::ThetaChoice;

/// The width tables fit: `COLUMNS`, else the terminal's; `None` when
/// stdout is not a terminal, so piped output keeps whole lines.
fn width() -> Option<usize> {
    env_size("COLUMNS").or_else(|| {
        std::io::stdout()
            .is_terminal()
            .then(terminal_size::terminal_size)
            .flatten()
            .map(|(w, _)| usize::from(w.0))
    })
}

pub fn theta_infer(
    a: &cli::ThetaInferArgs,
    g: &cli::GlobalArgs,
    common: &Common,
) -> Result<ThetaInferConfig> {
    let source = if a.from.is_empty() {
        HistorySourceSpec::Redis(endpoint(g)?)
    } else {
        HistorySourceSpec::Packs(a.from.clone())
    };
    let thetas = a
        .theta
        .iter()
        .map(|path| {
            let args = cli::ThetaArgs {
                theta: Some(path.clone()),
                theta_from_policy: false,
            };
            match theta_choice(&args)? {
                ThetaChoice::File(named) => Ok(*named),
                ThetaChoice::Defaults | ThetaChoice::Policy => Err(Error::usage(format!(
                    "--theta {}: not a file",
                    path.display()
                ))),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = &a.write_theta
        && a.theta.contains(path)
    {
        return Err(Error::usage(format!(
            "--write-theta {} would overwrite a --theta file being judged",
            path.display()
        )));
    }
    Ok(ThetaInferConfig {
        source,
        prefix: common.prefix.clone(),
        rule: common.rule.clone(),
        selection: symbols(&common.rule, &a.symbols)?,
        thetas,
        output: output(&a.output, ReportKind::ThetaInfer, common.color, false, None)?,
        now: parse_now(a.now.as_deref())?,
        command_line: common.command_line.clone(),
        since: a
            .since
            .as_deref()
            .map(|t| time_spec("--since", t))
            .transpose()?,
        history: !a.no_history,
        write_theta: a.write_theta.clone(),
        width: width(),
    })
}
