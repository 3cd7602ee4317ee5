//! BLS12-381 min-pk signatures through `blst`: public keys are 48-byte compressed G1 points
//! (validated: on the curve, in the subgroup, not infinity), signatures 96-byte compressed G2
//! points (subgroup-checked on parse). Ciphersuite POP by default, `lux-basic` as an option.

mod aggregate;
mod batch;
mod ciphersuite;
mod public_key;
mod secret_key;
mod signature;

pub use aggregate::{
    aggregate_public_keys, aggregate_verify, fast_aggregate_verify, hash_to_g2_uncompressed,
    is_valid_g1_encoding,
};
pub use batch::{batch_verify, batch_verify_same_message, find_invalid_signatures};
pub use ciphersuite::{Ciphersuite, LUX_BASIC_SIGNATURE_DST, POP_PROOF_DST, POP_SIGNATURE_DST};
pub use public_key::{PUBLIC_KEY_LEN, PUBLIC_KEY_UNCOMPRESSED_LEN, PublicKey};
pub use secret_key::BlsSecretKey;
pub use signature::{SIGNATURE_LEN, Signature};
