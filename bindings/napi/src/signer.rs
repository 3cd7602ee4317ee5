//! A JS signer callback as the core's [`Signer`]: `(digest: Uint8Array) => Uint8Array`, called
//! synchronously on the JS thread with the 32-byte digest, returning 65 bytes `r ‖ s ‖ v`.

use confide_core::crypto::{RecoverableSignature, Signer};
use confide_core::{Error, ErrorCode};
use napi::bindgen_prelude::{FromNapiValue, Function, Uint8Array, Unknown};
use zeroize::Zeroize;

/// The JS type of a signer callback.
pub type SignerFunction<'scope> = Function<'scope, Uint8Array, Unknown<'scope>>;

/// Signs by calling a JS function. A throw, a non-`Uint8Array` result or a signature of the wrong
/// length or form is `INVALID_SIGNATURE`.
pub struct JsSigner<'scope>(pub SignerFunction<'scope>);

impl Signer for JsSigner<'_> {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature, Error> {
        let returned = self
            .0
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
}

fn invalid_signature(message: String) -> Error {
    Error::new(ErrorCode::InvalidSignature, message)
}
