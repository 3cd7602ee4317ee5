//! The default verifier and signer: a node signs messages of its own network and source chain.

use super::{Signer, Verifier};
use crate::error::{Error, ErrorCode, Result};
use crate::warp::bls::{BlsSecretKey, Ciphersuite, PublicKey, Signature};
use crate::warp::message::UnsignedMessage;

fn check_chain(
    message: &UnsignedMessage,
    network_id: u32,
    source_chain_id: &[u8; 32],
) -> Result<()> {
    if message.network_id() != network_id {
        return Err(Error::new(
            ErrorCode::WrongNetwork,
            format!(
                "message is for network {}, this node signs for network {network_id}",
                message.network_id()
            ),
        ));
    }
    if message.source_chain_id() != source_chain_id {
        return Err(Error::new(
            ErrorCode::WrongNetwork,
            "message is from another source chain than this node's",
        ));
    }
    Ok(())
}

/// Accepts a well-formed message of its own network and source chain with an empty
/// justification; refuses the rest (`VerifyError`). Operators with payload-specific rules write
/// their own [`Verifier`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnChainVerifier {
    /// The network this node belongs to.
    pub network_id: u32,
    /// The chain whose messages this node signs.
    pub source_chain_id: [u8; 32],
}

impl Verifier for OwnChainVerifier {
    fn verify(&self, message: &UnsignedMessage, justification: &[u8]) -> Result<()> {
        check_chain(message, self.network_id, &self.source_chain_id).map_err(|e| {
            Error::new(
                ErrorCode::MessageRefused,
                format!("refused: {}", e.message()),
            )
        })?;
        if !justification.is_empty() {
            return Err(Error::new(
                ErrorCode::MessageRefused,
                "refused: this node accepts no justification",
            ));
        }
        Ok(())
    }
}

/// Signs with a local BLS key, only messages of its own network and source chain.
#[derive(Clone, Debug)]
pub struct LocalSigner {
    key: BlsSecretKey,
    network_id: u32,
    source_chain_id: [u8; 32],
    suite: Ciphersuite,
}

impl LocalSigner {
    /// A signer for `network_id` / `source_chain_id` under `suite`.
    pub fn new(
        key: BlsSecretKey,
        network_id: u32,
        source_chain_id: [u8; 32],
        suite: Ciphersuite,
    ) -> Self {
        Self {
            key,
            network_id,
            source_chain_id,
            suite,
        }
    }

    /// The public key signatures verify against.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// The key's proof of possession.
    pub fn proof_of_possession(&self) -> Signature {
        self.key.proof_of_possession()
    }
}

impl Signer for LocalSigner {
    fn sign(&self, message: &UnsignedMessage) -> Result<Signature> {
        check_chain(message, self.network_id, &self.source_chain_id)?;
        Ok(self.key.sign(message.bytes(), self.suite))
    }
}
