//! [`Issuer`]: signs credentials, and keeps their status.

use std::sync::Arc;

use lommebok::Credential;

use crate::key::{ForeignSigner, core_signer_of_key};
use crate::sd_jwt::{SdJwtOptions, claim_paths, claims_of_json};
use crate::status::StatusRegistry;
use crate::time::{parse_time, validity_window};
use crate::{LommebokError, Signer, SoftwareKey};

/// A Data Integrity cryptosuite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Cryptosuite {
    /// `eddsa-rdfc-2022`: Ed25519 over RDF canonical N-Quads (the Ed25519 default).
    EddsaRdfc2022,
    /// `eddsa-jcs-2022`: Ed25519 over JCS canonical JSON.
    EddsaJcs2022,
    /// `ecdsa-rdfc-2019` with P-256 (the P-256 default).
    EcdsaRdfc2019,
    /// `ecdsa-jcs-2019` with P-256.
    EcdsaJcs2019,
    /// `ecdsa-sd-2023` with P-256: selective disclosure. Credentials get a base proof; the
    /// holder's wallet presents credentials derived from it that disclose only what a verifier
    /// asks for and the issuer's mandatory claims (see [`Issuer::with_mandatory_pointers`]).
    EcdsaSd2023,
}

impl From<Cryptosuite> for lommebok::data_integrity::Cryptosuite {
    fn from(suite: Cryptosuite) -> Self {
        use lommebok::data_integrity::Cryptosuite as Core;
        match suite {
            Cryptosuite::EddsaRdfc2022 => Core::EddsaRdfc2022,
            Cryptosuite::EddsaJcs2022 => Core::EddsaJcs2022,
            Cryptosuite::EcdsaRdfc2019 => Core::EcdsaRdfc2019,
            Cryptosuite::EcdsaJcs2019 => Core::EcdsaJcs2019,
            Cryptosuite::EcdsaSd2023 => Core::EcdsaSd2023,
        }
    }
}

/// What a delegation credential lets its delegate do ([`Issuer::issue_delegation`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DelegationScope {
    /// The credential types the delegate may present for the principal (e.g.
    /// `ResidenceCredential`); at least one.
    pub credential_types: Vec<String>,
    /// The verifiers (DIDs) the delegate may present to; empty for any.
    #[uniffi(default = [])]
    pub verifiers: Vec<String>,
    /// The purposes the delegate may present for, as the parties name them; empty for any.
    #[uniffi(default = [])]
    pub purposes: Vec<String>,
}

/// Signs credentials as the `did:key` of its key; with a status registry, gives each credential
/// status entries it can later revoke or suspend.
///
/// An `Issuer` never changes: `with_cryptosuite` and `with_status` return a new one.
#[derive(Debug, uniffi::Object)]
pub struct Issuer {
    inner: lommebok::Issuer,
}

impl Issuer {
    /// The core issuer.
    pub(crate) fn core(&self) -> &lommebok::Issuer {
        &self.inner
    }

    pub(crate) fn wrap(inner: lommebok::Issuer) -> Arc<Self> {
        Arc::new(Issuer { inner })
    }
}

#[uniffi::export]
impl Issuer {
    /// An issuer signing with a software key, with the key's default cryptosuite.
    #[uniffi::constructor]
    pub fn new(key: Arc<SoftwareKey>) -> Arc<Self> {
        Self::wrap(lommebok::Issuer::new(core_signer_of_key(&key)))
    }

    /// An issuer signing with a key held by the platform (see [`Signer`]).
    ///
    /// # Errors
    /// [`LommebokError::Signing`] when the signer throws while giving its public key;
    /// [`LommebokError::InvalidInput`] when that key is not in an accepted form.
    #[uniffi::constructor]
    pub fn with_signer(signer: Arc<dyn Signer>) -> Result<Arc<Self>, LommebokError> {
        let signer = ForeignSigner::new(signer)?.into_core();
        Ok(Self::wrap(lommebok::Issuer::new(signer)))
    }

    /// This issuer, signing with `cryptosuite` instead.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the suite does not fit the key (e.g. an ECDSA
    /// suite with an Ed25519 key).
    pub fn with_cryptosuite(&self, cryptosuite: Cryptosuite) -> Result<Arc<Self>, LommebokError> {
        let inner = self.inner.clone().with_cryptosuite(cryptosuite.into())?;
        Ok(Self::wrap(inner))
    }

    /// This issuer, with `ecdsa-sd-2023`, making mandatory the claims `pointers` select (JSON
    /// pointers, e.g. `/credentialSubject/nationality`): every credential a holder derives
    /// discloses them. `/issuer`, and `/validFrom`, `/validUntil`, `/credentialStatus` and
    /// `/credentialSubject/id` when present, are always mandatory. Issuing fails
    /// ([`LommebokError::InvalidInput`]) when a pointer selects nothing in the credential.
    pub fn with_mandatory_pointers(&self, pointers: Vec<String>) -> Arc<Self> {
        let pointers: Vec<&str> = pointers.iter().map(String::as_str).collect();
        Self::wrap(self.inner.clone().with_mandatory_pointers(&pointers))
    }

    /// This issuer, giving every credential it issues an entry in each of the lists `lists`
    /// of `registry` (e.g. a revocation list and a suspension list, made with
    /// [`StatusRegistry::create_list`]).
    pub fn with_status(&self, registry: Arc<StatusRegistry>, lists: Vec<String>) -> Arc<Self> {
        let lists: Vec<&str> = lists.iter().map(String::as_str).collect();
        Self::wrap(
            self.inner
                .clone()
                .with_status(registry.inner.clone(), &lists),
        )
    }

    /// This issuer, also knowing the JSON-LD contexts `contexts` (for credentials that use a
    /// vocabulary lommebok does not bundle).
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a context that is not a JSON-LD context, or that
    /// would replace a bundled one.
    pub fn with_contexts(
        &self,
        contexts: Vec<crate::ContextDocument>,
    ) -> Result<Arc<Self>, LommebokError> {
        let registry = crate::context_registry(&contexts)?;
        Ok(Self::wrap(self.inner.clone().with_contexts(registry)))
    }

    /// The issuer's DID.
    pub fn did(&self) -> String {
        self.inner.did().to_string()
    }

    /// The DID URL of the issuer's key (`did:key:z…#z…`): the `kid` of its SD-JWTs and Status
    /// List Tokens, and what a verifier names it by ([`crate::SdJwtIssuer::DidUrl`]).
    pub fn verification_method(&self) -> String {
        let did = self.inner.did();
        format!("{did}#{}", did.method_specific_id())
    }

    /// The issuer's public key as a JWK (JSON text), for verifiers that trust the key itself
    /// ([`crate::SdJwtIssuer::Jwk`]).
    ///
    /// # Errors
    /// [`LommebokError::Internal`] if the issuer's DID does not hold its key (never for the
    /// `did:key` issuers this library makes).
    pub fn public_key_jwk(&self) -> Result<String, LommebokError> {
        let key = lommebok::PublicKey::from_multibase(self.inner.did().method_specific_id())
            .map_err(|e| LommebokError::Internal {
                reason: format!("the issuer's did:key: {e}"),
            })?;
        Ok(key.to_jwk().to_string())
    }

    /// Issues an SD-JWT VC now: `claims_json` (a JSON object, without `iss`, `iat`, `exp`,
    /// `nbf`, `cnf`, `vct`: those come from `options`), with the claims at the dot paths
    /// `disclosable` (`given_name`, `address.locality`, `nationalities.0`) made selectively
    /// disclosable. Returns the compact form `<JWT>~<disclosure>~…~`, to hand to the holder.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for claims that are not a JSON object or set a reserved
    /// claim, a path that is malformed, leads nowhere or names a claim never disclosable, bad
    /// options (empty `vct`, a bad JWK or date, too many decoys, half a status);
    /// [`LommebokError::Status`] when a status entry is asked of an issuer without a status
    /// registry, or the list is unknown or full; [`LommebokError::Signing`].
    pub fn issue_sd_jwt(
        &self,
        claims_json: String,
        disclosable: Vec<String>,
        options: SdJwtOptions,
    ) -> Result<String, LommebokError> {
        let claims = claims_of_json(&claims_json)?;
        let disclosable = claim_paths(&disclosable)?;
        let options = options.to_core()?;
        Ok(self.inner.issue_sd_jwt(&claims, &disclosable, &options)?)
    }

    /// The signed Status List Token (IETF Token Status List, `statuslist+jwt`) for the list at
    /// `url` as it stands now, valid from now for `valid_for_seconds`: publish it at `url` for
    /// the SD-JWT VCs issued with a status in that list.
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the issuer has no status registry or no list `url`, or
    /// the list cannot be expressed as a token (a refresh list);
    /// [`LommebokError::InvalidInput`] for a period of 0 or too long to represent;
    /// [`LommebokError::Signing`].
    pub fn status_list_token(
        &self,
        url: String,
        valid_for_seconds: u64,
    ) -> Result<String, LommebokError> {
        let (from, until) = validity_window(chrono::Utc::now(), valid_for_seconds)?;
        Ok(self.inner.status_list_token_at(&url, from, until)?)
    }

    /// Signs a credential given as JSON (VCDM 2.0, `issuer` set to [`Issuer::did`]), now.
    /// Returns the signed credential as JSON. With status lists, the credential gets an `id`
    /// (if it has none) and its `credentialStatus` entries.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the JSON is not a credential, names another
    /// issuer, or uses a context or term lommebok does not know; [`LommebokError::Signing`];
    /// [`LommebokError::Status`] when no status entry can be allocated.
    pub fn issue(&self, unsigned_credential_json: String) -> Result<String, LommebokError> {
        let credential =
            Credential::from_json_str(&unsigned_credential_json).map_err(lommebok::Error::from)?;
        Ok(self.inner.issue(&credential)?.to_json_string())
    }

    /// As [`Issuer::issue`], with the proof's `created` set to `created` (an ISO 8601 /
    /// RFC 3339 date-time with a time zone, e.g. `2026-01-01T00:00:00Z`). EdDSA proofs are
    /// then deterministic.
    ///
    /// # Errors
    /// As [`Issuer::issue`], and [`LommebokError::InvalidInput`] for a bad date.
    pub fn issue_at(
        &self,
        unsigned_credential_json: String,
        created: String,
    ) -> Result<String, LommebokError> {
        let created = parse_time("created", &created)?;
        let credential =
            Credential::from_json_str(&unsigned_credential_json).map_err(lommebok::Error::from)?;
        Ok(self.inner.issue_at(&credential, created)?.to_json_string())
    }

    /// A trust list, signed by this issuer as its trust anchor, valid from now until
    /// `valid_until` (ISO 8601; open-ended when `None`). Publish it for verifiers and wallets
    /// ([`crate::TrustLists::add`]); to change it, issue the new contents with a higher
    /// `sequence`.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a bad date or DID; [`LommebokError::Signing`].
    #[uniffi::method(default(valid_until = None))]
    pub fn issue_trust_list(
        &self,
        contents: crate::TrustListContents,
        valid_until: Option<String>,
    ) -> Result<String, LommebokError> {
        let until = valid_until
            .as_deref()
            .map(|until| parse_time("valid_until", until))
            .transpose()?;
        let unsigned = contents
            .to_core()?
            .to_credential(self.inner.did(), chrono::Utc::now(), until)
            .map_err(|e| LommebokError::invalid(e.to_string()))?;
        Ok(self.inner.issue(&unsigned)?.to_json_string())
    }

    /// A delegation credential, signed now: `delegate` (a helper's DID) may present
    /// `principal`'s credentials within `scope`, until `valid_until` (ISO 8601; open-ended
    /// when `None`). The issuer is the principal themself, or an authority that verifiers'
    /// trust lists name for `DelegationCredential`. With status lists it gets an entry: revoke
    /// it by its `id` ([`crate::credential_id`]). The helper's [`crate::HolderWallet`]
    /// imports it, then keeps the principal's credentials it covers and presents them with
    /// it; verifiers report "presented by … on behalf of …".
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] for a DID that is not one, a scope without credential
    /// types, or a bad date; [`LommebokError::Signing`]; [`LommebokError::Status`].
    #[uniffi::method(default(valid_until = None))]
    pub fn issue_delegation(
        &self,
        principal: String,
        delegate: String,
        scope: DelegationScope,
        valid_until: Option<String>,
    ) -> Result<String, LommebokError> {
        let did = |name: &str, text: &str| {
            lommebok::Did::parse(text).map_err(|e| LommebokError::invalid(format!("{name}: {e}")))
        };
        let principal = did("principal", &principal)?;
        let delegate = did("delegate", &delegate)?;
        let mut core_scope = lommebok::delegation::DelegationScope::new(scope.credential_types);
        for verifier in scope.verifiers {
            did("verifier", &verifier)?;
            core_scope = core_scope.to_verifier(verifier);
        }
        for purpose in scope.purposes {
            core_scope = core_scope.for_purpose(purpose);
        }
        let now = chrono::Utc::now();
        let until = valid_until
            .as_deref()
            .map(|until| parse_time("valid_until", until))
            .transpose()?;
        if until.is_some_and(|until| until <= now) {
            return Err(LommebokError::invalid("valid_until is not in the future"));
        }
        let unsigned = lommebok::delegation::Delegation::to_credential(
            &format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            self.inner.did(),
            &delegate,
            &principal,
            &core_scope,
            now,
            until,
        )
        .map_err(|e| match e {
            lommebok::delegation::DelegationError::Lommebok(e) => e.into(),
            other => LommebokError::invalid(other.to_string()),
        })?;
        Ok(self.inner.issue_at(&unsigned, now)?.to_json_string())
    }

    /// Revokes the credential with id `credential_id`, permanently. Verifiers see it once
    /// they have the status list credential published after this.
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the issuer has no status registry, the credential has
    /// no revocation entry, or the store fails.
    pub fn revoke(&self, credential_id: String) -> Result<(), LommebokError> {
        Ok(self.inner.revoke(&credential_id)?)
    }

    /// Suspends the credential with id `credential_id`.
    ///
    /// # Errors
    /// As [`Issuer::revoke`], for a suspension entry.
    pub fn suspend(&self, credential_id: String) -> Result<(), LommebokError> {
        Ok(self.inner.suspend(&credential_id)?)
    }

    /// Lifts the suspension of the credential with id `credential_id`.
    ///
    /// # Errors
    /// As [`Issuer::suspend`].
    pub fn unsuspend(&self, credential_id: String) -> Result<(), LommebokError> {
        Ok(self.inner.unsuspend(&credential_id)?)
    }

    /// The signed status list credential (`BitstringStatusListCredential`) for the list at
    /// `url` as it stands now, valid from now for `valid_for_seconds`: publish it at `url`.
    ///
    /// # Errors
    /// [`LommebokError::Status`] when the issuer has no status registry or no list `url`;
    /// [`LommebokError::InvalidInput`] for a period too long to represent;
    /// [`LommebokError::Signing`].
    pub fn status_list_credential(
        &self,
        url: String,
        valid_for_seconds: u64,
    ) -> Result<String, LommebokError> {
        let (from, until) = validity_window(chrono::Utc::now(), valid_for_seconds)?;
        let credential = self.inner.status_list_credential_at(&url, from, until)?;
        Ok(credential.to_json_string())
    }

    /// As [`Issuer::status_list_credential`], valid from `valid_from` to `valid_until`
    /// (ISO 8601 date-times with a time zone), signed as of `valid_from`.
    ///
    /// # Errors
    /// As [`Issuer::status_list_credential`], and [`LommebokError::InvalidInput`] for a bad
    /// date or `valid_until` before `valid_from`.
    pub fn status_list_credential_at(
        &self,
        url: String,
        valid_from: String,
        valid_until: String,
    ) -> Result<String, LommebokError> {
        let from = parse_time("valid_from", &valid_from)?;
        let until = parse_time("valid_until", &valid_until)?;
        if until < from {
            return Err(LommebokError::invalid("valid_until is before valid_from"));
        }
        let credential = self.inner.status_list_credential_at(&url, from, until)?;
        Ok(credential.to_json_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_invalid as invalid, raw_key as key, residence};
    use crate::{HolderWallet, ImportResult, KeyAlgorithm, Verifier};

    #[test]
    fn a_delegation_lets_a_helpers_wallet_keep_and_present_the_citizens_credential() {
        let dir = tempfile::tempdir().unwrap();
        let ola = HolderWallet::open(
            dir.path().join("ola.db").to_string_lossy().into_owned(),
            key(3),
            None,
            vec![],
        )
        .unwrap();
        let kari = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let municipality = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let verifier = Verifier::new();
        let karis = residence(&municipality, &kari.did());
        assert!(matches!(
            ola.import_credential(karis.clone(), verifier.clone(), None)
                .unwrap(),
            ImportResult::Refused { report: None, .. }
        ));
        let scope = DelegationScope {
            credential_types: vec!["ExampleResidenceCredential".into()],
            verifiers: vec![],
            purposes: vec![],
        };
        invalid(
            kari.issue_delegation("kari".into(), ola.did(), scope.clone(), None),
            "principal",
        );
        invalid(
            kari.issue_delegation(
                kari.did(),
                ola.did(),
                DelegationScope {
                    credential_types: vec![],
                    ..scope.clone()
                },
                None,
            ),
            "credential type",
        );
        invalid(
            kari.issue_delegation(
                kari.did(),
                ola.did(),
                scope.clone(),
                Some("2000-01-01T00:00:00Z".into()),
            ),
            "future",
        );
        let delegation = kari
            .issue_delegation(
                kari.did(),
                ola.did(),
                scope,
                Some("2999-01-01T00:00:00Z".into()),
            )
            .unwrap();
        assert!(crate::credential_id(delegation.clone()).unwrap().is_some());
        for credential in [delegation, karis] {
            let imported = ola
                .import_credential(credential, verifier.clone(), None)
                .unwrap();
            assert!(
                matches!(imported, ImportResult::Imported { .. }),
                "{imported:?}"
            );
        }
        let query = r#"{"credentials": [{"id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ExampleResidenceCredential"]]}}]}"#;
        let answers = ola.answers(query.into()).unwrap();
        let request = verifier.request(Some("https://apotek.example".into()));
        let made = ola
            .present(
                query.into(),
                answers.default_choices,
                request.clone(),
                "Apotek 1".into(),
            )
            .unwrap();
        let report = verifier
            .verify_presentation(made.presentations[0].presentation.clone(), request)
            .unwrap();
        assert!(report.valid, "{report:?}");
        assert!(
            report.checks.iter().any(|c| c.reason
                == format!(
                    "presented by {} on behalf of {} under delegation {}",
                    ola.did(),
                    kari.did(),
                    report_delegation_id(&made.presentations[0].presentation)
                )),
            "{report:?}"
        );
    }

    /// The id of the delegation inside a presentation.
    fn report_delegation_id(presentation: &str) -> String {
        let vp: serde_json::Value = serde_json::from_str(presentation).unwrap();
        vp["verifiableCredential"]
            .as_array()
            .unwrap()
            .iter()
            .find(|vc| vc["type"].to_string().contains("DelegationCredential"))
            .and_then(|vc| vc["id"].as_str())
            .unwrap()
            .to_owned()
    }
}
