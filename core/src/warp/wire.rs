//! The LP-118 wire: `SignatureRequest` = u32 len ‖ message ‖ u32 len ‖ justification;
//! `SignatureResponse` = the 96-byte signature (parsing also accepts the 4-byte-length-prefixed form
//! the Lux code sends); application error codes 1–4.

use std::fmt;

use super::bls::{SIGNATURE_LEN, Signature};
use super::codec::{MAX_MESSAGE_SIZE, Reader};
use crate::error::{Error, ErrorCode, Result};

/// The P2P handler id LP-118 assigns to signature requests.
pub const SIGNATURE_HANDLER_ID: u64 = 0x1234_5678;
/// The largest justification accepted (as large as a message).
pub const MAX_JUSTIFICATION_SIZE: usize = MAX_MESSAGE_SIZE;
/// The largest request: both fields at their limits plus their length prefixes.
pub const MAX_REQUEST_SIZE: usize = 8 + MAX_MESSAGE_SIZE + MAX_JUSTIFICATION_SIZE;

/// A request to sign an unsigned message (its encoding), with an optional justification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignatureRequest {
    /// The unsigned message's encoding.
    pub message: Vec<u8>,
    /// Evidence for the verifier (may be empty).
    pub justification: Vec<u8>,
}

impl SignatureRequest {
    /// The wire form. Fields over their limits are an error.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        check_len(self.message.len(), MAX_MESSAGE_SIZE, "message")?;
        check_len(
            self.justification.len(),
            MAX_JUSTIFICATION_SIZE,
            "justification",
        )?;
        let mut out = Vec::with_capacity(8 + self.message.len() + self.justification.len());
        for field in [&self.message, &self.justification] {
            out.extend_from_slice(&(field.len() as u32).to_be_bytes());
            out.extend_from_slice(field);
        }
        Ok(out)
    }

    /// Parses the wire form: truncation, lengths over the limits and trailing bytes are errors.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        check_len(bytes.len(), MAX_REQUEST_SIZE, "signature request")?;
        let mut reader = Reader::new(bytes, "signature request");
        let message = reader
            .length_prefixed(MAX_MESSAGE_SIZE, "message")?
            .to_vec();
        let justification = reader
            .length_prefixed(MAX_JUSTIFICATION_SIZE, "justification")?
            .to_vec();
        reader.finish()?;
        Ok(Self {
            message,
            justification,
        })
    }
}

/// The response: the 96 bytes of the signature.
pub fn encode_signature_response(signature: &Signature) -> [u8; SIGNATURE_LEN] {
    signature.to_bytes()
}

/// Parses a response: 96 bytes, or a 4-byte big-endian length of 96 followed by the 96 bytes (the
/// Lux form). The signature is subgroup-checked; anything else is an error.
pub fn parse_signature_response(bytes: &[u8]) -> Result<Signature> {
    let signature = match bytes.len() {
        SIGNATURE_LEN => bytes,
        n if n == 4 + SIGNATURE_LEN => {
            let (prefix, rest) = bytes.split_at(4);
            if prefix != (SIGNATURE_LEN as u32).to_be_bytes() {
                return Err(Error::invalid_message(
                    "signature response: length prefix is not 96",
                ));
            }
            rest
        }
        n => {
            return Err(Error::invalid_message(format_args!(
                "signature response must be 96 bytes (or 4 + 96), got {n}"
            )));
        }
    };
    Signature::from_bytes(signature)
}

/// LP-118 application error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Lp118ErrorCode {
    /// The request could not be parsed.
    ParseError = 1,
    /// The verifier refused the message.
    VerifyError = 2,
    /// Signing failed (or this node does not sign).
    SignError = 3,
    /// The message is unknown to the signer.
    NotFound = 4,
}

impl Lp118ErrorCode {
    /// The number on the wire.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The code for a number, `None` outside 1–4.
    pub const fn from_number(number: u32) -> Option<Self> {
        match number {
            1 => Some(Self::ParseError),
            2 => Some(Self::VerifyError),
            3 => Some(Self::SignError),
            4 => Some(Self::NotFound),
            _ => None,
        }
    }

    /// The LP's name: `ParseError`, `VerifyError`, `SignError`, `NotFound`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ParseError => "ParseError",
            Self::VerifyError => "VerifyError",
            Self::SignError => "SignError",
            Self::NotFound => "NotFound",
        }
    }
}

impl fmt::Display for Lp118ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn check_len(len: usize, max: usize, field: &str) -> Result<()> {
    if len > max {
        return Err(Error::new(
            ErrorCode::MessageTooLarge,
            format!("{field} is {len} bytes, over the limit of {max}"),
        ));
    }
    Ok(())
}
