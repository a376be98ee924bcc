//! `lommebok trust ...` (trust lists signed by a trust anchor), `lommebok request ...` (signed
//! OpenID4VP requests), and the `--trust-list`/`--trust-anchor` options of the commands that
//! verify or check requests.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use lommebok::clock::FixedClock;
use lommebok::data_integrity::Cryptosuite;
use lommebok::did::OfflineResolver;
use lommebok::trust::request::{
    CheckedRequest, DID_CLIENT_PREFIX, RequestError, RequestParameters, RequestPolicy,
    check_request, sign_request,
};
use lommebok::trust::{
    ListedIssuer, RegisteredVerifier, RequestScope, TrustError, TrustListContents, TrustLists,
};
use lommebok::{CheckKind, Credential, Did, Issuer, Signer as _, Verifier};
use serde_json::{Map, Value, json};

use super::wallet_cmd::time;
use super::{
    Failure, cryptosuite_parser, load_key, load_status_lists, parse_time, parse_url_file_arg,
    print_json, read_file, read_input, summarize, write_stdout,
};

/// What `trust --help` adds: the story.
pub(crate) const TRUST_AFTER_HELP: &str = "\
A trust list is a credential (type TrustListCredential) signed by a trust anchor, e.g. a
national authority: it lists issuers (their DID, legal name and the credential types they may
issue) and registered verifiers (their DID, name, purpose, the claims they may request and the
addresses their responses may go to). Each change is a new version, its `sequence` one higher,
signed again by the anchor's key:

  lommebok trust create --key anchor.json --id urn:example:trust-list:no --valid-days 365 > l1.json
  lommebok trust add-issuer --key anchor.json --list l1.json --did did:key:z6Mk... \\
      --name \"Tromsø kommune\" --type ResidenceCredential --type urn:example:age > l2.json
  lommebok trust add-verifier --key anchor.json --list l2.json --did did:key:zDna... \\
      --name \"Apotek Nord\" --purpose \"age check\" --may-request urn:example:age=age_over_18 \\
      --response-uri https://apotek.example/response > l3.json
  lommebok trust show --list l3.json --anchor did:key:z6Mk...anchor

Verifiers then trust issuers only as the lists say (`lommebok verify`, `sd-jwt verify`,
`wallet import` with --trust-list FILE --trust-anchor DID: the report gets a `trust` check),
and wallets answer only registered verifiers (`wallet check-request`, `wallet present
--request`, for requests signed with `lommebok request sign`).

Exit codes: 0 done (`show`: the list verifies), 1 `show` only: the list does not verify or is
not signed by an --anchor, 2 usage or input error, 3 internal error.";

#[derive(Debug, Subcommand)]
pub(crate) enum TrustCommand {
    /// Print a new, empty trust list signed by the anchor's key (its did:key is the list's
    /// issuer).
    Create(CreateArgs),
    /// Print the list with an issuer added (or replaced), its sequence one higher, signed
    /// again by the anchor's key.
    AddIssuer(AddIssuerArgs),
    /// Print the list with a registered verifier added (or replaced), its sequence one
    /// higher, signed again by the anchor's key.
    AddVerifier(AddVerifierArgs),
    /// Verify a trust list (signature, validity, status; with --anchor, also who signed it)
    /// and print its contents. Not valid: exit 1.
    Show(ShowArgs),
}

/// The anchor's key, and how the list is signed and dated.
#[derive(Debug, Args)]
pub(crate) struct SigningArgs {
    /// The trust anchor's key file (Multikey JSON or a private JWK): its did:key signs the
    /// list.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The proof's `created` time, and the validFrom of a list dated with --valid-days (e.g.
    /// 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// The list is valid from --now for DAYS days (its validUntil). Default: `create`: no end;
    /// `add-*`: the list keeps its validFrom and validUntil.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    valid_days: Option<u32>,
    /// The Data Integrity cryptosuite. Default: `create`: the key's RDFC suite; `add-*`: the
    /// list's own.
    #[arg(long, alias = "cryptosuite", value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    signing: SigningArgs,
    /// The list's id (its subject's id), the same for every version, e.g.
    /// urn:example:trust-list:no.
    #[arg(long, value_name = "LIST_ID")]
    id: String,
    /// The version number; each change adds one.
    #[arg(long, value_name = "N", default_value_t = 1)]
    sequence: u64,
}

/// The list changed and the entry added to it.
#[derive(Debug, Args)]
pub(crate) struct EntryArgs {
    /// The trust list to change (as `trust create` or `trust add-*` printed it); `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    list: PathBuf,
    /// The entry's DID. An entry with this DID is replaced.
    #[arg(long, value_name = "DID")]
    did: String,
    /// The legal name (what wallets and reports show).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The entry holds from this time on (e.g. 2026-01-01T00:00:00Z). Default: as long as
    /// the list.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    valid_from: Option<DateTime<Utc>>,
    /// The entry holds until this time. Default: as long as the list.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub(crate) struct AddIssuerArgs {
    #[command(flatten)]
    signing: SigningArgs,
    #[command(flatten)]
    entry: EntryArgs,
    /// A credential type the issuer may issue: a Data Integrity `type` (as written, or its
    /// expanded IRI) or an SD-JWT `vct`. Repeatable.
    #[arg(long = "type", value_name = "TYPE", required = true)]
    types: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AddVerifierArgs {
    #[command(flatten)]
    signing: SigningArgs,
    #[command(flatten)]
    entry: EntryArgs,
    /// What the verifier asks the data for (shown to the citizen).
    #[arg(long, value_name = "TEXT")]
    purpose: String,
    /// The claims it may request of one credential type (an SD-JWT `vct`, or a type as
    /// DCQL's `type_values` name it), as dot paths separated by commas (`*`: every element
    /// of an array), e.g. urn:example:age=age_over_18. Repeatable.
    #[arg(long, value_name = "TYPE=CLAIMS", value_parser = parse_scope, required = true)]
    may_request: Vec<RequestScope>,
    /// An address its responses may be sent to. Repeatable.
    #[arg(long, value_name = "URI", required = true)]
    response_uri: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The trust list; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    list: PathBuf,
    /// The DID of a trust anchor: the list must be signed by one. Repeatable. Without it, only
    /// the list's signature is checked, not who signed it.
    #[arg(long, value_name = "DID")]
    anchor: Vec<String>,
    /// The status list credential published at URL, if the trust list has a
    /// `credentialStatus` naming it. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    status_list: Vec<(String, PathBuf)>,
    /// Verify as of this time instead of now (e.g. 2026-06-01T12:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

/// `--trust-list` and `--trust-anchor`, for the commands that verify or check requests.
#[derive(Debug, Args)]
pub(crate) struct TrustArgs {
    /// A trust list (as `lommebok trust` prints it), verified and used only if signed by a
    /// --trust-anchor: issuers are then trusted only as the lists say (a `trust` check in the
    /// report), and verifiers only as registered. Repeatable.
    #[arg(long, value_name = "FILE", requires = "trust_anchor")]
    pub(crate) trust_list: Vec<PathBuf>,
    /// The DID of a trust anchor whose lists are trusted. Repeatable.
    #[arg(long, value_name = "DID", requires = "trust_list")]
    pub(crate) trust_anchor: Vec<String>,
}

impl TrustArgs {
    /// The lists given, each verified with `verifier` and signed by an anchor; `None` when
    /// none are given. A list that cannot be added is an input error with the reason.
    pub(crate) fn load(&self, verifier: &Verifier) -> Result<Option<Arc<TrustLists>>, Failure> {
        if self.trust_list.is_empty() {
            return Ok(None);
        }
        for anchor in &self.trust_anchor {
            Did::parse(anchor)
                .map_err(|e| Failure::Input(format!("--trust-anchor {anchor}: {e}")))?;
        }
        let trust = TrustLists::new(self.trust_anchor.iter().cloned());
        for path in &self.trust_list {
            let text = read_file(path)?;
            trust
                .add(&text, verifier)
                .map_err(|e| Failure::Input(format!("--trust-list {}: {e}", path.display())))?;
        }
        Ok(Some(Arc::new(trust)))
    }
}

/// A verifier at `now` (the system clock when `None`).
pub(crate) fn verifier_at(now: Option<DateTime<Utc>>) -> Verifier {
    match now {
        Some(now) => Verifier::new().with_clock(Arc::new(FixedClock(now))),
        None => Verifier::new(),
    }
}

/// `TYPE=claim1,claim2`; the type may itself contain `=` (a URL), the claims may not.
fn parse_scope(s: &str) -> Result<RequestScope, String> {
    let (credential_type, claims) = s
        .rsplit_once('=')
        .filter(|(t, c)| !t.is_empty() && !c.is_empty())
        .ok_or_else(|| format!("`{s}` is not TYPE=CLAIM[,CLAIM...]"))?;
    let claims: Vec<&str> = claims.split(',').map(str::trim).collect();
    if claims.iter().any(|c| c.is_empty()) {
        return Err(format!("`{s}`: an empty claim path"));
    }
    Ok(RequestScope::new(credential_type, claims))
}

fn trust_failure(error: TrustError) -> Failure {
    match error {
        TrustError::Lommebok(e) => Failure::from(e),
        other => Failure::Input(other.to_string()),
    }
}

pub(crate) fn trust(command: TrustCommand) -> Result<ExitCode, Failure> {
    match command {
        TrustCommand::Create(args) => create(args),
        TrustCommand::AddIssuer(args) => {
            let issuer = ListedIssuer::new(&args.entry.did, &args.entry.name, args.types)
                .valid_between(args.entry.valid_from, args.entry.valid_until);
            edit(&args.signing, &args.entry, |contents| {
                contents.add_issuer(issuer);
            })
        }
        TrustCommand::AddVerifier(args) => {
            // Scopes of one type are merged: `--may-request T=a --may-request T=b` is `T=a,b`.
            let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for scope in args.may_request {
                scopes
                    .entry(scope.credential_type)
                    .or_default()
                    .extend(scope.claims);
            }
            let mut verifier =
                RegisteredVerifier::new(&args.entry.did, &args.entry.name, args.purpose)
                    .valid_between(args.entry.valid_from, args.entry.valid_until);
            for (credential_type, claims) in scopes {
                verifier = verifier.may_request(RequestScope::new(credential_type, claims));
            }
            for uri in args.response_uri {
                verifier = verifier.response_uri(uri);
            }
            edit(&args.signing, &args.entry, |contents| {
                contents.add_verifier(verifier);
            })
        }
        TrustCommand::Show(args) => show(args),
    }
}

/// The anchor's issuer, signing with `suite` (default: the key's RDFC suite).
fn anchor_issuer(key: &Path, suite: Option<Cryptosuite>) -> Result<Issuer, Failure> {
    let issuer = Issuer::new(Arc::new(load_key(key)?));
    Ok(match suite {
        Some(suite) => issuer.with_cryptosuite(suite)?,
        None => issuer,
    })
}

/// `now` plus `days`, if given.
fn days_after(now: DateTime<Utc>, days: Option<u32>) -> Result<Option<DateTime<Utc>>, Failure> {
    days.map(|days| {
        now.checked_add_signed(Duration::days(i64::from(days)))
            .ok_or_else(|| Failure::Input("--now plus --valid-days is out of range".into()))
    })
    .transpose()
}

/// Signs `contents` as the list of `issuer`, valid `from`..`until`, and prints it.
fn sign_and_print(
    issuer: &Issuer,
    contents: &TrustListContents,
    (from, until): (DateTime<Utc>, Option<DateTime<Utc>>),
    created: DateTime<Utc>,
) -> Result<ExitCode, Failure> {
    let unsigned = contents
        .to_credential(issuer.did(), from, until)
        .map_err(trust_failure)?;
    let signed = issuer.issue_at(&unsigned, created)?;
    print_json(&Value::Object(signed.into_json()))?;
    say!(
        "trust list {} sequence {}: {} issuers, {} verifiers; signed by {} ({})",
        contents.list_id,
        contents.sequence,
        contents.issuers.len(),
        contents.verifiers.len(),
        issuer.did(),
        issuer.cryptosuite().name()
    );
    Ok(ExitCode::SUCCESS)
}

fn create(args: CreateArgs) -> Result<ExitCode, Failure> {
    if args.id.trim().is_empty() {
        return Err(Failure::Input("--id must not be empty".into()));
    }
    let issuer = anchor_issuer(&args.signing.key, args.signing.suite)?;
    let now = args.signing.now.unwrap_or_else(Utc::now);
    let until = days_after(now, args.signing.valid_days)?;
    let contents = TrustListContents::new(args.id, args.sequence);
    sign_and_print(&issuer, &contents, (now, until), now)
}

/// Reads the list, checks that the key is its anchor's and that the anchor signed it, applies
/// `change`, and prints the next version.
fn edit(
    signing: &SigningArgs,
    entry: &EntryArgs,
    change: impl FnOnce(&mut TrustListContents),
) -> Result<ExitCode, Failure> {
    Did::parse(&entry.did).map_err(|e| Failure::Input(format!("--did {}: {e}", entry.did)))?;
    let path = &entry.list;
    let text = read_input(path)?;
    let credential =
        Credential::from_json_str(&text).map_err(|e| Failure::from(e).context(path))?;
    let mut contents = TrustListContents::from_credential(&credential)
        .map_err(|e| trust_failure(e).context(path))?;
    // The list's own suite, unless told otherwise.
    let suite = signing.suite.or_else(|| {
        credential
            .proofs()
            .first()
            .and_then(|proof| proof.get("cryptosuite"))
            .and_then(Value::as_str)
            .and_then(|name| Cryptosuite::from_name(name).ok())
    });
    let issuer = anchor_issuer(&signing.key, suite)?;
    if credential.issuer() != issuer.did().as_str() {
        return Err(Failure::Input(format!(
            "{}: the list is {}'s; --key is {}'s: only the list's anchor can change it",
            path.display(),
            credential.issuer(),
            issuer.did()
        )));
    }
    let now = signing.now.unwrap_or_else(Utc::now);
    // Sign again only what the anchor signed: the list may have expired (that is why it is
    // renewed), but nothing else may fail.
    let report = verifier_at(Some(now)).verify_credential(&text)?.report;
    let failures: Vec<String> = report
        .failures()
        .filter(|c| !matches!(c.check, CheckKind::ValidityPeriod | CheckKind::Status))
        .map(|c| c.reason.clone())
        .collect();
    if !failures.is_empty() {
        return Err(Failure::Input(format!(
            "{}: the list does not verify ({}); it is not signed again",
            path.display(),
            failures.join("; ")
        )));
    }
    contents.sequence = contents
        .sequence
        .checked_add(1)
        .ok_or_else(|| Failure::Input(format!("{}: the sequence is at its end", path.display())))?;
    change(&mut contents);
    let validity = match signing.valid_days {
        Some(_) => (now, days_after(now, signing.valid_days)?),
        None => (
            credential.valid_from().unwrap_or(now),
            credential.valid_until(),
        ),
    };
    if validity.1.is_some_and(|until| until <= now) {
        say!("warning: the list is no longer valid at --now; renew it with --valid-days");
    }
    sign_and_print(&issuer, &contents, validity, now)
}

fn show(args: ShowArgs) -> Result<ExitCode, Failure> {
    let text = read_input(&args.list)?;
    let mut verifier = verifier_at(args.now);
    if !args.status_list.is_empty() {
        verifier = verifier.with_status_source(load_status_lists(&args.status_list)?);
    }
    let anchor_checked = !args.anchor.is_empty();
    let anchors = if anchor_checked {
        for anchor in &args.anchor {
            Did::parse(anchor).map_err(|e| Failure::Input(format!("--anchor {anchor}: {e}")))?;
        }
        args.anchor
    } else {
        // Checked as if its signer were an anchor: the signature, not who signed.
        let credential =
            Credential::from_json_str(&text).map_err(|e| Failure::from(e).context(&args.list))?;
        say!(
            "note: no --anchor given: only the list's signature is checked, not whether its \
             signer {} is a trust anchor",
            credential.issuer()
        );
        vec![credential.issuer().to_owned()]
    };
    let trust = TrustLists::new(anchors);
    match trust.add(&text, &verifier) {
        Ok(list) => {
            print_json(&json!({
                "valid": true,
                "anchor": list.anchor,
                "anchorChecked": anchor_checked,
                "validFrom": time(list.valid_from),
                "validUntil": time(list.valid_until),
                "contents": Value::Object(list.contents.to_subject()),
            }))?;
            say!(
                "valid: trust list {} sequence {} signed by {}{}",
                list.contents.list_id,
                list.contents.sequence,
                list.anchor,
                if anchor_checked {
                    ", a trust anchor"
                } else {
                    " (not checked against any anchor)"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ (TrustError::NotVerified { .. } | TrustError::NotAnAnchor { .. })) => {
            let mut output = Map::new();
            output.insert("valid".into(), false.into());
            output.insert("reason".into(), error.to_string().into());
            if let TrustError::NotVerified { report } = &error {
                output.insert(
                    "report".into(),
                    serde_json::to_value(report).map_err(|e| Failure::Internal(e.to_string()))?,
                );
                print_json(&Value::Object(output))?;
                summarize(report);
            } else {
                print_json(&Value::Object(output))?;
                say!("NOT valid: {error}");
            }
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(trust_failure(error).context(&args.list)),
    }
}

// --- signed requests -------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub(crate) enum RequestCommand {
    /// Sign an OpenID4VP Request Object as the verifier's did:key and print it (a compact
    /// JWT); the nonce and the audience to verify the answer with go to standard error.
    Sign(RequestSignArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RequestSignArgs {
    /// The verifier's key file (Multikey JSON or a private JWK): its did:key is the request's
    /// `client_id` (`decentralized_identifier:<DID>`), the audience of the answer.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The DCQL query (OpenID4VP §6), a JSON object; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    query: PathBuf,
    /// Where the wallet sends the response (direct_post).
    #[arg(long, value_name = "URI")]
    response_uri: String,
    /// The nonce (the presentation's challenge). Default: 128 random bits.
    #[arg(long)]
    nonce: Option<String>,
    /// A `state` the wallet sends back.
    #[arg(long)]
    state: Option<String>,
    /// How long the request may be answered, in seconds (wallets refuse more than an hour).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    valid_for: u32,
    /// The request's `iat` (e.g. 2026-06-01T12:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

pub(crate) fn request(command: RequestCommand) -> Result<ExitCode, Failure> {
    match command {
        RequestCommand::Sign(args) => request_sign(args),
    }
}

fn request_sign(args: RequestSignArgs) -> Result<ExitCode, Failure> {
    let key = load_key(&args.key)?;
    let query = lommebok::json::parse_object(&read_input(&args.query)?)
        .map_err(|e| Failure::from(e).context(&args.query))?;
    let nonce = match args.nonce {
        Some(nonce) if nonce.is_empty() => {
            return Err(Failure::Input("--nonce must not be empty".into()));
        }
        Some(nonce) => nonce,
        None => Verifier::new().request(None).challenge,
    };
    let public = key.public_key();
    let parameters = RequestParameters {
        dcql_query: query,
        nonce,
        response_uri: args.response_uri,
        state: args.state,
    };
    let jwt = sign_request(
        &parameters,
        &key,
        &Did::key_verification_method(&public),
        args.now.unwrap_or_else(Utc::now),
        Duration::seconds(i64::from(args.valid_for)),
    )
    .map_err(|e| match e {
        RequestError::Signing(_) => Failure::Internal(e.to_string()),
        other => Failure::Input(other.to_string()),
    })?;
    write_stdout(&jwt)?;
    say!("nonce: {}", parameters.nonce);
    say!(
        "audience: {DID_CLIENT_PREFIX}{}",
        Did::from_public_key(&public)
    );
    say!("responses come to {}", parameters.response_uri);
    Ok(ExitCode::SUCCESS)
}

/// Reads the signed request at `path` and checks it at `at` against the trust lists of
/// `trust` (required). The inner error: the request cannot be attributed to anyone.
pub(crate) fn check(
    path: &Path,
    trust: &TrustArgs,
    at: DateTime<Utc>,
) -> Result<Result<CheckedRequest, RequestError>, Failure> {
    let Some(lists) = trust.load(&verifier_at(Some(at)))? else {
        return Err(Failure::Input(
            "a signed request is checked against trust lists: give --trust-list FILE and \
             --trust-anchor DID"
                .into(),
        ));
    };
    let text = read_input(path)?;
    Ok(check_request(
        text.trim(),
        &lists,
        &OfflineResolver,
        &RequestPolicy::default(),
        at,
    ))
}

/// A request that cannot be attributed: malformed is an input error; unsigned, forged or
/// stale is refused (exit 1).
pub(crate) fn unattributed(error: RequestError) -> Result<ExitCode, Failure> {
    if let RequestError::Malformed(_) = error {
        return Err(Failure::Input(error.to_string()));
    }
    let reason = error.to_string();
    print_json(&json!({
        "acceptable": false,
        "verifier": null,
        "refusals": [reason],
    }))?;
    say!("REFUSED: {reason}");
    Ok(ExitCode::from(1))
}

/// Prints what the check found; exit 1 when the request is refused.
pub(crate) fn report_checked(checked: &CheckedRequest) -> Result<ExitCode, Failure> {
    let registration = checked.registration.as_ref().map(|r| {
        json!({
            "legalName": r.legal_name,
            "purpose": r.purpose,
            "anchor": checked.anchor,
        })
    });
    let refusals: Vec<String> = checked.refusals.iter().map(ToString::to_string).collect();
    print_json(&json!({
        "acceptable": checked.is_acceptable(),
        "verifier": checked.verifier,
        "clientId": checked.client_id,
        "registration": registration,
        "overAsking": checked
            .over_asking
            .iter()
            .map(|a| json!({"queryId": a.query_id, "claim": a.claim, "reason": a.reason}))
            .collect::<Vec<_>>(),
        "responseUri": checked.response_uri,
        "nonce": checked.nonce,
        "state": checked.state,
        "query": Value::Object(checked.query_json.clone()),
        "refusals": refusals,
    }))?;
    match &checked.registration {
        Some(r) => say!("{} asks, for: {}", r.legal_name, r.purpose),
        None => say!("{} asks", checked.verifier_name()),
    }
    if checked.is_acceptable() {
        say!("acceptable: the answer goes to {}", checked.response_uri);
        Ok(ExitCode::SUCCESS)
    } else {
        for refusal in &refusals {
            say!("REFUSED: {refusal}");
        }
        Ok(ExitCode::from(1))
    }
}
