#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod error;
mod holder;
mod issuer;
mod key;
mod recovery;
mod reissuance;
mod sd_jwt;
mod status;
mod time;
mod trust;
mod verifier;
mod wallet;

pub use error::LommebokError;
pub use holder::{
    Activity, ActivityLog, AnswerWay, Candidate, Choice, CredentialFormat, CredentialList,
    CredentialSetAnswers, CredentialStatusList, CredentialSummary, CredentialWithStatus,
    HeldStatus, HolderWallet, ImportResult, Presentations, PresentedCredential, QueryAnswers,
    Released, RequestAnswers, StoreKey,
};
pub use issuer::{Cryptosuite, DelegationScope, Issuer};
pub use key::{KeyAlgorithm, Signer, SoftwareKey};
pub use recovery::{
    DeviceKey, DeviceRecovery, Guardian, GuardianShare, GuardianWallet, KeptShare, PendingRelease,
    Protection, Restored,
};
pub use reissuance::Reissued;
pub use sd_jwt::{SdJwtContents, SdJwtIssuer, SdJwtOptions, SdJwtVerification, inspect_sd_jwt};
pub use status::{CredentialStatus, StatusMessage, StatusPurpose, StatusRegistry};
pub use trust::{
    ListedIssuer, OverAsk, RegisteredVerifier, RequestCheck, RequestPolicy, RequestScope,
    SignedRequest, TrustListContents, TrustListInfo, TrustLists, check_request,
};
pub use verifier::{
    Check, CheckKind, PresentationRequest, ResponsePart, VerificationReport, Verifier,
    VerifierOptions,
};
pub use wallet::Wallet;

/// A JSON-LD context document an app registers for a URL that lommebok does not bundle (its
/// own vocabulary, say). Nothing is ever fetched: documents naming an unregistered context are
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContextDocument {
    /// The context URL, as documents name it in `@context`.
    pub url: String,
    /// The context document (JSON with an `@context` member).
    pub document: String,
}

/// The bundled contexts plus `extra`.
fn context_registry(
    extra: &[ContextDocument],
) -> Result<lommebok::contexts::ContextRegistry, LommebokError> {
    let mut registry = lommebok::contexts::ContextRegistry::new();
    for context in extra {
        registry
            .register(&context.url, &context.document)
            .map_err(lommebok::Error::from)?;
    }
    Ok(registry)
}

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

/// What the unit tests of several modules share.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::{Issuer, LommebokError, StoreKey};

    /// A residence credential from `issuer` about `holder`, signed.
    pub(crate) fn residence(issuer: &Issuer, holder: &str) -> String {
        let unsigned = format!(
            r#"{{"@context": ["https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"],
              "type": ["VerifiableCredential", "ExampleResidenceCredential"],
              "issuer": "{}",
              "credentialSubject": {{"id": "{holder}", "municipality": "Tromsø"}}}}"#,
            issuer.did()
        );
        issuer.issue(unsigned).unwrap()
    }

    /// A store key of 32 times `byte`.
    pub(crate) fn raw_key(byte: u8) -> StoreKey {
        StoreKey::Key {
            key: vec![byte; 32],
        }
    }

    /// Asserts an `InvalidInput` whose reason contains `says`.
    #[track_caller]
    pub(crate) fn assert_invalid<T: std::fmt::Debug>(result: Result<T, LommebokError>, says: &str) {
        match result {
            Err(LommebokError::InvalidInput { reason }) => {
                assert!(reason.contains(says), "{reason}");
            }
            other => panic!("expected InvalidInput ({says}), got {other:?}"),
        }
    }
}

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

    #[test]
    fn wallet_presents_an_ecdsa_sd_2023_credential_derived() {
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::P256));
        let wallet = Wallet::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let unsigned = format!(
            r#"{{"@context": ["https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"],
              "type": ["VerifiableCredential"], "issuer": "{}",
              "credentialSubject": {{"id": "{}", "street": "Storgata 1", "floor": 3}}}}"#,
            issuer.did(),
            wallet.did()
        );
        let whole = issuer.issue(unsigned.clone()).unwrap();
        let base = issuer
            .with_cryptosuite(Cryptosuite::EcdsaSd2023)
            .unwrap()
            .issue(unsigned)
            .unwrap();
        let verifier = Verifier::new();
        let request = verifier.request(None);
        let invalid = |result: Result<String, LommebokError>| {
            matches!(result, Err(LommebokError::InvalidInput { .. }))
        };
        let street = vec!["/credentialSubject/street".to_owned()];
        // Not a base proof, or a pointer that selects nothing: the caller's input.
        assert!(invalid(wallet.present_selective(
            whole,
            street.clone(),
            request.clone()
        )));
        assert!(invalid(wallet.present_selective(
            base.clone(),
            vec!["/credentialSubject/door".into()],
            request.clone()
        )));
        let presentation = wallet
            .present_selective(base, street, request.clone())
            .unwrap();
        assert!(!presentation.contains("floor"), "disclosed more than asked");
        let report = verifier.verify_presentation(presentation, request).unwrap();
        assert!(report.valid, "{report:?}");
    }
}
