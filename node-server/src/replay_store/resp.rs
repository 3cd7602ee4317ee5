//! The few pieces of RESP (the Redis serialization protocol) the replay store needs: commands as
//! arrays of bulk strings, and the reply kinds those commands answer with. Replies are bounded
//! (line length, bulk size, array length), so a confused peer cannot make the host allocate much.

use std::io::{self, BufRead, Read, Write};

/// Longest status/error/integer line accepted.
const MAX_LINE: usize = 4096;
/// Largest bulk string accepted (the commands used answer with tiny ones, or none).
const MAX_BULK: usize = 64 * 1024;
/// Most elements of an array reply accepted.
const MAX_ARRAY: usize = 64;

/// One reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Status(String),
    /// `-ERR …`: the server refused the command.
    Error(String),
    /// `:n`.
    Integer(i64),
    /// `$n` bytes, or `None` for the null bulk string (`$-1`, e.g. `SET … NX` that did not set).
    Bulk(Option<Vec<u8>>),
    /// `*n` replies, or `None` for the null array.
    Array(Option<Vec<Reply>>),
}

/// Writes `args` as one command (an array of bulk strings).
pub fn write_command(out: &mut impl Write, args: &[&[u8]]) -> io::Result<()> {
    let mut buffer = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
    buffer.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        buffer.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        buffer.extend_from_slice(arg);
        buffer.extend_from_slice(b"\r\n");
    }
    out.write_all(&buffer)?;
    out.flush()
}

/// Reads one reply.
pub fn read_reply(input: &mut impl BufRead) -> io::Result<Reply> {
    read_nested(input, 0)
}

fn read_nested(input: &mut impl BufRead, depth: usize) -> io::Result<Reply> {
    let line = read_line(input)?;
    let (kind, rest) = line.split_at(1);
    match kind {
        "+" => Ok(Reply::Status(rest.to_owned())),
        "-" => Ok(Reply::Error(rest.to_owned())),
        ":" => Ok(Reply::Integer(number(rest)?)),
        "$" => match length(rest, MAX_BULK)? {
            None => Ok(Reply::Bulk(None)),
            Some(len) => {
                let mut bytes = vec![0; len + 2];
                input.read_exact(&mut bytes)?;
                if !bytes.ends_with(b"\r\n") {
                    return Err(malformed("a bulk string does not end with CRLF"));
                }
                bytes.truncate(len);
                Ok(Reply::Bulk(Some(bytes)))
            }
        },
        "*" if depth < 2 => match length(rest, MAX_ARRAY)? {
            None => Ok(Reply::Array(None)),
            Some(len) => (0..len)
                .map(|_| read_nested(input, depth + 1))
                .collect::<io::Result<Vec<_>>>()
                .map(|items| Reply::Array(Some(items))),
        },
        _ => Err(malformed("unexpected reply type")),
    }
}

/// One CRLF-terminated line without its CRLF; at least one byte.
fn read_line<R: BufRead>(input: &mut R) -> io::Result<String> {
    let mut line = Vec::new();
    let read = input
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)?;
    if read == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the store closed the connection",
        ));
    }
    if !line.ends_with(b"\r\n") || line.len() < 3 {
        return Err(malformed("a reply line is too long or not CRLF-terminated"));
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|_| malformed("a reply line is not UTF-8"))
}

fn number(text: &str) -> io::Result<i64> {
    text.parse()
        .map_err(|_| malformed("a reply length or integer is not a number"))
}

/// A length (`-1`: null), at most `max`.
fn length(text: &str, max: usize) -> io::Result<Option<usize>> {
    match number(text)? {
        -1 => Ok(None),
        n => usize::try_from(n)
            .ok()
            .filter(|&n| n <= max)
            .map(Some)
            .ok_or_else(|| malformed("a reply length is negative or too large")),
    }
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> io::Result<Reply> {
        read_reply(&mut &bytes[..])
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        write_command(&mut out, &[b"SET", b"k", b""]).unwrap();
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[test]
    fn replies() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Reply::Status("OK".into()));
        assert_eq!(
            parse(b"-ERR no\r\n").unwrap(),
            Reply::Error("ERR no".into())
        );
        assert_eq!(parse(b":-3\r\n").unwrap(), Reply::Integer(-3));
        assert_eq!(parse(b"$-1\r\n").unwrap(), Reply::Bulk(None));
        assert_eq!(
            parse(b"$2\r\nhi\r\n").unwrap(),
            Reply::Bulk(Some(b"hi".to_vec()))
        );
        assert_eq!(
            parse(b"*2\r\n:1\r\n$-1\r\n").unwrap(),
            Reply::Array(Some(vec![Reply::Integer(1), Reply::Bulk(None)]))
        );
    }

    #[test]
    fn malformed_or_oversized_replies_are_errors() {
        for bad in [
            &b""[..],
            b"+OK\n",
            b"?x\r\n",
            b":x\r\n",
            b"$2\r\nhiX\r\n",
            b"$999999999\r\n",
            b"$-2\r\n",
            b"*1\r\n*1\r\n*1\r\n:1\r\n",
            b"$5\r\nhi\r\n",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let long = format!("+{}\r\n", "a".repeat(MAX_LINE));
        assert!(parse(long.as_bytes()).is_err());
    }
}
