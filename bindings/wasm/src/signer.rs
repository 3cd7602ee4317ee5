//! A JS signer callback as the core's [`Signer`]: `(digest: Uint8Array) => Uint8Array`, called
//! synchronously with the 32-byte digest, returning 65 bytes `r ‖ s ‖ v`.

use confide_core::crypto::{Address, RecoverableSignature, Signer};
use confide_core::{Error, ErrorCode};
use js_sys::{Function, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use zeroize::Zeroize;

/// Signs by calling a JS function (as a method of `this`). A throw, a non-`Uint8Array` result (a
/// Promise included) or a signature of the wrong length or form is `INVALID_SIGNATURE`.
pub struct JsSigner<'a> {
    sign: &'a Function,
    this: JsValue,
    /// The address the signatures must come from, when the caller told us (the core checks the
    /// recovered signer against it).
    address: Option<Address>,
}

impl<'a> JsSigner<'a> {
    /// A signer calling `sign` with `this` = `this`, on behalf of `address` (`None`: learnt from
    /// the signature).
    pub fn new(sign: &'a Function, this: JsValue, address: Option<Address>) -> Self {
        Self {
            sign,
            this,
            address,
        }
    }
}

impl Signer for JsSigner<'_> {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature, Error> {
        let returned = self
            .sign
            .call1(&self.this, &Uint8Array::from(&digest[..]))
            .map_err(|thrown| {
                let reason = thrown
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .or_else(|| thrown.as_string())
                    .unwrap_or_else(|| "a non-Error value".into());
                invalid_signature(format!("the signer callback threw: {reason}"))
            })?;
        let mut bytes = returned
            .dyn_ref::<Uint8Array>()
            .ok_or_else(|| {
                invalid_signature("the signer callback must return a Uint8Array".into())
            })?
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
