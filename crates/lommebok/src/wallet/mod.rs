//! The [`Wallet`]: a citizen holds credentials and presents them to a verifier's request.
//!
//! This first wallet keeps credentials in memory; the encrypted, crash-safe store comes with the
//! `Storage` trait.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::contexts::ContextRegistry;
use crate::credential::Credential;
use crate::data_integrity::{Cryptosuite, Prover};
use crate::did::{Did, Relationship};
use crate::key::Signer;
use crate::presentation::Presentation;
use crate::verify::PresentationRequest;

/// Holds credentials for one holder DID and signs presentations with the holder's key.
#[derive(Clone)]
pub struct Wallet {
    prover: Prover,
    credentials: Vec<Credential>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("did", self.did())
            .field("credentials", &self.credentials.len())
            .finish_non_exhaustive()
    }
}

impl Wallet {
    /// A wallet whose holder is the `did:key` of `signer`'s key.
    pub fn new(signer: Arc<dyn Signer>) -> Self {
        Wallet {
            prover: Prover::new(signer),
            credentials: Vec::new(),
        }
    }

    /// Signs presentations with `cryptosuite` instead of the key's default.
    ///
    /// # Errors
    /// [`Error::Proof`] when the suite does not fit the key's algorithm.
    pub fn with_cryptosuite(mut self, cryptosuite: Cryptosuite) -> Result<Self, Error> {
        self.prover.set_cryptosuite(cryptosuite)?;
        Ok(self)
    }

    /// Uses `contexts` for JSON-LD.
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.prover.set_contexts(contexts);
        self
    }

    /// The holder's DID.
    pub fn did(&self) -> &Did {
        self.prover.did()
    }

    /// Stores a credential given as JSON text. It must be about this holder.
    ///
    /// # Errors
    /// [`Error::Credential`] when it is not a credential, [`Error::NotForHolder`] when its
    /// subject is someone else.
    pub fn store(&mut self, input: &str) -> Result<&Credential, Error> {
        let credential = Credential::from_json_str(input)?;
        if !credential
            .subject_ids()
            .iter()
            .all(|id| *id == Some(self.did().as_str()))
        {
            return Err(Error::NotForHolder {
                holder: self.did().to_string(),
            });
        }
        self.credentials.push(credential);
        Ok(&self.credentials[self.credentials.len() - 1])
    }

    /// The credentials held.
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    /// Presents `credentials` in answer to `request`, signed now.
    ///
    /// # Errors
    /// As [`Wallet::present_at`].
    pub fn present(
        &self,
        credentials: &[Credential],
        request: &PresentationRequest,
    ) -> Result<Presentation, Error> {
        self.present_at(credentials, request, Utc::now())
    }

    /// Presents `credentials` in answer to `request`, the proof's `created` set to `created`.
    ///
    /// # Errors
    /// [`Error::Credential`] if the presentation would be malformed, [`Error::Proof`] when
    /// signing fails.
    pub fn present_at(
        &self,
        credentials: &[Credential],
        request: &PresentationRequest,
        created: DateTime<Utc>,
    ) -> Result<Presentation, Error> {
        let unsigned = Presentation::unsigned(self.did().as_str(), credentials)?;
        let secured = self.prover.prove(
            unsigned.as_json(),
            Relationship::Authentication,
            created,
            Some(request.challenge.clone()),
            request.domain.clone(),
        )?;
        Ok(Presentation::from_json(secured)?)
    }
}
