//! [`Wallet`]: a citizen's credentials, and presentations of them.

use std::sync::{Arc, PoisonError, RwLock};

use lommebok::Credential;

use crate::key::{ForeignSigner, core_signer_of_key};
use crate::sd_jwt::claim_paths;
use crate::verifier::PresentationRequest;
use crate::{LommebokError, Signer, SoftwareKey};

/// Holds credentials for one holder (the `did:key` of its key) and presents them, signed by
/// the holder, in answer to a verifier's request.
///
/// This wallet keeps credentials in memory (the encrypted store comes later): the app keeps
/// the JSON and stores it again after a restart.
#[derive(Debug, uniffi::Object)]
pub struct Wallet {
    inner: RwLock<lommebok::Wallet>,
}

impl Wallet {
    fn wrap(inner: lommebok::Wallet) -> Arc<Self> {
        Arc::new(Wallet {
            inner: RwLock::new(inner),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, lommebok::Wallet> {
        // A poisoned lock means a panic elsewhere mid-call; the wallet's data is still whole.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }
}

#[uniffi::export]
impl Wallet {
    /// A wallet whose holder key is a software key.
    #[uniffi::constructor]
    pub fn new(key: Arc<SoftwareKey>) -> Arc<Self> {
        Self::wrap(lommebok::Wallet::new(core_signer_of_key(&key)))
    }

    /// A wallet whose holder key is held by the platform (see [`Signer`]).
    ///
    /// # Errors
    /// [`LommebokError::Signing`] when the signer throws while giving its public key;
    /// [`LommebokError::InvalidInput`] when that key is not in an accepted form.
    #[uniffi::constructor]
    pub fn with_signer(signer: Arc<dyn Signer>) -> Result<Arc<Self>, LommebokError> {
        let signer = ForeignSigner::new(signer)?.into_core();
        Ok(Self::wrap(lommebok::Wallet::new(signer)))
    }

    /// Makes the wallet know the JSON-LD contexts `contexts` (for credentials that use a
    /// vocabulary lommebok does not bundle: presenting them needs it).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a context that is not a JSON-LD context, or that
    /// would replace a bundled one.
    pub fn add_contexts(&self, contexts: Vec<crate::ContextDocument>) -> Result<(), LommebokError> {
        let registry = crate::context_registry(&contexts)?;
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        *inner = inner.clone().with_contexts(registry);
        Ok(())
    }

    /// The holder's DID: what an issuer puts in `credentialSubject.id`.
    pub fn did(&self) -> String {
        self.read().did().to_string()
    }

    /// Stores a credential given as JSON. It must be about this holder. (It is not verified
    /// here: a verifier does that.)
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not a credential, or is about someone else.
    pub fn store(&self, credential_json: String) -> Result<(), LommebokError> {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .store(&credential_json)?;
        Ok(())
    }

    /// The credentials held, as JSON, in the order they were stored.
    pub fn credentials(&self) -> Vec<String> {
        self.read()
            .credentials()
            .iter()
            .map(Credential::to_json_string)
            .collect()
    }

    /// A presentation of `credential_jsons` (usually some of [`Wallet::credentials`], as the
    /// user chose) answering `request`, signed by the holder now. Returns its JSON, to hand
    /// to the verifier.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when an entry is not a credential;
    /// [`LommebokError::Signing`].
    pub fn present(
        &self,
        credential_jsons: Vec<String>,
        request: PresentationRequest,
    ) -> Result<String, LommebokError> {
        let credentials = credential_jsons
            .iter()
            .map(|json| Credential::from_json_str(json).map_err(lommebok::Error::from))
            .collect::<Result<Vec<_>, _>>()?;
        // Sign on a copy, outside the lock: a platform signer may wait for the user (or call
        // back into this wallet) while it signs.
        let wallet = self.read().clone();
        let presentation = wallet.present(&credentials, &request.into())?;
        Ok(presentation.to_json_string())
    }

    /// A presentation answering `request`, signed by the holder now, of the credential derived
    /// from `credential_json` (which has an `ecdsa-sd-2023` base proof) that discloses only the
    /// issuer's mandatory claims and those the JSON pointers `disclose` select (e.g.
    /// `/credentialSubject/birthDate`). Returns its JSON, to hand to the verifier.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the input is not a credential with an
    /// `ecdsa-sd-2023` base proof, or a pointer is malformed or selects nothing;
    /// [`LommebokError::Signing`].
    pub fn present_selective(
        &self,
        credential_json: String,
        disclose: Vec<String>,
        request: PresentationRequest,
    ) -> Result<String, LommebokError> {
        let credential =
            Credential::from_json_str(&credential_json).map_err(lommebok::Error::from)?;
        let disclose: Vec<&str> = disclose.iter().map(String::as_str).collect();
        // Sign on a copy, outside the lock (as `present`).
        let wallet = self.read().clone();
        let presentation = wallet.present_selective(&credential, &disclose, &request.into())?;
        Ok(presentation.to_json_string())
    }

    /// The holder's public key as a JWK (JSON text): what an issuer binds an SD-JWT VC to
    /// ([`crate::SdJwtOptions::holder_key_jwk`]).
    pub fn public_key_jwk(&self) -> String {
        self.read().public_key().to_jwk().to_string()
    }

    /// A presentation of the SD-JWT VC `sd_jwt` (as issued, bound to this holder) answering
    /// `request`: only the disclosures for the claims at the dot paths `disclose` (and the
    /// claims around them), and a Key Binding JWT signed by the holder now, with the request's
    /// challenge as `nonce` and its domain as `aud`. Returns the compact presentation, to hand
    /// to the verifier.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the request has no domain, the input is not an
    /// SD-JWT as issued, a path is malformed or leads to no claim, or the credential is not
    /// bound to this holder's key; [`LommebokError::Signing`].
    pub fn present_sd_jwt(
        &self,
        sd_jwt: String,
        disclose: Vec<String>,
        request: PresentationRequest,
    ) -> Result<String, LommebokError> {
        let Some(aud) = request.domain else {
            return Err(LommebokError::invalid(
                "an SD-JWT presentation needs a request with a domain (the KB-JWT's `aud`)",
            ));
        };
        let disclose = claim_paths(&disclose)?;
        // Sign on a copy, outside the lock (see `present`).
        let wallet = self.read().clone();
        Ok(wallet.present_sd_jwt(&sd_jwt, &disclose, &request.challenge, &aud)?)
    }

    /// A presentation of an SD-JWT VC that is not bound to a holder key, disclosing the claims
    /// at the dot paths `disclose`, without a Key Binding JWT. Anyone holding a copy can do the
    /// same.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] as [`Wallet::present_sd_jwt`], and when the credential
    /// is bound to a holder key (verifiers refuse it without key binding).
    pub fn present_sd_jwt_without_key_binding(
        &self,
        sd_jwt: String,
        disclose: Vec<String>,
    ) -> Result<String, LommebokError> {
        let disclose = claim_paths(&disclose)?;
        Ok(self
            .read()
            .present_sd_jwt_without_key_binding(&sd_jwt, &disclose)?)
    }
}
