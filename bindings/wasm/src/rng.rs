//! Randomness: `crypto.getRandomValues` of the browser or of Node (getrandom's `wasm_js` backend),
//! as the `CryptoRng` the core takes.

use getrandom::SysRng;
use rand_core::UnwrapErr;

/// getrandom's [`SysRng`]; if the runtime has no `crypto.getRandomValues` it panics (the module
/// aborts) rather than fall back to anything weaker.
pub fn os_rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}
