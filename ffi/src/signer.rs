//! Signing through a C callback (a wallet, an HSM, a secure enclave), and the host's authorization
//! callback.

use std::ffi::{CString, c_char, c_int, c_void};

use confide_core::crypto::{Address, RecoverableSignature, Signer};
use confide_core::{Error, ErrorCode};
use zeroize::Zeroize;

/// Signs a 32-byte prehash: reads 32 bytes at `digest`, writes 65 bytes `r ‖ s ‖ v` (v = 0, 1, 27
/// or 28; low-S) to `out_signature`, and returns 0 on success. Any other return value means "no
/// signature" (e.g. the user declined in the wallet) and makes the operation fail with
/// `CONFIDE_ERROR_CODE_INVALID_SIGNATURE`. `ctx` is passed through unchanged. The digest is already
/// hashed: sign it as is (no EIP-191 prefix, no further hashing).
///
/// Called synchronously on the thread that called the library function, at most once per
/// signature; it must not call back into the same session handle.
pub type ConfideSignCallback = Option<
    unsafe extern "C" fn(ctx: *mut c_void, digest: *const u8, out_signature: *mut u8) -> c_int,
>;

/// Decides whether a client may open a session on this host: receives the client's EIP-55
/// address (a NUL-terminated string valid during the call) and returns non-zero to allow, 0 to
/// refuse (the client then gets an `UNAUTHORIZED` error frame). `ctx` is passed through. See
/// `confide_host_endpoint_new` for when and on which thread it runs.
pub type ConfideAuthorizeCallback =
    Option<unsafe extern "C" fn(ctx: *mut c_void, client_address: *const c_char) -> c_int>;

/// A [`Signer`] that asks a C callback.
#[derive(Debug)]
pub(crate) struct CallbackSigner {
    callback: unsafe extern "C" fn(*mut c_void, *const u8, *mut u8) -> c_int,
    ctx: *mut c_void,
    /// The address the signatures must come from, when the caller told us.
    address: Option<Address>,
}

impl CallbackSigner {
    /// A signer for `callback` (NULL is an error naming `name`).
    pub fn new(
        callback: ConfideSignCallback,
        ctx: *mut c_void,
        address: Option<Address>,
        name: &str,
    ) -> Result<Self, Error> {
        let callback = callback.ok_or_else(|| crate::error::null_argument(name))?;
        Ok(Self {
            callback,
            ctx,
            address,
        })
    }
}

impl Signer for CallbackSigner {
    fn sign_prehash(&self, digest: &[u8; 32]) -> Result<RecoverableSignature, Error> {
        let mut signature = [0u8; 65];
        // SAFETY: the callback's contract (header): it reads 32 bytes at `digest` and writes 65 at
        // `out_signature`; both buffers live on this stack frame for the whole call.
        let status = unsafe { (self.callback)(self.ctx, digest.as_ptr(), signature.as_mut_ptr()) };
        let result = if status == 0 {
            RecoverableSignature::from_bytes(&signature)
        } else {
            Err(Error::new(
                ErrorCode::InvalidSignature,
                format!("the sign callback failed (returned {status}); nothing was signed"),
            ))
        };
        signature.zeroize();
        result
    }

    fn address(&self) -> Option<Address> {
        self.address
    }
}

/// Asks the authorization callback about `address`; no callback allows everyone.
pub(crate) fn authorize(
    callback: ConfideAuthorizeCallback,
    ctx: *mut c_void,
    address: &Address,
) -> bool {
    let Some(callback) = callback else {
        return true;
    };
    // An EIP-55 address is ASCII without NUL.
    let text = CString::new(address.to_checksum()).unwrap_or_default();
    // SAFETY: `text` is a live NUL-terminated string for the whole call; the callback's contract
    // (header) is to only read it.
    unsafe { callback(ctx, text.as_ptr()) != 0 }
}
