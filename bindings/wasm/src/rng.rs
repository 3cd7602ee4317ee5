//! Randomness: `crypto.getRandomValues` of the browser or of Node (getrandom's `wasm_js` backend),
//! as the `CryptoRng` the core takes.
//!
//! Each call into JavaScript's `crypto.getRandomValues` costs microseconds (in Node more than
//! sealing a whole prompt), while a session init needs a few dozen random bytes and a sealed prompt
//! 24. So the bytes are fetched [`BLOCK`] at a time and handed out in order, each one once, and
//! erased from the block as it goes. The bytes are the runtime's own random bytes, only fetched
//! earlier; nothing here expands or reuses them.

use std::cell::RefCell;
use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use zeroize::Zeroize;

/// Random bytes fetched per call into JavaScript.
const BLOCK: usize = 256;

/// Random bytes fetched and not handed out yet: `bytes[next..]`.
struct Pool {
    bytes: [u8; BLOCK],
    next: usize,
}

impl Pool {
    /// Fills `out` from the block, fetching a new one whenever it runs out; requests of a block or
    /// more go to `crypto.getRandomValues` directly.
    fn fill(&mut self, out: &mut [u8]) {
        if out.len() >= BLOCK {
            fetch(out);
            return;
        }
        let mut written = 0;
        while written < out.len() {
            if self.next == BLOCK {
                fetch(&mut self.bytes);
                self.next = 0;
            }
            let count = (BLOCK - self.next).min(out.len() - written);
            let taken = &mut self.bytes[self.next..self.next + count];
            out[written..written + count].copy_from_slice(taken);
            taken.zeroize();
            self.next += count;
            written += count;
        }
    }
}

/// If the runtime has no `crypto.getRandomValues` this panics (the module aborts) rather than fall
/// back to anything weaker.
fn fetch(out: &mut [u8]) {
    getrandom::fill(out).expect("crypto.getRandomValues is required");
}

thread_local! {
    static POOL: RefCell<Pool> = const {
        RefCell::new(Pool {
            bytes: [0; BLOCK],
            next: BLOCK,
        })
    };
}

/// The runtime's cryptographic random number generator, through the block of fetched bytes.
pub struct OsRng;

/// The generator the bindings pass to the core.
pub fn os_rng() -> OsRng {
    OsRng
}

impl TryRng for OsRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, out: &mut [u8]) -> Result<(), Infallible> {
        POOL.with(|pool| pool.borrow_mut().fill(out));
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}

#[cfg(test)]
mod tests {
    use rand_core::Rng;

    use super::*;

    #[test]
    fn hands_out_each_fetched_byte_once_and_erases_it() {
        let mut pool = Pool {
            bytes: [0; BLOCK],
            next: BLOCK,
        };
        let mut first = [0u8; 100];
        pool.fill(&mut first);
        // What was handed out is gone from the block; the rest is still to come.
        assert!(pool.bytes[..100].iter().all(|&b| b == 0));
        let rest = pool.bytes[100..].to_vec();
        let mut next = vec![0u8; BLOCK - 100 + 10];
        pool.fill(&mut next);
        assert_eq!(&next[..BLOCK - 100], &rest[..], "handed out in order");
        assert_eq!(
            pool.next, 10,
            "a new block was fetched for the last 10 bytes"
        );
        assert_ne!(first, [0u8; 100]);
    }

    #[test]
    fn large_requests_and_words_are_random() {
        let mut rng = os_rng();
        let mut a = [0u8; 1000];
        let mut b = [0u8; 1000];
        rng.fill_bytes(&mut a);
        rng.fill_bytes(&mut b);
        assert_ne!(a, b);
        assert_ne!(rng.next_u64(), rng.next_u64());
    }
}
