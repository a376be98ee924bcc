//! DCQL, the Digital Credentials Query Language of OpenID for Verifiable Presentations 1.0
//! (§6), and §7's claims path pointers: reading a verifier's query, and finding which of the
//! wallet's credentials answer it and what each answer would reveal.
//!
//! [`DcqlQuery::parse`] reads a query strictly (lommebok's [`crate::json`] rules, then every
//! member the spec defines checked for shape); [`DcqlQuery::matches`] evaluates it against the
//! credentials a wallet holds ([`HeldCredential`]) and returns a [`QueryMatch`]: for every
//! Credential Query the candidate credentials, for each candidate every way it satisfies the
//! query (one per satisfiable claim set, in the verifier's order of preference), and for each way
//! exactly what would leave the phone ([`Release`]); and whether the `credential_sets`
//! constraints can be met at all.
//!
//! # Decisions where the spec leaves room
//!
//! - **Formats.** `ldp_vc` (W3C VCs secured with Data Integrity) and `dc+sd-jwt` (IETF SD-JWT
//!   VC) are understood. Any other format identifier (`mso_mdoc`, `jwt_vc_json`, …) is accepted
//!   — the spec's own examples mix formats, and format identifiers are open-ended (Appendix B) —
//!   its `meta` kept as given, and it matches no held credential (a lommebok wallet holds none).
//! - **`meta`** is required (§6.1), and so are `type_values` for `ldp_vc` (B.1.1) and
//!   `vct_values` for `dc+sd-jwt` (B.3.5). Unknown members are ignored everywhere (§6).
//! - **`type_values`** hold fully expanded type IRIs (B.1.1). The credential's `type` is
//!   expanded with JSON-LD against its own `@context` (bundled or registered contexts only,
//!   never fetched); an inner array matches when each of its entries is one of the expanded
//!   IRIs or, leniently, one of the `type` values as written (so `["IdentityCredential"]` finds
//!   a credential of that type even where a `@vocab` turns it into an IRI).
//! - **`vct_values`** are compared exactly with `vct`; SD-JWT VC type inheritance (`extends`)
//!   is not followed, so a credential of a derived type does not match.
//! - **`values`** must be strings, integers or booleans (§6.3; a fractional number is
//!   refused). A claim matches when its JSON value equals one of them exactly (type and value).
//!   With a `null` wildcard in the path, the elements that match are the ones requested; the
//!   others are treated as absent (§6.4.1).
//! - **Paths** follow §7.1's processing: a string against a non-object, or `null`/an index
//!   against a non-array, is an error, which here means "no match"; so is an empty selection.
//!   Paths into a W3C credential start at the credential's root (B.1.2), into an SD-JWT at its
//!   payload with every disclosure applied.
//! - **`trusted_authorities`** is read and checked for shape but not evaluated (none of its
//!   mechanisms — X.509 AKI, ETSI trusted lists, OpenID Federation — applies to lommebok's DID
//!   issuers). It is a SHOULD for the wallet; the verifier checks trust itself (§6.1).
//! - **`require_cryptographic_holder_binding`** (default `true`): an SD-JWT without `cnf` does
//!   not match a query that requires binding (B.3). A Data Integrity credential is bound through
//!   the holder's signed presentation, which the wallet can always make, so it is not filtered.
//! - **`multiple`** does not change matching: every candidate is listed, and
//!   [`CredentialQueryMatch::selection`] picks the first one unless `multiple` is `true`.
//! - **Duplicate claim paths** within one Credential Query are accepted (wallets SHOULD ignore
//!   them, §6.1); they resolve to the same claim, which is requested once.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::contexts::ContextRegistry;
use crate::credential::Credential;
use crate::json::{self, JsonError};
use crate::sd_jwt::{self, ClaimPath, PathSegment, SdJwtContents};

/// The format identifier of W3C VCs secured with Data Integrity (OpenID4VP B.1.3.2).
pub const FORMAT_LDP_VC: &str = "ldp_vc";
/// The format identifier of IETF SD-JWT VCs (OpenID4VP B.3).
pub const FORMAT_SD_JWT_VC: &str = "dc+sd-jwt";

/// Errors from reading a DCQL query. `at` names the offending part, e.g.
/// `credentials[0].claims[2].path[1]`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The input is not acceptable JSON (malformed, too large, too deep, duplicate members).
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A required member is absent.
    #[error("{at}: `{member}` is required")]
    Missing {
        /// Where.
        at: String,
        /// The member.
        member: &'static str,
    },
    /// A member has the wrong JSON type.
    #[error("{at}: expected {expected}")]
    WrongType {
        /// Where.
        at: String,
        /// What was expected.
        expected: &'static str,
    },
    /// An array that must not be empty is empty.
    #[error("{at}: must be a non-empty array")]
    Empty {
        /// Where.
        at: String,
    },
    /// An identifier is empty or has characters other than ASCII letters, digits, `_` and `-`.
    #[error("{at}: `{id}` is not a valid identifier (non-empty; ASCII letters, digits, `_`, `-`)")]
    InvalidId {
        /// Where.
        at: String,
        /// The identifier.
        id: String,
    },
    /// An identifier appears twice where it must be unique.
    #[error("{at}: the id `{id}` is used more than once")]
    DuplicateId {
        /// Where.
        at: String,
        /// The identifier.
        id: String,
    },
    /// A claim set names a claim id that no claim of its Credential Query has.
    #[error("{at}: no claim of this credential query has the id `{id}`")]
    UnknownClaimId {
        /// Where.
        at: String,
        /// The identifier.
        id: String,
    },
    /// A credential set option names a Credential Query id that does not exist.
    #[error("{at}: no credential query has the id `{id}`")]
    UnknownCredentialId {
        /// Where.
        at: String,
        /// The identifier.
        id: String,
    },
    /// A claims path pointer segment is not a string, a non-negative integer or `null`.
    #[error("{at}: a path segment must be a string, a non-negative integer or null")]
    InvalidPathSegment {
        /// Where.
        at: String,
    },
    /// An element of `values` is not a string, an integer or a boolean.
    #[error("{at}: a value to match must be a string, an integer or a boolean")]
    InvalidValue {
        /// Where.
        at: String,
    },
    /// `claim_sets` without `claims` (§6.4.1 forbids it).
    #[error("{at}: `claim_sets` needs `claims`")]
    ClaimSetsWithoutClaims {
        /// Where.
        at: String,
    },
    /// A claim without `id` in a Credential Query that has `claim_sets` (§6.3 requires one).
    #[error("{at}: `id` is required when the credential query has `claim_sets`")]
    ClaimWithoutId {
        /// Where.
        at: String,
    },
}

/// A DCQL query (OpenID4VP 1.0 §6).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DcqlQuery {
    /// The Credential Queries, in the order given; never empty.
    pub credentials: Vec<CredentialQuery>,
    /// The Credential Set Queries, if given (never empty when given).
    pub credential_sets: Option<Vec<CredentialSetQuery>>,
}

/// One Credential Query (§6.1).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CredentialQuery {
    /// The query's id, unique in the request.
    pub id: String,
    /// The requested format with its `meta` constraints.
    pub format: FormatQuery,
    /// Whether several credentials may be returned (default `false`).
    pub multiple: bool,
    /// Whether the presentation must prove holder binding (default `true`).
    pub require_cryptographic_holder_binding: bool,
    /// The trusted authorities, if given (read, not evaluated: see the module documentation).
    pub trusted_authorities: Option<Vec<TrustedAuthority>>,
    /// The requested claims, if given (never empty when given).
    pub claims: Option<Vec<ClaimsQuery>>,
    /// The acceptable combinations of claim ids, in order of preference, if given.
    pub claim_sets: Option<Vec<Vec<String>>>,
}

/// The requested format and its `meta` (Appendix B).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FormatQuery {
    /// `ldp_vc`: a W3C VC with a Data Integrity proof.
    LdpVc {
        /// Alternatives, each a set of fully expanded type IRIs the credential must all have.
        type_values: Vec<Vec<String>>,
    },
    /// `dc+sd-jwt`: an IETF SD-JWT VC.
    SdJwtVc {
        /// The acceptable `vct` values.
        vct_values: Vec<String>,
    },
    /// Any other format: accepted, never matched.
    Other {
        /// The format identifier.
        format: String,
        /// Its `meta`, as given.
        meta: Map<String, Value>,
    },
}

impl FormatQuery {
    /// The format identifier.
    pub fn identifier(&self) -> &str {
        match self {
            FormatQuery::LdpVc { .. } => FORMAT_LDP_VC,
            FormatQuery::SdJwtVc { .. } => FORMAT_SD_JWT_VC,
            FormatQuery::Other { format, .. } => format,
        }
    }
}

/// A Trusted Authorities Query (§6.1.1).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TrustedAuthority {
    /// The mechanism (`aki`, `etsi_tl`, `openid_federation`, …).
    pub kind: String,
    /// Its values; never empty.
    pub values: Vec<String>,
}

/// A Claims Query (§6.3).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClaimsQuery {
    /// The claim's id, unique in its Credential Query (required with `claim_sets`).
    pub id: Option<String>,
    /// The claims path pointer (§7); never empty.
    pub path: Vec<PathElement>,
    /// The acceptable values (strings, integers, booleans), if restricted.
    pub values: Option<Vec<Value>>,
}

/// One component of a claims path pointer (§7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// An object member, by name.
    Name(String),
    /// An array element, by index from 0.
    Index(usize),
    /// Every element of an array (`null`).
    AllElements,
}

impl fmt::Display for PathElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathElement::Name(name) => write!(f, "{name:?}"),
            PathElement::Index(index) => write!(f, "{index}"),
            PathElement::AllElements => f.write_str("null"),
        }
    }
}

/// A Credential Set Query (§6.2).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CredentialSetQuery {
    /// Alternatives, each a non-empty list of Credential Query ids that together satisfy it.
    pub options: Vec<Vec<String>>,
    /// Whether the set must be satisfied (default `true`).
    pub required: bool,
}

// ---------------------------------------------------------------------------------------------
// Parsing

impl DcqlQuery {
    /// Reads a DCQL query from JSON text (strict: size and depth caps, no duplicate members).
    ///
    /// # Errors
    /// [`QueryError`] naming the first malformed part.
    pub fn parse(input: &str) -> Result<DcqlQuery, QueryError> {
        let object = json::parse_object(input)?;
        Self::from_json(&object)
    }

    /// Reads a DCQL query already parsed (e.g. the `dcql_query` member of a request object).
    ///
    /// # Errors
    /// As [`DcqlQuery::parse`].
    pub fn from_json(query: &Map<String, Value>) -> Result<DcqlQuery, QueryError> {
        let at = "";
        let credentials = non_empty_array(query, "credentials", at)?
            .ok_or_else(|| missing("the query", "credentials"))?;
        let mut ids = HashSet::new();
        let credentials = credentials
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = format!("credentials[{i}]");
                let query = credential_query(c, &at)?;
                if !ids.insert(query.id.clone()) {
                    return Err(QueryError::DuplicateId {
                        at: format!("{at}.id"),
                        id: query.id,
                    });
                }
                Ok(query)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let credential_sets = non_empty_array(query, "credential_sets", at)?
            .map(|sets| {
                sets.iter()
                    .enumerate()
                    .map(|(i, s)| credential_set(s, &format!("credential_sets[{i}]"), &ids))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(DcqlQuery {
            credentials,
            credential_sets,
        })
    }

    /// The Credential Query with this id.
    pub fn credential(&self, id: &str) -> Option<&CredentialQuery> {
        self.credentials.iter().find(|c| c.id == id)
    }
}

fn missing(at: &str, member: &'static str) -> QueryError {
    QueryError::Missing {
        at: at.to_owned(),
        member,
    }
}

fn wrong(at: String, expected: &'static str) -> QueryError {
    QueryError::WrongType { at, expected }
}

fn as_object<'a>(value: &'a Value, at: &str) -> Result<&'a Map<String, Value>, QueryError> {
    value
        .as_object()
        .ok_or_else(|| wrong(at.to_owned(), "an object"))
}

/// `object[member]` as a non-empty array, if present.
fn non_empty_array<'a>(
    object: &'a Map<String, Value>,
    member: &'static str,
    at: &str,
) -> Result<Option<&'a Vec<Value>>, QueryError> {
    match object.get(member) {
        None => Ok(None),
        Some(Value::Array(items)) if items.is_empty() => Err(QueryError::Empty {
            at: join(at, member),
        }),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err(wrong(join(at, member), "an array")),
    }
}

/// `at.member`, or `member` at the top level.
fn join(at: &str, member: &str) -> String {
    if at.is_empty() {
        member.to_owned()
    } else {
        format!("{at}.{member}")
    }
}

fn optional_bool(
    object: &Map<String, Value>,
    member: &'static str,
    at: &str,
    default: bool,
) -> Result<bool, QueryError> {
    match object.get(member) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong(format!("{at}.{member}"), "a boolean")),
    }
}

/// A non-empty array of strings.
fn strings(items: &[Value], at: &str) -> Result<Vec<String>, QueryError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| wrong(format!("{at}[{i}]"), "a string"))
        })
        .collect()
}

fn identifier(value: Option<&Value>, at: String) -> Result<String, QueryError> {
    let Some(value) = value else {
        return Err(QueryError::Missing {
            at: at.trim_end_matches(".id").to_owned(),
            member: "id",
        });
    };
    let id = value
        .as_str()
        .ok_or_else(|| wrong(at.clone(), "a string"))?;
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(QueryError::InvalidId {
            at,
            id: id.to_owned(),
        });
    }
    Ok(id.to_owned())
}

fn credential_query(value: &Value, at: &str) -> Result<CredentialQuery, QueryError> {
    let object = as_object(value, at)?;
    let id = identifier(object.get("id"), format!("{at}.id"))?;
    let format = match object.get("format") {
        None => return Err(missing(at, "format")),
        Some(Value::String(format)) => format.clone(),
        Some(_) => return Err(wrong(format!("{at}.format"), "a string")),
    };
    let meta = match object.get("meta") {
        None => return Err(missing(at, "meta")),
        Some(meta) => as_object(meta, &format!("{at}.meta"))?,
    };
    let meta_at = format!("{at}.meta");
    let format = match format.as_str() {
        FORMAT_LDP_VC => {
            let alternatives = non_empty_array(meta, "type_values", &meta_at)?
                .ok_or_else(|| missing(&meta_at, "type_values"))?;
            let type_values = alternatives
                .iter()
                .enumerate()
                .map(|(i, alternative)| {
                    let at = format!("{meta_at}.type_values[{i}]");
                    match alternative {
                        Value::Array(types) if types.is_empty() => Err(QueryError::Empty { at }),
                        Value::Array(types) => strings(types, &at),
                        _ => Err(wrong(at, "an array of strings")),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            FormatQuery::LdpVc { type_values }
        }
        FORMAT_SD_JWT_VC => {
            let vct_values = non_empty_array(meta, "vct_values", &meta_at)?
                .ok_or_else(|| missing(&meta_at, "vct_values"))?;
            FormatQuery::SdJwtVc {
                vct_values: strings(vct_values, &format!("{meta_at}.vct_values"))?,
            }
        }
        _ => FormatQuery::Other {
            format,
            meta: meta.clone(),
        },
    };
    let multiple = optional_bool(object, "multiple", at, false)?;
    let require_cryptographic_holder_binding =
        optional_bool(object, "require_cryptographic_holder_binding", at, true)?;
    let trusted_authorities = non_empty_array(object, "trusted_authorities", at)?
        .map(|items| {
            items
                .iter()
                .enumerate()
                .map(|(i, item)| trusted_authority(item, &format!("{at}.trusted_authorities[{i}]")))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let claim_sets_present = object.contains_key("claim_sets");
    let claims = non_empty_array(object, "claims", at)?
        .map(|items| {
            let mut ids = HashSet::new();
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let at = format!("{at}.claims[{i}]");
                    let claim = claims_query(item, &at)?;
                    match &claim.id {
                        Some(id) if !ids.insert(id.clone()) => Err(QueryError::DuplicateId {
                            at: format!("{at}.id"),
                            id: id.clone(),
                        }),
                        None if claim_sets_present => Err(QueryError::ClaimWithoutId { at }),
                        _ => Ok(claim),
                    }
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let claim_sets = match (non_empty_array(object, "claim_sets", at)?, &claims) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(QueryError::ClaimSetsWithoutClaims { at: at.to_owned() });
        }
        (Some(sets), Some(claims)) => Some(
            sets.iter()
                .enumerate()
                .map(|(i, set)| {
                    let at = format!("{at}.claim_sets[{i}]");
                    let ids = match set {
                        Value::Array(ids) if ids.is_empty() => {
                            return Err(QueryError::Empty { at });
                        }
                        Value::Array(ids) => strings(ids, &at)?,
                        _ => return Err(wrong(at, "an array of claim ids")),
                    };
                    for (j, id) in ids.iter().enumerate() {
                        if !claims.iter().any(|c| c.id.as_deref() == Some(id.as_str())) {
                            return Err(QueryError::UnknownClaimId {
                                at: format!("{at}[{j}]"),
                                id: id.clone(),
                            });
                        }
                    }
                    Ok(ids)
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(CredentialQuery {
        id,
        format,
        multiple,
        require_cryptographic_holder_binding,
        trusted_authorities,
        claims,
        claim_sets,
    })
}

fn trusted_authority(value: &Value, at: &str) -> Result<TrustedAuthority, QueryError> {
    let object = as_object(value, at)?;
    let kind = match object.get("type") {
        None => return Err(missing(at, "type")),
        Some(Value::String(kind)) => kind.clone(),
        Some(_) => return Err(wrong(format!("{at}.type"), "a string")),
    };
    let values = non_empty_array(object, "values", at)?.ok_or_else(|| missing(at, "values"))?;
    Ok(TrustedAuthority {
        kind,
        values: strings(values, &format!("{at}.values"))?,
    })
}

fn claims_query(value: &Value, at: &str) -> Result<ClaimsQuery, QueryError> {
    let object = as_object(value, at)?;
    let id = object
        .get("id")
        .map(|id| identifier(Some(id), format!("{at}.id")))
        .transpose()?;
    let path = non_empty_array(object, "path", at)?.ok_or_else(|| missing(at, "path"))?;
    let path = path
        .iter()
        .enumerate()
        .map(|(i, segment)| match segment {
            Value::String(name) => Ok(PathElement::Name(name.clone())),
            Value::Null => Ok(PathElement::AllElements),
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(PathElement::Index)
                .ok_or_else(|| QueryError::InvalidPathSegment {
                    at: format!("{at}.path[{i}]"),
                }),
            _ => Err(QueryError::InvalidPathSegment {
                at: format!("{at}.path[{i}]"),
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let values = non_empty_array(object, "values", at)?
        .map(|values| {
            values
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(_) | Value::Bool(_) => Ok(v.clone()),
                    Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
                    _ => Err(QueryError::InvalidValue {
                        at: format!("{at}.values[{i}]"),
                    }),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    Ok(ClaimsQuery { id, path, values })
}

fn credential_set(
    value: &Value,
    at: &str,
    credential_ids: &HashSet<String>,
) -> Result<CredentialSetQuery, QueryError> {
    let object = as_object(value, at)?;
    let options = non_empty_array(object, "options", at)?.ok_or_else(|| missing(at, "options"))?;
    let options = options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let at = format!("{at}.options[{i}]");
            let ids = match option {
                Value::Array(ids) if ids.is_empty() => return Err(QueryError::Empty { at }),
                Value::Array(ids) => strings(ids, &at)?,
                _ => return Err(wrong(at, "an array of credential query ids")),
            };
            for (j, id) in ids.iter().enumerate() {
                if !credential_ids.contains(id) {
                    return Err(QueryError::UnknownCredentialId {
                        at: format!("{at}[{j}]"),
                        id: id.clone(),
                    });
                }
            }
            Ok(ids)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let required = optional_bool(object, "required", at, true)?;
    Ok(CredentialSetQuery { options, required })
}

// ---------------------------------------------------------------------------------------------
// Held credentials

/// A credential the wallet holds, under a wallet-local id, ready to be matched.
#[derive(Debug, Clone)]
pub struct HeldCredential {
    id: String,
    kind: Held,
}

#[derive(Debug, Clone)]
enum Held {
    DataIntegrity {
        credential: Box<Credential>,
        /// The `type` values as written, then their JSON-LD expansions.
        types: Vec<String>,
        /// With an `ecdsa-sd-2023` base proof, the issuer's mandatory pointers.
        mandatory_pointers: Option<Vec<String>>,
    },
    SdJwt {
        compact: String,
        contents: Box<SdJwtContents>,
    },
}

impl HeldCredential {
    /// A W3C credential secured with Data Integrity (format `ldp_vc`); its types are expanded
    /// against the bundled contexts.
    pub fn data_integrity(id: impl Into<String>, credential: Credential) -> Self {
        Self::data_integrity_with_contexts(id, credential, &ContextRegistry::default())
    }

    /// As [`HeldCredential::data_integrity`], expanding types against `contexts` (for
    /// credentials whose `@context` names registered contexts). Types whose expansion fails
    /// (an unknown context) are matched by their names as written only.
    pub fn data_integrity_with_contexts(
        id: impl Into<String>,
        credential: Credential,
        contexts: &ContextRegistry,
    ) -> Self {
        let mut types = credential.types().to_vec();
        for iri in expanded_types(&credential, contexts) {
            if !types.contains(&iri) {
                types.push(iri);
            }
        }
        let mandatory_pointers = crate::ecdsa_sd::mandatory_pointers(credential.as_json()).ok();
        HeldCredential {
            id: id.into(),
            kind: Held::DataIntegrity {
                credential: Box::new(credential),
                types,
                mandatory_pointers,
            },
        }
    }

    /// An SD-JWT VC (format `dc+sd-jwt`) in compact form, as issued.
    ///
    /// # Errors
    /// As [`sd_jwt::inspect`]: it is not an SD-JWT or its disclosures do not fit.
    pub fn sd_jwt(id: impl Into<String>, compact: &str) -> Result<Self, crate::Error> {
        let contents = sd_jwt::inspect(compact)?;
        Ok(HeldCredential {
            id: id.into(),
            kind: Held::SdJwt {
                compact: compact.to_owned(),
                contents: Box::new(contents),
            },
        })
    }

    /// The wallet-local id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The format identifier (`ldp_vc` or `dc+sd-jwt`).
    pub fn format(&self) -> &'static str {
        match self.kind {
            Held::DataIntegrity { .. } => FORMAT_LDP_VC,
            Held::SdJwt { .. } => FORMAT_SD_JWT_VC,
        }
    }

    /// The Data Integrity credential, if this is one.
    pub fn credential(&self) -> Option<&Credential> {
        match &self.kind {
            Held::DataIntegrity { credential, .. } => Some(credential),
            Held::SdJwt { .. } => None,
        }
    }

    /// The SD-JWT as issued, if this is one (what [`crate::Wallet::present_sd_jwt`] takes).
    pub fn sd_jwt_compact(&self) -> Option<&str> {
        match &self.kind {
            Held::SdJwt { compact, .. } => Some(compact),
            Held::DataIntegrity { .. } => None,
        }
    }

    /// The type values the credential is matched on: for a Data Integrity credential its
    /// `type` as written followed by the expanded IRIs; for an SD-JWT its `vct`.
    pub fn type_values(&self) -> Vec<&str> {
        match &self.kind {
            Held::DataIntegrity { types, .. } => types.iter().map(String::as_str).collect(),
            Held::SdJwt { contents, .. } => contents
                .claims
                .get("vct")
                .and_then(Value::as_str)
                .into_iter()
                .collect(),
        }
    }
}

/// Each `type` of `credential` with its spellings: as written, and expanded to an IRI (what
/// trust lists and delegations name credential types by).
pub(crate) fn type_spellings(
    credential: &Credential,
    contexts: &ContextRegistry,
) -> Vec<Vec<String>> {
    credential
        .types()
        .iter()
        .map(|written| {
            let mut spellings = vec![written.clone()];
            spellings.extend(expanded_type(credential, written, contexts));
            spellings
        })
        .collect()
}

/// The expanded IRI of one `type` value of `credential` under its `@context`, if it expands
/// to one other than itself.
pub(crate) fn expanded_type(
    credential: &Credential,
    written: &str,
    contexts: &ContextRegistry,
) -> Option<String> {
    let context = credential.as_json().get("@context")?;
    expand_types(context, &Value::String(written.to_owned()), contexts)
        .into_iter()
        .find(|iri| iri != written)
}

/// The JSON-LD expansion of the credential's `type` under its `@context`: the `rdf:type` IRIs of
/// the document `{"@context": …, "type": …}`. Empty when it cannot be expanded.
fn expanded_types(credential: &Credential, contexts: &ContextRegistry) -> Vec<String> {
    let json = credential.as_json();
    let (Some(context), Some(types)) = (json.get("@context"), json.get("type")) else {
        return Vec::new();
    };
    expand_types(context, types, contexts)
}

/// The `rdf:type` IRIs of the document `{"@context": context, "type": types}`.
fn expand_types(context: &Value, types: &Value, contexts: &ContextRegistry) -> Vec<String> {
    use ssi_json_ld::{CompactJsonLd, Expandable as _};
    use ssi_rdf::{AnyLdEnvironment as _, LdEnvironment};

    const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
    let mut document = Map::new();
    document.insert("@context".into(), context.clone());
    document.insert("type".into(), types.clone());
    // As in `data_integrity`: the JSON-LD crates have panicked on hostile input, and matching a
    // query must never take the wallet down.
    std::panic::catch_unwind(|| {
        let json = json_syntax::Value::from_serde_json(Value::Object(document));
        let mut ld = LdEnvironment::default();
        let Ok(expanded) =
            pollster::block_on(CompactJsonLd(json).expand_with(&mut ld, contexts.loader()))
        else {
            return Vec::new();
        };
        let Ok(quads) = ld.quads_of(&expanded) else {
            return Vec::new();
        };
        quads
            .iter()
            .filter(|quad| quad.1.as_str() == RDF_TYPE)
            .filter_map(|quad| match &quad.2 {
                rdf_types::Term::Id(rdf_types::Id::Iri(iri)) => Some(iri.as_str().to_owned()),
                _ => None,
            })
            .collect()
    })
    .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Matching results

/// The result of [`DcqlQuery::matches`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct QueryMatch {
    /// One entry per Credential Query, in the query's order.
    pub credentials: Vec<CredentialQueryMatch>,
    /// One entry per Credential Set Query, in the query's order (empty without
    /// `credential_sets`).
    pub credential_sets: Vec<CredentialSetMatch>,
    /// Whether the wallet can answer at all (§6.4.2): every required credential set has a
    /// satisfiable option or, without `credential_sets`, every Credential Query has a
    /// candidate. When `false` the wallet must return no credential.
    pub satisfiable: bool,
}

impl QueryMatch {
    /// The match for the Credential Query with this id.
    pub fn credential(&self, query_id: &str) -> Option<&CredentialQueryMatch> {
        self.credentials.iter().find(|c| c.query_id == query_id)
    }
}

/// The candidates for one Credential Query.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CredentialQueryMatch {
    /// The Credential Query's id.
    pub query_id: String,
    /// Whether the verifier accepts several credentials for it.
    pub multiple: bool,
    /// The held credentials that satisfy it, in the order they were given; empty for none.
    pub candidates: Vec<Candidate>,
}

impl CredentialQueryMatch {
    /// A default choice: every candidate when `multiple`, otherwise the first.
    pub fn selection(&self) -> &[Candidate] {
        if self.multiple {
            &self.candidates
        } else {
            self.candidates.get(..1).unwrap_or_default()
        }
    }
}

/// A held credential that satisfies a Credential Query.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Candidate {
    /// The wallet-local id of the held credential.
    pub held_id: String,
    /// Every way it satisfies the query, in the verifier's order of preference (one per
    /// satisfiable claim set; exactly one without `claim_sets`); never empty.
    pub ways: Vec<ClaimSetMatch>,
}

impl Candidate {
    /// The verifier's preferred way (the first satisfiable claim set; §6.4.1 says to return it).
    pub fn preferred(&self) -> Option<&ClaimSetMatch> {
        self.ways.first()
    }
}

/// One way a credential satisfies a Credential Query, and what it would reveal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClaimSetMatch {
    /// The index in `claim_sets` of the claim set used; `None` without `claim_sets`.
    pub claim_set: Option<usize>,
    /// The claims requested, each with the claims in the credential it selected.
    pub claims: Vec<MatchedClaim>,
    /// What leaves the phone if this way is presented.
    pub release: Release,
}

impl ClaimSetMatch {
    /// For an SD-JWT, the paths to pass to [`crate::Wallet::present_sd_jwt`] so that exactly
    /// [`SdJwtRelease::disclosures`] are disclosed; `None` for a Data Integrity credential
    /// (presented whole, or derived: see [`SelectiveRelease::selective_pointers`]).
    pub fn sd_jwt_paths(&self) -> Option<&[ClaimPath]> {
        match &self.release {
            Release::SdJwt(release) => Some(&release.present_paths),
            Release::WholeCredential | Release::Selective(_) => None,
        }
    }
}

/// A requested claim as found in a credential.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MatchedClaim {
    /// The Claims Query's index in `claims`.
    pub index: usize,
    /// The Claims Query's id, if it has one.
    pub id: Option<String>,
    /// The claims it selected, as concrete paths from the credential's root (W3C) or the
    /// SD-JWT payload (`null` expanded to each matching element); never empty.
    pub paths: Vec<ClaimPath>,
}

/// What a presentation would reveal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Release {
    /// A Data Integrity credential is signed whole and cannot be cut: every claim of it leaves
    /// the phone, whatever the query asked for.
    WholeCredential,
    /// An SD-JWT: only the disclosures needed leave, with the always-visible claims.
    SdJwt(SdJwtRelease),
    /// A Data Integrity credential with an `ecdsa-sd-2023` base proof: a credential derived
    /// from it leaves, with only the requested claims and the issuer's mandatory ones.
    Selective(SelectiveRelease),
}

/// What a credential derived from an `ecdsa-sd-2023` base proof reveals (vc-di-ecdsa §3.4.7;
/// computed with [`crate::ecdsa_sd::reveal`], which selects what [`crate::ecdsa_sd::derive()`]
/// discloses). `disclosed` and `mandatory` together are every claim the verifier sees.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SelectiveRelease {
    /// The claims disclosed for this query: the requested claims, with the `id` and `type` of
    /// the objects around them, as paths from the credential's root, sorted (those already in
    /// `mandatory` are not repeated).
    pub disclosed: Vec<ClaimPath>,
    /// The claims every derived credential discloses, whatever is asked: what the issuer's
    /// mandatory pointers select (`issuer`, `validFrom`, `credentialSubject.id`, …) with the
    /// credential's `type`, sorted.
    pub mandatory: Vec<ClaimPath>,
    selective_pointers: Vec<String>,
}

impl SelectiveRelease {
    /// The JSON pointers to pass to [`crate::ecdsa_sd::derive()`] (or
    /// [`crate::Wallet::present_selective`]): one per requested claim.
    pub fn selective_pointers(&self) -> Vec<&str> {
        self.selective_pointers.iter().map(String::as_str).collect()
    }
}

/// What an SD-JWT presentation reveals.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SdJwtRelease {
    /// The disclosures sent: those of the requested claims, of the claims around them, and of
    /// the claims inside them, as paths into the payload (all disclosures applied), sorted.
    pub disclosures: Vec<ClaimPath>,
    /// The claims the verifier sees through those disclosures: whole subtrees (the most general
    /// path that needs no further disclosure), sorted.
    pub disclosed_claims: Vec<ClaimPath>,
    /// The claims the verifier sees whatever is disclosed, because the issuer did not make them
    /// selectively disclosable (`iss`, `iat`, `vct`, `cnf`, …, any such user claim, and a
    /// container whose disclosable contents are all withheld, seen empty), sorted.
    pub always_visible: Vec<ClaimPath>,
    present_paths: Vec<ClaimPath>,
}

/// How one Credential Set Query fares.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CredentialSetMatch {
    /// Whether the set is required.
    pub required: bool,
    /// The indexes in `options` of the options whose Credential Queries all have candidates,
    /// in the query's order.
    pub satisfiable_options: Vec<usize>,
}

impl CredentialSetMatch {
    /// Whether some option can be satisfied.
    pub fn is_satisfiable(&self) -> bool {
        !self.satisfiable_options.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// Matching

impl DcqlQuery {
    /// Evaluates the query against the credentials the wallet holds (§6.4).
    pub fn matches(&self, held: &[HeldCredential]) -> QueryMatch {
        let credentials: Vec<CredentialQueryMatch> = self
            .credentials
            .iter()
            .map(|query| CredentialQueryMatch {
                query_id: query.id.clone(),
                multiple: query.multiple,
                candidates: held.iter().filter_map(|h| query.candidate(h)).collect(),
            })
            .collect();
        let has_candidate = |id: &str| {
            credentials
                .iter()
                .any(|c| c.query_id == id && !c.candidates.is_empty())
        };
        let credential_sets: Vec<CredentialSetMatch> = self
            .credential_sets
            .iter()
            .flatten()
            .map(|set| CredentialSetMatch {
                required: set.required,
                satisfiable_options: set
                    .options
                    .iter()
                    .enumerate()
                    .filter(|(_, option)| option.iter().all(|id| has_candidate(id)))
                    .map(|(i, _)| i)
                    .collect(),
            })
            .collect();
        let satisfiable = if self.credential_sets.is_some() {
            credential_sets
                .iter()
                .all(|s| !s.required || s.is_satisfiable())
        } else {
            credentials.iter().all(|c| !c.candidates.is_empty())
        };
        QueryMatch {
            credentials,
            credential_sets,
            satisfiable,
        }
    }
}

impl CredentialQuery {
    fn candidate(&self, held: &HeldCredential) -> Option<Candidate> {
        let root = match (&self.format, &held.kind) {
            (
                FormatQuery::LdpVc { type_values },
                Held::DataIntegrity {
                    credential, types, ..
                },
            ) => {
                let accepted = type_values
                    .iter()
                    .any(|alternative| alternative.iter().all(|t| types.contains(t)));
                if !accepted {
                    return None;
                }
                credential.as_json()
            }
            (FormatQuery::SdJwtVc { vct_values }, Held::SdJwt { contents, .. }) => {
                let vct = contents.claims.get("vct").and_then(Value::as_str)?;
                if !vct_values.iter().any(|v| v == vct) {
                    return None;
                }
                if self.require_cryptographic_holder_binding && !contents.claims.contains_key("cnf")
                {
                    return None;
                }
                &contents.claims
            }
            _ => return None,
        };
        // Each Claims Query evaluated once; `None` where it selects nothing.
        let found: Vec<Option<Vec<Vec<PathSegment>>>> = self
            .claims
            .iter()
            .flatten()
            .map(|claim| select(root, claim))
            .collect();
        let matched = |index: usize| -> Option<MatchedClaim> {
            let paths = found.get(index)?.as_ref()?;
            let claim = self.claims.as_ref()?.get(index)?;
            Some(MatchedClaim {
                index,
                id: claim.id.clone(),
                paths: paths
                    .iter()
                    .cloned()
                    .map(ClaimPath::from_resolved)
                    .collect(),
            })
        };
        let ways: Vec<(Option<usize>, Vec<MatchedClaim>)> = match (&self.claims, &self.claim_sets) {
            (None, _) => vec![(None, Vec::new())],
            (Some(claims), None) => (0..claims.len())
                .map(matched)
                .collect::<Option<Vec<_>>>()
                .map(|m| vec![(None, m)])
                .unwrap_or_default(),
            (Some(claims), Some(sets)) => sets
                .iter()
                .enumerate()
                .filter_map(|(i, set)| {
                    set.iter()
                        .map(|id| {
                            claims
                                .iter()
                                .position(|c| c.id.as_deref() == Some(id.as_str()))
                                .and_then(matched)
                        })
                        .collect::<Option<Vec<_>>>()
                        .map(|m| (Some(i), m))
                })
                .collect(),
        };
        if ways.is_empty() {
            return None;
        }
        let ways: Vec<ClaimSetMatch> = ways
            .into_iter()
            .filter_map(|(claim_set, claims)| {
                let release = match &held.kind {
                    Held::DataIntegrity {
                        mandatory_pointers: None,
                        ..
                    } => Release::WholeCredential,
                    Held::DataIntegrity {
                        credential,
                        mandatory_pointers: Some(mandatory),
                        ..
                    } => Release::Selective(selective_release(credential, mandatory, &claims)?),
                    Held::SdJwt { contents, .. } => {
                        Release::SdJwt(sd_jwt_release(contents, &claims))
                    }
                };
                Some(ClaimSetMatch {
                    claim_set,
                    claims,
                    release,
                })
            })
            .collect();
        if ways.is_empty() {
            return None;
        }
        Some(Candidate {
            held_id: held.id.clone(),
            ways,
        })
    }
}

/// Applies a Claims Query's path (§7.1) and `values` filter to `root`: the concrete paths of
/// the selected claims, or `None` for no match (an error in §7.1's processing, an empty
/// selection, or no value that matches).
fn select(root: &Map<String, Value>, claim: &ClaimsQuery) -> Option<Vec<Vec<PathSegment>>> {
    let (first, rest) = claim.path.split_first()?;
    // The root is an object: only a name applies to it.
    let PathElement::Name(name) = first else {
        return None;
    };
    let mut selected: Vec<(Vec<PathSegment>, &Value)> = root
        .get(name)
        .map(|v| (vec![PathSegment::Name(name.clone())], v))
        .into_iter()
        .collect();
    for element in rest {
        let mut next = Vec::new();
        for (path, value) in selected {
            match (element, value) {
                (PathElement::Name(name), Value::Object(object)) => {
                    if let Some(member) = object.get(name) {
                        next.push((extend(&path, PathSegment::Name(name.clone())), member));
                    }
                }
                (PathElement::AllElements, Value::Array(items)) => {
                    next.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| (extend(&path, PathSegment::Index(i)), item)),
                    );
                }
                (PathElement::Index(index), Value::Array(items)) => {
                    if let Some(item) = items.get(*index) {
                        next.push((extend(&path, PathSegment::Index(*index)), item));
                    }
                }
                // §7.1: the wrong kind of element aborts processing with an error.
                _ => return None,
            }
        }
        selected = next;
    }
    if let Some(values) = &claim.values {
        selected.retain(|(_, value)| values.contains(value));
    }
    if selected.is_empty() {
        return None;
    }
    let mut paths: Vec<Vec<PathSegment>> = Vec::with_capacity(selected.len());
    for (path, _) in selected {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    Some(paths)
}

fn extend(path: &[PathSegment], segment: PathSegment) -> Vec<PathSegment> {
    let mut path = path.to_vec();
    path.push(segment);
    path
}

/// What a credential derived from `credential` (with an `ecdsa-sd-2023` base proof whose
/// mandatory pointers are `mandatory`) for `claims` discloses; `None` when a claim cannot be
/// selected by a JSON pointer.
fn selective_release(
    credential: &Credential,
    mandatory: &[String],
    claims: &[MatchedClaim],
) -> Option<SelectiveRelease> {
    use crate::ecdsa_sd::{PointerSegment, pointer, reveal};
    let mut selective_pointers: Vec<String> = Vec::new();
    for path in claims.iter().flat_map(|claim| &claim.paths) {
        let pointer = pointer(path.segments().iter().map(|segment| match segment {
            PathSegment::Name(name) => PointerSegment::Name(name),
            PathSegment::Index(index) => PointerSegment::Index(*index),
        }));
        if !selective_pointers.contains(&pointer) {
            selective_pointers.push(pointer);
        }
    }
    let document = credential.as_json();
    let mandatory: Vec<&str> = mandatory.iter().map(String::as_str).collect();
    let mut combined = mandatory.clone();
    combined.extend(selective_pointers.iter().map(String::as_str));
    let always = json_leaves(&reveal(document, &mandatory).ok()?);
    let disclosed = json_leaves(&reveal(document, &combined).ok()?)
        .into_iter()
        .filter(|path| !always.contains(path))
        .collect();
    Some(SelectiveRelease {
        disclosed,
        mandatory: always,
        selective_pointers,
    })
}

/// The claims in a JSON object, as paths to its scalars and arrays of scalars (`@context`
/// left out), sorted.
fn json_leaves(object: &Map<String, Value>) -> Vec<ClaimPath> {
    fn walk(value: &Value, path: Vec<PathSegment>, out: &mut Vec<ClaimPath>) {
        match value {
            Value::Object(members) if !members.is_empty() => {
                for (name, member) in members {
                    if name != "@context" {
                        walk(member, extend(&path, PathSegment::Name(name.clone())), out);
                    }
                }
            }
            Value::Array(items) if items.iter().any(|item| item.is_object() || item.is_array()) => {
                for (index, item) in items.iter().enumerate() {
                    walk(item, extend(&path, PathSegment::Index(index)), out);
                }
            }
            _ => out.push(ClaimPath::from_resolved(path)),
        }
    }
    let mut out = Vec::new();
    walk(&Value::Object(object.clone()), Vec::new(), &mut out);
    out.retain(|path| !path.segments().is_empty());
    out.sort();
    out
}

/// The disclosures needed for `claims`, and what the verifier then sees.
fn sd_jwt_release(contents: &SdJwtContents, claims: &[MatchedClaim]) -> SdJwtRelease {
    let disclosable: Vec<&[PathSegment]> = contents
        .disclosable
        .iter()
        .map(ClaimPath::segments)
        .collect();
    let requested: Vec<&[PathSegment]> = claims
        .iter()
        .flat_map(|c| c.paths.iter().map(ClaimPath::segments))
        .collect();
    let related = |a: &[PathSegment], b: &[PathSegment]| a.starts_with(b) || b.starts_with(a);
    // The same rule as `Wallet::present_sd_jwt`: a requested claim's own disclosure, its
    // parents' and everything inside it.
    let sent: Vec<&[PathSegment]> = disclosable
        .iter()
        .copied()
        .filter(|d| requested.iter().any(|r| related(r, d)))
        .collect();
    let mut present_paths: Vec<ClaimPath> = Vec::new();
    for r in &requested {
        // A requested claim no disclosure touches is always visible: nothing to ask for.
        if disclosable.iter().any(|d| related(r, d)) {
            let path = ClaimPath::from_resolved(r.to_vec());
            if !present_paths.contains(&path) {
                present_paths.push(path);
            }
        }
    }
    let mut release = SdJwtRelease {
        disclosures: sent
            .iter()
            .map(|d| ClaimPath::from_resolved(d.to_vec()))
            .collect(),
        disclosed_claims: Vec::new(),
        always_visible: Vec::new(),
        present_paths,
    };
    let mut path = Vec::new();
    for (name, value) in &contents.claims {
        path.push(PathSegment::Name(name.clone()));
        visible(&path, value, &disclosable, &sent, &mut release);
        path.pop();
    }
    release.disclosures.sort();
    release.disclosed_claims.sort();
    release.always_visible.sort();
    release
}

/// Records what of `value` (at `path`) the verifier sees: a subtree with no disclosure inside
/// is recorded whole, under `disclosed_claims` if a disclosure on its way is sent or under
/// `always_visible` if none is needed; a subtree behind an unsent disclosure is hidden; a
/// container whose contents are all hidden is still seen (empty) and recorded. Returns whether
/// anything was recorded.
fn visible(
    path: &[PathSegment],
    value: &Value,
    disclosable: &[&[PathSegment]],
    sent: &[&[PathSegment]],
    release: &mut SdJwtRelease,
) -> bool {
    let on_the_way: Vec<&&[PathSegment]> =
        disclosable.iter().filter(|d| path.starts_with(d)).collect();
    if on_the_way.iter().any(|d| !sent.contains(d)) {
        return false;
    }
    let inside = disclosable
        .iter()
        .any(|d| d.len() > path.len() && d.starts_with(path));
    let children: Vec<(PathSegment, &Value)> = match value {
        Value::Object(object) if inside => object
            .iter()
            .map(|(k, v)| (PathSegment::Name(k.clone()), v))
            .collect(),
        Value::Array(items) if inside => items
            .iter()
            .enumerate()
            .map(|(i, v)| (PathSegment::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    let mut recorded = false;
    for (segment, child) in children {
        let child_path = extend(path, segment);
        recorded |= visible(&child_path, child, disclosable, sent, release);
    }
    if !recorded {
        let claim = ClaimPath::from_resolved(path.to_vec());
        if on_the_way.is_empty() {
            release.always_visible.push(claim);
        } else {
            release.disclosed_claims.push(claim);
        }
    }
    true
}
