//! The commands a cycle writes, and how `--dry-run` shows them.

use crate::source::redis::{Cmd, cmd};

/// Upstream's stream cap (`maxlen=10000`, approximate trimming).
pub const STREAM_MAXLEN: usize = 10_000;

pub fn hset(key: &str, fields: &[(&str, String)]) -> Cmd {
    fields
        .iter()
        .fold(cmd("HSET").arg(key), |c, (f, v)| c.arg(*f).arg(v))
}

pub fn xadd(stream: &str, symbol: &str, fields: &[(&str, String)]) -> Cmd {
    let head = cmd("XADD")
        .arg(stream)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*")
        .arg("symbol")
        .arg(symbol);
    fields.iter().fold(head, |c, (f, v)| c.arg(*f).arg(v))
}

/// A command as a line a person could paste into `redis-cli`.
pub fn shell_line(cmd: &Cmd) -> String {
    cmd.args()
        .map(|bytes| {
            let text = String::from_utf8_lossy(bytes);
            if !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.:-+~*,".contains(c))
            {
                text.into_owned()
            } else {
                format!("'{}'", text.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_lines_are_pasteable() {
        let cmd = hset(
            "quantum:harvest:proposal:BTCUSDT",
            &[("reason_codes", String::new()), ("R_net", "1.5".into())],
        );
        assert_eq!(
            shell_line(&cmd),
            "HSET quantum:harvest:proposal:BTCUSDT reason_codes '' R_net 1.5"
        );
    }
}
