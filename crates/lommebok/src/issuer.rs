//! The [`Issuer`]: a municipality (or any issuer) signs credentials with its key.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::contexts::ContextRegistry;
use crate::credential::{Credential, CredentialBuilder};
use crate::data_integrity::{self, Cryptosuite, ProofOptions};
use crate::did::Did;
use crate::key::Signer;

/// Signs credentials as one DID (`did:key` of its signing key).
pub struct Issuer {
    signer: Arc<dyn Signer>,
    did: Did,
    verification_method: String,
    cryptosuite: Cryptosuite,
    contexts: ContextRegistry,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("did", &self.did)
            .field("cryptosuite", &self.cryptosuite)
            .finish_non_exhaustive()
    }
}

impl Issuer {
    /// An issuer signing with `signer`, as the `did:key` of its public key, with the default
    /// suite for the key (eddsa-rdfc-2022 or ecdsa-rdfc-2019).
    pub fn new(signer: Arc<dyn Signer>) -> Self {
        let public = signer.public_key();
        Issuer {
            did: Did::from_public_key(&public),
            verification_method: Did::key_verification_method(&public),
            cryptosuite: Cryptosuite::default_for(public.algorithm()),
            signer,
            contexts: ContextRegistry::new(),
        }
    }

    /// Signs with `cryptosuite` instead.
    ///
    /// # Errors
    /// [`Error::Proof`] when the suite does not fit the key's algorithm.
    pub fn with_cryptosuite(mut self, cryptosuite: Cryptosuite) -> Result<Self, Error> {
        let algorithm = self.signer.public_key().algorithm();
        if cryptosuite.algorithm() != algorithm {
            return Err(data_integrity::ProofError::WrongKeyType {
                suite: cryptosuite,
                algorithm,
            }
            .into());
        }
        self.cryptosuite = cryptosuite;
        Ok(self)
    }

    /// Uses `contexts` (e.g. with the issuer's own vocabulary registered).
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.contexts = contexts;
        self
    }

    /// The issuer's DID.
    pub fn did(&self) -> &Did {
        &self.did
    }

    /// The suite it signs with.
    pub fn cryptosuite(&self) -> Cryptosuite {
        self.cryptosuite
    }

    /// A credential builder with this issuer filled in.
    pub fn credential(&self) -> CredentialBuilder {
        CredentialBuilder::new(self.did.clone())
    }

    /// Signs `credential` now.
    ///
    /// # Errors
    /// As [`Issuer::issue_at`].
    pub fn issue(&self, credential: &Credential) -> Result<Credential, Error> {
        self.issue_at(credential, Utc::now())
    }

    /// Signs `credential` with the proof's `created` set to `created` (EdDSA proofs are then
    /// deterministic).
    ///
    /// # Errors
    /// [`Error::IssuerMismatch`] when the credential names another issuer, [`Error::Proof`] when
    /// signing fails (e.g. a term no context defines, or the signer refuses).
    pub fn issue_at(
        &self,
        credential: &Credential,
        created: DateTime<Utc>,
    ) -> Result<Credential, Error> {
        if credential.issuer() != self.did.as_str() {
            return Err(Error::IssuerMismatch {
                credential: credential.issuer().to_owned(),
                signer: self.did.to_string(),
            });
        }
        // Refused for every suite, JCS included: a verifier will not accept vocabulary it
        // does not know.
        self.contexts
            .check_known(&serde_json::Value::Object(credential.as_json().clone()))?;
        let options = ProofOptions {
            cryptosuite: self.cryptosuite,
            verification_method: self.verification_method.clone(),
            proof_purpose: "assertionMethod".into(),
            created: Some(created),
            expires: None,
            challenge: None,
            domain: None,
        };
        let secured = data_integrity::add_proof(
            credential.as_json(),
            &options,
            self.signer.as_ref(),
            &self.contexts,
        )?;
        Ok(Credential::from_json(secured)?)
    }
}
