//! `uniffi-bindgen` for lommebok: generates the Kotlin, Swift and Python bindings of
//! `lommebok-ffi` from its compiled library (library mode). Run by `scripts/generate-bindings`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
