//! lommebok's JCS cryptosuites on ssi's Data Integrity traits (feature `ssi-suites`).
//!
//! ssi 0.16 has no `eddsa-jcs-2022` and no `ecdsa-jcs-2019`. [`EddsaJcs2022`] and
//! [`EcdsaJcs2019`] implement [`ssi_data_integrity_core::StandardCryptographicSuite`], so an
//! application already built on ssi's `DataIntegrity` (`sign_with`, `verify`, its resolvers
//! and signers) can use them there. The algorithm is lommebok's:
//!
//! - transformation: the document as a JSON object. When the proof has an `@context`, the
//!   document's `@context` must start with it (vc-di-eddsa §3.3.2, and likewise for ecdsa-jcs-2019), else the
//!   proof is invalid; the document is then hashed with the proof's `@context`. When signing,
//!   the proof's `@context` must be the document's: set [`ProofOptions::context`] to the
//!   document's `@context` before calling `sign_with` (that is what the specs' vectors do).
//! - hashing: `sha256(JCS(proof configuration)) || sha256(JCS(document))`, computed by
//!   [`crate::data_integrity::hash_data`] itself;
//! - signature: `proofValue` is base58btc multibase. Signing asks ssi's
//!   [`MessageSigner`] for [`EdDSA`] or [`ES256`] (64-byte `r || s`); verification goes through
//!   [`crate::PublicKey::verify`] (Ed25519 `verify_strict`, P-256), not through ssi.
//!
//! The verification method is ssi's [`Multikey`].
//!
//! Use `DataIntegrity<DataIntegrityDocument, EddsaJcs2022>` with ssi's `verify`.
//! `DataIntegrity<CompactJsonLd, _>` deserializes and its proofs verify through
//! `ssi_claims_core::ValidateProof::validate_proof`, but its `verify` does not compile:
//! ssi does not implement `ValidateClaims` for `CompactJsonLd`, and the orphan rule keeps
//! lommebok from doing it.
//!
//! [`EddsaJcs2022`]: crate::ssi_suites::EddsaJcs2022
//! [`EcdsaJcs2019`]: crate::ssi_suites::EcdsaJcs2019
//! [`ProofOptions::context`]: ssi_data_integrity_core::ProofOptions::context
//! [`MessageSigner`]: ssi_verification_methods::MessageSigner
//! [`EdDSA`]: ssi_crypto::algorithm::EdDSA
//! [`ES256`]: ssi_crypto::algorithm::ES256
//! [`Multikey`]: ssi_verification_methods::Multikey

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{Map, Value};
use ssi_claims_core::{InvalidProof, ProofValidationError, ProofValidity, SignatureError};
use ssi_crypto::algorithm::{ES256, EdDSA, SignatureAlgorithmType};
use ssi_data_integrity_core::signing::MultibaseSignature;
use ssi_data_integrity_core::suite::standard::{
    HashingAlgorithm, HashingError, SignatureAlgorithm, SignatureAndVerificationAlgorithm,
    TransformationAlgorithm, TransformationError, TypedTransformationAlgorithm,
    VerificationAlgorithm,
};
use ssi_data_integrity_core::suite::{
    ConfigurationAlgorithm, ConfigurationError, InputSignatureOptions, InputVerificationOptions,
    SerializeCryptographicSuite,
};
use ssi_data_integrity_core::{
    CryptographicSuite, CryptosuiteStr, ProofConfiguration, ProofConfigurationRef, ProofRef,
    StandardCryptographicSuite, Type, TypeRef, UnsupportedProofSuite,
};
use ssi_verification_methods::{MessageSigner, Multikey};

use crate::contexts::ContextRegistry;
use crate::data_integrity::{self, Cryptosuite};
use crate::key::{PublicKey, decode_base58btc};

/// What the JCS suites share: lommebok's name for the suite and the ssi signature algorithm its
/// signer is asked for.
pub trait JcsCryptosuite: StandardCryptographicSuite {
    /// The suite, as lommebok names it.
    const CRYPTOSUITE: Cryptosuite;

    /// The algorithm ssi's [`MessageSigner`] signs with.
    type Algorithm: SignatureAlgorithmType;

    /// The algorithm instance passed to the signer.
    fn algorithm_instance() -> <Self::Algorithm as SignatureAlgorithmType>::Instance;
}

macro_rules! jcs_suite {
    ($(#[$doc:meta])* $suite:ident, $cryptosuite:expr, $algorithm:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $suite;

        impl StandardCryptographicSuite for $suite {
            type Configuration = JcsConfiguration;
            type Transformation = JcsTransformation;
            type Hashing = JcsHashing;
            type VerificationMethod = Multikey;
            type SignatureAlgorithm = JcsSignatureAlgorithm;
            type ProofOptions = ();

            fn type_(&self) -> TypeRef<'_> {
                type_ref(<Self as JcsCryptosuite>::CRYPTOSUITE)
            }
        }

        impl JcsCryptosuite for $suite {
            const CRYPTOSUITE: Cryptosuite = $cryptosuite;
            type Algorithm = $algorithm;

            fn algorithm_instance() -> $algorithm {
                $algorithm
            }
        }

        /// Lets `DataIntegrity<_, Self>` deserialize: accepts exactly this suite's proof type.
        impl TryFrom<Type> for $suite {
            type Error = UnsupportedProofSuite;

            fn try_from(value: Type) -> Result<Self, Self::Error> {
                if value == StandardCryptographicSuite::type_(&$suite) {
                    Ok($suite)
                } else {
                    Err(UnsupportedProofSuite::Compact(value))
                }
            }
        }
    };
}

jcs_suite!(
    /// `eddsa-jcs-2022` (<https://www.w3.org/TR/vc-di-eddsa/#eddsa-jcs-2022>): Ed25519 over JCS.
    EddsaJcs2022,
    Cryptosuite::EddsaJcs2022,
    EdDSA
);

jcs_suite!(
    /// `ecdsa-jcs-2019` (<https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-jcs-2019>) with P-256
    /// (ES256, 64-byte `r || s` signatures).
    EcdsaJcs2019,
    Cryptosuite::EcdsaJcs2019,
    ES256
);

/// `DataIntegrityProof` with the suite's `cryptosuite`.
fn type_ref(suite: Cryptosuite) -> TypeRef<'static> {
    // The four names are fixed lowercase-and-digit strings (checked by a test below).
    #[allow(clippy::expect_used)]
    TypeRef::DataIntegrityProof(
        CryptosuiteStr::new(suite.name()).expect("valid cryptosuite string"),
    )
}

/// Whether the transformation runs to sign or to verify (the `@context` rule differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JcsMode {
    /// Creating a proof: the proof's `@context` must be the document's.
    Sign,
    /// Verifying a proof: the proof's `@context`, if any, must start the document's.
    Verify,
}

/// The proof configuration is the input options as given (as ssi's `NoConfiguration`); the
/// transformation is told whether it signs or verifies.
#[derive(Debug)]
pub struct JcsConfiguration;

impl<S: CryptographicSuite> ConfigurationAlgorithm<S> for JcsConfiguration {
    type InputVerificationMethod = S::VerificationMethod;
    type InputSuiteOptions = S::ProofOptions;
    type InputSignatureOptions = ();
    type InputVerificationOptions = ();
    type TransformationOptions = JcsMode;

    fn configure_signature(
        suite: &S,
        proof_options: ssi_data_integrity_core::ProofOptions<
            S::VerificationMethod,
            S::ProofOptions,
        >,
        _signature_options: InputSignatureOptions<S>,
    ) -> Result<(ProofConfiguration<S>, JcsMode), ConfigurationError> {
        Ok((
            proof_options.into_configuration(suite.clone())?,
            JcsMode::Sign,
        ))
    }

    fn configure_verification(
        _suite: &S,
        _verification_options: &InputVerificationOptions<S>,
    ) -> Result<JcsMode, ConfigurationError> {
        Ok(JcsMode::Verify)
    }
}

/// The transformed document.
#[derive(Debug, Clone)]
pub enum JcsDocument {
    /// The document to hash, with the proof's `@context` when the proof has one.
    Document(Map<String, Value>),
    /// The proof's `@context` does not start the document's: the proof is invalid.
    ContextNotPrefix,
}

/// The JCS suites' transformation: the document as a JSON object, with the `@context` rule.
#[derive(Debug)]
pub struct JcsTransformation;

impl<S: CryptographicSuite> TransformationAlgorithm<S> for JcsTransformation {
    type Output = JcsDocument;
}

impl<S, T, C> TypedTransformationAlgorithm<S, T, C> for JcsTransformation
where
    S: StandardCryptographicSuite<Configuration = JcsConfiguration>,
    T: Serialize,
{
    async fn transform(
        _context: &C,
        data: &T,
        proof_configuration: ProofConfigurationRef<'_, S>,
        _verification_method: &S::VerificationMethod,
        mode: JcsMode,
    ) -> Result<JcsDocument, TransformationError> {
        let Value::Object(mut document) = to_json(data)? else {
            return Err(TransformationError::ExpectedJsonObject);
        };
        let proof_context = proof_configuration.context.map(to_json).transpose()?;
        match mode {
            JcsMode::Sign => {
                if proof_context.as_ref() != document.get("@context") {
                    return Err(TransformationError::Internal(
                        "the proof's @context must be the document's @context \
                         (set ProofOptions::context to it)"
                            .into(),
                    ));
                }
            }
            JcsMode::Verify => {
                if let Some(proof_context) = proof_context {
                    if !data_integrity::context_is_prefix(&proof_context, document.get("@context"))
                    {
                        return Ok(JcsDocument::ContextNotPrefix);
                    }
                    document.insert("@context".into(), proof_context);
                }
            }
        }
        Ok(JcsDocument::Document(document))
    }
}

/// What is signed: `sha256(JCS(proof configuration)) || sha256(JCS(document))`, or the verdict
/// that the proof's `@context` rule failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JcsHash {
    /// The 64 bytes to sign or verify ([`data_integrity::HashData::combined`]).
    Combined([u8; 64]),
    /// The proof's `@context` does not start the document's.
    ContextNotPrefix,
}

/// The JCS suites' hashing: [`data_integrity::hash_data`].
#[derive(Debug)]
pub struct JcsHashing;

impl<S> HashingAlgorithm<S> for JcsHashing
where
    S: JcsCryptosuite<Transformation = JcsTransformation> + SerializeCryptographicSuite,
{
    type Output = JcsHash;

    fn hash(
        input: JcsDocument,
        proof_configuration: ProofConfigurationRef<S>,
        _verification_method: &<S as StandardCryptographicSuite>::VerificationMethod,
    ) -> Result<JcsHash, HashingError> {
        let document = match input {
            JcsDocument::Document(document) => document,
            JcsDocument::ContextNotPrefix => return Ok(JcsHash::ContextNotPrefix),
        };
        let invalid = |e: &dyn std::fmt::Display| HashingError::InvalidMessage(e.to_string());
        let Value::Object(config) = to_json(&proof_configuration).map_err(|e| invalid(&e))? else {
            return Err(HashingError::InvalidMessage(
                "proof configuration is not a JSON object".into(),
            ));
        };
        let hash = data_integrity::hash_data(&document, &config, S::CRYPTOSUITE, jcs_contexts())
            .map_err(|e| invalid(&e))?;
        Ok(JcsHash::Combined(hash.combined()))
    }
}

/// The JCS suites' signature: base58btc multibase `proofValue`.
#[derive(Debug)]
pub struct JcsSignatureAlgorithm;

impl SignatureAndVerificationAlgorithm for JcsSignatureAlgorithm {
    type Signature = MultibaseSignature;
}

impl<S, T> SignatureAlgorithm<S, T> for JcsSignatureAlgorithm
where
    S: JcsCryptosuite + CryptographicSuite<VerificationMethod = Multikey, PreparedClaims = JcsHash>,
    T: MessageSigner<S::Algorithm>,
{
    async fn sign(
        verification_method: &Multikey,
        signer: T,
        prepared_claims: JcsHash,
        _proof_configuration: ProofConfigurationRef<'_, S>,
    ) -> Result<MultibaseSignature, SignatureError> {
        method_key::<S>(verification_method).map_err(|()| SignatureError::InvalidPublicKey)?;
        let JcsHash::Combined(message) = prepared_claims else {
            // Signing refuses a proof @context other than the document's before hashing.
            return Err(SignatureError::other(
                "the proof's @context does not start the document's",
            ));
        };
        let signature = signer.sign(S::algorithm_instance(), &message).await?;
        Ok(MultibaseSignature::new_base58btc(signature))
    }
}

impl<S> VerificationAlgorithm<S> for JcsSignatureAlgorithm
where
    S: JcsCryptosuite
        + CryptographicSuite<
            VerificationMethod = Multikey,
            PreparedClaims = JcsHash,
            Signature = MultibaseSignature,
        >,
{
    fn verify(
        method: &Multikey,
        prepared_claims: JcsHash,
        proof: ProofRef<S>,
    ) -> Result<ProofValidity, ProofValidationError> {
        let message = match prepared_claims {
            JcsHash::Combined(message) => message,
            JcsHash::ContextNotPrefix => {
                return Ok(Err(InvalidProof::Other(
                    "the proof's @context does not start the document's @context".into(),
                )));
            }
        };
        let key = method_key::<S>(method).map_err(|()| ProofValidationError::InvalidKey)?;
        let Ok(signature) = decode_base58btc(&proof.signature.proof_value) else {
            // A proofValue that is not base58btc multibase cannot verify.
            return Ok(Err(InvalidProof::Signature));
        };
        Ok(if key.verify(&message, &signature) {
            Ok(())
        } else {
            Err(InvalidProof::Signature)
        })
    }
}

/// The Multikey's public key, if it is of the suite's algorithm.
fn method_key<S: JcsCryptosuite>(method: &Multikey) -> Result<PublicKey, ()> {
    PublicKey::from_multibase(method.public_key.encoded.as_str())
        .ok()
        .filter(|key| key.algorithm() == S::CRYPTOSUITE.algorithm())
        .ok_or(())
}

/// Any serializable value as `serde_json`, through `json-syntax` (whose serializer keeps
/// numbers exact whichever way `serde_json` is built).
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Value, TransformationError> {
    Ok(json_syntax::to_value(value)?.into_serde_json())
}

/// [`data_integrity::hash_data`] takes a context registry, which JCS never reads.
fn jcs_contexts() -> &'static ContextRegistry {
    static CONTEXTS: OnceLock<ContextRegistry> = OnceLock::new();
    CONTEXTS.get_or_init(ContextRegistry::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_jcs_suite_has_a_valid_cryptosuite_string() {
        for suite in Cryptosuite::ALL {
            assert!(CryptosuiteStr::new(suite.name()).is_ok(), "{suite}");
        }
        assert_eq!(
            StandardCryptographicSuite::type_(&EddsaJcs2022).data_integrity_proof_cryptosuite(),
            Some("eddsa-jcs-2022")
        );
        assert_eq!(
            StandardCryptographicSuite::type_(&EcdsaJcs2019).data_integrity_proof_cryptosuite(),
            Some("ecdsa-jcs-2019")
        );
    }

    #[test]
    fn type_plumbing_accepts_only_its_own_suite() {
        let eddsa = Type::DataIntegrityProof(
            ssi_data_integrity_core::CryptosuiteString::new("eddsa-jcs-2022".into()).unwrap(),
        );
        assert!(EddsaJcs2022::try_from(eddsa.clone()).is_ok());
        assert!(EcdsaJcs2019::try_from(eddsa).is_err());
        let rdfc = Type::DataIntegrityProof(
            ssi_data_integrity_core::CryptosuiteString::new("eddsa-rdfc-2022".into()).unwrap(),
        );
        assert!(EddsaJcs2022::try_from(rdfc).is_err());
    }
}
