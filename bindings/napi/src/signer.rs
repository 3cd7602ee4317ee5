//! A JS signer callback as the core's [`Signer`]: `(digest: Uint8Array) => Uint8Array`, called
//! synchronously on the JS thread with the 32-byte digest, returning 65 bytes `r ‖ s ‖ v`.

use confide_core::crypto::{Address, RecoverableSignature, Signer};
use confide_core::{Error, ErrorCode};
use napi::bindgen_prelude::{FromNapiValue, Function, Uint8Array, Unknown};
use zeroize::Zeroize;

/// The JS type of a signer callback.
pub type SignerFunction<'scope> = Function<'scope, Uint8Array, Unknown<'scope>>;

/// Signs by calling a JS function. A throw, a non-`Uint8Array` result or a signature of the wrong
/// length or form is `INVALID_SIGNATURE`.
pub struct JsSigner<'scope> {
    sign: SignerFunction<'scope>,
    /// The address the signatures must come from, when the caller told us (the core checks the
    /// recovered signer against it).
    address: Option<Address>,
}

impl<'scope> JsSigner<'scope> {
    /// A signer whose address is learnt from its first signature.
    pub fn new(sign: SignerFunction<'scope>) -> Self {
        Self {
            sign,
            address: None,
        }
    }

    /// A signer on behalf of `address` (`None`: learnt from the signature).
    pub fn with_address(sign: SignerFunction<'scope>, address: Option<Address>) -> Self {
        Self { sign, address }
    }
}

impl Signer for JsSigner<'_> {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature, Error> {
        let returned = self
            .sign
            .call(Uint8Array::from(digest.to_vec()))
            .map_err(|error| {
                invalid_signature(format!("the signer callback threw: {}", error.reason))
            })?;
        let mut bytes = Uint8Array::from_unknown(returned)
            .map_err(|_| invalid_signature("the signer callback must return a Uint8Array".into()))?
            .to_vec();
        let signature = RecoverableSignature::from_bytes(&bytes);
        bytes.zeroize();
        signature
    }

    fn address(&self) -> Option<Address> {
        self.address
    }
}

fn invalid_signature(message: String) -> Error {
    Error::new(ErrorCode::InvalidSignature, message)
}
