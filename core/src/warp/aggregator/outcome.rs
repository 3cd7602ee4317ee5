//! What an aggregation produced.

use crate::warp::message::SignedMessage;

/// A validator whose signature was not used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excluded {
    /// Its canonical index.
    pub validator: usize,
    /// The node ids behind it.
    pub node_ids: Vec<String>,
    /// What went wrong (the last failure when several members were tried).
    pub reason: String,
}

/// A signed message that meets the quorum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
    /// The message with its signer bitset and aggregate signature.
    pub message: SignedMessage,
    /// The weight of the signers.
    pub signed_weight: u64,
    /// The weight of the whole set.
    pub total_weight: u64,
    /// The signers' canonical indices, ascending.
    pub signers: Vec<usize>,
    /// Validators whose answers could not be used.
    pub excluded: Vec<Excluded>,
}

/// How an aggregation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Quorum reached.
    Signed(Box<Aggregate>),
    /// Every validator answered, failed or was excluded before the quorum was reached (or could no
    /// longer be reached).
    NotEnoughSignatures {
        /// The weight of the well-formed signatures received. Signatures are verified only once
        /// they could complete the quorum, so when it was out of reach they were never checked.
        reached: u64,
        /// The weight the quorum requires (⌈total·num/den⌉).
        required: u64,
        /// The weight of the whole set.
        total: u64,
        /// Validators whose answers could not be used.
        excluded: Vec<Excluded>,
    },
}

impl Outcome {
    /// The `INSUFFICIENT_WEIGHT` error for a failed aggregation (`None` when it succeeded).
    pub fn error(&self) -> Option<crate::Error> {
        match self {
            Self::Signed(_) => None,
            Self::NotEnoughSignatures {
                reached,
                required,
                total,
                ..
            } => Some(crate::Error::new(
                crate::ErrorCode::InsufficientWeight,
                format!(
                    "not enough signatures: reached {reached} of the {required} required (total {total})"
                ),
            )),
        }
    }
}

/// What a response did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseEffect {
    /// Stored (to be batch-verified when enough weight has arrived).
    Collected,
    /// Malformed or invalid: the validator moves to its next member or is excluded.
    Rejected,
    /// Unknown query, timed out already, or the aggregation is over: dropped at no cost.
    Ignored,
}
