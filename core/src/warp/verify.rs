//! Verifying a signed message against a validator set.

use super::bls::{Ciphersuite, aggregate_public_keys};
use super::codec::SignerBitset;
use super::message::SignedMessage;
use super::quorum::Quorum;
use super::validators::ValidatorSet;
use crate::error::{Error, ErrorCode, Result};

/// What a valid signed message proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedMessage {
    /// The weight of the signers.
    pub signed_weight: u64,
    /// The weight of the whole set.
    pub total_weight: u64,
    /// The canonical indices of the signers, ascending.
    pub signers: Vec<usize>,
}

/// Verifies `message`: network id → signer bitset within the set → signed weight → quorum
/// (`signed·den ≥ total·num` in u128) → aggregate of the signers' keys → one pairing check.
///
/// Errors: `WRONG_NETWORK`, `INVALID_MESSAGE` (a signer bit beyond the set), `INSUFFICIENT_WEIGHT`,
/// `INVALID_SIGNATURE` (aggregate key at infinity, or the signature does not verify).
pub fn verify_signed_message(
    message: &SignedMessage,
    network_id: u32,
    validators: &ValidatorSet,
    quorum: Quorum,
    suite: Ciphersuite,
) -> Result<VerifiedMessage> {
    let unsigned = message.unsigned();
    if unsigned.network_id() != network_id {
        return Err(Error::new(
            ErrorCode::WrongNetwork,
            format!(
                "warp message is for network {}, expected {network_id}",
                unsigned.network_id()
            ),
        ));
    }
    let signers = signer_indices(message.signers(), validators)?;
    let signed_weight = signed_weight(&signers, validators)?;
    let total_weight = validators.total_weight();
    if signed_weight == 0 || !quorum.is_met(signed_weight, total_weight) {
        return Err(insufficient_weight(signed_weight, total_weight, quorum));
    }
    let keys = signers
        .iter()
        .map(|&i| validators.validators()[i].public_key());
    let aggregate = aggregate_public_keys(keys)
        .map_err(|e| Error::new(ErrorCode::InvalidSignature, e.message().to_owned()))?;
    if !message
        .signature()
        .verify(unsigned.bytes(), &aggregate, suite)
    {
        return Err(Error::new(
            ErrorCode::InvalidSignature,
            "invalid signature: the aggregate signature does not verify against the signers' keys",
        ));
    }
    Ok(VerifiedMessage {
        signed_weight,
        total_weight,
        signers,
    })
}

/// The signers' canonical indices; a bit beyond the set is an `INVALID_MESSAGE` error.
pub fn signer_indices(signers: &SignerBitset, validators: &ValidatorSet) -> Result<Vec<usize>> {
    if signers.bit_len() > validators.len() {
        return Err(Error::new(
            ErrorCode::InvalidMessage,
            format!(
                "invalid message: signer bit {} is beyond the {} canonical validators",
                signers.bit_len() - 1,
                validators.len()
            ),
        ));
    }
    Ok(signers.indices().collect())
}

/// The summed weight of the validators at `indices` (checked).
pub fn signed_weight(indices: &[usize], validators: &ValidatorSet) -> Result<u64> {
    indices.iter().try_fold(0u64, |sum, &i| {
        sum.checked_add(validators.validators()[i].weight())
            .ok_or_else(|| Error::internal("signed weight overflows u64"))
    })
}

pub(crate) fn insufficient_weight(signed: u64, total: u64, quorum: Quorum) -> Error {
    Error::new(
        ErrorCode::InsufficientWeight,
        format!(
            "not enough signatures: signed weight {signed} of total {total} is below the quorum \
             {quorum} ({} required)",
            quorum.required_weight(total)
        ),
    )
}
