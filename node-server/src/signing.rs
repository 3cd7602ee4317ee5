//! `confide-node keygen`, `sign` and `verify`: the key and signed-message tools for operators and
//! for tests written in other languages.

use std::io::Read;

use confide_core::crypto::SecretKey;
use confide_core::signed::{MessageScheme, RawSignedMessage, SignOptions, VerifyPolicy};
use serde_json::json;

use crate::cli::{SignArgs, VerifyArgs};
use crate::clock::unix_now;
use crate::host_key::parse_host_key;

/// A fresh host key as `private_key=…`, `public_key=…`, `address=…` lines (env-file style). The
/// private key goes to stdout only.
pub fn keygen() -> String {
    let key = SecretKey::generate(&mut rand::rng());
    format!(
        "private_key={}\npublic_key={}\naddress={}\n",
        key.to_hex().as_str(),
        confide_core::hex::encode_prefixed(&key.public_key().to_compressed()),
        key.address()
    )
}

/// Signs the JSON payload read from `input`; returns the envelope JSON.
pub fn sign(args: &SignArgs, input: &mut impl Read) -> Result<String, String> {
    let key = parse_host_key(&args.key).map_err(|err| {
        err.to_string()
            .replace(crate::host_key::HOST_KEY_ENV, "the signing key")
    })?;
    let scheme: MessageScheme = args
        .scheme
        .parse()
        .map_err(|e: confide_core::Error| e.to_string())?;
    let payload = read_all(input)?;
    let options = SignOptions {
        timestamp: args.timestamp.unwrap_or_else(unix_now),
        nonce: args.nonce,
        scheme,
    };
    RawSignedMessage::sign_json(&payload, &key, options)
        .map(|envelope| envelope.to_json())
        .map_err(|err| err.to_string())
}

/// Verifies the envelope read from `input`. Returns the JSON result and whether it is valid.
pub fn verify(args: &VerifyArgs, input: &mut impl Read) -> Result<(String, bool), String> {
    let text = read_all(input)?;
    let policy = VerifyPolicy {
        max_age_secs: args.max_age,
        max_future_skew_secs: args.max_future_skew,
        require_signatures: !args.allow_unsigned,
        require_bound_scheme: args.require_bound_scheme,
    };
    let now = args.now.unwrap_or_else(unix_now);
    let outcome = RawSignedMessage::parse(&text).and_then(|envelope| envelope.verify(&policy, now));
    let result = match outcome {
        Ok(verified) if args.signer.is_some() && verified.signer != args.signer => json!({
            "valid": false,
            "code": "INVALID_SIGNER",
            "message": "signed by someone other than the expected signer",
            "signer": verified.signer.map(|a| a.to_checksum()),
        }),
        Ok(verified) => json!({
            "valid": true,
            "signer": verified.signer.map(|a| a.to_checksum()),
            "bound": verified.bound,
            "scheme": verified.scheme.as_str(),
            "warnings": verified.warnings.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>(),
        }),
        Err(error) => json!({
            "valid": false,
            "code": error.code().as_str(),
            "message": error.message(),
        }),
    };
    let valid = result["valid"] == true;
    Ok((result.to_string(), valid))
}

fn read_all(input: &mut impl Read) -> Result<String, String> {
    let mut text = String::new();
    input
        .read_to_string(&mut text)
        .map_err(|err| format!("cannot read standard input: {err}"))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_args(scheme: &str) -> SignArgs {
        SignArgs {
            key: format!("0x{}", "42".repeat(32)),
            timestamp: Some(1_732_200_000),
            nonce: Some(5),
            scheme: scheme.into(),
        }
    }

    fn verify_args() -> VerifyArgs {
        VerifyArgs {
            max_age: 300,
            max_future_skew: 300,
            allow_unsigned: false,
            require_bound_scheme: false,
            signer: None,
            now: Some(1_732_200_010),
        }
    }

    #[test]
    fn sign_then_verify_round_trips_and_tampering_fails() {
        let envelope = sign(&sign_args("confide-v1"), &mut &br#"{"a":1}"#[..]).unwrap();
        let (result, valid) = verify(&verify_args(), &mut envelope.as_bytes()).unwrap();
        assert!(valid, "{result}");
        assert!(result.contains("\"bound\":true"));
        let tampered = envelope.replace(r#"{"a":1}"#, r#"{"a":2}"#);
        let (result, valid) = verify(&verify_args(), &mut tampered.as_bytes()).unwrap();
        assert!(!valid);
        assert!(result.contains("INVALID_SIGNER"), "{result}");
    }

    #[test]
    fn bad_inputs_are_reported() {
        assert!(
            sign(&sign_args("nope"), &mut &b"{}"[..])
                .unwrap_err()
                .contains("unknown signature scheme")
        );
        let mut args = sign_args("confide-v1");
        args.key = "0x1234".into();
        let error = sign(&args, &mut &b"{}"[..]).unwrap_err();
        assert!(
            error.contains("the signing key") && !error.contains("1234"),
            "{error}"
        );
        let (result, valid) = verify(&verify_args(), &mut &b"not json"[..]).unwrap();
        assert!(!valid && result.contains("INVALID_MESSAGE"));
    }

    #[test]
    fn keygen_prints_a_usable_key() {
        let text = keygen();
        let private = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("private_key=")
            .unwrap();
        let key = parse_host_key(private).unwrap();
        assert!(text.contains(&format!("address={}", key.address())));
    }
}
