//! `uniffi-bindgen`, pinned to the workspace's `uniffi`: generates the Swift (+ C header and
//! modulemap), Kotlin and Python sources of `confide-uniffi` from its built library, e.g.
//! `uniffi-bindgen generate --library libconfide_uniffi.so --language python --out-dir out`.
//! `bindings/uniffi/scripts/generate.sh` runs it for every language.

fn main() {
    uniffi::uniffi_bindgen_main()
}
