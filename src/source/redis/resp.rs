//! RESP2 replies, parsed in the connection's read buffer.
//!
//! Besides a generic [`Value`] reader there are two specialised ones:
//! [`Conn::read_hash`] builds a [`RawHash`] straight from the buffer (no
//! per-field allocation: one pass records where the strings are, a second
//! copies them into the hash's single buffer, sized exactly), and
//! [`Conn::read_stream_entries`] does the same for XRANGE entries. Every
//! reader consumes exactly one reply, whatever its shape, so an unexpected
//! reply is a `Failed` in its slot and the pipeline stays in step.
//!
//! The server is not trusted: lengths are checked, allocation ahead of the
//! bytes is capped, nesting is limited, and a malformed reply is an error,
//! never a panic.

use super::conn::Conn;
use super::fault::Fault;
use crate::error::Result;
use crate::source::HashRead;
use crate::wire::{RawHash, show_raw};

/// A reply, as RESP2 has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A nil bulk string or nil array.
    Nil,
    Int(i64),
    /// A status reply such as `OK`.
    Simple(String),
    /// An error reply, on one line (nested in an array; a top-level error
    /// is the `Err` of a [`Reply`]).
    Error(String),
    Bulk(Vec<u8>),
    Array(Vec<Value>),
}

/// One command's reply: the value, or the error Redis answered it with.
pub type Reply = std::result::Result<Value, String>;

/// XRANGE/XREVRANGE entries: `(id, fields)`, or why there are none.
pub type StreamRead = std::result::Result<Vec<(Vec<u8>, RawHash)>, String>;

/// Redis's own limit (`proto-max-bulk-len`).
const MAX_BULK: i64 = 512 << 20;
const MAX_ITEMS: i64 = i32::MAX as i64;
/// Allocation ahead of the bytes that justify it.
const PREALLOC_ITEMS: usize = 1024;
const PREALLOC_BYTES: usize = 1 << 20;
/// Reads the in-buffer hash parser waits for before going piecewise.
const FAST_TRIES: usize = 8;
/// Deeper than any reply killscope reads; stops a stack overflow.
const MAX_DEPTH: usize = 16;

/// An error reply that concerns the connection or node, not one command.
#[derive(Debug)]
pub(crate) enum Special {
    /// `MOVED`/`ASK slot host:port` (host empty: the node that answered).
    Moved(u16, String, u16),
    Ask(String, u16),
    Fatal(Fault),
}

/// Where a fast parse stands.
enum Scan {
    Done(HashRead),
    /// The reply is not all in the buffer yet.
    Short,
    /// Not a plain array of bulk strings: the general parser decides.
    Other,
}

impl Conn {
    /// One reply of any shape.
    pub fn read_value(&mut self) -> Result<Value> {
        self.value(0).map_err(|f| self.fail(f))
    }

    /// One reply; an error reply is the `Err`.
    pub fn read_reply(&mut self) -> Result<Reply> {
        self.reply().map_err(|f| self.fail(f))
    }

    /// One HGETALL reply: `Missing` for an empty array, `Failed` for an
    /// error (`WRONGTYPE …`) or any other shape.
    pub fn read_hash(&mut self) -> Result<HashRead> {
        self.hash().map_err(|f| self.fail(f))
    }

    /// One XRANGE/XREVRANGE reply.
    pub fn read_stream_entries(&mut self) -> Result<StreamRead> {
        self.stream().map_err(|f| self.fail(f))
    }

    pub(crate) fn reply(&mut self) -> std::result::Result<Reply, Fault> {
        Ok(match self.value(0)? {
            Value::Error(text) => Err(text),
            value => Ok(value),
        })
    }

    /// The next line without its CRLF, consumed, as a span of `buf`.
    fn line(&mut self) -> std::result::Result<(usize, usize), Fault> {
        let newline = self.find_newline(false)?.unwrap_or(self.pos);
        let start = self.pos;
        if newline == start || self.buf[newline - 1] != b'\r' {
            return Err(Fault::Protocol("a line without CRLF".to_owned()));
        }
        self.pos = newline + 1;
        Ok((start, newline - 1))
    }

    /// Where the next `\n` is, reading until one arrives; with `or_none`,
    /// `None` rather than an error when the line is longer than the buffer.
    /// Bytes already searched are not searched again, so a server sending a
    /// byte at a time costs linear time, not quadratic.
    fn find_newline(&mut self, or_none: bool) -> std::result::Result<Option<usize>, Fault> {
        let mut searched = 0;
        loop {
            let from = self.pos + searched;
            if let Some(i) = self.buf[from..self.end].iter().position(|&b| b == b'\n') {
                return Ok(Some(from + i));
            }
            if or_none && self.pos == 0 && self.end == self.buf.len() {
                return Ok(None);
            }
            searched = self.end - self.pos;
            self.fill()?;
        }
    }

    /// The type byte of the next reply and the span of the rest of its line.
    fn header(&mut self) -> std::result::Result<(u8, usize, usize), Fault> {
        let (start, end) = self.line()?;
        match self.buf[start..end].first() {
            Some(b'+' | b'-' | b':' | b'$' | b'*') => Ok((self.buf[start], start + 1, end)),
            _ => Err(Fault::Protocol(format!(
                "expected a RESP reply, got {}",
                show_raw(&self.buf[start..end])
            ))),
        }
    }

    fn text(&self, start: usize, end: usize) -> String {
        one_line(&self.buf[start..end])
    }

    fn int(&self, start: usize, end: usize) -> std::result::Result<i64, Fault> {
        parse_int(&self.buf[start..end]).ok_or_else(|| {
            Fault::Protocol(format!(
                "{} is not an integer",
                show_raw(&self.buf[start..end])
            ))
        })
    }

    /// A length; `None` for -1 (nil).
    fn len(&self, start: usize, end: usize, max: i64) -> std::result::Result<Option<usize>, Fault> {
        match self.int(start, end)? {
            -1 => Ok(None),
            n if n < 0 => Err(Fault::Protocol(format!("a negative length ({n})"))),
            n if n > max => Err(Fault::Protocol(format!("a length over the limit ({n})"))),
            n => Ok(Some(n as usize)),
        }
    }

    /// `len` bytes and the CRLF after them, handed to `sink` in pieces.
    fn payload(
        &mut self,
        len: usize,
        mut sink: impl FnMut(&[u8]),
    ) -> std::result::Result<(), Fault> {
        let mut left = len;
        while left > 0 {
            if self.pos == self.end {
                self.fill()?;
            }
            let take = left.min(self.end - self.pos);
            sink(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            left -= take;
        }
        while self.end - self.pos < 2 {
            self.fill()?;
        }
        if &self.buf[self.pos..self.pos + 2] != b"\r\n" {
            return Err(Fault::Protocol(
                "a bulk string longer than its length".to_owned(),
            ));
        }
        self.pos += 2;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> std::result::Result<Value, Fault> {
        let (kind, start, end) = self.header()?;
        self.value_after(kind, start, end, depth)
    }

    /// The rest of a value whose header was read.
    fn value_after(
        &mut self,
        kind: u8,
        start: usize,
        end: usize,
        depth: usize,
    ) -> std::result::Result<Value, Fault> {
        Ok(match kind {
            b'+' => Value::Simple(self.text(start, end)),
            b'-' => Value::Error(self.text(start, end)),
            b':' => Value::Int(self.int(start, end)?),
            b'$' => match self.len(start, end, MAX_BULK)? {
                None => Value::Nil,
                Some(n) => {
                    let mut bytes = Vec::with_capacity(n.min(PREALLOC_BYTES));
                    self.payload(n, |part| bytes.extend_from_slice(part))?;
                    Value::Bulk(bytes)
                }
            },
            _ => match self.len(start, end, MAX_ITEMS)? {
                None => Value::Nil,
                Some(n) => {
                    if depth >= MAX_DEPTH {
                        return Err(Fault::Protocol("a reply nested too deeply".to_owned()));
                    }
                    let mut items = Vec::with_capacity(n.min(PREALLOC_ITEMS));
                    for _ in 0..n {
                        items.push(self.value(depth + 1)?);
                    }
                    Value::Array(items)
                }
            },
        })
    }

    /// Reads past `n` values without keeping them.
    fn skip(&mut self, n: usize, depth: usize) -> std::result::Result<(), Fault> {
        for _ in 0..n {
            let (kind, start, end) = self.header()?;
            self.skip_after(kind, start, end, depth)?;
        }
        Ok(())
    }

    fn skip_after(
        &mut self,
        kind: u8,
        start: usize,
        end: usize,
        depth: usize,
    ) -> std::result::Result<(), Fault> {
        match kind {
            b'$' => match self.len(start, end, MAX_BULK)? {
                Some(n) => self.payload(n, |_| {}),
                None => Ok(()),
            },
            b'*' => match self.len(start, end, MAX_ITEMS)? {
                Some(_) if depth >= MAX_DEPTH => {
                    Err(Fault::Protocol("a reply nested too deeply".to_owned()))
                }
                Some(n) => self.skip(n, depth + 1),
                None => Ok(()),
            },
            b':' => self.int(start, end).map(drop),
            _ => Ok(()),
        }
    }

    pub(crate) fn hash(&mut self) -> std::result::Result<HashRead, Fault> {
        // Each try scans the reply from its start; a reply that arrives in
        // many small pieces is left to the piecewise parser instead.
        for _ in 0..FAST_TRIES {
            match self.hash_in_buffer() {
                Scan::Done(read) => return Ok(read),
                Scan::Other => break,
                // Bigger than the buffer.
                Scan::Short if self.pos == 0 && self.end == self.buf.len() => break,
                Scan::Short => self.fill()?,
            }
        }
        self.hash_piecewise()
    }

    /// The common case: the whole reply is in the buffer.
    fn hash_in_buffer(&mut self) -> Scan {
        let Conn {
            buf,
            pos,
            end,
            spans,
            ..
        } = self;
        let bytes = &buf[*pos..*end];
        let Some(&b'*') = bytes.first() else {
            return if bytes.is_empty() {
                Scan::Short
            } else {
                Scan::Other
            };
        };
        let (n, mut at) = match header_int(bytes, 1) {
            Header::Int(n, next) => (n, next),
            Header::Short => return Scan::Short,
            Header::Bad => return Scan::Other,
        };
        if n == 0 {
            *pos += at;
            return Scan::Done(HashRead::Missing);
        }
        if n < 0 || n % 2 == 1 || n > MAX_ITEMS {
            return Scan::Other;
        }
        spans.clear();
        let mut total = 0;
        for _ in 0..n {
            match bytes.get(at) {
                None => return Scan::Short,
                Some(b'$') => {}
                Some(_) => return Scan::Other,
            }
            let (len, start) = match header_int(bytes, at + 1) {
                Header::Int(len, next) if (0..=MAX_BULK).contains(&len) => (len as usize, next),
                Header::Short => return Scan::Short,
                _ => return Scan::Other,
            };
            let stop = start + len;
            match bytes.get(stop..stop + 2) {
                None => return Scan::Short,
                Some(b"\r\n") => {}
                Some(_) => return Scan::Other,
            }
            spans.push((start, stop));
            total += len;
            at = stop + 2;
        }
        let mut builder = RawHash::builder(spans.len() / 2, total);
        for pair in spans.chunks_exact(2) {
            builder.push(&bytes[pair[0].0..pair[0].1], &bytes[pair[1].0..pair[1].1]);
        }
        *pos += at;
        Scan::Done(HashRead::Found(builder.finish()))
    }

    /// Any HGETALL reply, however large or odd, read piece by piece.
    fn hash_piecewise(&mut self) -> std::result::Result<HashRead, Fault> {
        let (kind, start, end) = self.header()?;
        if kind != b'*' {
            let value = self.value_after(kind, start, end, 0)?;
            return Ok(HashRead::Failed(match value {
                Value::Error(text) => text,
                other => unexpected(&other),
            }));
        }
        let n = match self.len(start, end, MAX_ITEMS)? {
            None => return Ok(HashRead::Failed(unexpected(&Value::Nil))),
            Some(0) => return Ok(HashRead::Missing),
            Some(n) if n % 2 == 1 => {
                self.skip(n, 1)?;
                return Ok(HashRead::Failed(format!(
                    "unexpected reply: an array of {n} items"
                )));
            }
            Some(n) => n,
        };
        let mut builder = RawHash::builder((n / 2).min(PREALLOC_ITEMS), 0);
        for i in 0..n {
            let (kind, start, end) = self.header()?;
            let len = match kind {
                b'$' => self.len(start, end, MAX_BULK)?,
                _ => None,
            };
            let Some(len) = len else {
                let item = self.value_after(kind, start, end, 1)?;
                self.skip(n - i - 1, 1)?;
                return Ok(HashRead::Failed(format!(
                    "unexpected reply: item {i} is {}",
                    shown(&item)
                )));
            };
            self.payload(len, |part| builder.extend(part))?;
            if i % 2 == 0 {
                builder.end_name();
            } else {
                builder.end_value();
            }
        }
        Ok(HashRead::Found(builder.finish()))
    }

    pub(crate) fn stream(&mut self) -> std::result::Result<StreamRead, Fault> {
        let (kind, start, end) = self.header()?;
        if kind != b'*' {
            return Ok(match self.value_after(kind, start, end, 0)? {
                Value::Error(text) => Err(text),
                Value::Nil => Ok(Vec::new()),
                other => Err(unexpected(&other)),
            });
        }
        let Some(n) = self.len(start, end, MAX_ITEMS)? else {
            return Ok(Ok(Vec::new()));
        };
        let mut entries = Vec::with_capacity(n.min(PREALLOC_ITEMS));
        let mut problem = None;
        for _ in 0..n {
            let (kind, start, end) = self.header()?;
            let pair = match kind {
                b'*' => self.len(start, end, MAX_ITEMS)?,
                _ => {
                    self.skip_after(kind, start, end, 1)?;
                    None
                }
            };
            if pair != Some(2) {
                self.skip(pair.unwrap_or(0), 2)?;
                problem.get_or_insert_with(|| {
                    "unexpected reply: an entry that is not [id, fields]".to_owned()
                });
                continue;
            }
            let id = self.value(2)?;
            match (id, self.hash()?) {
                (Value::Bulk(id), HashRead::Found(fields)) => entries.push((id, fields)),
                (Value::Bulk(id), HashRead::Missing) => entries.push((id, RawHash::new())),
                (Value::Bulk(_), HashRead::Failed(text)) => {
                    problem.get_or_insert(text);
                }
                (other, _) => {
                    problem.get_or_insert_with(|| {
                        format!("unexpected reply: entry id {}", shown(&other))
                    });
                }
            }
        }
        Ok(problem.map_or(Ok(entries), Err))
    }

    /// An error reply that is about the node, not the command, consumed;
    /// anything else is left for the caller's parser.
    pub(crate) fn special(&mut self) -> std::result::Result<Option<Special>, Fault> {
        if self.pos == self.end {
            self.fill()?;
        }
        if self.buf[self.pos] != b'-' {
            return Ok(None);
        }
        let Some(newline) = self.find_newline(true)? else {
            return Ok(None);
        };
        let line = &self.buf[self.pos + 1..newline.saturating_sub(1).max(self.pos + 1)];
        let text = one_line(line);
        let mut words = text.split(' ');
        let found = match words.next().unwrap_or_default() {
            kind @ ("MOVED" | "ASK") => {
                let slot = words.next().and_then(|s| s.parse::<u16>().ok());
                let slot = slot.filter(|&slot| slot < 16384);
                let target = words.next().and_then(|a| a.rsplit_once(':'));
                let port = target.and_then(|(_, p)| p.parse::<u16>().ok());
                match (slot, target, port) {
                    (Some(slot), Some((host, _)), Some(port)) if kind == "MOVED" => {
                        Special::Moved(slot, host.to_owned(), port)
                    }
                    (Some(_), Some((host, _)), Some(port)) => Special::Ask(host.to_owned(), port),
                    _ => Special::Fatal(Fault::Protocol(format!("a malformed redirect: {text}"))),
                }
            }
            "NOAUTH" => Special::Fatal(Fault::Auth(text)),
            "LOADING" | "CLUSTERDOWN" | "MASTERDOWN" => Special::Fatal(Fault::Server(text)),
            _ => return Ok(None),
        };
        self.pos = newline + 1;
        Ok(Some(found))
    }
}

enum Header {
    /// The integer and where the next line starts.
    Int(i64, usize),
    Short,
    Bad,
}

/// The integer from `at` to the CRLF, in `bytes`.
fn header_int(bytes: &[u8], at: usize) -> Header {
    let Some(rest) = bytes.get(at..) else {
        return Header::Short;
    };
    let Some(cr) = rest.iter().take(24).position(|&b| b == b'\r') else {
        return if rest.len() < 24 {
            Header::Short
        } else {
            Header::Bad
        };
    };
    match (rest.get(cr + 1), parse_int(&rest[..cr])) {
        (None, _) => Header::Short,
        (Some(b'\n'), Some(n)) => Header::Int(n, at + cr + 2),
        _ => Header::Bad,
    }
}

fn parse_int(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if negative { -n } else { n })
}

/// Text from the server on one line: control characters (a CR or LF in an
/// error message, say) become spaces.
fn one_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A value in a message, short.
fn shown(value: &Value) -> String {
    match value {
        Value::Nil => "nil".to_owned(),
        Value::Int(n) => format!("the integer {n}"),
        Value::Simple(text) => format!("the status {}", show_raw(text.as_bytes())),
        Value::Error(text) => format!("the error {}", show_raw(text.as_bytes())),
        Value::Bulk(bytes) => format!("the string {}", show_raw(bytes)),
        Value::Array(items) => format!("an array of {} items", items.len()),
    }
}

fn unexpected(value: &Value) -> String {
    format!("unexpected reply: {}", shown(value))
}

/// One HGETALL reply, already read as a [`Reply`], as a [`HashRead`] (for
/// callers mixing commands in one pipeline; [`Conn::read_hash`] is faster).
pub fn hash_read(reply: Reply) -> HashRead {
    let items = match reply {
        Err(text) => return HashRead::Failed(text),
        Ok(Value::Array(items)) if items.is_empty() => return HashRead::Missing,
        Ok(Value::Array(items)) if items.len() % 2 == 0 => items,
        Ok(other) => return HashRead::Failed(unexpected(&other)),
    };
    let mut builder = RawHash::builder(items.len() / 2, 0);
    let mut it = items.iter().enumerate();
    while let (Some((i, name)), Some((j, value))) = (it.next(), it.next()) {
        match (name, value) {
            (Value::Bulk(name), Value::Bulk(value)) => builder.push(name, value),
            (Value::Bulk(_), other) => {
                return HashRead::Failed(format!("unexpected reply: item {j} is {}", shown(other)));
            }
            (other, _) => {
                return HashRead::Failed(format!("unexpected reply: item {i} is {}", shown(other)));
            }
        }
    }
    HashRead::Found(builder.finish())
}

/// The fields of each entry of an XRANGE/XREVRANGE [`Reply`] (a missing
/// stream or a refused read gives none).
pub fn stream_entries(reply: Reply) -> Vec<RawHash> {
    let Ok(Value::Array(entries)) = reply else {
        return Vec::new();
    };
    entries
        .into_iter()
        .filter_map(|entry| match entry {
            Value::Array(mut parts) if parts.len() == 2 => match hash_read(Ok(parts.pop()?)) {
                HashRead::Found(fields) => Some(fields),
                HashRead::Missing | HashRead::Failed(_) => None,
            },
            _ => None,
        })
        .collect()
}

#[cfg(test)]
#[path = "resp_tests.rs"]
mod tests;
