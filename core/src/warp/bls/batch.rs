//! Batch verification with random linear combinations, and the bisection that finds the invalid
//! signatures when a batch fails.
//!
//! For n signatures σᵢ by keys pkᵢ over one message m, pick random 64-bit rᵢ ≠ 0 and check
//! e(Σ rᵢ·pkᵢ, H(m)) = e(g₁, Σ rᵢ·σᵢ): two multi-scalar multiplications and one pairing check
//! instead of n. A batch with an invalid signature passes with probability ≤ 2⁻⁶⁴ (the points were
//! subgroup-checked when parsed, which the argument needs).

use blst::{BLST_ERROR, blst_scalar};
use rand_core::CryptoRng;

use super::ciphersuite::Ciphersuite;
use super::public_key::PublicKey;
use super::signature::Signature;

/// Bits of each random coefficient.
const RANDOM_BITS: usize = 64;
const RANDOM_BYTES: usize = RANDOM_BITS / 8;

/// Whether every `signatures[i]` is a valid signature by `keys[i]` over `message`, checked as one
/// random linear combination. Empty input is vacuously valid; mismatched lengths are not.
pub fn batch_verify_same_message(
    message: &[u8],
    keys: &[PublicKey],
    signatures: &[Signature],
    suite: Ciphersuite,
    rng: &mut (impl CryptoRng + ?Sized),
) -> bool {
    if keys.len() != signatures.len() {
        return false;
    }
    match keys.len() {
        0 => true,
        1 => signatures[0].verify(message, &keys[0], suite),
        n => {
            let scalars = random_coefficients(n, rng);
            let keys: Vec<blst::min_pk::PublicKey> = keys.iter().map(|k| *k.blst()).collect();
            let signatures: Vec<blst::min_pk::Signature> =
                signatures.iter().map(|s| *s.blst()).collect();
            let (Ok(key), Ok(signature)) = (
                blst::min_pk::AggregatePublicKey::aggregate_with_randomness(
                    &keys,
                    &scalars,
                    RANDOM_BITS,
                    false,
                ),
                blst::min_pk::AggregateSignature::aggregate_with_randomness(
                    &signatures,
                    &scalars,
                    RANDOM_BITS,
                    false,
                ),
            ) else {
                return false;
            };
            signature.to_signature().verify(
                false,
                message,
                suite.signature_dst(),
                &[],
                &key.to_public_key(),
                false,
            ) == BLST_ERROR::BLST_SUCCESS
        }
    }
}

/// The indices of the invalid signatures among `signatures[i]` by `keys[i]` over `message`:
/// bisection with batch checks, so one bad signature among n costs about 2·log₂ n batch checks
/// rather than n single verifications. Call it after a batch failed.
pub fn find_invalid_signatures(
    message: &[u8],
    keys: &[PublicKey],
    signatures: &[Signature],
    suite: Ciphersuite,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Vec<usize> {
    let mut invalid = Vec::new();
    let count = keys.len().min(signatures.len());
    bisect(
        message,
        keys,
        signatures,
        0..count,
        suite,
        rng,
        &mut invalid,
    );
    invalid.extend(count..keys.len().max(signatures.len()));
    invalid
}

/// Ranges at most this long are checked one signature at a time.
const SINGLE_CHECK_BELOW: usize = 3;

fn bisect(
    message: &[u8],
    keys: &[PublicKey],
    signatures: &[Signature],
    range: std::ops::Range<usize>,
    suite: Ciphersuite,
    rng: &mut (impl CryptoRng + ?Sized),
    invalid: &mut Vec<usize>,
) {
    if range.len() < SINGLE_CHECK_BELOW {
        invalid.extend(range.filter(|&i| !signatures[i].verify(message, &keys[i], suite)));
        return;
    }
    let middle = range.start + range.len() / 2;
    for half in [range.start..middle, middle..range.end] {
        if !batch_verify_same_message(
            message,
            &keys[half.clone()],
            &signatures[half.clone()],
            suite,
            rng,
        ) {
            bisect(message, keys, signatures, half, suite, rng, invalid);
        }
    }
}

/// Batch verification of signatures over distinct messages (one Miller loop per signature, one
/// final exponentiation): the Ethereum suite's `batch_verify`. Empty or mismatched input is false.
pub fn batch_verify(
    keys: &[PublicKey],
    messages: &[&[u8]],
    signatures: &[Signature],
    suite: Ciphersuite,
    rng: &mut (impl CryptoRng + ?Sized),
) -> bool {
    let n = keys.len();
    if n == 0 || messages.len() != n || signatures.len() != n {
        return false;
    }
    let bytes = random_coefficients(n, rng);
    let scalars: Vec<blst_scalar> = bytes
        .chunks_exact(RANDOM_BYTES)
        .map(|chunk| {
            let mut scalar = blst_scalar { b: [0; 32] };
            scalar.b[..RANDOM_BYTES].copy_from_slice(chunk);
            scalar
        })
        .collect();
    let keys: Vec<&blst::min_pk::PublicKey> = keys.iter().map(PublicKey::blst).collect();
    let signatures: Vec<&blst::min_pk::Signature> =
        signatures.iter().map(Signature::blst).collect();
    blst::min_pk::Signature::verify_multiple_aggregate_signatures(
        messages,
        suite.signature_dst(),
        &keys,
        false,
        &signatures,
        false,
        &scalars,
        RANDOM_BITS,
    ) == BLST_ERROR::BLST_SUCCESS
}

/// `n` little-endian 64-bit coefficients, none of them zero (a zero would drop its signature from
/// the check).
fn random_coefficients(n: usize, rng: &mut (impl CryptoRng + ?Sized)) -> Vec<u8> {
    let mut bytes = vec![0u8; n * RANDOM_BYTES];
    rng.fill_bytes(&mut bytes);
    for chunk in bytes.chunks_exact_mut(RANDOM_BYTES) {
        while chunk.iter().all(|&b| b == 0) {
            rng.fill_bytes(chunk);
        }
    }
    bytes
}
