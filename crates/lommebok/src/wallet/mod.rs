//! The [`Wallet`]: a citizen holds credentials and presents them to a verifier's request.
//!
//! The wallet facade keeps credentials in memory; [`store`] is the encrypted, crash-safe store
//! (sealed records over a `Storage` trait, keyed by a `StoreKey`), and [`HolderWallet`] the
//! persistent wallet over it: holder key, checked imports, DCQL answers with the minimum, and a
//! sealed activity log.

mod holder;
pub mod recovery;
pub mod store;

pub use holder::{
    Activity, Choice, CredentialSummary, HeldStatus, HolderWallet, HolderWalletError,
    Presentations, PresentedCredential, Released,
};

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::contexts::ContextRegistry;
use crate::credential::Credential;
use crate::data_integrity::{Cryptosuite, Prover};
use crate::did::{Did, Relationship};
use crate::key::{PublicKey, Signer};
use crate::presentation::Presentation;
use crate::sd_jwt::{self, ClaimPath};
use crate::verify::PresentationRequest;

/// Holds credentials for one holder DID and signs presentations with the holder's key.
#[derive(Clone)]
pub struct Wallet {
    prover: Prover,
    credentials: Vec<Credential>,
    /// The holder's signer again, for SD-JWT Key Binding JWTs (the prover does not lend its own).
    signer: Arc<dyn Signer>,
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
    /// The holder's signer (for requests the wallet signs as its holder, e.g. re-issuance).
    pub(crate) fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// A wallet whose holder is the `did:key` of `signer`'s key.
    pub fn new(signer: Arc<dyn Signer>) -> Self {
        Wallet {
            prover: Prover::new(signer.clone()),
            credentials: Vec::new(),
            signer,
        }
    }

    /// Signs presentations with `cryptosuite` instead of the key's default.
    ///
    /// # Errors
    /// [`Error::Proof`] when the suite does not fit the key's algorithm, or is `ecdsa-sd-2023`
    /// (a presentation is signed whole; selective disclosure is for the credentials in it: see
    /// [`Wallet::present_selective_at`]).
    pub fn with_cryptosuite(mut self, cryptosuite: Cryptosuite) -> Result<Self, Error> {
        if cryptosuite.is_selective() {
            return Err(
                crate::data_integrity::ProofError::UnsupportedCryptosuite(format!(
                    "{cryptosuite} for presentations (it secures credentials)"
                ))
                .into(),
            );
        }
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

    /// Presents the credential derived from `credential` (which has an `ecdsa-sd-2023` base
    /// proof) that discloses the issuer's mandatory claims and those `selective_pointers` (JSON
    /// pointers, e.g. `/credentialSubject/name`) select, in a presentation answering `request`,
    /// signed now: see [`Wallet::present_selective_at`].
    ///
    /// # Errors
    /// As [`Wallet::present_selective_at`].
    pub fn present_selective(
        &self,
        credential: &Credential,
        selective_pointers: &[&str],
        request: &PresentationRequest,
    ) -> Result<Presentation, Error> {
        self.present_selective_at(credential, selective_pointers, request, Utc::now())
    }

    /// Derives from `credential` (with an `ecdsa-sd-2023` base proof) the credential that
    /// discloses only the issuer's mandatory claims and those `selective_pointers` select
    /// ([`crate::ecdsa_sd::derive()`], vc-di-ecdsa §3.4.7), and presents it in answer to
    /// `request`, the presentation's proof `created` at `created`.
    ///
    /// # Errors
    /// [`Error::Proof`] when the credential has no base proof or a pointer selects nothing
    /// ([`crate::data_integrity::ProofError::SelectiveDisclosure`]) or signing fails;
    /// [`Error::Credential`] if the result would be malformed.
    pub fn present_selective_at(
        &self,
        credential: &Credential,
        selective_pointers: &[&str],
        request: &PresentationRequest,
        created: DateTime<Utc>,
    ) -> Result<Presentation, Error> {
        let derived = crate::ecdsa_sd::derive(
            credential.as_json(),
            selective_pointers,
            self.prover.contexts(),
        )
        .map_err(crate::data_integrity::ProofError::from)?;
        let derived = Credential::from_json(derived)?;
        self.present_at(std::slice::from_ref(&derived), request, created)
    }

    /// The holder's public key (e.g. for an issuer to bind an SD-JWT VC to, as `cnf`).
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// Presents an SD-JWT VC (as issued, `<JWT>~<disclosure>~…~`) bound to this holder,
    /// disclosing `disclose`, for the verifier `aud` with its `nonce`, now: see
    /// [`Wallet::present_sd_jwt_at`].
    ///
    /// # Errors
    /// As [`Wallet::present_sd_jwt_at`].
    pub fn present_sd_jwt(
        &self,
        sd_jwt: &str,
        disclose: &[ClaimPath],
        nonce: &str,
        aud: &str,
    ) -> Result<String, Error> {
        self.present_sd_jwt_at(sd_jwt, disclose, nonce, aud, Utc::now())
    }

    /// Presents an SD-JWT VC bound to this holder (RFC 9901 §4.3): keeps exactly the
    /// disclosures for the claims `disclose` names (a claim with everything in it, plus the
    /// disclosures of the claims around it) and appends a Key Binding JWT (`typ` `kb+jwt`;
    /// `iat`, `aud`, `nonce`, `sd_hash` over everything before it) signed through the wallet's
    /// [`Signer`].
    ///
    /// # Errors
    /// [`Error::SdJwt`] when the input is not an SD-JWT as issued, its disclosures do not fit,
    /// a path leads to no claim, or the credential has no `cnf`; [`Error::NotForHolder`] when it
    /// is bound to another key; [`Error::Key`] when the signer fails.
    pub fn present_sd_jwt_at(
        &self,
        sd_jwt: &str,
        disclose: &[ClaimPath],
        nonce: &str,
        aud: &str,
        iat: DateTime<Utc>,
    ) -> Result<String, Error> {
        let binding = sd_jwt::Binding::Key {
            signer: self.signer.as_ref(),
            holder: self.did().as_str(),
            nonce,
            aud,
            iat,
        };
        sd_jwt::present(sd_jwt, disclose, binding)
    }

    /// Presents an SD-JWT VC that is not bound to a holder key (no `cnf`), disclosing
    /// `disclose`, without a Key Binding JWT. Anyone holding a copy can do the same.
    ///
    /// # Errors
    /// As [`Wallet::present_sd_jwt_at`]; [`Error::SdJwt`] when the credential has `cnf`
    /// (verifiers refuse it without key binding).
    pub fn present_sd_jwt_without_key_binding(
        &self,
        sd_jwt: &str,
        disclose: &[ClaimPath],
    ) -> Result<String, Error> {
        sd_jwt::present(sd_jwt, disclose, sd_jwt::Binding::None)
    }
}
