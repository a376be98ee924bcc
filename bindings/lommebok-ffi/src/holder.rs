//! [`HolderWallet`]: the citizen's wallet in an encrypted SQLite file: the holder key, the
//! credentials (checked before they are kept), answers to a verifier's DCQL query with the
//! minimum, and the sealed activity log.

use std::sync::Arc;

use chrono::SecondsFormat;
use lommebok::query::DcqlQuery;
use lommebok::wallet::store::{PassphraseKey, RawKey, StoreError, StoreKey as CoreStoreKey};
use lommebok::wallet::{self as core, HolderWalletError};
use lommebok_sqlite::SqliteStorage;
use zeroize::Zeroize;

use crate::key::ForeignSigner;
use crate::sd_jwt::SdJwtIssuer;
use crate::time::time_text;
use crate::verifier::PresentationRequest;
use crate::{ContextDocument, LommebokError, Signer, VerificationReport, Verifier};

/// What opens a wallet store.
#[derive(uniffi::Enum)]
pub enum StoreKey {
    /// A passphrase the citizen types: the store key is derived from it with Argon2id (19 MiB,
    /// 2 passes; the salt and costs are recorded in the store).
    Passphrase {
        /// The passphrase.
        passphrase: String,
    },
    /// A 32-byte key the app keeps in the platform keystore (e.g. wrapped by an Android
    /// Keystore or Secure Enclave key and unwrapped for this call).
    Key {
        /// The key bytes; exactly 32.
        key: Vec<u8>,
    },
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreKey::Passphrase { .. } => "StoreKey::Passphrase(…)",
            StoreKey::Key { .. } => "StoreKey::Key(…)",
        })
    }
}

impl StoreKey {
    /// The core's store key; the bytes given are wiped.
    pub(crate) fn into_core(self) -> Result<Box<dyn CoreStoreKey>, LommebokError> {
        match self {
            StoreKey::Passphrase { passphrase } => Ok(Box::new(PassphraseKey::new(passphrase))),
            StoreKey::Key { mut key } => {
                let bytes: Result<[u8; 32], _> = key.as_slice().try_into();
                key.zeroize();
                let bytes = bytes.map_err(|_| {
                    LommebokError::invalid("a wallet store key must be exactly 32 bytes")
                })?;
                Ok(Box::new(RawKey::new(bytes)))
            }
        }
    }
}

/// The format of a held credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CredentialFormat {
    /// A W3C Verifiable Credential secured with Data Integrity (JSON; DCQL format `ldp_vc`).
    DataIntegrity,
    /// An SD-JWT VC (DCQL format `dc+sd-jwt`).
    SdJwt,
}

impl From<lommebok::wallet::store::CredentialFormat> for CredentialFormat {
    fn from(format: lommebok::wallet::store::CredentialFormat) -> Self {
        match format {
            lommebok::wallet::store::CredentialFormat::DataIntegrity => {
                CredentialFormat::DataIntegrity
            }
            lommebok::wallet::store::CredentialFormat::SdJwt => CredentialFormat::SdJwt,
        }
    }
}

/// What a wallet screen shows of a held credential.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialSummary {
    /// The wallet's id for it (for export, delete and choices).
    pub id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// Its types: `type` (Data Integrity) or `vct` (SD-JWT).
    pub types: Vec<String>,
    /// Its issuer, if named.
    pub issuer: Option<String>,
    /// Valid from (RFC 3339), if it says.
    pub valid_from: Option<String>,
    /// Valid until (RFC 3339), if it says.
    pub valid_until: Option<String>,
}

impl From<core::CredentialSummary> for CredentialSummary {
    fn from(summary: core::CredentialSummary) -> Self {
        CredentialSummary {
            id: summary.id,
            format: summary.format.into(),
            types: summary.types,
            issuer: summary.issuer,
            valid_from: time_text(summary.valid_from),
            valid_until: time_text(summary.valid_until),
        }
    }
}

/// The credentials held.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialList {
    /// Those that open and read, in id order.
    pub credentials: Vec<CredentialSummary>,
    /// One reason per record that does not open (tampered with, damaged): the others are
    /// still listed.
    pub damaged: Vec<String>,
}

/// What the wallet knows of a held credential's status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum HeldStatus {
    /// No status entry: it cannot be revoked.
    NoStatus,
    /// In force, as its issuer's status list says.
    Valid,
    /// Revoked by its issuer.
    Revoked,
    /// Suspended by its issuer (it may be reinstated).
    Suspended,
    /// Not known now (the status list is not at hand or does not verify).
    Unknown {
        /// Why.
        reason: String,
    },
}

impl From<core::HeldStatus> for HeldStatus {
    fn from(status: core::HeldStatus) -> Self {
        match status {
            core::HeldStatus::NoStatus => HeldStatus::NoStatus,
            core::HeldStatus::Valid => HeldStatus::Valid,
            core::HeldStatus::Revoked => HeldStatus::Revoked,
            core::HeldStatus::Suspended => HeldStatus::Suspended,
            core::HeldStatus::Unknown(reason) => HeldStatus::Unknown { reason },
            // A status added to the core later: not known to this version of the bindings.
            other => HeldStatus::Unknown {
                reason: format!("{other:?}"),
            },
        }
    }
}

/// A held credential and its status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialWithStatus {
    /// What the wallet shows of it.
    pub credential: CredentialSummary,
    /// Its status now.
    pub status: HeldStatus,
}

/// The credentials held, with their status.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialStatusList {
    /// Those that open and read, in id order.
    pub credentials: Vec<CredentialWithStatus>,
    /// One reason per record that does not open.
    pub damaged: Vec<String>,
}

/// What became of a credential handed to [`HolderWallet::import_credential`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportResult {
    /// It verified, is bound to this holder, and is kept.
    Imported {
        /// What the wallet shows of it.
        credential: CredentialSummary,
    },
    /// It was not kept: it does not verify (`report` says which check failed), or it is
    /// someone else's (`report` is `None`).
    Refused {
        /// Why, for the citizen.
        reason: String,
        /// Every check made, when it was verified.
        report: Option<VerificationReport>,
    },
}

/// One answer the holder gives: for the Credential Query `query_id`, the held credential
/// `held_id`, in the way `claim_set` (an index in the query's `claim_sets`; `None` when the
/// query has none).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Choice {
    /// The Credential Query's id.
    pub query_id: String,
    /// The held credential's id.
    pub held_id: String,
    /// The claim set used.
    #[uniffi(default = None)]
    pub claim_set: Option<u32>,
}

impl From<&core::Choice> for Choice {
    fn from(choice: &core::Choice) -> Self {
        Choice {
            query_id: choice.query_id.clone(),
            held_id: choice.held_id.clone(),
            claim_set: choice.claim_set.map(index_out),
        }
    }
}

impl Choice {
    fn to_core(&self) -> Result<core::Choice, LommebokError> {
        let claim_set = self
            .claim_set
            .map(|set| {
                usize::try_from(set)
                    .map_err(|_| LommebokError::invalid("the claim set index is too large"))
            })
            .transpose()?;
        Ok(core::Choice::new(&self.query_id, &self.held_id, claim_set))
    }
}

/// Indexes go out as `u32`; a query with four billion claim sets is refused long before.
fn index_out(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// What leaves the phone in one presentation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Released {
    /// A Data Integrity credential is signed whole: every claim of it leaves.
    WholeCredential {
        /// The subject's claims, as dot paths (`credentialSubject.birthDate`).
        claims: Vec<String>,
    },
    /// An SD-JWT: only these claims are disclosed, with those the issuer made always visible.
    Disclosed {
        /// The claims disclosed (whole subtrees), as dot paths (`address.locality`).
        claims: Vec<String>,
        /// The claims always visible (`iss`, `vct`, `cnf`, …).
        always_visible: Vec<String>,
    },
    /// A credential derived from an `ecdsa-sd-2023` base proof: only the claims disclosed for
    /// the query and those the issuer made mandatory leave (every claim that leaves is in one
    /// of the two).
    Selective {
        /// The claims disclosed for the query, as dot paths (`credentialSubject.birthDate`).
        disclosed: Vec<String>,
        /// The claims the issuer made mandatory (`issuer`, `validFrom`, `type`, …).
        mandatory: Vec<String>,
    },
}

impl From<core::Released> for Released {
    fn from(released: core::Released) -> Self {
        match released {
            core::Released::WholeCredential { claims } => Released::WholeCredential { claims },
            core::Released::Disclosed {
                claims,
                always_visible,
            } => Released::Disclosed {
                claims,
                always_visible,
            },
            core::Released::Selective {
                disclosed,
                mandatory,
            } => Released::Selective {
                disclosed,
                mandatory,
            },
        }
    }
}

/// One way a held credential answers a Credential Query.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AnswerWay {
    /// The claim set used (index in `claim_sets`); `None` when the query has none.
    pub claim_set: Option<u32>,
    /// The requested claims found, as dot paths.
    pub requested: Vec<String>,
    /// What would leave the phone: show this on the consent screen.
    pub released: Released,
}

/// A held credential that answers a Credential Query.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Candidate {
    /// The credential.
    pub credential: CredentialSummary,
    /// Each way it answers, the verifier's preferred first; never empty.
    pub ways: Vec<AnswerWay>,
}

/// The candidates for one Credential Query.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueryAnswers {
    /// The Credential Query's id.
    pub query_id: String,
    /// Whether the verifier takes several credentials for it.
    pub multiple: bool,
    /// The held credentials that answer it; empty for none.
    pub candidates: Vec<Candidate>,
}

/// How one Credential Set Query fares.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CredentialSetAnswers {
    /// Whether the set is required.
    pub required: bool,
    /// The indexes (in `options`) of the options the wallet can meet.
    pub satisfiable_options: Vec<u32>,
}

/// Everything the consent screen needs to answer a request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RequestAnswers {
    /// Whether the wallet can answer at all. When `false`, nothing may be sent.
    pub satisfiable: bool,
    /// One entry per Credential Query, in the query's order.
    pub queries: Vec<QueryAnswers>,
    /// One entry per Credential Set Query (empty without `credential_sets`).
    pub credential_sets: Vec<CredentialSetAnswers>,
    /// A default answer: each query's first candidate (all, when `multiple`) in the preferred
    /// way. Empty when not satisfiable.
    pub default_choices: Vec<Choice>,
}

/// One presentation made.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PresentedCredential {
    /// The Credential Query it answers.
    pub query_id: String,
    /// The held credential presented.
    pub held_id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// The presentation: an SD-JWT with a Key Binding JWT, or a Verifiable Presentation as
    /// JSON.
    pub presentation: String,
    /// Its activity log entry's id.
    pub activity_id: String,
}

/// The response to a request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Presentations {
    /// One per choice, in the order given.
    pub presentations: Vec<PresentedCredential>,
    /// The OpenID4VP 1.0 `vp_token` (§8.1) as JSON: each Credential Query id to its
    /// presentations.
    pub vp_token: String,
}

/// An activity log entry: one presentation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Activity {
    /// The entry's id.
    pub id: String,
    /// When (RFC 3339).
    pub at: String,
    /// The verifier, as the app named it to the citizen.
    pub verifier: String,
    /// The request's domain (audience), if it named one.
    pub domain: Option<String>,
    /// The Credential Query answered.
    pub query_id: String,
    /// The held credential presented.
    pub credential_id: String,
    /// Its format.
    pub format: CredentialFormat,
    /// Its types.
    pub credential_types: Vec<String>,
    /// Its issuer.
    pub issuer: Option<String>,
    /// What left the phone.
    pub released: Released,
}

impl From<core::Activity> for Activity {
    fn from(activity: core::Activity) -> Self {
        Activity {
            id: activity.id,
            at: activity.at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            verifier: activity.verifier,
            domain: activity.domain,
            query_id: activity.query_id,
            credential_id: activity.credential_id,
            format: activity.format.into(),
            credential_types: activity.credential_types,
            issuer: activity.issuer,
            released: activity.released.into(),
        }
    }
}

/// The activity log.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActivityLog {
    /// The entries that open, oldest first.
    pub entries: Vec<Activity>,
    /// One reason per entry that does not open.
    pub damaged: Vec<String>,
}

pub(crate) fn store_error(error: StoreError) -> LommebokError {
    match error {
        StoreError::WrongKey => LommebokError::WrongKey {
            reason: error.to_string(),
        },
        StoreError::Invalid(_) => LommebokError::invalid(error.to_string()),
        other => LommebokError::Storage {
            reason: other.to_string(),
        },
    }
}

impl From<HolderWalletError> for LommebokError {
    fn from(error: HolderWalletError) -> Self {
        match error {
            HolderWalletError::Store(e) => store_error(e),
            HolderWalletError::Lommebok(e) => e.into(),
            other => LommebokError::invalid(other.to_string()),
        }
    }
}

fn presentations_of(made: core::Presentations) -> Presentations {
    Presentations {
        vp_token: made.vp_token().to_string(),
        presentations: made
            .presentations
            .into_iter()
            .map(|presented| PresentedCredential {
                query_id: presented.query_id,
                held_id: presented.held_id,
                format: presented.format.into(),
                presentation: presented.presentation,
                activity_id: presented.activity_id,
            })
            .collect(),
    }
}

fn parse_query(query_json: &str) -> Result<DcqlQuery, LommebokError> {
    DcqlQuery::parse(query_json)
        .map_err(|e| LommebokError::invalid(format!("not a DCQL query: {e}")))
}

/// The citizen's wallet, kept in an encrypted SQLite file.
///
/// Every record (credential, software holder key, activity entry) is sealed with
/// XChaCha20-Poly1305 under the store key, bound to its id and kind; each write is one SQLite
/// transaction. The holder key is the platform's (a [`Signer`]; only its DID is recorded) or a
/// software Ed25519 key the wallet makes on first open and keeps sealed in the store.
#[derive(Debug, uniffi::Object)]
pub struct HolderWallet {
    pub(crate) inner: core::HolderWallet,
}

#[uniffi::export]
impl HolderWallet {
    /// Opens the wallet in the file at `path` with `key`, creating it when the file does not
    /// exist (or is empty). With `signer` the holder key is that platform key (the first open
    /// records it; later opens must give the same one); without, the wallet's own software
    /// key. `contexts` are JSON-LD contexts beyond the bundled ones, for credentials that use
    /// their own vocabulary.
    ///
    /// # Errors
    /// [`LommebokError::WrongKey`] when `key` does not open this store (nothing is changed);
    /// [`LommebokError::Storage`] when the file is not a wallet store or cannot be written;
    /// [`LommebokError::InvalidInput`] for a key of the wrong length, a signer other than the
    /// recorded one, a store made with a platform key opened without it, or a bad context;
    /// [`LommebokError::Signing`] when the signer cannot give its public key.
    #[uniffi::constructor(default(signer = None, contexts = []))]
    pub fn open(
        path: String,
        key: StoreKey,
        signer: Option<Arc<dyn Signer>>,
        contexts: Vec<ContextDocument>,
    ) -> Result<Arc<Self>, LommebokError> {
        let key = key.into_core()?;
        let registry = crate::context_registry(&contexts)?;
        let signer = signer
            .map(|signer| ForeignSigner::new(signer).map(ForeignSigner::into_core))
            .transpose()?;
        let storage = SqliteStorage::open(&path).map_err(store_error)?;
        let inner = core::HolderWallet::open(Arc::new(storage), key.as_ref(), signer)?
            .with_contexts(registry);
        Ok(Arc::new(HolderWallet { inner }))
    }

    /// The holder's DID: what an issuer puts in `credentialSubject.id`.
    pub fn did(&self) -> String {
        self.inner.did().to_string()
    }

    /// The holder's public key as a JWK (JSON text): what an issuer binds an SD-JWT VC to.
    pub fn public_key_jwk(&self) -> String {
        self.inner.public_key().to_jwk().to_string()
    }

    /// Whether the holder key is the wallet's own software key (not a platform key).
    pub fn has_software_key(&self) -> bool {
        self.inner.has_software_key()
    }

    /// Checks a credential with `verifier` and keeps it if it verifies and is this holder's.
    /// A JSON object is a Data Integrity credential; anything else is read as an SD-JWT VC as
    /// issued, checked against `sd_jwt_issuer` (required for SD-JWTs) and bound to this
    /// holder's key.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the text is not a credential at all, or an SD-JWT
    /// comes without `sd_jwt_issuer`; [`LommebokError::Storage`]. A credential that is read but
    /// not accepted is [`ImportResult::Refused`], not an error.
    #[uniffi::method(default(sd_jwt_issuer = None))]
    pub fn import_credential(
        &self,
        credential: String,
        verifier: Arc<Verifier>,
        sd_jwt_issuer: Option<SdJwtIssuer>,
    ) -> Result<ImportResult, LommebokError> {
        let issuer = sd_jwt_issuer.map(|issuer| issuer.to_core()).transpose()?;
        match self
            .inner
            .import(&credential, verifier.core(), issuer.as_ref())
        {
            Ok(summary) => Ok(ImportResult::Imported {
                credential: summary.into(),
            }),
            Err(HolderWalletError::NotVerified { report }) => Ok(ImportResult::Refused {
                reason: HolderWalletError::NotVerified {
                    report: report.clone(),
                }
                .to_string(),
                report: Some(report.into()),
            }),
            Err(error @ HolderWalletError::NotBound { .. }) => Ok(ImportResult::Refused {
                reason: error.to_string(),
                report: None,
            }),
            Err(error) => Err(error.into()),
        }
    }

    /// The credentials held, and the records that no longer open.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn list(&self) -> Result<CredentialList, LommebokError> {
        let listing = self.inner.list().map_err(store_error)?;
        Ok(CredentialList {
            credentials: listing.records.into_iter().map(Into::into).collect(),
            damaged: listing.damaged.iter().map(ToString::to_string).collect(),
        })
    }

    /// The credentials held, each with its status as `verifier` sees it (hand it the
    /// issuers' status lists first: `Verifier.add_status_list`). A status that cannot be
    /// known is `HeldStatus::Unknown`, never `Valid`.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn list_with_status(
        &self,
        verifier: Arc<Verifier>,
    ) -> Result<CredentialStatusList, LommebokError> {
        let listing = self
            .inner
            .list_with_status(verifier.core())
            .map_err(store_error)?;
        Ok(CredentialStatusList {
            credentials: listing
                .records
                .into_iter()
                .map(|(summary, status)| CredentialWithStatus {
                    credential: summary.into(),
                    status: status.into(),
                })
                .collect(),
            damaged: listing.damaged.iter().map(ToString::to_string).collect(),
        })
    }

    /// The held credential `id` as it was issued (JSON, or the SD-JWT with every disclosure),
    /// for the citizen to keep or move elsewhere.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when there is no such credential;
    /// [`LommebokError::Storage`] when its record does not open.
    pub fn export(&self, id: String) -> Result<String, LommebokError> {
        Ok(self.inner.export(&id)?)
    }

    /// Deletes the held credential `id`; `false` when there was none. Its activity entries
    /// stay.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn delete(&self, id: String) -> Result<bool, LommebokError> {
        self.inner.delete(&id).map_err(store_error)
    }

    /// Which held credentials answer the DCQL query `query_json` (OpenID4VP 1.0 §6), and for
    /// each way exactly which claims would leave the phone.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when it is not a DCQL query; [`LommebokError::Storage`].
    pub fn answers(&self, query_json: String) -> Result<RequestAnswers, LommebokError> {
        let query = parse_query(&query_json)?;
        let matched = self.inner.answers(&query).map_err(store_error)?;
        let summaries: Vec<core::CredentialSummary> =
            self.inner.list().map_err(store_error)?.records;
        let mut queries = Vec::with_capacity(matched.credentials.len());
        for query_match in &matched.credentials {
            let mut candidates = Vec::with_capacity(query_match.candidates.len());
            for candidate in &query_match.candidates {
                let Some(summary) = summaries.iter().find(|s| s.id == candidate.held_id) else {
                    continue;
                };
                let mut ways = Vec::with_capacity(candidate.ways.len());
                for way in &candidate.ways {
                    ways.push(AnswerWay {
                        claim_set: way.claim_set.map(index_out),
                        requested: way
                            .claims
                            .iter()
                            .flat_map(|claim| claim.paths.iter().map(ToString::to_string))
                            .collect(),
                        released: self.inner.released(&candidate.held_id, way)?.into(),
                    });
                }
                candidates.push(Candidate {
                    credential: summary.clone().into(),
                    ways,
                });
            }
            queries.push(QueryAnswers {
                query_id: query_match.query_id.clone(),
                multiple: query_match.multiple,
                candidates,
            });
        }
        Ok(RequestAnswers {
            satisfiable: matched.satisfiable,
            queries,
            credential_sets: matched
                .credential_sets
                .iter()
                .map(|set| CredentialSetAnswers {
                    required: set.required,
                    satisfiable_options: set
                        .satisfiable_options
                        .iter()
                        .copied()
                        .map(index_out)
                        .collect(),
                })
                .collect(),
            default_choices: core::Choice::defaults(&matched)
                .iter()
                .map(Choice::from)
                .collect(),
        })
    }

    /// Answers `request` with the citizen's `choices` for the DCQL query `query_json`: one
    /// presentation each, with the minimum (an SD-JWT discloses only what the chosen way
    /// needs, with a Key Binding JWT on the request's challenge and domain; a Data Integrity
    /// credential goes whole in a Verifiable Presentation signed with them), and one activity
    /// entry each, naming `verifier_name`. Nothing is sent or logged unless the choices answer
    /// the query.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the query is not DCQL, the choices do not answer
    /// it, or an SD-JWT is presented to a request without a domain;
    /// [`LommebokError::Signing`]; [`LommebokError::Storage`].
    pub fn present(
        &self,
        query_json: String,
        choices: Vec<Choice>,
        request: PresentationRequest,
        verifier_name: String,
    ) -> Result<Presentations, LommebokError> {
        let query = parse_query(&query_json)?;
        let chosen = choices
            .iter()
            .map(Choice::to_core)
            .collect::<Result<Vec<_>, _>>()?;
        let made = self
            .inner
            .present(&query, &chosen, &request.into(), &verifier_name)?;
        Ok(presentations_of(made))
    }

    /// Answers the signed request checked as `check` ([`crate::check_request`]) with the
    /// citizen's `choices` for its query: the presentations are for that verifier (audience
    /// its `client_id`, challenge its nonce) and the log names it as registered. Send the
    /// `vp_token` to `check.response_uri()` and nowhere else.
    ///
    /// # Errors
    /// [`LommebokError::InvalidInput`] when the request is refused (unregistered verifier,
    /// over-asking, response address not registered) or the choices do not answer it;
    /// [`LommebokError::Signing`]; [`LommebokError::Storage`].
    pub fn present_to(
        &self,
        check: Arc<crate::RequestCheck>,
        choices: Vec<Choice>,
    ) -> Result<Presentations, LommebokError> {
        let chosen = choices
            .iter()
            .map(Choice::to_core)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(presentations_of(
            self.inner.present_to(&check.inner, &chosen)?,
        ))
    }

    /// The activity log: every presentation made, oldest first.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn activity(&self) -> Result<ActivityLog, LommebokError> {
        let listing = self.inner.activity().map_err(store_error)?;
        Ok(ActivityLog {
            entries: listing.records.into_iter().map(Into::into).collect(),
            damaged: listing.damaged.iter().map(ToString::to_string).collect(),
        })
    }

    /// The activity log as JSON, for the citizen to export.
    ///
    /// # Errors
    /// [`LommebokError::Storage`].
    pub fn activity_json(&self) -> Result<String, LommebokError> {
        self.inner.activity_json().map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::residence;
    use crate::{Issuer, KeyAlgorithm, SdJwtOptions, SoftwareKey};

    fn passphrase(text: &str) -> StoreKey {
        StoreKey::Passphrase {
            passphrase: text.to_owned(),
        }
    }

    const AGE_QUERY: &str = r#"{"credentials": [{"id": "age", "format": "dc+sd-jwt",
        "meta": {"vct_values": ["urn:example:age"]},
        "claims": [{"path": ["age_over_18"]}]}]}"#;

    #[test]
    fn an_app_opens_imports_answers_presents_and_reads_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let wallet =
            HolderWallet::open(path.clone(), passphrase("correct horse"), None, vec![]).unwrap();
        assert!(wallet.has_software_key());
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let verifier = Verifier::new();

        let imported = wallet
            .import_credential(residence(&issuer, &wallet.did()), verifier.clone(), None)
            .unwrap();
        assert!(
            matches!(imported, ImportResult::Imported { .. }),
            "{imported:?}"
        );
        let sd_jwt = issuer
            .issue_sd_jwt(
                r#"{"age_over_18": true, "birthdate": "1950-02-01"}"#.into(),
                vec!["age_over_18".into(), "birthdate".into()],
                SdJwtOptions {
                    vct: "urn:example:age".into(),
                    holder_key_jwk: Some(wallet.public_key_jwk()),
                    issuer: None,
                    valid_from: None,
                    valid_until: None,
                    decoys: 0,
                    status_list_url: None,
                    status_credential_id: None,
                },
            )
            .unwrap();
        let issuer_key = SdJwtIssuer::DidUrl {
            url: issuer.verification_method(),
        };
        let ImportResult::Imported { credential } = wallet
            .import_credential(sd_jwt, verifier.clone(), Some(issuer_key.clone()))
            .unwrap()
        else {
            panic!("the SD-JWT was refused")
        };
        assert_eq!(credential.format, CredentialFormat::SdJwt);
        assert_eq!(credential.types, vec!["urn:example:age".to_owned()]);

        // Reopen: what was imported is there.
        drop(wallet);
        let wallet = HolderWallet::open(path, passphrase("correct horse"), None, vec![]).unwrap();
        assert_eq!(wallet.list().unwrap().credentials.len(), 2);

        let answers = wallet.answers(AGE_QUERY.into()).unwrap();
        assert!(answers.satisfiable);
        let way = &answers.queries[0].candidates[0].ways[0];
        assert_eq!(
            way.released,
            Released::Disclosed {
                claims: vec!["age_over_18".into()],
                always_visible: vec!["cnf".into(), "iat".into(), "iss".into(), "vct".into()],
            }
        );

        let request = verifier.request(Some("https://apotek.example".into()));
        let made = wallet
            .present(
                AGE_QUERY.into(),
                answers.default_choices.clone(),
                request.clone(),
                "Apotek Nord".into(),
            )
            .unwrap();
        let checked = verifier
            .verify_sd_jwt(
                made.presentations[0].presentation.clone(),
                issuer_key,
                Some(request),
            )
            .unwrap();
        assert!(checked.report.valid, "{:?}", checked.report);
        let claims: serde_json::Value =
            serde_json::from_str(checked.claims_json.as_deref().unwrap()).unwrap();
        assert_eq!(claims["age_over_18"], true);
        assert!(
            claims.get("birthdate").is_none(),
            "disclosed more than asked"
        );

        let log = wallet.activity().unwrap();
        assert_eq!(log.entries.len(), 1);
        assert_eq!(log.entries[0].verifier, "Apotek Nord");
        assert_eq!(log.entries[0].released, way.released);
        assert_eq!(log.entries[0].id, made.presentations[0].activity_id);
    }

    #[test]
    fn an_ecdsa_sd_2023_credential_is_answered_with_a_derived_credential() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let wallet = HolderWallet::open(path, passphrase("correct horse"), None, vec![]).unwrap();
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::P256))
            .with_cryptosuite(crate::Cryptosuite::EcdsaSd2023)
            .unwrap();
        let unsigned = format!(
            r#"{{"@context": ["https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2"],
              "type": ["VerifiableCredential", "ExampleResidenceCredential"],
              "issuer": "{}",
              "credentialSubject": {{"id": "{}", "municipality": "Tromsø",
                "street": "Storgata 1"}}}}"#,
            issuer.did(),
            wallet.did()
        );
        // A pointer that selects nothing is the caller's input to fix.
        let strict = issuer.with_mandatory_pointers(vec!["/credentialSubject/floor".into()]);
        assert!(matches!(
            strict.issue(unsigned.clone()),
            Err(LommebokError::InvalidInput { .. })
        ));
        let credential = issuer.issue(unsigned).unwrap();
        let verifier = Verifier::new();
        let imported = wallet
            .import_credential(credential, verifier.clone(), None)
            .unwrap();
        assert!(
            matches!(imported, ImportResult::Imported { .. }),
            "{imported:?}"
        );

        let query = r#"{"credentials": [{"id": "residence", "format": "ldp_vc",
            "meta": {"type_values": [["ExampleResidenceCredential"]]},
            "claims": [{"path": ["credentialSubject", "municipality"]}]}]}"#;
        let answers = wallet.answers(query.into()).unwrap();
        let way = &answers.queries[0].candidates[0].ways[0];
        assert_eq!(
            way.released,
            Released::Selective {
                disclosed: vec!["credentialSubject.municipality".into()],
                mandatory: vec![
                    "credentialSubject.id".into(),
                    "issuer".into(),
                    "type".into()
                ],
            }
        );
        let request = verifier.request(Some("https://apotek.example".into()));
        let made = wallet
            .present(
                query.into(),
                answers.default_choices.clone(),
                request.clone(),
                "Apotek Nord".into(),
            )
            .unwrap();
        let presentation = &made.presentations[0].presentation;
        assert!(
            !presentation.contains("Storgata"),
            "disclosed more than asked"
        );
        let report = verifier
            .verify_presentation(presentation.clone(), request)
            .unwrap();
        assert!(report.valid, "{report:?}");
        assert_eq!(wallet.activity().unwrap().entries[0].released, way.released);
    }

    #[test]
    fn a_wrong_passphrase_is_its_own_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let did = HolderWallet::open(path.clone(), passphrase("right"), None, vec![])
            .unwrap()
            .did();
        let error =
            HolderWallet::open(path.clone(), passphrase("wrong"), None, vec![]).unwrap_err();
        assert!(matches!(error, LommebokError::WrongKey { .. }), "{error:?}");
        let again = HolderWallet::open(path, passphrase("right"), None, vec![]).unwrap();
        assert_eq!(again.did(), did);
    }

    #[test]
    fn a_raw_key_must_be_32_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let short = HolderWallet::open(
            path.clone(),
            StoreKey::Key { key: vec![7; 31] },
            None,
            vec![],
        );
        assert!(matches!(short, Err(LommebokError::InvalidInput { .. })));
        let wallet = HolderWallet::open(
            path.clone(),
            StoreKey::Key { key: vec![7; 32] },
            None,
            vec![],
        )
        .unwrap();
        drop(wallet);
        let other = HolderWallet::open(path, StoreKey::Key { key: vec![8; 32] }, None, vec![]);
        assert!(matches!(other, Err(LommebokError::WrongKey { .. })));
    }

    #[test]
    fn a_file_that_is_not_a_store_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db");
        std::fs::write(&path, b"this is not a database, just some text long enough").unwrap();
        let error = HolderWallet::open(
            path.to_string_lossy().into_owned(),
            passphrase("x"),
            None,
            vec![],
        )
        .unwrap_err();
        assert!(matches!(error, LommebokError::Storage { .. }), "{error:?}");
    }

    #[test]
    fn someone_elses_credential_is_refused_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let wallet = HolderWallet::open(path, passphrase("p"), None, vec![]).unwrap();
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519));
        let theirs = residence(&issuer, "did:example:someone-else");
        let result = wallet
            .import_credential(theirs, Verifier::new(), None)
            .unwrap();
        assert!(
            matches!(result, ImportResult::Refused { report: None, .. }),
            "{result:?}"
        );
        let mut forged: serde_json::Value =
            serde_json::from_str(&residence(&issuer, &wallet.did())).unwrap();
        forged["credentialSubject"]["municipality"] = "Oslo".into();
        let result = wallet
            .import_credential(forged.to_string(), Verifier::new(), None)
            .unwrap();
        let ImportResult::Refused {
            report: Some(report),
            ..
        } = result
        else {
            panic!("a forged credential was kept: {result:?}")
        };
        assert!(!report.valid);
        assert!(wallet.list().unwrap().credentials.is_empty());
        assert!(matches!(
            wallet.import_credential("{not json".into(), Verifier::new(), None),
            Err(LommebokError::InvalidInput { .. })
        ));
        assert!(matches!(
            wallet.answers("[]".into()),
            Err(LommebokError::InvalidInput { .. })
        ));
    }
    #[test]
    fn the_wallet_screen_shows_a_revoked_credential_as_revoked() {
        use crate::{StatusPurpose, StatusRegistry};

        const LIST: &str = "https://kommune.example/status/revocation/1";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let wallet = HolderWallet::open(path, passphrase("p"), None, vec![]).unwrap();
        let registry = StatusRegistry::in_memory();
        registry
            .create_list(LIST.into(), StatusPurpose::Revocation)
            .unwrap();
        let issuer = Issuer::new(SoftwareKey::generate(KeyAlgorithm::Ed25519))
            .with_status(registry, vec![LIST.into()]);
        let credential = residence(&issuer, &wallet.did());
        let verifier = Verifier::new();
        verifier.add_status_list(
            LIST.into(),
            issuer.status_list_credential(LIST.into(), 3600).unwrap(),
        );
        assert!(matches!(
            wallet
                .import_credential(credential.clone(), verifier.clone(), None)
                .unwrap(),
            ImportResult::Imported { .. }
        ));
        let listed = wallet.list_with_status(verifier.clone()).unwrap();
        assert_eq!(listed.credentials[0].status, HeldStatus::Valid);

        let id = crate::credential_id(credential).unwrap().unwrap();
        issuer.revoke(id).unwrap();
        verifier.add_status_list(
            LIST.into(),
            issuer.status_list_credential(LIST.into(), 3600).unwrap(),
        );
        let listed = wallet.list_with_status(verifier).unwrap();
        assert_eq!(listed.credentials[0].status, HeldStatus::Revoked);
        // Without the list, the status is not known.
        let offline = wallet.list_with_status(Verifier::new()).unwrap();
        assert!(matches!(
            offline.credentials[0].status,
            HeldStatus::Unknown { .. }
        ));
    }
}
