//! `confide-node keygen --ed25519`: a new Ed25519 key pair for signing or certifying feeds.

use std::path::Path;

use confide_core::crypto::Ed25519SecretKey;
use confide_core::feed::{public_key_pem, secret_key_pem};

/// File names written by `--out-dir`.
pub const PRIVATE_FILE: &str = "ed25519-private.pem";
/// The public key's file (publish it, e.g. as `.well-known/public.pem`).
pub const PUBLIC_FILE: &str = "public.pem";

/// Prints the PKCS#8 private key on stdout and the SPKI public key on stderr, or writes both into
/// `out_dir` (the private key readable by the owner only).
pub fn run(out_dir: Option<&Path>) -> Result<(), String> {
    let key = Ed25519SecretKey::generate(&mut rand::rng());
    let private = secret_key_pem(&key);
    let public = public_key_pem(&key.public_key());
    let Some(dir) = out_dir else {
        print!("{}", private.as_str());
        eprint!("{public}");
        return Ok(());
    };
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let private_path = dir.join(PRIVATE_FILE);
    write_private(&private_path, private.as_bytes())?;
    let public_path = dir.join(PUBLIC_FILE);
    std::fs::write(&public_path, public)
        .map_err(|err| format!("cannot write {}: {err}", public_path.display()))?;
    eprintln!(
        "wrote {} and {}",
        private_path.display(),
        public_path.display()
    );
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}
