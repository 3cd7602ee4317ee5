//! Ed25519 keys in the forms LLMFeed publishers use — public keys as PEM SubjectPublicKeyInfo, raw 32
//! bytes in hex or base64; secret keys as PKCS#8 PEM or a 32-byte seed in hex — and the writers for
//! PEM. DER is matched against the fixed Ed25519 encodings (RFC 8410), nothing else is accepted.

use zeroize::Zeroizing;

use crate::crypto::{ED25519_KEY_LEN, Ed25519PublicKey, Ed25519SecretKey};
use crate::error::{Error, Result};

use super::base64;

/// SubjectPublicKeyInfo { id-Ed25519 } header before the 32 key bytes.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// PKCS#8 v1 PrivateKeyInfo { id-Ed25519 } header before the 32 seed bytes.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// PKCS#8 v2 (OneAsymmetricKey with the public key): header, then seed, then `[1]` and the key.
const PKCS8_V2_PREFIX: [u8; 16] = [
    0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
const PKCS8_V2_PUBLIC_TAG: [u8; 3] = [0x81, 0x21, 0x00];

const PUBLIC_LABEL: &str = "PUBLIC KEY";
const PRIVATE_LABEL: &str = "PRIVATE KEY";

/// Reads a public key: PEM (`BEGIN PUBLIC KEY`), 64 hex digits, or base64 of the 32 raw bytes or
/// of the DER SubjectPublicKeyInfo. `INVALID_KEY` otherwise.
pub fn parse_public_key(text: &str) -> Result<Ed25519PublicKey> {
    let text = text.trim();
    let der = if text.starts_with("-----") {
        pem_body(text, PUBLIC_LABEL)?
    } else if is_hex_key(text) {
        Zeroizing::new(crate::hex::decode("public key", text)?)
    } else {
        Zeroizing::new(
            base64::decode("public key", text)
                .map_err(|_| Error::invalid_key("not PEM, hex or base64"))?,
        )
    };
    let raw = match der.strip_prefix(&SPKI_PREFIX[..]) {
        Some(key) if der.len() == SPKI_PREFIX.len() + ED25519_KEY_LEN => key,
        _ if der.len() == ED25519_KEY_LEN => &der[..],
        _ => {
            return Err(Error::invalid_key(
                "not an Ed25519 SubjectPublicKeyInfo or 32 raw bytes",
            ));
        }
    };
    Ed25519PublicKey::from_bytes(raw)
}

/// Reads a secret key: PKCS#8 PEM (`BEGIN PRIVATE KEY`, v1 or v2 with a matching public key) or a
/// 32-byte seed in hex. `INVALID_KEY` otherwise; the message never contains key material.
pub fn parse_secret_key(text: &str) -> Result<Ed25519SecretKey> {
    let text = text.trim();
    if !text.starts_with("-----") {
        if !is_hex_key(text) {
            return Err(Error::invalid_key(
                "a secret key is PKCS#8 PEM or 64 hex digits",
            ));
        }
        return Ed25519SecretKey::from_seed(&Zeroizing::new(crate::hex::decode(
            "secret key",
            text,
        )?));
    }
    let der = pem_body(text, PRIVATE_LABEL)?;
    let seed_at = PKCS8_PREFIX.len();
    let seed = der
        .get(seed_at..seed_at + ED25519_KEY_LEN)
        .ok_or_else(|| Error::invalid_key("not an Ed25519 PKCS#8 key"))?;
    if der.starts_with(&PKCS8_PREFIX) && der.len() == seed_at + ED25519_KEY_LEN {
        return Ed25519SecretKey::from_seed(seed);
    }
    let public_at = seed_at + ED25519_KEY_LEN + PKCS8_V2_PUBLIC_TAG.len();
    if der.starts_with(&PKCS8_V2_PREFIX)
        && der.len() == public_at + ED25519_KEY_LEN
        && der[seed_at + ED25519_KEY_LEN..public_at] == PKCS8_V2_PUBLIC_TAG
    {
        let key = Ed25519SecretKey::from_seed(seed)?;
        if key.public_key().to_bytes()[..] != der[public_at..] {
            return Err(Error::invalid_key(
                "the PKCS#8 public key does not match its seed",
            ));
        }
        return Ok(key);
    }
    Err(Error::invalid_key("not an Ed25519 PKCS#8 key"))
}

/// The public key as PEM SubjectPublicKeyInfo.
pub fn public_key_pem(key: &Ed25519PublicKey) -> String {
    pem(PUBLIC_LABEL, &[&SPKI_PREFIX[..], &key.to_bytes()].concat())
}

/// The secret key as PKCS#8 v1 PEM (wiped on drop).
pub fn secret_key_pem(key: &Ed25519SecretKey) -> Zeroizing<String> {
    let der = Zeroizing::new([&PKCS8_PREFIX[..], &key.seed()[..]].concat());
    Zeroizing::new(pem(PRIVATE_LABEL, &der))
}

fn is_hex_key(text: &str) -> bool {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    digits.len() == 2 * ED25519_KEY_LEN && digits.bytes().all(|b| b.is_ascii_hexdigit())
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = Zeroizing::new(base64::encode(der));
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside one PEM block with `label`.
fn pem_body(text: &str, label: &str) -> Result<Zeroizing<Vec<u8>>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .strip_prefix(&begin)
        .and_then(|rest| rest.trim_end().strip_suffix(&end))
        .ok_or_else(|| Error::invalid_key(format!("expected a PEM block '{begin}'")))?;
    let joined: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_whitespace()).collect());
    base64::decode("PEM body", &joined)
        .map(Zeroizing::new)
        .map_err(|_| Error::invalid_key("the PEM body is not base64"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn reads_every_public_form_and_writes_pem() {
        let secret = Ed25519SecretKey::from_seed(&[5; 32]).unwrap();
        let public = secret.public_key();
        let pem = public_key_pem(&public);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"));
        for text in [
            pem.clone(),
            crate::hex::encode(&public.to_bytes()),
            base64::encode(&public.to_bytes()),
        ] {
            assert_eq!(parse_public_key(&text).unwrap(), public);
        }
        let reread = parse_secret_key(&secret_key_pem(&secret)).unwrap();
        assert_eq!(reread.public_key(), public);
        let hex_seed = crate::hex::encode(&[5; 32]);
        assert_eq!(parse_secret_key(&hex_seed).unwrap().public_key(), public);
    }

    #[test]
    fn refuses_other_keys() {
        for bad in [
            "",
            "abcd",
            &"00".repeat(31),
            "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----",
        ] {
            assert_eq!(
                parse_public_key(bad).unwrap_err().code(),
                ErrorCode::InvalidKey,
                "{bad}"
            );
        }
        // A secp256k1 SPKI is not an Ed25519 key.
        let ec = "-----BEGIN PUBLIC KEY-----\nMDYwEAYHKoZIzj0CAQYFK4EEAAoDIgACeK+W7C4n1v2gyjOlxLsz8KmWXXaAX/c8\nP4Z+X5P5Y4o=\n-----END PUBLIC KEY-----";
        assert_eq!(
            parse_public_key(ec).unwrap_err().code(),
            ErrorCode::InvalidKey
        );
        assert_eq!(
            parse_secret_key(&"00".repeat(31)).unwrap_err().code(),
            ErrorCode::InvalidKey
        );
        let pem = public_key_pem(&Ed25519SecretKey::from_seed(&[1; 32]).unwrap().public_key());
        assert_eq!(
            parse_secret_key(&pem).unwrap_err().code(),
            ErrorCode::InvalidKey
        );
    }
}
