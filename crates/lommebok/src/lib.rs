#![doc = include_str!("../../../README.md")]
#![warn(missing_docs)]

pub mod clock;
pub mod contexts;
pub mod credential;
pub mod data_integrity;
pub mod delegation;
pub mod did;
pub mod ecdsa_sd;
pub mod issuer;
pub mod json;
pub mod jws;
pub mod key;
pub mod presentation;
pub mod query;
pub mod reissuance;
pub mod sd_jwt;
/// lommebok's JCS cryptosuites as ssi Data Integrity suites (feature `ssi-suites`).
#[cfg(feature = "ssi-suites")]
pub mod ssi_suites;
pub mod status;
pub mod token_status;
pub mod trust;
pub mod verify;
pub mod wallet;

pub use credential::{Credential, CredentialBuilder};
pub use did::Did;
pub use issuer::Issuer;
pub use key::{Algorithm, PublicKey, Signer, SoftwareKey};
pub use presentation::Presentation;
pub use sd_jwt::{ClaimPath, SdJwtIssuerKey, SdJwtOptions, SdJwtStatus, VerifiedSdJwt};
pub use verify::{
    Check, CheckKind, Policy, PresentationRequest, ResponsePart, ResponseVerification,
    Verification, VerificationReport, VerifiedCredential, VerifiedPresentation, Verifier,
};
pub use wallet::Wallet;

impl Error {
    /// Whether the error came from the signer (e.g. a platform keystore that refused or is
    /// unavailable) rather than from the input.
    pub fn is_signing_failure(&self) -> bool {
        matches!(
            self,
            Error::Key(key::KeyError::Signing(_))
                | Error::Proof(data_integrity::ProofError::Key(key::KeyError::Signing(_)))
                | Error::Proof(data_integrity::ProofError::SelectiveDisclosure(
                    ecdsa_sd::EcdsaSdError::Key(key::KeyError::Signing(_))
                ))
        )
    }
}

/// Errors from lommebok's facades: the input or the request could not be processed. (A
/// credential that is processed and found invalid is not an error: see [`VerificationReport`].)
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not acceptable JSON (malformed, too large, too deep, duplicate members).
    #[error(transparent)]
    Json(#[from] json::JsonError),
    /// The input is not a VCDM 2.0 credential or presentation.
    #[error(transparent)]
    Credential(#[from] credential::CredentialError),
    /// A key could not be read or used.
    #[error(transparent)]
    Key(#[from] key::KeyError),
    /// A DID could not be parsed or resolved.
    #[error(transparent)]
    Did(#[from] did::DidError),
    /// A proof could not be made.
    #[error(transparent)]
    Proof(#[from] data_integrity::ProofError),
    /// A status list operation failed.
    #[error(transparent)]
    Status(#[from] status::StatusError),
    /// A Token Status List (IETF draft-ietf-oauth-status-list) operation failed.
    #[error(transparent)]
    TokenStatus(#[from] token_status::TokenStatusError),
    /// A status operation was asked of an issuer without a status registry.
    #[error("this issuer has no status registry (see Issuer::with_status)")]
    NoStatusRegistry,
    /// An SD-JWT could not be issued, presented or read.
    #[error(transparent)]
    SdJwt(#[from] sd_jwt::SdJwtError),
    /// A JSON-LD context could not be registered.
    #[error(transparent)]
    Context(#[from] contexts::ContextError),
    /// The credential names an issuer other than the one signing it.
    #[error("the credential's issuer is {credential}, but it would be signed by {signer}")]
    IssuerMismatch {
        /// The credential's `issuer`.
        credential: String,
        /// The signer's DID.
        signer: String,
    },
    /// A credential's subject is not the wallet's holder.
    #[error("the credential is not about this wallet's holder {holder}")]
    NotForHolder {
        /// The holder's DID.
        holder: String,
    },
}
