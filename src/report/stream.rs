//! Writing a verify report as it is rendered: the head, then the symbols a
//! few chunks at a time — each chunk rendered on its own thread into its own
//! buffer, the buffers written in order — then the tail. Memory stays at a
//! few chunks of text whatever the fleet's size.

use std::io::{self, Write};

use super::model::{VerifyFormat, VerifyReport};

/// Symbols rendered by one worker at a time.
const CHUNK: usize = 256;

/// Writes `report` in `format` to `sink`.
pub fn write_verify(
    format: &dyn VerifyFormat,
    report: &VerifyReport,
    sink: &mut dyn Write,
) -> io::Result<()> {
    let mut head = String::new();
    format.head(report, &mut head);
    sink.write_all(head.as_bytes())?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let chunks: Vec<(usize, usize)> = (0..report.verdicts.len())
        .step_by(CHUNK)
        .map(|start| (start, (start + CHUNK).min(report.verdicts.len())))
        .collect();
    // A window of chunks per round: every core busy, at most a few chunks of
    // text waiting to be written.
    for window in chunks.chunks(cores * 2) {
        let rendered = crate::parallel::map_each(window, |&(start, end)| {
            let mut out = String::with_capacity((end - start) * 512);
            for (i, verdict) in report.verdicts[start..end].iter().enumerate() {
                format.symbol(report, start + i, verdict, &mut out);
            }
            out
        });
        for text in rendered {
            sink.write_all(text.as_bytes())?;
        }
    }
    let mut tail = String::new();
    format.tail(report, &mut tail);
    sink.write_all(tail.as_bytes())?;
    sink.flush()
}
