//! `lommebok`: generate keys, issue, present and verify W3C Verifiable Credentials and SD-JWT
//! VCs from the command line, and revoke or suspend them through status lists kept in a SQLite
//! file.
//!
//! JSON in, JSON out: results are pretty-printed JSON on standard output, messages for people go
//! to standard error. The exit codes are listed in [`EXIT_CODES`] and in `lommebok --help`.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, Parser, Subcommand};
use lommebok::contexts::ContextRegistry;
use lommebok::credential::parse_date_time_stamp;
use lommebok::data_integrity::{Cryptosuite, ProofError};
use lommebok::ecdsa_sd;
use lommebok::sd_jwt::SD_JWT_VC_TYPE;
use lommebok::status::{
    StatusError, StatusListCache, StatusListInfo, StatusMessage, StatusPurpose, StatusRegistry,
    StatusStore as _,
};
use lommebok::{
    Algorithm, CheckKind, ClaimPath, Credential, Did, Error, Issuer, Policy, PresentationRequest,
    PublicKey, SdJwtIssuerKey, SdJwtOptions, Signer as _, SoftwareKey, VerificationReport,
    Verifier, Wallet,
};
use lommebok_sqlite::SqliteStatusStore;
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// Writes a line for people to standard error. Unlike `eprintln!`, never panics when standard
/// error is gone.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stderr(), $($arg)*);
    }};
}

mod delegation_cmd;
mod recovery_cmd;
mod reissue_cmd;
mod trust_cmd;
mod wallet_cmd;

/// The exit codes, as `--help` shows them.
const EXIT_CODES: &str = "\
Exit codes:
  0  done; for `verify`: the document is valid
  1  `verify`, `sd-jwt verify`, `trust show`, `wallet import`, `wallet check-request`,
     `wallet present --request` and `reissue` only: the document was checked and is NOT
     valid (the report says why; with --trust-list, also an issuer the lists do not
     trust), the wallet refused the credential (not verified, not its holder's), the
     signed request is refused (unregistered verifier, over-asking, unregistered response
     address, forged or stale), or the re-issuance is refused (too few accepted guardian
     confirmations, not this issuer's credential, revoked already, forged)
  2  usage or input error: bad arguments, unreadable or oversized file, malformed JSON,
     not a credential or presentation, a key that does not fit the suite, an unknown
     JSON-LD context (register it with --context URL=FILE), a status database that
     cannot be opened, an unknown status list or credential id, a wrong wallet
     passphrase, a recovery step refused (a wrong short code, a share of another
     wallet or revoked by a rotation, too few shares), ...
  3  internal error: signing failed, the status database could not be written, or the
     output could not be written

Results are JSON on standard output; messages for people go to standard error, errors as
`error: <message>`.";

/// What `verify --help` adds about challenges.
const VERIFY_AFTER_HELP: &str = "\
A presentation is checked against the --challenge (and --domain) given here. This tool is
stateless: it accepts the challenge it is given as freshly issued and does not remember it.
Making each challenge random, single-use and short-lived (replay protection across runs) is
the caller's job.

A credential with a `credentialStatus` (revocation, suspension) is valid only if each status
list it names is given with --status-list URL=FILE: the signed status list credential
published at URL, as `lommebok status publish` prints it. Nothing is fetched; a list that is
not given fails the status check.

Exit codes: 0 valid, 1 invalid (the report on standard output lists every check), 2 usage or
input error, 3 internal error.";

/// What `status --help` adds: the workflow.
const STATUS_AFTER_HELP: &str = "\
Status lists (W3C Bitstring Status List v1.0) let an issuer revoke or suspend credentials it
has issued. The issuer keeps its lists in a SQLite file (--db); verifiers get the signed list
it publishes, and check it offline. The story:

  lommebok status create --db status.sqlite --url https://kommune.example/status/r1 \\
      --purpose revocation
  lommebok issue --key issuer.json --in vc.json --status-db status.sqlite \\
      --status-list https://kommune.example/status/r1 > signed.json
  lommebok status publish --db status.sqlite --key issuer.json \\
      --url https://kommune.example/status/r1 > r1.json     # serve it at the URL
  lommebok verify --in signed.json --status-list https://kommune.example/status/r1=r1.json
  lommebok status revoke --db status.sqlite --id <the credential's id>
  lommebok status publish ...                                # again: verifiers see it now

A revocation or suspension reaches verifiers only with the next published list. Each index of
a list is given to one credential only, ever, and is chosen at random.

SD-JWT VCs use the same lists through IETF Token Status Lists: issue them with
`lommebok sd-jwt issue --status-db ... --status-list URL --id ID`, and publish the list with
`lommebok status publish-token` (a signed JWT) instead of `status publish`.";

/// Largest file (or standard input) read: 16 MiB. Credentials and presentations are further
/// capped by lommebok itself (1 MiB).
const MAX_INPUT_BYTES: u64 = 16 << 20;

/// Issue, hold, present and verify W3C Verifiable Credentials bound to DIDs (did:key) and SD-JWT
/// VCs with selective disclosure, and revoke or suspend them with status lists.
#[derive(Debug, Parser)]
#[command(name = "lommebok", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Key management.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Print the did:key, verification method and public JWK of a key (public parts only).
    Did {
        /// The key file (Multikey JSON as `key generate` prints it, or a private JWK).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Sign a credential as the key's did:key, which must be the credential's `issuer`.
    Issue(IssueArgs),
    /// Wrap credentials into a presentation signed by the holder's key, answering a
    /// verifier's challenge.
    Present(PresentArgs),
    /// Verify a credential or a presentation (decided by its `type`) and print the report.
    #[command(after_help = VERIFY_AFTER_HELP)]
    Verify(VerifyArgs),
    /// Status lists: create them, revoke, suspend and unsuspend credentials, publish the
    /// signed lists.
    #[command(subcommand, after_help = STATUS_AFTER_HELP)]
    Status(StatusCommand),
    /// SD-JWT VCs (selective disclosure, RFC 9901): issue them, present only some claims with
    /// key binding, verify presentations.
    #[command(name = "sd-jwt", subcommand, after_help = SD_JWT_AFTER_HELP)]
    SdJwt(SdJwtCommand),
    /// The holder's wallet in an encrypted store file: import credentials, answer DCQL queries
    /// with only what is asked, keep a log of what left. The passphrase comes from
    /// LOMMEBOK_PASSPHRASE or --passphrase-file, never from an argument.
    #[command(subcommand, after_help = wallet_cmd::WALLET_AFTER_HELP)]
    Wallet(wallet_cmd::WalletCommand),
    /// Trust lists signed by a trust anchor: create them, add issuers and registered
    /// verifiers, verify and show them.
    #[command(subcommand, after_help = trust_cmd::TRUST_AFTER_HELP)]
    Trust(trust_cmd::TrustCommand),
    /// Signed presentation requests (OpenID4VP Request Objects), for wallets to check against
    /// trust lists (`wallet check-request`, `wallet present --request`).
    #[command(subcommand)]
    Request(trust_cmd::RequestCommand),
    /// Keep shares of other people's wallets as their guardian, and release one to their new
    /// device after comparing the short code with them.
    #[command(subcommand, after_help = recovery_cmd::GUARDIAN_AFTER_HELP)]
    Guardian(recovery_cmd::GuardianCommand),
    /// Recover a wallet on a new device from its backup and the shares guardians release.
    #[command(subcommand, after_help = recovery_cmd::RECOVERY_AFTER_HELP)]
    Recovery(recovery_cmd::RecoveryCommand),
    /// Delegation credentials: let a helper present a citizen's credentials for them.
    #[command(subcommand, after_help = delegation_cmd::DELEGATION_AFTER_HELP)]
    Delegation(delegation_cmd::DelegationCommand),
    /// Re-issue a credential to its holder's new DID after a recovery, on guardians'
    /// confirmations (`guardian confirm`), and revoke the old one; print the new credential.
    #[command(after_help = reissue_cmd::REISSUE_AFTER_HELP)]
    Reissue(reissue_cmd::ReissueArgs),
}

#[derive(Debug, Subcommand)]
enum StatusCommand {
    /// Create a status list in the status database (the file is created if absent) and print
    /// it.
    Create(StatusCreateArgs),
    /// Revoke a credential (permanent) and print its status. Verifiers see it once the list is
    /// published again.
    Revoke(StatusIdArgs),
    /// Suspend a credential and print its status. Verifiers see it once the list is published
    /// again.
    Suspend(StatusIdArgs),
    /// Lift a credential's suspension and print its status. Verifiers see it once the list is
    /// published again.
    Unsuspend(StatusIdArgs),
    /// Set a credential's value in its list of --purpose (e.g. a status message) and print its
    /// status. Verifiers see it once the list is published again.
    Set(StatusSetArgs),
    /// Print the status lists with how many of their indices are allocated and set (revoked,
    /// suspended, or a message other than 0x0); with --id, the credential's status instead.
    Show(StatusShowArgs),
    /// Print the signed status list credential (BitstringStatusListCredential) of a list as it
    /// stands, to be published at the list's URL.
    Publish(StatusPublishArgs),
    /// Print the signed Status List Token (IETF Token Status List, a `statuslist+jwt` JWT) of a
    /// list as it stands, for SD-JWT VCs issued with `sd-jwt issue --status-list`: publish it at
    /// the list's URL (media type application/statuslist+jwt).
    PublishToken(StatusPublishTokenArgs),
}

#[derive(Debug, Args)]
struct StatusCreateArgs {
    /// The status database (SQLite); created if absent.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The URL the list will be published at (its status list credential's id).
    #[arg(long)]
    url: String,
    /// What the list says about credentials.
    #[arg(long, value_parser = purpose_parser())]
    purpose: StatusPurpose,
    /// Bits per entry (1 to 8). A size above 1 needs one --message per value.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=8))]
    size: u8,
    /// What a value means, as hex value=text (e.g. 0x0=valid). Repeatable; a `message` list
    /// needs one for each of its 2^size values.
    #[arg(long, value_name = "0xN=TEXT", value_parser = parse_message_arg)]
    message: Vec<StatusMessage>,
    /// A URL where the values' meanings are explained further (statusReference). Repeatable.
    #[arg(long, value_name = "URL")]
    reference: Vec<String>,
}

#[derive(Debug, Args)]
struct StatusIdArgs {
    /// The status database (SQLite), as `status create` made it.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The credential's id (its `id`, e.g. urn:uuid:...), as issued with --status-list.
    #[arg(long, value_name = "CREDENTIAL_ID")]
    id: String,
}

#[derive(Debug, Args)]
struct StatusSetArgs {
    #[command(flatten)]
    credential: StatusIdArgs,
    /// Which of the credential's lists.
    #[arg(long, value_parser = purpose_parser())]
    purpose: StatusPurpose,
    /// The value, in hex (0x2) or decimal; it must fit in the list's size.
    #[arg(long, value_name = "VALUE", value_parser = parse_status_value)]
    value: u8,
}

#[derive(Debug, Args)]
struct StatusShowArgs {
    /// The status database (SQLite), as `status create` made it.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// Show this credential's status values instead of the lists.
    #[arg(long, value_name = "CREDENTIAL_ID")]
    id: Option<String>,
}

#[derive(Debug, Args)]
struct StatusPublishArgs {
    /// The status database (SQLite), as `status create` made it.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The issuer's key file (Multikey JSON or a private JWK): the key the credentials were
    /// issued with.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The list to publish.
    #[arg(long)]
    url: String,
    /// How long the published list is valid, in seconds (its validUntil; verifiers refuse it
    /// after that, so publish again before).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 86_400,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    valid_for: u32,
    /// The list's validFrom and proof time (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// The Data Integrity cryptosuite. Default: the key's RDFC suite.
    #[arg(long, value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Generate a key and print it as Multikey JSON, WITH its secret: keep the output private.
    Generate {
        /// The key's algorithm.
        #[arg(long, default_value = "ed25519", value_parser = algorithm_parser())]
        alg: Algorithm,
        /// 32 bytes as 64 hex digits: the Ed25519 seed or the P-256 secret scalar, for
        /// reproducible keys (tests, demos). Default: random. A secret on the command line is
        /// visible to other local users: do not use it for real keys.
        #[arg(long, value_name = "HEX")]
        seed: Option<String>,
    },
}

#[derive(Debug, Args)]
struct IssueArgs {
    /// The issuer's key file (Multikey JSON or a private JWK).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The Data Integrity cryptosuite. Default: the key's RDFC suite (eddsa-rdfc-2022 for
    /// Ed25519, ecdsa-rdfc-2019 for P-256). ecdsa-sd-2023 (P-256) gives the credential a base
    /// proof for selective disclosure: the holder presents credentials derived from it.
    #[arg(long, value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
    /// With --suite ecdsa-sd-2023: a JSON pointer to a claim every derived credential must
    /// disclose (e.g. /credentialSubject/nationality). Repeatable. /issuer, and /validFrom,
    /// /validUntil, /credentialStatus and /credentialSubject/id when present, always are.
    #[arg(long, value_name = "POINTER")]
    mandatory: Vec<String>,
    /// The unsigned credential (VCDM 2.0 JSON); `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The proof's `created` time (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    created: Option<DateTime<Utc>>,
    /// Registers a JSON-LD context document for a URL the credential uses (nothing is ever
    /// fetched). Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
    /// The status database (SQLite) with the --status-list lists, as `status create` made it.
    #[arg(long, value_name = "FILE", requires = "status_list")]
    status_db: Option<PathBuf>,
    /// Gives the credential an entry in this status list of --status-db (and an id, if it has
    /// none), so that it can be revoked or suspended. Repeatable (e.g. a revocation and a
    /// suspension list).
    #[arg(long, value_name = "URL", requires = "status_db")]
    status_list: Vec<String>,
}

#[derive(Debug, Args)]
struct PresentArgs {
    /// The holder's key file (Multikey JSON or a private JWK). Its did:key is the holder, and
    /// every credential must be about it (`credentialSubject.id`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// A signed credential to present. Repeatable.
    #[arg(long, value_name = "FILE", required = true)]
    credential: Vec<PathBuf>,
    /// The verifier's challenge.
    #[arg(long)]
    challenge: String,
    /// The verifier's domain, if it named one.
    #[arg(long)]
    domain: Option<String>,
    /// The proof's `created` time (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    created: Option<DateTime<Utc>>,
    /// The Data Integrity cryptosuite of the presentation's proof. Default: the key's RDFC
    /// suite.
    #[arg(long, value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
    /// A JSON pointer to a claim to disclose (e.g. /credentialSubject/birthDate). Repeatable.
    /// A credential with an ecdsa-sd-2023 base proof is always presented derived, disclosing
    /// the issuer's mandatory claims and these (none given: the mandatory claims only).
    #[arg(long, value_name = "POINTER")]
    disclose: Vec<String>,
    /// Registers a JSON-LD context document for a URL the credentials use. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The credential or presentation; `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The challenge the holder was given (required for a presentation).
    #[arg(long)]
    challenge: Option<String>,
    /// The domain the presentation must be for.
    #[arg(long)]
    domain: Option<String>,
    /// Verify as of this time instead of now (e.g. 2026-06-01T12:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// Accept only credentials from this issuer DID. Repeatable (any of them).
    #[arg(long, value_name = "DID")]
    expect_issuer: Vec<String>,
    /// Registers a JSON-LD context document for a URL the document uses. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    context: Vec<(String, PathBuf)>,
    /// The status list credential published at URL (as `status publish` prints it), for
    /// credentials with a `credentialStatus` naming it. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_url_file_arg)]
    status_list: Vec<(String, PathBuf)>,
    #[command(flatten)]
    trust: trust_cmd::TrustArgs,
}

#[derive(Debug, Args)]
struct StatusPublishTokenArgs {
    /// The status database (SQLite), as `status create` made it.
    #[arg(long, value_name = "FILE")]
    db: PathBuf,
    /// The issuer's key file (Multikey JSON or a private JWK): the key the SD-JWT VCs were
    /// issued with (verifiers check the token against it).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The list to publish (the token's `sub`).
    #[arg(long)]
    url: String,
    /// How long the token is valid, in seconds (its `exp` and `ttl`; verifiers refuse it after
    /// that, so publish again before).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 86_400,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    valid_for: u32,
    /// The token's `iat` (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// The token's `iss`. Default: the key's did:key. Give the same --iss as the SD-JWT VCs
    /// were issued with, if any (a verifier refuses a token whose `iss` differs).
    #[arg(long, value_name = "ISS")]
    iss: Option<String>,
}

/// What `sd-jwt --help` adds: the story.
const SD_JWT_AFTER_HELP: &str = "\
SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc): the issuer signs a JWT in which the claims
named with --sd are hidden behind digests; the holder shows only the claims it chooses
(--disclose) and signs a Key Binding JWT over the verifier's nonce and audience; the verifier
checks it offline. Paths are dots: `given_name`, `address.street_address`, `nationalities.1`
(a number is an array element); several are separated by commas or given in repeated flags.

  lommebok sd-jwt issue --key issuer.json --in claims.json --vct urn:eudi:pid:1 \\
      --sd given_name,birthdate,age_over_18,address --holder-key did:key:z6Mk... > pid.sd-jwt
  lommebok sd-jwt present --in pid.sd-jwt --disclose age_over_18 --key holder.json \\
      --nonce <verifier's nonce> --aud https://verifier.example > pres.txt
  lommebok sd-jwt verify --in pres.txt --issuer did:key:z6Mk...#z6Mk... \\
      --nonce <the same nonce> --aud https://verifier.example

Revocation (IETF Token Status List): issue with --status-db/--status-list/--id, publish the
list with `lommebok status publish-token`, revoke with `lommebok status revoke --id`, publish
again; verifiers give the token with --status-list URI=FILE.";

/// What `sd-jwt verify --help` adds.
const SD_JWT_VERIFY_AFTER_HELP: &str = "\
Prints {\"valid\": true|false, \"claims\": {...}, \"report\": {...}}. `claims` is there only when
the presentation is valid: the disclosed claims plus those always visible (iss, iat, vct, cnf,
exp, nbf, status); claims the holder did not disclose are absent. `report` lists every check.

With --nonce and --aud the presentation must carry a Key Binding JWT for them; a credential
bound to a holder key (cnf) always needs them. This tool is stateless: the nonce given is taken
as freshly issued (making it random, single-use and short-lived is the caller's job).

A credential with a `status` claim is valid only if its Status List Token is given with
--status-list URI=FILE (as `lommebok status publish-token` prints it). Nothing is fetched.

Exit codes: 0 valid, 1 invalid (the report on standard output lists every check), 2 usage or
input error, 3 internal error.";

#[derive(Debug, Subcommand)]
enum SdJwtCommand {
    /// Issue an SD-JWT VC from a JSON object of claims and print it (`<jwt>~<disclosure>~…~`).
    Issue(SdJwtIssueArgs),
    /// Present an SD-JWT VC disclosing only some claims, with a Key Binding JWT (--key, --nonce,
    /// --aud) or, for a credential not bound to a holder key, without; print the presentation.
    Present(SdJwtPresentArgs),
    /// Verify an SD-JWT VC presentation and print the disclosed claims and the report.
    #[command(after_help = SD_JWT_VERIFY_AFTER_HELP)]
    Verify(SdJwtVerifyArgs),
}

#[derive(Debug, Args)]
struct SdJwtIssueArgs {
    /// The issuer's key file (Multikey JSON or a private JWK). The JWT's `kid` is its did:key
    /// verification method.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The claims: a JSON object (without iss, iat, exp, nbf, cnf, vct, status: set those with
    /// the options); `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The claims made selectively disclosable, as dot paths separated by commas
    /// (`given_name,address.street_address,nationalities.0`). Repeatable.
    #[arg(long, value_name = "PATHS", value_delimiter = ',', value_parser = parse_claim_path, required = true)]
    sd: Vec<ClaimPath>,
    /// Bind the credential to this holder key (`cnf.jwk`): a public JWK file, or a did:key
    /// (DID or DID URL). Without it, anyone holding a copy can present the credential.
    #[arg(long, value_name = "JWK_FILE|DID")]
    holder_key: Option<String>,
    /// The credential type (`vct`, required), e.g. urn:eudi:pid:1 or an HTTPS URL.
    #[arg(long, value_name = "VCT")]
    vct: String,
    /// The issuer (`iss`). Default: the key's did:key.
    #[arg(long, value_name = "ISS")]
    iss: Option<String>,
    /// Lifetime in seconds from `iat`: sets `exp`.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    exp: Option<u32>,
    /// Not valid before this time (`nbf`, e.g. 2026-01-01T00:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    nbf: Option<DateTime<Utc>>,
    /// Decoy digests added wherever claims are concealed, so their number does not show.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u8))]
    decoys: u8,
    /// The issuance time (`iat`, e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    iat: Option<DateTime<Utc>>,
    /// The status database (SQLite) holding the --status-list list, as `status create` made it.
    #[arg(long, value_name = "FILE", requires_all = ["status_list", "id"])]
    status_db: Option<PathBuf>,
    /// Give the credential an entry (a `status` claim, IETF Token Status List) in this list of
    /// --status-db, so that it can be revoked or suspended later by --id.
    #[arg(long, value_name = "URL", requires_all = ["status_db", "id"])]
    status_list: Option<String>,
    /// The id the status database keeps the credential under (for `status revoke --id`).
    #[arg(long, value_name = "ID", requires_all = ["status_db", "status_list"])]
    id: Option<String>,
}

#[derive(Debug, Args)]
struct SdJwtPresentArgs {
    /// The SD-JWT VC as issued; `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The claims to disclose, as dot paths separated by commas. Repeatable. Without it, only
    /// the claims that are always visible are shown.
    #[arg(long, value_name = "PATHS", value_delimiter = ',', value_parser = parse_claim_path)]
    disclose: Vec<ClaimPath>,
    /// The holder's key file (Multikey JSON or a private JWK): adds a Key Binding JWT. Needs
    /// --nonce and --aud. Without it, no key binding (for credentials without `cnf` only).
    #[arg(long, value_name = "FILE", requires_all = ["nonce", "aud"])]
    key: Option<PathBuf>,
    /// The verifier's nonce (needs --key).
    #[arg(long, requires = "key")]
    nonce: Option<String>,
    /// The verifier's identifier, the Key Binding JWT's audience (needs --key).
    #[arg(long, requires = "key")]
    aud: Option<String>,
    /// The Key Binding JWT's `iat` (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time, requires = "key")]
    iat: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
struct SdJwtVerifyArgs {
    /// The SD-JWT VC presentation; `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The issuer's public key as a JWK file (the issuer's `iss` is then not checked against
    /// it).
    #[arg(
        long,
        value_name = "JWK_FILE",
        required_unless_present = "issuer",
        conflicts_with = "issuer"
    )]
    issuer_key: Option<PathBuf>,
    /// The issuer's key as a did:key DID URL (did:key:z…#z…; a bare did:key is taken as its
    /// key): it must be the SD-JWT's `iss`.
    #[arg(long, value_name = "DID_URL")]
    issuer: Option<String>,
    /// The nonce the holder was given (needs --aud).
    #[arg(long, requires = "aud")]
    nonce: Option<String>,
    /// The audience the presentation must be for (needs --nonce).
    #[arg(long, requires = "nonce")]
    aud: Option<String>,
    /// Verify as of this time instead of now (e.g. 2026-06-01T12:00:00Z).
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    now: Option<DateTime<Utc>>,
    /// The Status List Token published at URI (as `status publish-token` prints it), for
    /// credentials with a `status` claim naming it. Repeatable.
    #[arg(long, value_name = "URI=FILE", value_parser = parse_url_file_arg)]
    status_list: Vec<(String, PathBuf)>,
    /// The header `typ` expected.
    #[arg(long = "type", value_name = "TYP", default_value = SD_JWT_VC_TYPE)]
    typ: String,
    #[command(flatten)]
    trust: trust_cmd::TrustArgs,
}

fn algorithm_parser() -> impl clap::builder::TypedValueParser<Value = Algorithm> {
    PossibleValuesParser::new(["ed25519", "p256"]).try_map(|s| s.parse::<Algorithm>())
}

fn cryptosuite_parser() -> impl clap::builder::TypedValueParser<Value = Cryptosuite> {
    PossibleValuesParser::new(Cryptosuite::ALL.map(|suite| suite.name()))
        .try_map(|s| Cryptosuite::from_name(&s))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    parse_date_time_stamp(s).ok_or_else(|| {
        format!("`{s}` is not a date-time with a time zone (RFC 3339, e.g. 2026-01-01T00:00:00Z)")
    })
}

fn purpose_parser() -> impl clap::builder::TypedValueParser<Value = StatusPurpose> {
    PossibleValuesParser::new(["revocation", "suspension", "message"])
        .try_map(|s| s.parse::<StatusPurpose>())
}

/// A status value: `0x` and hex digits, or decimal.
fn parse_status_value(s: &str) -> Result<u8, String> {
    match s.strip_prefix("0x") {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("`{s}` is not a value from 0 to 255 (e.g. 0x2 or 2)"))
}

/// `0xN=TEXT`: a status value in hex and what it means.
fn parse_message_arg(s: &str) -> Result<StatusMessage, String> {
    let bad = || format!("`{s}` is not 0xN=TEXT (a value in hex, e.g. 0x1=revoked)");
    let (status, message) = s.split_once('=').ok_or_else(bad)?;
    let hex = status.strip_prefix("0x").ok_or_else(bad)?;
    let status = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
    Ok(StatusMessage {
        status,
        message: message.to_owned(),
    })
}

fn parse_claim_path(s: &str) -> Result<ClaimPath, String> {
    ClaimPath::parse(s).map_err(|e| e.to_string())
}

fn parse_url_file_arg(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((url, file)) if !url.is_empty() && !file.is_empty() => {
            Ok((url.to_owned(), PathBuf::from(file)))
        }
        _ => Err(format!("`{s}` is not URL=FILE")),
    }
}

/// Why a command did not complete.
#[derive(Debug)]
enum Failure {
    /// Bad arguments or input: exit 2.
    Input(String),
    /// Something that is not the caller's fault: exit 3.
    Internal(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match &error {
            _ if error.is_signing_failure() => Failure::Internal(error.to_string()),
            Error::Proof(ProofError::JsonLd(_))
            | Error::Context(lommebok::contexts::ContextError::Unknown(_)) => {
                Failure::Input(format!(
                    "{error}\nhint: every type and property must be defined by one of the \
                 document's contexts, and a context that lommebok does not bundle must be \
                 given with --context URL=FILE"
                ))
            }
            // The database went wrong after it was opened (a full disk, a damaged file).
            Error::Status(StatusError::Store(_)) => Failure::Internal(error.to_string()),
            _ => Failure::Input(error.to_string()),
        }
    }
}

impl From<StatusError> for Failure {
    fn from(error: StatusError) -> Self {
        Error::from(error).into()
    }
}

impl From<lommebok::credential::CredentialError> for Failure {
    fn from(error: lommebok::credential::CredentialError) -> Self {
        Error::from(error).into()
    }
}

impl From<lommebok::json::JsonError> for Failure {
    fn from(error: lommebok::json::JsonError) -> Self {
        Error::from(error).into()
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors exit 2; --help and --version exit 0.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(Failure::Input(message)) => {
            say!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Internal(message)) => {
            say!("error: {message}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Key(KeyCommand::Generate { alg, seed }) => key_generate(alg, seed.as_deref()),
        Command::Did { key } => did(&key),
        Command::Issue(args) => issue(args),
        Command::Present(args) => present(args),
        Command::Verify(args) => verify(args),
        Command::Status(command) => status(command),
        Command::SdJwt(command) => sd_jwt(command),
        Command::Wallet(command) => wallet_cmd::wallet(command),
        Command::Trust(command) => trust_cmd::trust(command),
        Command::Request(command) => trust_cmd::request(command),
        Command::Guardian(command) => recovery_cmd::guardian(command),
        Command::Recovery(command) => recovery_cmd::recovery_command(command),
        Command::Delegation(command) => delegation_cmd::delegation(command),
        Command::Reissue(args) => reissue_cmd::reissue(args),
    }
}

fn key_generate(alg: Algorithm, seed: Option<&str>) -> Result<ExitCode, Failure> {
    let key = match seed {
        None => SoftwareKey::generate(alg),
        Some(seed) => {
            let bytes = Zeroizing::new(hex::decode(seed.trim()).map_err(|e| {
                Failure::Input(format!("--seed must be 64 hex digits (32 bytes): {e}"))
            })?);
            SoftwareKey::from_secret_bytes(alg, &bytes)
                .map_err(|e| Failure::Input(format!("--seed: {e}")))?
        }
    };
    let json = key.to_multikey_json();
    write_stdout(&json)?;
    Ok(ExitCode::SUCCESS)
}

fn did(key: &Path) -> Result<ExitCode, Failure> {
    let public = load_key(key)?.public_key();
    print_json(&json!({
        "did": Did::from_public_key(&public).as_str(),
        "verificationMethod": Did::key_verification_method(&public),
        "publicKeyJwk": public.to_jwk(),
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn issue(args: IssueArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let mut issuer = Issuer::new(key).with_contexts(load_contexts(&args.context)?);
    if let Some(suite) = args.suite {
        issuer = issuer.with_cryptosuite(suite)?;
    }
    if !args.mandatory.is_empty() {
        if !issuer.cryptosuite().is_selective() {
            return Err(Failure::Input(
                "--mandatory needs --suite ecdsa-sd-2023".into(),
            ));
        }
        let pointers: Vec<&str> = args.mandatory.iter().map(String::as_str).collect();
        issuer = issuer.with_mandatory_pointers(&pointers);
    }
    if let Some(db) = &args.status_db {
        let registry = StatusRegistry::new(open_status_db(db)?);
        check_status_lists(db, &registry.lists()?, &args.status_list)?;
        let lists: Vec<&str> = args.status_list.iter().map(String::as_str).collect();
        issuer = issuer.with_status(registry, &lists);
    }
    let unsigned = Credential::from_json_str(&read_input(&args.input)?)?;
    let signed = match args.created {
        Some(created) => issuer.issue_at(&unsigned, created)?,
        None => issuer.issue(&unsigned)?,
    };
    print_json(&Value::Object(signed.into_json()))?;
    Ok(ExitCode::SUCCESS)
}

fn present(args: PresentArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let contexts = load_contexts(&args.context)?;
    let mut wallet = Wallet::new(key).with_contexts(contexts.clone());
    if let Some(suite) = args.suite {
        wallet = wallet.with_cryptosuite(suite)?;
    }
    for path in &args.credential {
        let text = read_file(path)?;
        wallet
            .store(&text)
            .map_err(|e| Failure::from(e).context(path))?;
    }
    // A base proof is for the holder only: present what is derived from it.
    let disclose: Vec<&str> = args.disclose.iter().map(String::as_str).collect();
    let mut credentials = Vec::with_capacity(wallet.credentials().len());
    let mut derived_any = false;
    for (credential, path) in wallet.credentials().iter().zip(&args.credential) {
        if ecdsa_sd::mandatory_pointers(credential.as_json()).is_err() {
            credentials.push(credential.clone());
            continue;
        }
        let derived = ecdsa_sd::derive(credential.as_json(), &disclose, &contexts)
            .map_err(|e| Failure::from(Error::from(ProofError::from(e))).context(path))?;
        credentials.push(Credential::from_json(derived)?);
        derived_any = true;
    }
    if !disclose.is_empty() && !derived_any {
        return Err(Failure::Input(
            "--disclose needs a credential with an ecdsa-sd-2023 base proof".into(),
        ));
    }
    let request = PresentationRequest {
        challenge: args.challenge,
        domain: args.domain,
    };
    let presentation = match args.created {
        Some(created) => wallet.present_at(&credentials, &request, created)?,
        None => wallet.present(&credentials, &request)?,
    };
    print_json(&Value::Object(presentation.as_json().clone()))?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: VerifyArgs) -> Result<ExitCode, Failure> {
    let contexts = load_contexts(&args.context)?;
    let text = read_input(&args.input)?;
    let is_presentation = has_type(
        &lommebok::json::parse_object(&text)?,
        "VerifiablePresentation",
    );

    let mut policy = Policy::default();
    if !args.expect_issuer.is_empty() {
        policy.trusted_issuers = Some(args.expect_issuer);
    }
    let mut verifier = trust_cmd::verifier_at(args.now).with_contexts(contexts);
    if !args.status_list.is_empty() {
        verifier = verifier.with_status_source(load_status_lists(&args.status_list)?);
    }
    // The lists are verified before the policy (--expect-issuer) applies: their issuer is
    // the anchor.
    let verifier = with_trust(verifier, &args.trust)?.with_policy(policy);

    let report = if is_presentation {
        let Some(challenge) = args.challenge else {
            return Err(Failure::Input(
                "verifying a presentation needs --challenge (the challenge the holder was given)"
                    .into(),
            ));
        };
        // Stateless: the challenge given is taken as issued now (replay protection across runs
        // is the caller's job, as `verify --help` says).
        verifier.expect_challenge(&challenge);
        let request = PresentationRequest {
            challenge,
            domain: args.domain,
        };
        verifier.verify_presentation(&text, &request)?.report
    } else {
        if args.challenge.is_some() || args.domain.is_some() {
            say!(
                "note: --challenge and --domain apply to presentations only; ignored for a credential"
            );
        }
        verifier.verify_credential(&text)?.report
    };

    print_json(&serde_json::to_value(&report).map_err(|e| Failure::Internal(e.to_string()))?)?;
    summarize(&report);
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn sd_jwt(command: SdJwtCommand) -> Result<ExitCode, Failure> {
    match command {
        SdJwtCommand::Issue(args) => sd_jwt_issue(args),
        SdJwtCommand::Present(args) => sd_jwt_present(args),
        SdJwtCommand::Verify(args) => sd_jwt_verify(args),
    }
}

fn sd_jwt_issue(args: SdJwtIssueArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let mut issuer = Issuer::new(key);
    let claims = lommebok::json::parse_object(&read_input(&args.input)?)
        .map_err(|e| Failure::from(e).context(&args.input))?;
    let iat = args.iat.unwrap_or_else(Utc::now);
    let mut options = SdJwtOptions::new(args.vct).with_decoys(usize::from(args.decoys));
    if let Some(holder) = &args.holder_key {
        options = options.with_holder_key(load_public_key(holder, "--holder-key")?);
    }
    if let Some(iss) = args.iss {
        options = options.with_issuer(iss);
    }
    if let Some(nbf) = args.nbf {
        options = options.valid_from(nbf);
    }
    if let Some(exp) = args.exp {
        let until = iat
            .checked_add_signed(chrono::Duration::seconds(i64::from(exp)))
            .ok_or_else(|| Failure::Input("--iat plus --exp is out of range".into()))?;
        options = options.valid_until(until);
    }
    if let (Some(db), Some(url), Some(id)) = (&args.status_db, args.status_list, args.id) {
        let registry = StatusRegistry::new(open_status_db(db)?);
        if !registry.lists()?.iter().any(|list| list.url == url) {
            return Err(Failure::Input(format!(
                "{}: no status list {url} (create it with `lommebok status create`)",
                db.display()
            )));
        }
        // An id names one credential: a second entry under it would be revoked with the first.
        if registry
            .status_of(&id)?
            .iter()
            .any(|status| status.list == url)
        {
            return Err(Failure::Input(format!(
                "{}: credential `{id}` has an entry in {url} already; give each credential its \
                 own --id",
                db.display()
            )));
        }
        issuer = issuer.with_status(registry, &[]);
        options = options.with_status(url, id);
    }
    let sd_jwt = issuer.issue_sd_jwt_at(&claims, &args.sd, &options, iat)?;
    write_stdout(&sd_jwt)?;
    Ok(ExitCode::SUCCESS)
}

fn sd_jwt_present(args: SdJwtPresentArgs) -> Result<ExitCode, Failure> {
    let sd_jwt = read_input(&args.input)?;
    let sd_jwt = sd_jwt.trim();
    let presentation = match (&args.key, &args.nonce, &args.aud) {
        (Some(key), Some(nonce), Some(aud)) => {
            let wallet = Wallet::new(Arc::new(load_key(key)?));
            let iat = args.iat.unwrap_or_else(Utc::now);
            wallet.present_sd_jwt_at(sd_jwt, &args.disclose, nonce, aud, iat)?
        }
        // clap makes --key, --nonce and --aud go together.
        (None, None, None) => {
            // Presenting without key binding signs nothing: the wallet's key is never used (the
            // core offers this only on a wallet).
            let wallet = Wallet::new(Arc::new(SoftwareKey::generate(Algorithm::Ed25519)));
            wallet.present_sd_jwt_without_key_binding(sd_jwt, &args.disclose)?
        }
        _ => {
            return Err(Failure::Input(
                "--key, --nonce and --aud go together".into(),
            ));
        }
    };
    write_stdout(&presentation)?;
    Ok(ExitCode::SUCCESS)
}

fn sd_jwt_verify(args: SdJwtVerifyArgs) -> Result<ExitCode, Failure> {
    let Some(issuer) = sd_jwt_issuer_key(args.issuer_key.as_deref(), args.issuer.as_deref())?
    else {
        return Err(Failure::Input(
            "give exactly one of --issuer-key and --issuer".into(),
        ));
    };
    let text = read_input(&args.input)?;
    let mut verifier = trust_cmd::verifier_at(args.now);
    if !args.status_list.is_empty() {
        verifier = verifier.with_status_source(load_status_lists(&args.status_list)?);
    }
    let verifier = with_trust(verifier, &args.trust)?;
    let request = match (args.nonce, args.aud) {
        (Some(nonce), Some(aud)) => {
            // Stateless: the nonce given is taken as issued now (see `sd-jwt verify --help`).
            verifier.expect_challenge(&nonce);
            Some(PresentationRequest {
                challenge: nonce,
                domain: Some(aud),
            })
        }
        _ => None,
    };
    let verification =
        verifier.verify_sd_jwt_with_type(text.trim(), &issuer, request.as_ref(), &args.typ)?;
    let report = verification.report.clone();
    let mut output = Map::new();
    output.insert("valid".into(), report.is_valid().into());
    if let Some(verified) = verification.verified() {
        output.insert("claims".into(), Value::Object(verified.claims().clone()));
    }
    output.insert(
        "report".into(),
        serde_json::to_value(&report).map_err(|e| Failure::Internal(e.to_string()))?,
    );
    print_json(&Value::Object(output))?;
    summarize(&report);
    Ok(if report.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An SD-JWT issuer's key from `--issuer-key JWK_FILE` or `--issuer DID_URL` (at most one).
fn sd_jwt_issuer_key(
    issuer_key: Option<&Path>,
    issuer: Option<&str>,
) -> Result<Option<SdJwtIssuerKey>, Failure> {
    match (issuer_key, issuer) {
        (Some(path), None) => {
            let jwk = lommebok::json::parse_object(&read_file(path)?)
                .map_err(|e| Failure::from(e).context(path))?;
            SdJwtIssuerKey::from_jwk(&Value::Object(jwk))
                .map(Some)
                .map_err(|e| Failure::from(e).context(path))
        }
        (None, Some(did)) => Ok(Some(SdJwtIssuerKey::VerificationMethod(did_key_url(did)?))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(Failure::Input(
            "give only one of --issuer-key and --issuer".into(),
        )),
    }
}

/// `--issuer`: a did:key DID URL; a bare did:key stands for its one key.
fn did_key_url(did: &str) -> Result<String, Failure> {
    if did.contains('#') {
        lommebok::did::split_did_url(did).map_err(|e| Failure::Input(format!("--issuer: {e}")))?;
        return Ok(did.to_owned());
    }
    let parsed = Did::parse(did).map_err(|e| Failure::Input(format!("--issuer: {e}")))?;
    if parsed.method() != "key" {
        return Err(Failure::Input(format!(
            "--issuer {did}: give a DID URL (did:...#fragment) naming the issuer's key"
        )));
    }
    Ok(format!("{did}#{}", parsed.method_specific_id()))
}

/// A public key given as a did:key (DID or DID URL) or as a file holding a public JWK.
fn load_public_key(arg: &str, option: &str) -> Result<PublicKey, Failure> {
    if arg.starts_with("did:") {
        let did = match arg.split_once('#') {
            Some((did, _)) => did,
            None => arg,
        };
        let parsed = Did::parse(did).map_err(|e| Failure::Input(format!("{option}: {e}")))?;
        if parsed.method() != "key" {
            return Err(Failure::Input(format!(
                "{option} {arg}: only did:key DIDs can be resolved offline; give a public JWK file"
            )));
        }
        let key = PublicKey::from_multibase(parsed.method_specific_id())
            .map_err(|e| Failure::Input(format!("{option} {arg}: {e}")))?;
        if let Some((_, fragment)) = arg.split_once('#')
            && fragment != parsed.method_specific_id()
        {
            return Err(Failure::Input(format!(
                "{option} {arg}: not a verification method of the did:key"
            )));
        }
        return Ok(key);
    }
    let path = Path::new(arg);
    let jwk = lommebok::json::parse_object(&read_file(path)?)
        .map_err(|e| Failure::from(e).context(path))?;
    PublicKey::from_jwk(&Value::Object(jwk))
        .map_err(|e| Failure::Input(format!("{}: not a public JWK: {e}", path.display())))
}

fn status(command: StatusCommand) -> Result<ExitCode, Failure> {
    match command {
        StatusCommand::Create(args) => status_create(args),
        StatusCommand::Revoke(args) => status_change(&args, StatusRegistry::revoke),
        StatusCommand::Suspend(args) => status_change(&args, StatusRegistry::suspend),
        StatusCommand::Unsuspend(args) => status_change(&args, StatusRegistry::unsuspend),
        StatusCommand::Set(args) => status_change(&args.credential, |registry, id| {
            registry.set(id, args.purpose, args.value)
        }),
        StatusCommand::Show(args) => status_show(args),
        StatusCommand::Publish(args) => status_publish(args),
        StatusCommand::PublishToken(args) => status_publish_token(args),
    }
}

fn status_create(args: StatusCreateArgs) -> Result<ExitCode, Failure> {
    for (i, message) in args.message.iter().enumerate() {
        if args.size < 8 && message.status >> args.size != 0 {
            return Err(Failure::Input(format!(
                "--message 0x{:x}: the value does not fit in --size {} bits",
                message.status, args.size
            )));
        }
        if args.message[..i].iter().any(|m| m.status == message.status) {
            return Err(Failure::Input(format!(
                "--message 0x{:x} is given twice",
                message.status
            )));
        }
    }
    let mut messages = args.message;
    messages.sort_by_key(|m| m.status);
    let list = StatusListInfo {
        url: args.url,
        purpose: args.purpose,
        size: args.size,
        entries: lommebok::status::MIN_ENTRIES,
        messages,
        reference: args.reference,
    };
    // The list's rules are checked before the database file is created or touched.
    StatusRegistry::in_memory().create_list_with(list.clone())?;
    let store = SqliteStatusStore::open(&args.db).map_err(|e| Failure::Input(e.to_string()))?;
    let registry = StatusRegistry::new(Arc::new(store));
    if registry.lists()?.iter().any(|l| l.url == list.url) {
        return Err(Failure::Input(format!(
            "{}: there is a status list {} already",
            args.db.display(),
            list.url
        )));
    }
    let list = registry.create_list_with(list)?;
    print_json(&list_json(&list, None))?;
    Ok(ExitCode::SUCCESS)
}

/// Revokes, suspends or unsuspends, and prints the credential's status.
fn status_change(
    args: &StatusIdArgs,
    change: impl FnOnce(&StatusRegistry, &str) -> Result<(), StatusError>,
) -> Result<ExitCode, Failure> {
    let registry = StatusRegistry::new(open_status_db(&args.db)?);
    change(&registry, &args.id)?;
    print_json(&credential_status_json(&registry, &args.id)?)?;
    Ok(ExitCode::SUCCESS)
}

fn status_show(args: StatusShowArgs) -> Result<ExitCode, Failure> {
    let store = open_status_db(&args.db)?;
    let registry = StatusRegistry::new(store.clone());
    let json = match &args.id {
        Some(id) => {
            let json = credential_status_json(&registry, id)?;
            if json["status"].as_array().is_none_or(Vec::is_empty) {
                return Err(Failure::Input(format!(
                    "{}: credential `{id}` has no status entries",
                    args.db.display()
                )));
            }
            json
        }
        None => {
            let mut lists = Vec::new();
            for list in registry.lists()? {
                let counts = (store.allocated(&list.url)?, store.values(&list.url)?.len());
                lists.push(list_json(&list, Some(counts)));
            }
            json!({ "lists": lists })
        }
    };
    print_json(&json)?;
    Ok(ExitCode::SUCCESS)
}

fn status_publish(args: StatusPublishArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let registry = StatusRegistry::new(open_status_db(&args.db)?);
    let mut issuer = Issuer::new(key).with_status(registry, &[]);
    if let Some(suite) = args.suite {
        issuer = issuer.with_cryptosuite(suite)?;
    }
    let valid_from = args.now.unwrap_or_else(Utc::now);
    let valid_until = valid_from
        .checked_add_signed(chrono::Duration::seconds(i64::from(args.valid_for)))
        .ok_or_else(|| Failure::Input("--now plus --valid-for is out of range".into()))?;
    let list = issuer.status_list_credential_at(&args.url, valid_from, valid_until)?;
    print_json(&Value::Object(list.into_json()))?;
    Ok(ExitCode::SUCCESS)
}

fn status_publish_token(args: StatusPublishTokenArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let registry = StatusRegistry::new(open_status_db(&args.db)?);
    let issuer = Issuer::new(key).with_status(registry, &[]);
    let iat = args.now.unwrap_or_else(Utc::now);
    let exp = iat
        .checked_add_signed(chrono::Duration::seconds(i64::from(args.valid_for)))
        .ok_or_else(|| Failure::Input("--now plus --valid-for is out of range".into()))?;
    let token = match &args.iss {
        Some(iss) => issuer.status_list_token_with_issuer_at(&args.url, Some(iss), iat, exp)?,
        None => issuer.status_list_token_at(&args.url, iat, exp)?,
    };
    write_stdout(&token)?;
    Ok(ExitCode::SUCCESS)
}

/// Checks that each `--status-list` URL is given once and is one of the lists `known` of the
/// status database `db`.
fn check_status_lists(db: &Path, known: &[StatusListInfo], urls: &[String]) -> Result<(), Failure> {
    for (i, url) in urls.iter().enumerate() {
        if urls[..i].contains(url) {
            return Err(Failure::Input(format!(
                "--status-list {url} is given twice"
            )));
        }
        if !known.iter().any(|list| &list.url == url) {
            return Err(Failure::Input(format!(
                "{}: no status list {url} (create it with `lommebok status create`)",
                db.display()
            )));
        }
    }
    Ok(())
}

/// Opens a status database that `status create` made: a missing file is an error, not a new
/// empty database.
fn open_status_db(path: &Path) -> Result<Arc<SqliteStatusStore>, Failure> {
    SqliteStatusStore::open_existing(path)
        .map(Arc::new)
        .map_err(|e| match e {
            StatusError::Store(message) if !path.exists() => Failure::Input(format!(
                "{message} (create it with `lommebok status create`)"
            )),
            other => Failure::Input(other.to_string()),
        })
}

/// A list as `status create` and `status show` print it; `counts` are (allocated, set).
fn list_json(list: &StatusListInfo, counts: Option<(u64, usize)>) -> Value {
    let mut json = Map::new();
    json.insert("url".into(), list.url.clone().into());
    json.insert("purpose".into(), list.purpose.as_str().into());
    json.insert("size".into(), list.size.into());
    json.insert("entries".into(), list.entries.into());
    if !list.messages.is_empty() {
        json.insert(
            "messages".into(),
            list.messages
                .iter()
                .map(|m| json!({"status": format!("0x{:x}", m.status), "message": m.message}))
                .collect(),
        );
    }
    if !list.reference.is_empty() {
        json.insert("reference".into(), list.reference.clone().into());
    }
    if let Some((allocated, set)) = counts {
        json.insert("allocated".into(), allocated.into());
        json.insert("set".into(), set.into());
    }
    Value::Object(json)
}

/// `{"id": ..., "status": [{"list", "purpose", "index", "value"[, "message"]}, ...]}`.
fn credential_status_json(registry: &StatusRegistry, id: &str) -> Result<Value, Failure> {
    let status: Vec<Value> = registry
        .status_of(id)?
        .into_iter()
        .map(|status| {
            let mut entry = json!({
                "list": status.list,
                "purpose": status.purpose.as_str(),
                "index": status.index,
                "value": status.value,
            });
            if let (Some(message), Some(entry)) = (status.message, entry.as_object_mut()) {
                entry.insert("message".into(), message.into());
            }
            entry
        })
        .collect();
    Ok(json!({ "id": id, "status": status }))
}

/// A status source with the `--status-list URL=FILE` lists.
fn load_status_lists(lists: &[(String, PathBuf)]) -> Result<Arc<StatusListCache>, Failure> {
    let cache = StatusListCache::new();
    for (i, (url, path)) in lists.iter().enumerate() {
        if lists[..i].iter().any(|(u, _)| u == url) {
            return Err(Failure::Input(format!(
                "--status-list {url} is given twice"
            )));
        }
        // A token is a bare JWT: the newline a shell redirect leaves after it is not part of it.
        cache.insert(url, read_file(path)?.trim());
    }
    Ok(Arc::new(cache))
}

/// `verifier` with the `--trust-list` lists (verified by it), if any are given.
fn with_trust(verifier: Verifier, trust: &trust_cmd::TrustArgs) -> Result<Verifier, Failure> {
    Ok(match trust.load(&verifier)? {
        Some(lists) => verifier.with_trust_lists(lists),
        None => verifier,
    })
}

/// Tells a person on standard error what the report says.
fn summarize(report: &VerificationReport) {
    if report.is_valid() {
        say!("valid: all {} checks passed", report.checks.len());
    } else {
        say!("NOT valid:");
        for check in report.failures() {
            // The check's name as the JSON report spells it (`challenge`, `validity_period`).
            let name = match serde_json::to_value(check.check) {
                Ok(Value::String(name)) => name,
                _ => format!("{:?}", check.check),
            };
            say!("  {}: {name} failed: {}", check.target, check.reason);
        }
        if report.failures().any(|c| {
            c.check == CheckKind::Status
                && (c.reason.contains("cannot be had") || c.reason.contains("no status source"))
        }) {
            say!(
                "hint: give the status lists with --status-list URL=FILE (as `lommebok status \
                 publish` prints them; for SD-JWT VCs, as `lommebok status publish-token` does)"
            );
        }
    }
}

/// Whether the document's `type` (a string or an array of strings) includes `wanted`.
fn has_type(document: &Map<String, Value>, wanted: &str) -> bool {
    match document.get("type") {
        Some(Value::String(t)) => t == wanted,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

impl Failure {
    /// Prefixes the message with the file it is about.
    fn context(self, path: &Path) -> Self {
        match self {
            Failure::Input(m) => Failure::Input(format!("{}: {m}", path.display())),
            Failure::Internal(m) => Failure::Internal(format!("{}: {m}", path.display())),
        }
    }
}

/// Reads a key file: Multikey JSON first, then a private JWK.
fn load_key(path: &Path) -> Result<SoftwareKey, Failure> {
    let text = Zeroizing::new(read_file(path)?);
    SoftwareKey::from_multikey_json(&text).or_else(|multikey| {
        SoftwareKey::from_private_jwk(&text).map_err(|jwk| {
            Failure::Input(format!(
                "{}: not a key file: as Multikey: {multikey}; as a private JWK: {jwk}",
                path.display()
            ))
        })
    })
}

/// The bundled contexts plus the `--context URL=FILE` ones.
fn load_contexts(extra: &[(String, PathBuf)]) -> Result<ContextRegistry, Failure> {
    let mut registry = ContextRegistry::new();
    for (url, path) in extra {
        // The bundled contexts are the W3C documents byte for byte: replacing one would change
        // what signed documents mean, so it is refused (as is giving one URL twice).
        if registry.contains(url) {
            return Err(Failure::Input(format!(
                "--context {url}: this context is bundled with lommebok or given twice, and \
                 cannot be replaced"
            )));
        }
        let document = read_file(path)?;
        registry
            .register(url, &document)
            .map_err(|e| Failure::from(Error::from(e)).context(path))?;
    }
    Ok(registry)
}

/// Reads `--in`: a file, or standard input for `-`.
fn read_input(path: &Path) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        read_limited(io::stdin().lock(), Path::new("standard input"))
    } else {
        read_file(path)
    }
}

fn read_file(path: &Path) -> Result<String, Failure> {
    let file = File::open(path)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?;
    read_limited(file, path)
}

/// Reads at most [`MAX_INPUT_BYTES`].
fn read_limited_bytes(reader: impl Read, name: &Path) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", name.display())))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::Input(format!(
            "{} is larger than {MAX_INPUT_BYTES} bytes",
            name.display()
        )));
    }
    Ok(bytes)
}

/// Reads UTF-8 text of at most [`MAX_INPUT_BYTES`].
fn read_limited(reader: impl Read, name: &Path) -> Result<String, Failure> {
    let bytes = read_limited_bytes(reader, name)?;
    String::from_utf8(bytes).map_err(|e| {
        // Do not keep a copy of what may be a secret key around longer than needed.
        drop(Zeroizing::new(e.into_bytes()));
        Failure::Input(format!("{} is not UTF-8 text", name.display()))
    })
}

fn print_json(value: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Failure::Internal(e.to_string()))?;
    write_stdout(&text)
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Internal(format!("cannot write the output: {e}")))
}
