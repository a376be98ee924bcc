#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod error;
mod issuer;
mod key;
mod status;
mod time;
mod verifier;
mod wallet;

pub use error::LommebokError;
pub use issuer::{Cryptosuite, Issuer};
pub use key::{KeyAlgorithm, Signer, SoftwareKey};
pub use status::{CredentialStatus, StatusPurpose, StatusRegistry};
pub use verifier::{
    Check, CheckKind, PresentationRequest, VerificationReport, Verifier, VerifierOptions,
};
pub use wallet::Wallet;

// The namespace names the generated modules: Python `lommebok`, Kotlin `lommebok.kt` (package
// `no.lommebok`, see uniffi.toml), Swift `Lommebok`.
uniffi::setup_scaffolding!("lommebok");
