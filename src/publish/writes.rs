//! The commands a cycle writes, and how `--dry-run` shows them.

use redis::Cmd;

/// Upstream's stream cap (`maxlen=10000`, approximate trimming).
pub const STREAM_MAXLEN: usize = 10_000;

pub fn hset(key: &str, fields: &[(&str, String)]) -> Cmd {
    let mut cmd = redis::cmd("HSET");
    cmd.arg(key);
    for (f, v) in fields {
        cmd.arg(*f).arg(v);
    }
    cmd
}

pub fn xadd(stream: &str, symbol: &str, fields: &[(&str, String)]) -> Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream)
        .arg("MAXLEN")
        .arg("~")
        .arg(STREAM_MAXLEN)
        .arg("*")
        .arg("symbol")
        .arg(symbol);
    for (f, v) in fields {
        cmd.arg(*f).arg(v);
    }
    cmd
}

/// A command as a line a person could paste into `redis-cli`.
pub fn shell_line(cmd: &Cmd) -> String {
    cmd.args_iter()
        .map(|arg| match arg {
            redis::Arg::Simple(bytes) => {
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
            }
            _ => "0".to_owned(),
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
