//! The operating system's random number generator, as the `CryptoRng` the core takes.

use getrandom::SysRng;
use rand_core::UnwrapErr;

/// `getrandom`'s [`SysRng`]; if the OS cannot deliver randomness (practically never) it panics
/// rather than fall back to anything weaker.
pub fn os_rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}
