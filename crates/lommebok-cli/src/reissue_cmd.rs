//! Re-issuance after a recovery ([`lommebok::reissuance`]) from the command line: a guardian's
//! `guardian confirm` and the issuer's `reissue`.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use lommebok::data_integrity::Cryptosuite;
use lommebok::jws::Jws;
use lommebok::reissuance::{self, ReissuanceError, ReissuePolicy};
use lommebok::status::{StatusPurpose, StatusRegistry};
use lommebok::{Did, Issuer};
use serde_json::{Value, json};

use super::wallet_cmd::{self, StoreArgs};
use super::{
    Failure, check_status_lists, cryptosuite_parser, load_contexts, load_key, load_status_lists,
    open_status_db, parse_time, parse_url_file_arg, print_json, read_input, write_stdout,
};

/// What `reissue --help` adds: the story.
pub(crate) const REISSUE_AFTER_HELP: &str = "\
A wallet whose holder key lived in a phone's keystore gets a new key when it is recovered
onto a new phone; its credentials still name the old key's DID. Its guardians confirm that
the new DID is the same citizen, the restored wallet sends the issuer a request signed by the
new key with their confirmations, and the issuer re-issues:

  lommebok guardian confirm --store kari.db --previous-holder did:key:zDna…old \\
      --holder did:key:zDna…new > kari.confirmation.jwt     # each guardian
  lommebok reissue --key issuer.json --request request.jwt \\
      --guardian did:key:z6Mk…kari --guardian did:key:z6Mk…ola \\
      --status-db status.sqlite --status-list https://kommune.example/status/r1 > new.json
  lommebok status publish ...      # verifiers see the old credential revoked

The issuer checks that it issued the old credential to the previous holder and that it is
not revoked, that the request is signed by the new holder's key, addressed to this issuer and
fresh, and that --min-confirmations distinct --guardian DIDs confirm the same two DIDs. It
then issues the same claims to the new DID (a new id, new entries in the --status-list lists)
and revokes the old credential in --status-db.

The old credential's status is read from its lists in --status-db as they stand (signed in
memory, nothing is written), or from the published list given with --status-list-file.

Exit codes: 0 re-issued, 1 refused (the reason on standard output and standard error; nothing
was revoked), 2 usage or input error (also a malformed request), 3 internal error.";

#[derive(Debug, Args)]
pub(crate) struct ConfirmArgs {
    /// The guardian's own store (`wallet init` or `guardian init`): its holder key signs.
    #[command(flatten)]
    store: StoreArgs,
    /// The citizen's DID before the recovery (the one their credentials name).
    #[arg(long, value_name = "DID")]
    previous_holder: String,
    /// The citizen's new DID, as their restored wallet shows it.
    #[arg(long, value_name = "DID")]
    holder: String,
    /// The confirmation's time (its `iat`; it is valid for 7 days), e.g. 2026-01-01T00:00:00Z.
    /// Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub(crate) struct ReissueArgs {
    /// The issuer's key file (Multikey JSON or a private JWK): the key the old credential was
    /// issued with.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The re-issuance request (a compact JWS the restored wallet signed); `-` reads standard
    /// input.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// How many distinct accepted guardians must confirm.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        value_parser = clap::value_parser!(u8).range(1..)
    )]
    min_confirmations: u8,
    /// A guardian's DID whose confirmation is accepted (e.g. registered by the citizen at the
    /// service desk). Repeatable; at least one.
    #[arg(long, value_name = "DID", required = true)]
    guardian: Vec<String>,
    /// The status database (SQLite) holding the old credential's entries and the
    /// --status-list lists, as `status create` made it: the old credential is revoked in it.
    #[arg(long, value_name = "FILE")]
    status_db: PathBuf,
    /// Gives the new credential an entry in this status list of --status-db. Repeatable (e.g.
    /// a revocation and a suspension list).
    #[arg(long, value_name = "URL", required = true)]
    status_list: Vec<String>,
    /// The status list credential published at URL (as `status publish` prints it), to check
    /// the old credential against instead of the list as --status-db holds it. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    status_list_file: Vec<(String, PathBuf)>,
    /// The Data Integrity cryptosuite of the new credential. Default: the key's RDFC suite.
    #[arg(long, value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
    /// Registers a JSON-LD context document for a URL the credential uses. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
    /// The time the request is checked at and the new credential issued (e.g.
    /// 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
}

fn did(arg: &str, option: &str) -> Result<Did, Failure> {
    Did::parse(arg).map_err(|e| Failure::Input(format!("{option} {arg}: {e}")))
}

/// `guardian confirm`: the guardian's holder key signs that `--holder` is `--previous-holder`.
pub(crate) fn confirm(args: &ConfirmArgs) -> Result<ExitCode, Failure> {
    let previous = did(&args.previous_holder, "--previous-holder")?;
    let holder = did(&args.holder, "--holder")?;
    if previous == holder {
        return Err(Failure::Input(
            "--previous-holder and --holder are the same DID".into(),
        ));
    }
    let wallet = wallet_cmd::open(&args.store, false)?;
    if wallet.did() == &previous || wallet.did() == &holder {
        return Err(Failure::Input(format!(
            "{}: this is the citizen's own wallet ({}); a guardian confirms with theirs",
            args.store.store.display(),
            wallet.did()
        )));
    }
    let at = args.now.unwrap_or_else(Utc::now);
    let confirmation =
        reissuance::confirm_with_wallet(&wallet, previous.as_str(), holder.as_str(), at)
            .map_err(reissuance_failure)?;
    write_stdout(&confirmation)?;
    say!(
        "confirmed as {} that {holder} is {previous}: give it to them for their issuers \
         (valid until {})",
        wallet.did(),
        wallet_cmd::time(Some(at + reissuance::LIFETIME))
            .as_str()
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// A re-issuance error that is not a refusal: malformed input, or signing and the database.
fn reissuance_failure(error: ReissuanceError) -> Failure {
    match error {
        ReissuanceError::Lommebok(e) => Failure::from(e),
        other => Failure::Input(other.to_string()),
    }
}

/// `reissue`: the issuer re-issues the request's credential to its new holder and revokes it.
pub(crate) fn reissue(args: ReissueArgs) -> Result<ExitCode, Failure> {
    let contexts = load_contexts(&args.context)?;
    let key = Arc::new(load_key(&args.key)?);
    let registry = StatusRegistry::new(open_status_db(&args.status_db)?);
    let known = registry.lists()?;
    check_status_lists(&args.status_db, &known, &args.status_list)?;
    let mut guardians = Vec::with_capacity(args.guardian.len());
    for guardian in &args.guardian {
        guardians.push(did(guardian, "--guardian")?.to_string());
    }
    let request = read_input(&args.request)?;
    let request = request.trim();
    let at = args.now.unwrap_or_else(Utc::now);

    let lists: Vec<&str> = args.status_list.iter().map(String::as_str).collect();
    let mut issuer = Issuer::new(key)
        .with_contexts(contexts.clone())
        .with_status(registry.clone(), &lists);
    if let Some(suite) = args.suite {
        issuer = issuer.with_cryptosuite(suite)?;
    }

    // The old credential's status: the published lists given, else the lists as they stand.
    let cache = load_status_lists(&args.status_list_file)?;
    for list in &known {
        if args
            .status_list_file
            .iter()
            .all(|(url, _)| url != &list.url)
        {
            let signed = issuer.status_list_credential_at(&list.url, at, at + Duration::days(1))?;
            cache.insert(&list.url, &signed.to_json_string());
        }
    }
    let verifier = super::trust_cmd::verifier_at(Some(at))
        .with_contexts(contexts)
        .with_status_source(cache);

    // A published list given may be older than a revocation in the database: the database
    // has the last word on whether the credential was revoked (re-issued) already.
    if let Some(id) = Jws::decode(request).ok().and_then(|jws| {
        jws.payload
            .get("credential")
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    }) && registry
        .status_of(&id)?
        .iter()
        .any(|s| s.purpose == StatusPurpose::Revocation && s.value != 0)
    {
        return refused(&format!(
            "the credential cannot be re-issued: {id} is revoked in {}",
            args.status_db.display()
        ));
    }

    let policy = ReissuePolicy::new(usize::from(args.min_confirmations), guardians);
    match issuer.reissue(request, &policy, &verifier) {
        Ok(reissued) => {
            let holder = match reissued.credential.as_data_integrity() {
                Some(credential) => {
                    print_json(&Value::Object(credential.as_json().clone()))?;
                    credential
                        .subject_ids()
                        .first()
                        .copied()
                        .flatten()
                        .unwrap_or_default()
                        .to_owned()
                }
                // An SD-JWT VC, compact: it names its holder by key (`cnf`).
                None => {
                    super::write_stdout(&reissued.credential.to_text())?;
                    "the new holder key".to_owned()
                }
            };
            say!(
                "re-issued to {holder} on the confirmations of {}",
                reissued.confirmed_by.join(", ")
            );
            say!("revoked {}", reissued.revoked);
            say!("publish the status lists again (`lommebok status publish`) so verifiers see it");
            Ok(ExitCode::SUCCESS)
        }
        Err(
            error @ (ReissuanceError::Refused(_)
            | ReissuanceError::Credential(_)
            | ReissuanceError::NotConfirmed { .. }),
        ) => refused(&error.to_string()),
        Err(other) => Err(reissuance_failure(other)),
    }
}

/// Prints the refusal; exit 1.
fn refused(reason: &str) -> Result<ExitCode, Failure> {
    print_json(&json!({ "reissued": false, "reason": reason }))?;
    say!("REFUSED: {reason}");
    Ok(ExitCode::from(1))
}
