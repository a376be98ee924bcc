//! `lommebok wallet ...`: the citizen's wallet ([`HolderWallet`]) in an encrypted SQLite store
//! file, unlocked with a passphrase taken from the environment or a file.

use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::{Args, Subcommand};
use lommebok::PresentationRequest;
use lommebok::query::{DcqlQuery, QueryMatch};
use lommebok::trust::request::CheckedRequest;
use lommebok::wallet::store::{PassphraseKey, StoreError};
use lommebok::wallet::{Choice, CredentialSummary, HeldStatus, HolderWallet, HolderWalletError};
use lommebok_sqlite::SqliteStorage;
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use super::recovery_cmd;
use super::trust_cmd::{self, TrustArgs};
use super::{
    Failure, load_contexts, load_status_lists, parse_time, parse_url_file_arg, print_json,
    read_file, read_input, sd_jwt_issuer_key, with_trust, write_stdout,
};

/// The environment variable holding the wallet passphrase.
pub(crate) const PASSPHRASE_ENV: &str = "LOMMEBOK_PASSPHRASE";

/// What `wallet --help` adds: the passphrase and the story.
pub(crate) const WALLET_AFTER_HELP: &str = "\
The wallet is one file (--store), every record in it sealed (XChaCha20-Poly1305) with a key
derived from a passphrase (Argon2id). The passphrase is read from the environment variable
LOMMEBOK_PASSPHRASE or, with --passphrase-file FILE, from the first line of FILE; it is never
taken as a command-line argument (other local users could see it). A wrong passphrase is a
usage error (exit 2), and the file is left as it was.

  lommebok wallet init --store wallet.db                # prints the holder's did:key
  lommebok wallet import --store wallet.db --in residence.json
  lommebok wallet import --store wallet.db --in pid.sd-jwt --issuer did:key:z6Mk...
  lommebok wallet list --store wallet.db
  lommebok wallet answer --store wallet.db --query dcql.json    # what would leave the phone
  lommebok wallet present --store wallet.db --query dcql.json --challenge <nonce> \\
      --domain https://verifier.example --verifier \"Apotek 1\" > vp_token.json
  lommebok wallet activity --store wallet.db
  lommebok wallet protect --store wallet.db --threshold 2 --guardian Kari=lbg1.… \\
      --guardian Ola=lbg1.… --guardian Nils=lbg1.… --backup-out backup.bin
      # see `lommebok recovery --help` and `lommebok guardian --help`

A signed request (`lommebok request sign`) is checked against trust lists before anything is
shown or sent: who signed it, whether a list registers that verifier, whether it asks for more
than it is registered for, and whether the response goes to a registered address.

  lommebok wallet check-request --request req.jwt --trust-list list.json \
      --trust-anchor did:key:z6Mk...
  lommebok wallet present --store wallet.db --request req.jwt --trust-list list.json \
      --trust-anchor did:key:z6Mk... > vp_token.json     # send it where standard error says

Exit codes: 0 done, 1 `import`: the credential was refused (not verified, or not about this
wallet's holder); `check-request`, `present --request`: the request is refused, 2 usage or input error (also a wrong passphrase), 3 internal error.";

#[derive(Debug, Subcommand)]
pub(crate) enum WalletCommand {
    /// Create a wallet store file and its holder key (Ed25519); print the holder's DID and
    /// public JWK.
    Init(StoreArgs),
    /// Print the holder's DID and public JWK (to have credentials issued to it).
    Did(StoreArgs),
    /// Verify a credential (Data Integrity, or an SD-JWT VC with its issuer's key) and keep it
    /// if it is this holder's; print what the wallet shows of it. Refused: exit 1.
    Import(ImportArgs),
    /// Print the credentials held (and the records that could not be read); with
    /// --status-list, each one's status (valid, revoked, suspended, none, or unknown).
    List(ListArgs),
    /// Print a credential as it was imported.
    Export(IdArgs),
    /// Delete a credential (its activity entries stay).
    Delete(IdArgs),
    /// Print every way the wallet could answer a DCQL query, and for each exactly which claims
    /// would leave the phone.
    Answer(AnswerArgs),
    /// Answer a DCQL query, or a signed request (--request): print the OpenID4VP vp_token
    /// (query id → presentations) and log what was presented to whom.
    Present(PresentArgs),
    /// Check a signed request (an OpenID4VP Request Object) against trust lists and print who
    /// asks, what it is registered for, what it asks beyond that and where the answer would
    /// go. Refused: exit 1.
    CheckRequest(CheckRequestArgs),
    /// Print the activity log: every presentation made, to whom, and what left the phone.
    Activity(StoreArgs),
    /// Back the wallet up for recovery with trusted people: split its key among guardians
    /// (--guardian NAME=KEY, --threshold of them recover it), write the backup and print each
    /// guardian's sealed share. Again later: a new split, the old shares revoked.
    Protect(recovery_cmd::ProtectArgs),
    /// A new split among the same guardians (after a recovery, or when a share may have
    /// leaked): write the new backup and print the new shares; the old ones are revoked.
    Rotate(recovery_cmd::BackupOutArgs),
    /// Write a fresh backup of the wallet as it is now, opened by the guardians' current
    /// shares (nothing to hand out again).
    Backup(recovery_cmd::BackupOutArgs),
}

#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The wallet store file (SQLite, sealed records).
    #[arg(long, value_name = "FILE")]
    pub(crate) store: PathBuf,
    /// Read the passphrase from the first line of FILE instead of the environment variable
    /// LOMMEBOK_PASSPHRASE (the passphrase is never taken as an argument).
    #[arg(long, value_name = "FILE")]
    pub(crate) passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The status list published at URL (`status publish` or `status publish-token` output):
    /// each credential naming it gets its status. Repeatable. Without any, no status is shown.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    status_list: Vec<(String, PathBuf)>,
    /// Read the status as of this time (e.g. 2026-06-01T12:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The credential's wallet id (as `wallet list` prints it).
    #[arg(long)]
    id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The credential: Data Integrity JSON, or an SD-JWT VC as issued; `-` reads standard
    /// input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// SD-JWT only: the issuer's key as a did:key DID URL (a bare did:key is taken as its key);
    /// it must be the SD-JWT's `iss`.
    #[arg(long, value_name = "DID_URL", conflicts_with = "issuer_key")]
    issuer: Option<String>,
    /// SD-JWT only: the issuer's public key as a JWK file.
    #[arg(long, value_name = "JWK_FILE")]
    issuer_key: Option<PathBuf>,
    /// The status list published at URL (`status publish` or `status publish-token` output),
    /// for a credential with a status naming it. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    status_list: Vec<(String, PathBuf)>,
    /// Registers a JSON-LD context document for a URL the credential uses. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
    /// Check the credential as of this time instead of now (e.g. 2026-06-01T12:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AnswerArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The verifier's DCQL query (OpenID4VP §6), a JSON object; `-` reads standard input.
    #[arg(long, value_name = "FILE")]
    query: PathBuf,
    /// Registers a JSON-LD context document for a URL the held credentials use. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
}

#[derive(Debug, Args)]
pub(crate) struct PresentArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The verifier's DCQL query (OpenID4VP §6), a JSON object; `-` reads standard input.
    /// Not with --request, which carries its query.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "request",
        conflicts_with = "request"
    )]
    query: Option<PathBuf>,
    /// A signed request (as `lommebok request sign` prints it; `-` reads standard input),
    /// instead of --query, --challenge, --domain and --verifier: checked against the
    /// --trust-list lists as `wallet check-request` does, and answered only if acceptable
    /// (refused: exit 1, with the reasons).
    #[arg(long, value_name = "FILE", requires = "trust_list")]
    request: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// Registers a JSON-LD context document for a URL the held credentials use. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
    /// The verifier's challenge (nonce).
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    challenge: Option<String>,
    /// The verifier's domain (the Key Binding JWT's audience).
    #[arg(long, required_unless_present = "request", conflicts_with = "request")]
    domain: Option<String>,
    /// The verifier's name as shown to the holder, for the activity log.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "request",
        conflicts_with = "request"
    )]
    verifier: Option<String>,
    /// Answer the Credential Query QUERY_ID with the held credential HELD_ID (in the way
    /// CLAIM_SET, an index in the query's claim_sets). Repeatable. Default: the first
    /// candidate of every Credential Query, in the verifier's preferred way (as `wallet
    /// answer` shows it under `default`).
    #[arg(long, value_name = "QUERY_ID=HELD_ID[:CLAIM_SET]")]
    choose: Vec<String>,
    /// The presentations' signing time, and the time the request is checked at (e.g.
    /// 2026-06-01T12:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckRequestArgs {
    /// The signed request (a Request Object JWT, as `lommebok request sign` prints it); `-`
    /// reads standard input.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Check as of this time instead of now (e.g. 2026-06-01T12:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

pub(crate) fn wallet(command: WalletCommand) -> Result<ExitCode, Failure> {
    match command {
        WalletCommand::Init(args) => {
            let wallet = open(&args, true)?;
            print_holder(&wallet)
        }
        WalletCommand::Did(args) => print_holder(&open(&args, false)?),
        WalletCommand::Import(args) => import(args),
        WalletCommand::List(args) => list(&args),
        WalletCommand::Export(args) => {
            let wallet = open(&args.store, false)?;
            let data = wallet.export(&args.id).map_err(wallet_failure)?;
            write_stdout(&data)?;
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Delete(args) => {
            let wallet = open(&args.store, false)?;
            if !wallet.delete(&args.id).map_err(store_failure)? {
                return Err(Failure::Input(format!(
                    "no credential `{}` in the wallet",
                    args.id
                )));
            }
            print_json(&json!({ "deleted": args.id }))?;
            Ok(ExitCode::SUCCESS)
        }
        WalletCommand::Answer(args) => answer(&args),
        WalletCommand::Present(args) => present(args),
        WalletCommand::CheckRequest(args) => {
            match trust_cmd::check(
                &args.request,
                &args.trust,
                args.now.unwrap_or_else(Utc::now),
            )? {
                Ok(checked) => trust_cmd::report_checked(&checked),
                Err(error) => trust_cmd::unattributed(error),
            }
        }
        WalletCommand::Activity(args) => activity(&args),
        WalletCommand::Protect(args) => recovery_cmd::protect(args),
        WalletCommand::Rotate(args) => recovery_cmd::rotate(&args),
        WalletCommand::Backup(args) => recovery_cmd::refresh(&args),
    }
}

/// The passphrase: `--passphrase-file` (its first line) or the environment.
pub(crate) fn passphrase(args: &StoreArgs) -> Result<Zeroizing<String>, Failure> {
    let passphrase = match &args.passphrase_file {
        Some(path) => {
            let text = Zeroizing::new(read_file(path)?);
            Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        }
        None => match std::env::var(PASSPHRASE_ENV) {
            Ok(value) => Zeroizing::new(value),
            Err(std::env::VarError::NotPresent) => {
                return Err(Failure::Input(format!(
                    "the wallet passphrase is needed: set {PASSPHRASE_ENV} or give \
                     --passphrase-file FILE"
                )));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::Input(format!(
                    "{PASSPHRASE_ENV} is not UTF-8 text"
                )));
            }
        },
    };
    if passphrase.is_empty() {
        return Err(Failure::Input("the wallet passphrase is empty".into()));
    }
    Ok(passphrase)
}

/// Reads the passphrase, then opens the store file (`create`: a new one, which must not exist
/// yet; `init` is the command that makes one).
pub(crate) fn open_storage(
    args: &StoreArgs,
    create: bool,
    init: &str,
) -> Result<(Arc<SqliteStorage>, PassphraseKey), Failure> {
    let path = &args.store;
    // The passphrase is read first: without it no file is created or opened.
    let passphrase = passphrase(args)?;
    let exists = path.exists();
    if create && exists {
        return Err(Failure::Input(format!(
            "{}: the file exists already; `{init}` makes a new store",
            path.display()
        )));
    }
    if !create && !exists {
        return Err(Failure::Input(format!(
            "{}: no store there (create one with `lommebok {init}`)",
            path.display()
        )));
    }
    let storage = SqliteStorage::open(path).map_err(|e| Failure::Input(e.to_string()))?;
    Ok((Arc::new(storage), PassphraseKey::new(passphrase.as_str())))
}

/// A store error met while opening the store at `path`.
pub(crate) fn open_failure(path: &Path, error: StoreError) -> Failure {
    match error {
        StoreError::WrongKey => Failure::Input(format!(
            "{}: wrong passphrase for this store (nothing was read or changed)",
            path.display()
        )),
        // Opening reads the file: a store that cannot be read is an input error.
        StoreError::Store(message) => Failure::Input(format!("{}: {message}", path.display())),
        other => store_failure(other).context(path),
    }
}

/// Opens the wallet store (`create`: a new one, which must not exist yet).
pub(crate) fn open(args: &StoreArgs, create: bool) -> Result<HolderWallet, Failure> {
    let (storage, key) = open_storage(args, create, "wallet init")?;
    HolderWallet::open(storage, &key, None).map_err(|e| match e {
        HolderWalletError::Store(e) => open_failure(&args.store, e),
        other => wallet_failure(other).context(&args.store),
    })
}

pub(crate) fn store_failure(error: StoreError) -> Failure {
    match error {
        // The file went wrong after it was opened (a full disk, a damaged file).
        StoreError::Store(_) => Failure::Internal(error.to_string()),
        _ => Failure::Input(error.to_string()),
    }
}

pub(crate) fn wallet_failure(error: HolderWalletError) -> Failure {
    match error {
        HolderWalletError::Store(e) => store_failure(e),
        HolderWalletError::Lommebok(e) => Failure::from(e),
        HolderWalletError::IssuerKeyNeeded => Failure::Input(
            "an SD-JWT needs its issuer's key to be checked: give --issuer DID_URL or \
             --issuer-key JWK_FILE"
                .into(),
        ),
        other => Failure::Input(other.to_string()),
    }
}

fn print_holder(wallet: &HolderWallet) -> Result<ExitCode, Failure> {
    print_json(&json!({
        "did": wallet.did().as_str(),
        "publicKeyJwk": wallet.public_key().to_jwk(),
    }))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, |at| {
        at.to_rfc3339_opts(SecondsFormat::AutoSi, true).into()
    })
}

fn summary_json(summary: &CredentialSummary) -> Value {
    json!({
        "id": summary.id,
        "format": summary.format,
        "types": summary.types,
        "issuer": summary.issuer,
        "validFrom": time(summary.valid_from),
        "validUntil": time(summary.valid_until),
    })
}

fn import(args: ImportArgs) -> Result<ExitCode, Failure> {
    let issuer = sd_jwt_issuer_key(args.issuer_key.as_deref(), args.issuer.as_deref())?;
    let contexts = load_contexts(&args.context)?;
    let text = read_input(&args.input)?;
    let mut verifier = trust_cmd::verifier_at(args.now).with_contexts(contexts.clone());
    if !args.status_list.is_empty() {
        verifier = verifier.with_status_source(load_status_lists(&args.status_list)?);
    }
    let verifier = with_trust(verifier, &args.trust)?;
    let wallet = open(&args.store, false)?.with_contexts(contexts);
    match wallet.import(&text, &verifier, issuer.as_ref()) {
        Ok(summary) => {
            print_json(&summary_json(&summary))?;
            say!("imported as {}", summary.id);
            Ok(ExitCode::SUCCESS)
        }
        Err(HolderWalletError::NotVerified { report }) => {
            let reason = HolderWalletError::NotVerified {
                report: report.clone(),
            }
            .to_string();
            print_json(&json!({
                "imported": false,
                "reason": reason,
                "report": serde_json::to_value(&report)
                    .map_err(|e| Failure::Internal(e.to_string()))?,
            }))?;
            say!("NOT imported: {reason}");
            Ok(ExitCode::from(1))
        }
        Err(e @ HolderWalletError::NotBound { .. }) => {
            let reason = e.to_string();
            print_json(&json!({ "imported": false, "reason": reason }))?;
            say!("NOT imported: {reason}");
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(wallet_failure(e)),
    }
}

fn list(args: &ListArgs) -> Result<ExitCode, Failure> {
    let wallet = open(&args.store, false)?;
    let (credentials, damaged): (Vec<Value>, Vec<String>) = if args.status_list.is_empty() {
        let listing = wallet.list().map_err(store_failure)?;
        (
            listing.records.iter().map(summary_json).collect(),
            listing.damaged.iter().map(ToString::to_string).collect(),
        )
    } else {
        let verifier = trust_cmd::verifier_at(args.now)
            .with_status_source(load_status_lists(&args.status_list)?);
        let listing = wallet.list_with_status(&verifier).map_err(store_failure)?;
        (
            listing
                .records
                .iter()
                .map(|(summary, status)| {
                    let mut entry = summary_json(summary);
                    if let Value::Object(entry) = &mut entry {
                        entry.insert("status".into(), status_json(status));
                    }
                    entry
                })
                .collect(),
            listing.damaged.iter().map(ToString::to_string).collect(),
        )
    };
    for message in &damaged {
        say!("warning: {message}");
    }
    print_json(&json!({
        "credentials": credentials,
        "damaged": damaged,
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn status_json(status: &HeldStatus) -> Value {
    match status {
        HeldStatus::NoStatus => json!("none"),
        HeldStatus::Valid => json!("valid"),
        HeldStatus::Revoked => json!("revoked"),
        HeldStatus::Suspended => json!("suspended"),
        HeldStatus::Unknown(reason) => json!({"unknown": reason}),
        other => json!({"unknown": format!("{other:?}")}),
    }
}

/// Reads the query file and opens the wallet with the contexts.
fn query_and_wallet(args: &AnswerArgs) -> Result<(DcqlQuery, HolderWallet), Failure> {
    let contexts = load_contexts(&args.context)?;
    let query = read_query(&args.query)?;
    let wallet = open(&args.store, false)?.with_contexts(contexts);
    Ok((query, wallet))
}

fn read_query(path: &Path) -> Result<DcqlQuery, Failure> {
    DcqlQuery::parse(&read_input(path)?)
        .map_err(|e| Failure::Input(format!("{}: not a DCQL query: {e}", path.display())))
}

fn choice_json(choice: &Choice) -> Value {
    json!({
        "queryId": choice.query_id,
        "heldId": choice.held_id,
        "claimSet": choice.claim_set,
    })
}

fn answer(args: &AnswerArgs) -> Result<ExitCode, Failure> {
    let (query, wallet) = query_and_wallet(args)?;
    let matched: QueryMatch = wallet.answers(&query).map_err(store_failure)?;
    let summaries: BTreeMap<String, CredentialSummary> = wallet
        .list()
        .map_err(store_failure)?
        .records
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let mut credentials = Vec::new();
    for query_match in &matched.credentials {
        let mut candidates = Vec::new();
        for candidate in &query_match.candidates {
            let mut ways = Vec::new();
            for way in &candidate.ways {
                let released = wallet
                    .released(&candidate.held_id, way)
                    .map_err(wallet_failure)?;
                let requested: Vec<String> = way
                    .claims
                    .iter()
                    .flat_map(|claim| claim.paths.iter().map(ToString::to_string))
                    .collect();
                ways.push(json!({
                    "claimSet": way.claim_set,
                    "requested": requested,
                    "leaves": serde_json::to_value(&released)
                        .map_err(|e| Failure::Internal(e.to_string()))?,
                }));
            }
            candidates.push(json!({
                "heldId": candidate.held_id,
                "credential": summaries.get(&candidate.held_id).map(summary_json),
                "ways": ways,
            }));
        }
        credentials.push(json!({
            "queryId": query_match.query_id,
            "multiple": query_match.multiple,
            "candidates": candidates,
        }));
    }
    let mut output = Map::new();
    output.insert("satisfiable".into(), matched.satisfiable.into());
    output.insert("credentials".into(), credentials.into());
    if !matched.credential_sets.is_empty() {
        output.insert(
            "credentialSets".into(),
            matched
                .credential_sets
                .iter()
                .map(|set| {
                    json!({
                        "required": set.required,
                        "satisfiableOptions": set.satisfiable_options,
                    })
                })
                .collect(),
        );
    }
    output.insert(
        "default".into(),
        Choice::defaults(&matched).iter().map(choice_json).collect(),
    );
    print_json(&Value::Object(output))?;
    if !matched.satisfiable {
        say!("the wallet holds nothing that answers this query");
    }
    Ok(ExitCode::SUCCESS)
}

/// `QUERY_ID=HELD_ID[:CLAIM_SET]`; held ids contain colons (`urn:uuid:…`), so a suffix is a
/// claim set only when what is before it is a held id.
fn parse_choice(arg: &str, held: &[String]) -> Result<Choice, Failure> {
    let bad = |why: &str| Failure::Input(format!("--choose {arg}: {why}"));
    let (query_id, rest) = arg
        .split_once('=')
        .filter(|(q, r)| !q.is_empty() && !r.is_empty())
        .ok_or_else(|| bad("not QUERY_ID=HELD_ID[:CLAIM_SET]"))?;
    if held.iter().any(|id| id == rest) {
        return Ok(Choice::new(query_id, rest, None));
    }
    if let Some((held_id, set)) = rest.rsplit_once(':')
        && held.iter().any(|id| id == held_id)
    {
        let set = set
            .parse::<usize>()
            .map_err(|_| bad("the claim set is not an index (0, 1, …)"))?;
        return Ok(Choice::new(query_id, held_id, Some(set)));
    }
    Err(bad("no such credential in the wallet (see `wallet list`)"))
}

/// What a presentation answers: the query, the request and who asks; and the checked signed
/// request, if it came as one.
type Asked = (
    DcqlQuery,
    PresentationRequest,
    String,
    Option<CheckedRequest>,
);

fn present(args: PresentArgs) -> Result<ExitCode, Failure> {
    let at = args.now.unwrap_or_else(Utc::now);
    let contexts = load_contexts(&args.context)?;
    let (query, request, verifier, checked): Asked = match (&args.request, &args.query) {
        (Some(path), _) => {
            let checked = match trust_cmd::check(path, &args.trust, at)? {
                Ok(checked) => checked,
                Err(error) => return trust_cmd::unattributed(error),
            };
            if !checked.is_acceptable() {
                return trust_cmd::report_checked(&checked);
            }
            (
                checked.query.clone(),
                checked.presentation_request(),
                checked.verifier_name(),
                Some(checked),
            )
        }
        (None, Some(query)) => {
            if !args.trust.trust_list.is_empty() {
                return Err(Failure::Input(
                    "--trust-list and --trust-anchor check a signed --request".into(),
                ));
            }
            // clap makes --challenge, --domain and --verifier go with --query.
            let (Some(challenge), Some(domain), Some(verifier)) =
                (args.challenge, args.domain, args.verifier)
            else {
                return Err(Failure::Input(
                    "--query needs --challenge, --domain and --verifier".into(),
                ));
            };
            let request = PresentationRequest {
                challenge,
                domain: Some(domain),
            };
            (read_query(query)?, request, verifier, None)
        }
        (None, None) => return Err(Failure::Input("give --query or --request".into())),
    };
    let wallet = open(&args.store, false)?.with_contexts(contexts);
    let chosen = if args.choose.is_empty() {
        let chosen = Choice::defaults(&wallet.answers(&query).map_err(store_failure)?);
        if chosen.is_empty() {
            return Err(Failure::Input(
                "the wallet holds nothing that answers this query".into(),
            ));
        }
        chosen
    } else {
        let held: Vec<String> = wallet
            .list()
            .map_err(store_failure)?
            .records
            .into_iter()
            .map(|s| s.id)
            .collect();
        args.choose
            .iter()
            .map(|arg| parse_choice(arg, &held))
            .collect::<Result<Vec<_>, _>>()?
    };
    let presentations = match &checked {
        Some(checked) => wallet.present_to_at(checked, &chosen, at),
        None => wallet.present_at(&query, &chosen, &request, &verifier, at),
    }
    .map_err(wallet_failure)?;
    print_json(&presentations.vp_token())?;
    for presented in &presentations.presentations {
        say!(
            "presented {} for `{}` to {} (activity {})",
            presented.held_id,
            presented.query_id,
            verifier,
            presented.activity_id
        );
    }
    if let Some(checked) = &checked {
        say!(
            "send the vp_token to {} (direct_post){}",
            checked.response_uri,
            checked
                .state
                .as_ref()
                .map(|state| format!(" with state {state}"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn activity(args: &StoreArgs) -> Result<ExitCode, Failure> {
    let wallet = open(args, false)?;
    let listing = wallet.activity().map_err(store_failure)?;
    for damaged in &listing.damaged {
        say!("warning: {damaged}");
    }
    print_json(
        &serde_json::to_value(&listing.records).map_err(|e| Failure::Internal(e.to_string()))?,
    )?;
    Ok(ExitCode::SUCCESS)
}
