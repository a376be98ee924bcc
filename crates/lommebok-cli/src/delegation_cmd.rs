//! `lommebok delegation issue`: a delegation credential ([`lommebok::delegation`]) letting a
//! helper's DID present a citizen's credentials of some types.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use lommebok::delegation::{Delegation, DelegationScope};
use lommebok::status::StatusRegistry;
use lommebok::{Did, Issuer};
use serde_json::Value;

use super::{Failure, load_key, open_status_db, parse_time, print_json};

/// What `delegation --help` adds: the story.
pub(crate) const DELEGATION_AFTER_HELP: &str = "\
A citizen (the principal), or an authority a trust list names as an issuer of
DelegationCredential, lets a helper (the delegate) present the citizen's credentials of some
types, optionally only to some verifiers. The helper's wallet imports the delegation, then the
citizen's credential, and presents both in one presentation it signs; `lommebok verify` says
\"presented by <helper> on behalf of <citizen> under delegation <id>\".

  lommebok delegation issue --key kari.key.json --principal did:key:z6Mk…kari \\
      --delegate did:key:z6Mk…ola --type ResidenceCredential \\
      --verifier did:key:zDna…pharmacy --valid-days 90 > delegation.json
  lommebok wallet import --store ola.db --in delegation.json
  lommebok wallet import --store ola.db --in karis-residence.json

With --status-db and --status-list the delegation gets a revocation entry: revoke it with
`lommebok status revoke --id <its id>` and publish the list again.";

#[derive(Debug, Subcommand)]
pub(crate) enum DelegationCommand {
    /// Issue a delegation credential, signed with --key (the principal's key, or an
    /// authority's), and print it.
    Issue(IssueArgs),
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// The issuer's key file (Multikey JSON or a private JWK): the principal's own, or an
    /// authority's that trust lists name for DelegationCredential.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The citizen the helper acts for (a DID): the subject of the credentials presented.
    #[arg(long, value_name = "DID")]
    principal: String,
    /// The helper who may present (a DID): the presentation's holder.
    #[arg(long, value_name = "DID")]
    delegate: String,
    /// A credential type the helper may present (e.g. ResidenceCredential). Repeatable; at
    /// least one.
    #[arg(long = "type", value_name = "TYPE", required = true)]
    types: Vec<String>,
    /// A verifier (DID) the helper may present to. Repeatable. Without any: every verifier.
    #[arg(long, value_name = "DID")]
    verifier: Vec<String>,
    /// A purpose the helper may present for, as the parties name them. Repeatable. Without
    /// any: every purpose.
    #[arg(long, value_name = "PURPOSE")]
    purpose: Vec<String>,
    /// How many days it is valid from --valid-from. Without it: until revoked.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_600))]
    valid_days: Option<u32>,
    /// The start of its validity and the proof's time (e.g. 2026-01-01T00:00:00Z). Default:
    /// now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    valid_from: Option<DateTime<Utc>>,
    /// Its id (what it is revoked by). Default: a new urn:uuid.
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// The status database (SQLite) holding --status-list, as `status create` made it.
    #[arg(long, value_name = "FILE", requires = "status_list")]
    status_db: Option<PathBuf>,
    /// Give the delegation an entry in this list of --status-db, to revoke it by its id.
    #[arg(long, value_name = "URL", requires = "status_db")]
    status_list: Option<String>,
}

pub(crate) fn delegation(command: DelegationCommand) -> Result<ExitCode, Failure> {
    match command {
        DelegationCommand::Issue(args) => issue(args),
    }
}

fn did(arg: &str, option: &str) -> Result<Did, Failure> {
    Did::parse(arg).map_err(|e| Failure::Input(format!("{option} {arg}: {e}")))
}

fn issue(args: IssueArgs) -> Result<ExitCode, Failure> {
    let principal = did(&args.principal, "--principal")?;
    let delegate = did(&args.delegate, "--delegate")?;
    if principal == delegate {
        return Err(Failure::Input(
            "--principal and --delegate are the same DID".into(),
        ));
    }
    let mut scope = DelegationScope::new(args.types);
    for verifier in args.verifier {
        did(&verifier, "--verifier")?;
        scope = scope.to_verifier(verifier);
    }
    for purpose in args.purpose {
        scope = scope.for_purpose(purpose);
    }
    let from = args.valid_from.unwrap_or_else(Utc::now);
    let until = args
        .valid_days
        .map(|days| {
            from.checked_add_signed(Duration::days(i64::from(days)))
                .ok_or_else(|| {
                    Failure::Input("--valid-from plus --valid-days is out of range".into())
                })
        })
        .transpose()?;
    let id = args
        .id
        .unwrap_or_else(|| format!("urn:uuid:{}", uuid::Uuid::new_v4()));
    let mut issuer = Issuer::new(Arc::new(load_key(&args.key)?));
    if let (Some(db), Some(url)) = (&args.status_db, &args.status_list) {
        let registry = StatusRegistry::new(open_status_db(db)?);
        if !registry.lists()?.iter().any(|list| &list.url == url) {
            return Err(Failure::Input(format!(
                "{}: no status list {url} (create it with `lommebok status create`)",
                db.display()
            )));
        }
        if !registry.status_of(&id)?.is_empty() {
            return Err(Failure::Input(format!(
                "{}: `{id}` has a status entry already; give each delegation its own --id",
                db.display()
            )));
        }
        issuer = issuer.with_status(registry, &[url.as_str()]);
    }
    let unsigned = Delegation::to_credential(
        &id,
        issuer.did(),
        &delegate,
        &principal,
        &scope,
        from,
        until,
    )
    .map_err(|e| match e {
        lommebok::delegation::DelegationError::Lommebok(e) => Failure::from(e),
        other => Failure::Input(other.to_string()),
    })?;
    let signed = issuer.issue_at(&unsigned, from).map_err(Failure::from)?;
    print_json(&Value::Object(signed.into_json()))?;
    if issuer.did() != &principal {
        say!(
            "issued {id} as {}, an authority for {principal}: verifiers accept it only when \
             their trust lists name this issuer for DelegationCredential",
            issuer.did()
        );
    } else {
        say!("issued {id}");
    }
    Ok(ExitCode::SUCCESS)
}
