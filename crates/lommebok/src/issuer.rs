//! The [`Issuer`]: a municipality (or any issuer) signs credentials with its key.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::Error;
use crate::contexts::ContextRegistry;
use crate::credential::{Credential, CredentialBuilder};
use crate::data_integrity::{Cryptosuite, Prover};
use crate::did::{Did, Relationship};
use crate::key::Signer;
use crate::sd_jwt::{self, ClaimPath, SdJwtOptions};
use crate::status::StatusRegistry;
use crate::token_status::{self, TokenStatusList};
use serde_json::{Map, Value};

/// Signs credentials as one DID (`did:key` of its signing key), and, given a status registry,
/// gives each credential status entries it can later revoke or suspend.
#[derive(Debug, Clone)]
pub struct Issuer {
    prover: Prover,
    status: Option<(StatusRegistry, Vec<String>)>,
    jws_signer: JwsSigner,
    mandatory_pointers: Vec<String>,
}

/// The signing key again, for compact JWS (Status List Tokens): the prover keeps its own for
/// Data Integrity proofs and does not lend it out.
#[derive(Clone)]
struct JwsSigner(Arc<dyn Signer>);

impl std::fmt::Debug for JwsSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwsSigner")
    }
}

impl Issuer {
    /// An issuer signing with `signer`, as the `did:key` of its public key, with the default
    /// suite for the key (eddsa-rdfc-2022 or ecdsa-rdfc-2019).
    pub fn new(signer: Arc<dyn Signer>) -> Self {
        Issuer {
            prover: Prover::new(signer.clone()),
            status: None,
            jws_signer: JwsSigner(signer),
            mandatory_pointers: Vec::new(),
        }
    }

    /// Signs with `cryptosuite` instead.
    ///
    /// With [`Cryptosuite::EcdsaSd2023`] (a P-256 key) credentials get a base proof for
    /// selective disclosure: the holder derives from it credentials that disclose only what a
    /// verifier asks for, plus the issuer's mandatory claims (see
    /// [`Issuer::with_mandatory_pointers`]). Status list credentials are then signed with
    /// `ecdsa-rdfc-2019`, since verifiers check only derived `ecdsa-sd-2023` proofs.
    ///
    /// # Errors
    /// [`Error::Proof`] when the suite does not fit the key's algorithm.
    pub fn with_cryptosuite(mut self, cryptosuite: Cryptosuite) -> Result<Self, Error> {
        self.prover.set_cryptosuite(cryptosuite)?;
        Ok(self)
    }

    /// With `ecdsa-sd-2023`, makes the claims `pointers` select (JSON pointers, RFC 6901, e.g.
    /// `/credentialSubject/birthDate`) mandatory: every credential a holder derives discloses
    /// them (vc-di-ecdsa §3.4.2, "mandatory pointers"). Whatever is given, the issuer always
    /// makes mandatory `/issuer` and, when the credential has them, `/validFrom`,
    /// `/validUntil`, `/credentialStatus` and the subject's `id` (`/credentialSubject/id`):
    /// without them a verifier could not check the issuer, the validity period, the status or
    /// the holder binding. Other suites ignore the pointers.
    pub fn with_mandatory_pointers(mut self, pointers: &[&str]) -> Self {
        self.mandatory_pointers = pointers.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    /// The mandatory pointers for `document`: those always made mandatory that select
    /// something, then the issuer's own (see [`Issuer::with_mandatory_pointers`]).
    fn mandatory_pointers_for(&self, document: &Map<String, Value>) -> Vec<String> {
        let mut pointers = vec!["/issuer".to_owned()];
        for member in ["validFrom", "validUntil", "credentialStatus"] {
            if document.contains_key(member) {
                pointers.push(format!("/{member}"));
            }
        }
        match document.get("credentialSubject") {
            Some(Value::Object(subject)) if subject.contains_key("id") => {
                pointers.push("/credentialSubject/id".into());
            }
            Some(Value::Array(subjects)) => {
                for (index, subject) in subjects.iter().enumerate() {
                    if subject.get("id").is_some() {
                        pointers.push(format!("/credentialSubject/{index}/id"));
                    }
                }
            }
            _ => {}
        }
        for pointer in &self.mandatory_pointers {
            if !pointers.contains(pointer) {
                pointers.push(pointer.clone());
            }
        }
        pointers
    }

    /// Uses `contexts` (e.g. with the issuer's own vocabulary registered).
    pub fn with_contexts(mut self, contexts: ContextRegistry) -> Self {
        self.prover.set_contexts(contexts);
        self
    }

    /// Gives every credential issued from now on an entry in each of the status lists `lists`
    /// of `registry` (e.g. one revocation and one suspension list).
    pub fn with_status(mut self, registry: StatusRegistry, lists: &[&str]) -> Self {
        self.status = Some((registry, lists.iter().map(|l| (*l).to_owned()).collect()));
        self
    }

    /// The status registry, if the issuer has one.
    pub fn status_registry(&self) -> Option<&StatusRegistry> {
        self.status.as_ref().map(|(registry, _)| registry)
    }

    fn registry(&self) -> Result<&StatusRegistry, Error> {
        self.status_registry().ok_or(Error::NoStatusRegistry)
    }

    /// Revokes the credential with id `credential_id` (permanent). Verifiers see it once they
    /// have the newly published status list credential.
    ///
    /// # Errors
    /// [`Error::NoStatusRegistry`]; [`Error::Status`] when the credential has no revocation
    /// entry or the store fails.
    pub fn revoke(&self, credential_id: &str) -> Result<(), Error> {
        Ok(self.registry()?.revoke(credential_id)?)
    }

    /// Suspends the credential with id `credential_id`.
    ///
    /// # Errors
    /// As [`Issuer::revoke`], for a suspension entry.
    pub fn suspend(&self, credential_id: &str) -> Result<(), Error> {
        Ok(self.registry()?.suspend(credential_id)?)
    }

    /// Lifts the suspension of the credential with id `credential_id`.
    ///
    /// # Errors
    /// As [`Issuer::suspend`].
    pub fn unsuspend(&self, credential_id: &str) -> Result<(), Error> {
        Ok(self.registry()?.unsuspend(credential_id)?)
    }

    /// The signed `BitstringStatusListCredential` for list `url` as it stands now, valid from
    /// `valid_from` until `valid_until` (so verifiers' caches know when to refresh).
    ///
    /// # Errors
    /// [`Error::NoStatusRegistry`], [`Error::Status`] for an unknown list, [`Error::Proof`].
    pub fn status_list_credential_at(
        &self,
        url: &str,
        valid_from: DateTime<Utc>,
        valid_until: DateTime<Utc>,
    ) -> Result<Credential, Error> {
        let ttl = (valid_until - valid_from).num_milliseconds().max(0) as u64;
        let subject = self.registry()?.list_subject(url, Some(ttl))?;
        let mut builder = self
            .credential()
            .with_id(url)
            .with_type("BitstringStatusListCredential")
            .valid_from(valid_from)
            .valid_until(valid_until);
        for (name, value) in subject {
            builder = builder.with_claim(name, value);
        }
        let unsigned = builder.build()?;
        let secured = self.prover.prove(
            unsigned.as_json(),
            Relationship::AssertionMethod,
            valid_from,
            None,
            None,
        )?;
        Ok(Credential::from_json(secured)?)
    }

    /// The signed status list credential for `url`, valid from now for `valid_for`.
    ///
    /// # Errors
    /// As [`Issuer::status_list_credential_at`].
    pub fn status_list_credential(
        &self,
        url: &str,
        valid_for: chrono::Duration,
    ) -> Result<Credential, Error> {
        let now = Utc::now();
        let until = now.checked_add_signed(valid_for).ok_or_else(|| {
            crate::status::StatusError::Malformed("the validity period is too long".into())
        })?;
        self.status_list_credential_at(url, now, until)
    }

    /// The signed Status List Token (IETF Token Status List, `typ` `statuslist+jwt`) for
    /// registry list `url` as it stands now: `iss` the issuer's DID, `sub` `url`, `iat`, `exp`,
    /// `ttl` (seconds from `iat` to `exp`, as [`Issuer::status_list_credential_at`] does) and
    /// `status_list`; header `kid` the issuer's verification method. The list is mapped as
    /// [`crate::token_status`] describes (revocation: 1 bit, 0x01; suspension: 2 bits, 0x02;
    /// message: values as they are). Publish it at `url` (media type
    /// `application/statuslist+jwt`).
    ///
    /// # Errors
    /// [`Error::NoStatusRegistry`]; [`Error::Status`] for an unknown list;
    /// [`Error::TokenStatus`] for a refresh list, a URL that is not a URI, or `exp` not after
    /// `iat`; [`Error::Key`] when the signer fails.
    pub fn status_list_token_at(
        &self,
        url: &str,
        iat: DateTime<Utc>,
        exp: DateTime<Utc>,
    ) -> Result<String, Error> {
        self.status_list_token_with_issuer_at(url, Some(self.did().as_str()), iat, exp)
    }

    /// As [`Issuer::status_list_token_at`], with `iss` as given (e.g. the HTTPS issuer
    /// identifier an issuer's SD-JWT VCs carry instead of its DID, since verifiers compare a
    /// Status List Token's `iss` with the Referenced Token's), or without `iss` for `None`.
    ///
    /// # Errors
    /// As [`Issuer::status_list_token_at`].
    pub fn status_list_token_with_issuer_at(
        &self,
        url: &str,
        iss: Option<&str>,
        iat: DateTime<Utc>,
        exp: DateTime<Utc>,
    ) -> Result<String, Error> {
        let list = TokenStatusList::from_registry(self.registry()?, url)?;
        let ttl = u64::try_from((exp - iat).num_seconds())
            .ok()
            .filter(|t| *t > 0);
        let claims = token_status::status_list_token_claims(&list, url, iss, iat, Some(exp), ttl)?;
        let kid = Did::key_verification_method(&self.jws_signer.0.public_key());
        token_status::sign_status_list_token(&claims, Some(&kid), self.jws_signer.0.as_ref())
    }

    /// The signed Status List Token for `url`, issued now and valid for `valid_for`.
    ///
    /// # Errors
    /// As [`Issuer::status_list_token_at`].
    pub fn status_list_token(
        &self,
        url: &str,
        valid_for: chrono::Duration,
    ) -> Result<String, Error> {
        let now = Utc::now();
        let exp = now.checked_add_signed(valid_for).ok_or_else(|| {
            token_status::TokenStatusError::Malformed("the validity period is too long".into())
        })?;
        self.status_list_token_at(url, now, exp)
    }

    /// Sets the Token Status List value of the credential `credential_id` in its message lists
    /// (see [`token_status::combined_list`]): INVALID revokes it for good, SUSPENDED suspends it,
    /// VALID lifts a suspension.
    ///
    /// # Errors
    /// [`Error::NoStatusRegistry`]; as [`token_status::set_token_status`].
    pub fn set_token_status(
        &self,
        credential_id: &str,
        status: token_status::TokenStatus,
    ) -> Result<(), Error> {
        token_status::set_token_status(self.registry()?, credential_id, status)
    }

    /// The verification method (DID URL) of the key SD-JWT VCs and Status List Tokens are
    /// signed with, as their `kid` names it.
    pub(crate) fn sd_jwt_verification_method(&self) -> String {
        Did::key_verification_method(&self.jws_signer.0.public_key())
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
    /// deterministic). With `ecdsa-sd-2023` the proof is a base proof with the issuer's
    /// mandatory pointers (see [`Issuer::with_mandatory_pointers`]).
    ///
    /// # Errors
    /// [`Error::IssuerMismatch`] when the credential names another issuer, [`Error::Context`]
    /// when it names a context that is neither bundled nor registered, [`Error::Proof`] when
    /// signing fails (e.g. a term no context defines, the signer refuses, or a mandatory
    /// pointer selects nothing: [`crate::data_integrity::ProofError::SelectiveDisclosure`]).
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
        let mut document = credential.as_json().clone();
        if let Some((registry, lists)) = &self.status {
            let id = match credential.id() {
                Some(id) => id.to_owned(),
                None => {
                    // Status is kept by credential id: give it one.
                    let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
                    document.insert("id".into(), id.clone().into());
                    id
                }
            };
            let mut entries: Vec<Value> = match document.remove("credentialStatus") {
                None => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(one) => vec![one],
            };
            for list in lists {
                entries.push(registry.allocate(list, &id)?.to_json());
            }
            let status = if entries.len() == 1 {
                entries.remove(0)
            } else {
                Value::Array(entries)
            };
            document.insert("credentialStatus".into(), status);
        }
        let secured = if self.cryptosuite().is_selective() {
            let pointers = self.mandatory_pointers_for(&document);
            let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
            self.prover.prove_base(&document, &pointers, created)?
        } else {
            self.prover.prove(
                &document,
                Relationship::AssertionMethod,
                created,
                None,
                None,
            )?
        };
        Ok(Credential::from_json(secured)?)
    }

    /// Issues an SD-JWT VC now: see [`Issuer::issue_sd_jwt_at`].
    ///
    /// # Errors
    /// As [`Issuer::issue_sd_jwt_at`].
    pub fn issue_sd_jwt(
        &self,
        claims: &Map<String, Value>,
        disclosable: &[ClaimPath],
        options: &SdJwtOptions,
    ) -> Result<String, Error> {
        self.issue_sd_jwt_at(claims, disclosable, options, Utc::now())
    }

    /// Issues an SD-JWT VC ([`crate::sd_jwt`]) with `iat` set to `iat`: `claims`, with those
    /// named by `disclosable` made selectively disclosable (RFC 9901 §4.2), signed as a JWT
    /// with header `typ` `dc+sd-jwt`, `alg` from the key and `kid` the issuer's verification
    /// method, and payload `iss` (the issuer's DID unless [`SdJwtOptions::issuer`]), `iat`,
    /// `nbf`/`exp` if set, `vct`, `cnf.jwk` if a holder key is given, and `_sd_alg` `sha-256`.
    /// Returns the compact form `<JWT>~<disclosure>~…~`.
    ///
    /// # Errors
    /// [`Error::SdJwt`] for a path that is malformed, leads nowhere or names a claim never
    /// disclosable, for claims that set `iss`, `iat`, `exp`, `nbf`, `cnf`, `vct` or `_sd_alg`
    /// themselves or use `_sd`/`...` as a name, and for an empty `vct`; [`Error::Json`] for claims
    /// nested too deeply; [`Error::Key`] when the signer fails.
    pub fn issue_sd_jwt_at(
        &self,
        claims: &Map<String, Value>,
        disclosable: &[ClaimPath],
        options: &SdJwtOptions,
        iat: DateTime<Utc>,
    ) -> Result<String, Error> {
        let signer = self.jws_signer.0.as_ref();
        let verification_method = Did::key_verification_method(&signer.public_key());
        let identity = sd_jwt::IssuerIdentity {
            did: self.did().as_str(),
            verification_method: &verification_method,
            signer,
        };
        match &options.status {
            None => sd_jwt::issue(claims, disclosable, options, iat, &identity),
            Some(status) => {
                if claims.contains_key("status") {
                    return Err(sd_jwt::SdJwtError::ReservedClaim {
                        name: "status".into(),
                        reason: "the options ask the issuer to set it".into(),
                    }
                    .into());
                }
                let claim = crate::token_status::allocate_status_claim(
                    self.registry()?,
                    &status.list_url,
                    &status.credential_id,
                )?;
                let mut claims = claims.clone();
                claims.insert("status".into(), claim);
                sd_jwt::issue(&claims, disclosable, options, iat, &identity)
            }
        }
    }
}
