//! The [`Issuer`]: a municipality (or any issuer) signs credentials with its key.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::contexts::ContextRegistry;
use crate::credential::{Credential, CredentialBuilder};
use crate::data_integrity::{Cryptosuite, Prover};
use crate::did::{Did, Relationship};
use crate::key::Signer;

/// Signs credentials as one DID (`did:key` of its signing key).
#[derive(Debug, Clone)]
pub struct Issuer {
    prover: Prover,
}

impl Issuer {
    /// An issuer signing with `signer`, as the `did:key` of its public key, with the default
    /// suite for the key (eddsa-rdfc-2022 or ecdsa-rdfc-2019).
    pub fn new(signer: Arc<dyn Signer>) -> Self {
        Issuer {
            prover: Prover::new(signer),
        }
    }

    /// Signs with `cryptosuite` instead.
    ///
    /// # Errors
    /// [`Error::Proof`] when the suite does not fit the key's algorithm.
    pub fn with_cryptosuite(mut self, cryptosuite: Cryptosuite) -> Result<Self, Error> {
        self.prover.set_cryptosuite(cryptosuite)?;
        Ok(self)
    }

    /// Uses `contexts` (e.g. with the issuer's own vocabulary registered).
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.prover.set_contexts(contexts);
        self
    }

    /// The issuer's DID.
    pub fn did(&self) -> &Did {
        self.prover.did()
    }

    /// The suite it signs with.
    pub fn cryptosuite(&self) -> Cryptosuite {
        self.prover.cryptosuite()
    }

    /// A credential builder with this issuer filled in.
    pub fn credential(&self) -> CredentialBuilder {
        CredentialBuilder::new(self.did().clone())
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
    /// [`Error::IssuerMismatch`] when the credential names another issuer, [`Error::Context`]
    /// when it names a context that is neither bundled nor registered, [`Error::Proof`] when
    /// signing fails (e.g. a term no context defines, or the signer refuses).
    pub fn issue_at(
        &self,
        credential: &Credential,
        created: DateTime<Utc>,
    ) -> Result<Credential, Error> {
        if credential.issuer() != self.did().as_str() {
            return Err(Error::IssuerMismatch {
                credential: credential.issuer().to_owned(),
                signer: self.did().to_string(),
            });
        }
        let secured = self.prover.prove(
            credential.as_json(),
            Relationship::AssertionMethod,
            created,
            None,
            None,
        )?;
        Ok(Credential::from_json(secured)?)
    }
}
