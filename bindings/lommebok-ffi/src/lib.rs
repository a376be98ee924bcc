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

/// The `id` of a credential given as JSON (what `Issuer::revoke` and friends take), or `None`
/// when it has none.
///
/// # Errors
/// [`LommebokError::InvalidInput`] when the text is not a credential.
#[uniffi::export]
pub fn credential_id(credential_json: String) -> Result<Option<String>, LommebokError> {
    let credential =
        lommebok::Credential::from_json_str(&credential_json).map_err(lommebok::Error::from)?;
    Ok(credential.id().map(str::to_owned))
}

// The namespace names the generated modules: Python `lommebok`, Kotlin `lommebok.kt` (package
// `no.lommebok`, see uniffi.toml), Swift `Lommebok`.
uniffi::setup_scaffolding!("lommebok");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_id_reads_the_id_or_says_there_is_none() {
        let with_id = r#"{"@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:0b1d7c8e-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential"], "issuer": "did:example:i",
            "credentialSubject": {"id": "did:example:s"}}"#;
        assert_eq!(
            credential_id(with_id.into()).unwrap().as_deref(),
            Some("urn:uuid:0b1d7c8e-0000-4000-8000-000000000001")
        );
        let without = with_id.replace(
            r#""id": "urn:uuid:0b1d7c8e-0000-4000-8000-000000000001","#,
            "",
        );
        assert_eq!(credential_id(without).unwrap(), None);
        assert!(matches!(
            credential_id("{".into()),
            Err(LommebokError::InvalidInput { .. })
        ));
    }
}
