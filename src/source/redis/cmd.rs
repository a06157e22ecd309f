//! Commands, encoded as RESP arrays of bulk strings as they are built, so
//! sending a pipeline is one copy per command into the write buffer.

use std::fmt;

/// One Redis command: its name and arguments as bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Cmd {
    /// Every argument as `$<len>\r\n<bytes>\r\n`, the name first.
    packed: Vec<u8>,
    argc: usize,
    /// Where the first argument after the name (the key of every command
    /// killscope sends to a cluster) starts and ends in `packed`.
    key: Option<(usize, usize)>,
}

/// A command named `name`; add arguments with [`Cmd::arg`].
pub fn cmd(name: &str) -> Cmd {
    Cmd {
        packed: Vec::with_capacity(64),
        argc: 0,
        key: None,
    }
    .arg(name)
}

/// Something that can be a command argument: bytes, text or an integer.
pub trait ToArg {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

impl ToArg for [u8] {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl ToArg for str {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl ToArg for String {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl ToArg for Vec<u8> {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl<const N: usize> ToArg for [u8; N] {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl<T: ToArg + ?Sized> ToArg for &T {
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        (**self).with_bytes(f)
    }
}

macro_rules! integer_args {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                f(self.to_string().as_bytes())
            }
        }
    )*};
}
integer_args!(u16, u32, u64, usize, i32, i64);

impl Cmd {
    /// Appends one argument.
    pub fn arg(mut self, arg: impl ToArg) -> Cmd {
        arg.with_bytes(|bytes| {
            self.packed.push(b'$');
            push_decimal(&mut self.packed, bytes.len());
            self.packed.extend_from_slice(b"\r\n");
            let start = self.packed.len();
            self.packed.extend_from_slice(bytes);
            if self.argc == 1 {
                self.key = Some((start, self.packed.len()));
            }
            self.packed.extend_from_slice(b"\r\n");
        });
        self.argc += 1;
        self
    }

    /// The name and arguments, as given.
    pub fn args(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = self.packed.as_slice();
        std::iter::from_fn(move || {
            // Our own encoding: `$`, digits, CRLF, the bytes, CRLF.
            let digits_end = rest.iter().position(|&b| b == b'\r')?;
            let len: usize = std::str::from_utf8(rest.get(1..digits_end)?)
                .ok()?
                .parse()
                .ok()?;
            let start = digits_end + 2;
            let arg = rest.get(start..start + len)?;
            rest = rest.get(start + len + 2..)?;
            Some(arg)
        })
    }

    /// The command's name, as given.
    pub fn name(&self) -> &[u8] {
        self.args().next().unwrap_or_default()
    }

    /// The first argument after the name: the key, for every command this
    /// client routes on a cluster.
    pub(crate) fn key(&self) -> Option<&[u8]> {
        self.key
            .and_then(|(start, end)| self.packed.get(start..end))
    }

    /// Appends the command as a RESP array.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        out.push(b'*');
        push_decimal(out, self.argc);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.packed);
    }
}

/// Shows the name and the number of arguments only: an argument may be a
/// password (`AUTH`) or a value nobody wants in a log.
impl fmt::Debug for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cmd({} + {} args)",
            String::from_utf8_lossy(self.name()),
            self.argc.saturating_sub(1)
        )
    }
}

fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_resp_arrays_of_bulk_strings() {
        let c = cmd("HSET")
            .arg("quantum:x")
            .arg(&b"f\r\n"[..])
            .arg(String::new())
            .arg(1234usize);
        let mut out = Vec::new();
        c.write_to(&mut out);
        assert_eq!(
            out,
            b"*5\r\n$4\r\nHSET\r\n$9\r\nquantum:x\r\n$3\r\nf\r\n\r\n$0\r\n\r\n$4\r\n1234\r\n"
        );
        assert_eq!(c.key(), Some(&b"quantum:x"[..]));
        let args: Vec<&[u8]> = c.args().collect();
        assert_eq!(args, [&b"HSET"[..], b"quantum:x", b"f\r\n", b"", b"1234"]);
        assert_eq!(cmd("SCAN").key(), None);
        assert_eq!(
            format!("{:?}", cmd("AUTH").arg("u").arg("pw")),
            "Cmd(AUTH + 2 args)"
        );
    }
}
