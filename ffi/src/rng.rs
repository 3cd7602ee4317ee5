//! The operating system's random number generator, as the `CryptoRng` the core takes.

use std::convert::Infallible;

use getrandom::SysRng;
use rand_core::{TryCryptoRng, TryRng};

/// `getrandom`'s [`SysRng`] made infallible: if the OS cannot deliver randomness (practically
/// never, and then nothing secure can be done), it panics with a fixed message, which the
/// boundary turns into an `INTERNAL` error. It never falls back to weaker randomness.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OsRng;

/// Panics with a fixed (`&'static str`) message the boundary quotes.
#[cold]
fn os_rng_failed() -> ! {
    panic!("the operating system's random number generator failed")
}

impl TryRng for OsRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(SysRng.try_next_u32().unwrap_or_else(|_| os_rng_failed()))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(SysRng.try_next_u64().unwrap_or_else(|_| os_rng_failed()))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        SysRng
            .try_fill_bytes(dest)
            .unwrap_or_else(|_| os_rng_failed());
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}

#[cfg(test)]
mod tests {
    use rand_core::Rng;

    use super::OsRng;

    #[test]
    fn draws_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        OsRng.fill_bytes(&mut a);
        OsRng.fill_bytes(&mut b);
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 32]);
    }
}
