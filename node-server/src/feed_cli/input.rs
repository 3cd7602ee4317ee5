//! Where the feed commands read from: a feed as FILE, `-` (stdin) or URL; keys as a file path or
//! the key text itself; the clock as `--now`.

use std::io::Read;
use std::path::Path;

use confide_core::crypto::{Ed25519PublicKey, Ed25519SecretKey};
use confide_core::feed::{Feed, MAX_FEED_LEN, parse_public_key, parse_rfc3339, parse_secret_key};
use zeroize::Zeroizing;

use super::fetch::{fetch, is_url};

/// Reads the feed's bytes from a path, `-` for stdin, or an `http(s)://` URL (from a file or stdin at
/// most [`MAX_FEED_LEN`] + 1 bytes are read, so an oversized feed is reported as such; a URL's body
/// is capped at [`MAX_FEED_LEN`]).
pub async fn read_feed_bytes(source: &str) -> Result<Vec<u8>, String> {
    let limit = MAX_FEED_LEN + 1;
    if is_url(source) {
        return fetch(source, MAX_FEED_LEN).await;
    }
    let mut bytes = Vec::new();
    let read = if source == "-" {
        std::io::stdin()
            .lock()
            .take(limit as u64)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(limit as u64).read_to_end(&mut bytes))
    };
    read.map_err(|err| format!("cannot read {source}: {err}"))?;
    Ok(bytes)
}

/// Parses feed bytes; the error is the core's code and message.
pub fn parse_feed(bytes: &[u8]) -> Result<Feed<'_>, String> {
    Feed::parse(bytes).map_err(|err| err.to_string())
}

/// The text of a key argument: the file's content when `argument` names a file, else the argument.
fn key_text(argument: &str) -> Result<Zeroizing<String>, String> {
    if Path::new(argument).is_file() {
        std::fs::read_to_string(argument)
            .map(Zeroizing::new)
            .map_err(|err| format!("cannot read key file {argument}: {err}"))
    } else {
        Ok(Zeroizing::new(argument.to_owned()))
    }
}

/// A public key from a file (PEM, hex, base64) or inline text.
pub fn public_key(argument: &str) -> Result<Ed25519PublicKey, String> {
    parse_public_key(&key_text(argument)?)
        .map_err(|err| format!("unreadable key {argument:?}: {err}"))
}

/// A secret key from a file (PKCS#8 PEM or hex seed) or inline hex. The message never shows it.
pub fn secret_key(argument: &str) -> Result<Ed25519SecretKey, String> {
    parse_secret_key(&key_text(argument)?).map_err(|err| format!("unreadable secret key: {err}"))
}

/// `--now` as Unix seconds, or the system clock.
pub fn now(argument: Option<&str>) -> Result<i64, String> {
    match argument {
        Some(text) => parse_rfc3339("--now", text).map_err(|err| err.message().to_owned()),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)),
    }
}

/// Writes `text` to `out` or stdout.
pub fn write_output(out: Option<&Path>, text: &str) -> Result<(), String> {
    match out {
        Some(path) => std::fs::write(path, text)
            .map_err(|err| format!("cannot write {}: {err}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
