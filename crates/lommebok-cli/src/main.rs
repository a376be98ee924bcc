//! `lommebok`: generate keys, issue, present and verify W3C Verifiable Credentials from the
//! command line.
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
use lommebok::clock::FixedClock;
use lommebok::contexts::ContextRegistry;
use lommebok::credential::parse_date_time_stamp;
use lommebok::data_integrity::{Cryptosuite, ProofError};
use lommebok::{
    Algorithm, Credential, Did, Error, Issuer, Policy, PresentationRequest, Signer as _,
    SoftwareKey, VerificationReport, Verifier, Wallet,
};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// Writes a line for people to standard error. Unlike `eprintln!`, never panics when standard
/// error is gone.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(io::stderr(), $($arg)*);
    }};
}

/// The exit codes, as `--help` shows them.
const EXIT_CODES: &str = "\
Exit codes:
  0  done; for `verify`: the document is valid
  1  `verify` only: the document was checked and is NOT valid (the report says why)
  2  usage or input error: bad arguments, unreadable or oversized file, malformed JSON,
     not a credential or presentation, a key that does not fit the suite, an unknown
     JSON-LD context (register it with --context URL=FILE), ...
  3  internal error: signing failed, or the output could not be written

Results are JSON on standard output; messages for people go to standard error, errors as
`error: <message>`.";

/// What `verify --help` adds about challenges.
const VERIFY_AFTER_HELP: &str = "\
A presentation is checked against the --challenge (and --domain) given here. This tool is
stateless: it accepts the challenge it is given as freshly issued and does not remember it.
Making each challenge random, single-use and short-lived (replay protection across runs) is
the caller's job.

Exit codes: 0 valid, 1 invalid (the report on standard output lists every check), 2 usage or
input error, 3 internal error.";

/// Largest file (or standard input) read: 16 MiB. Credentials and presentations are further
/// capped by lommebok itself (1 MiB).
const MAX_INPUT_BYTES: u64 = 16 << 20;

/// Issue, hold, present and verify W3C Verifiable Credentials bound to DIDs (did:key).
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
    /// Print the did:key and verification method of a key (public parts only).
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
    /// Ed25519, ecdsa-rdfc-2019 for P-256).
    #[arg(long, value_parser = cryptosuite_parser())]
    suite: Option<Cryptosuite>,
    /// The unsigned credential (VCDM 2.0 JSON); `-` reads standard input.
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The proof's `created` time (e.g. 2026-01-01T00:00:00Z). Default: now.
    #[arg(long, value_name = "ISO", value_parser = parse_time)]
    created: Option<DateTime<Utc>>,
    /// Registers a JSON-LD context document for a URL the credential uses (nothing is ever
    /// fetched). Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_context_arg)]
    context: Vec<(String, PathBuf)>,
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
    /// Registers a JSON-LD context document for a URL the credentials use. Repeatable.
    #[arg(long, value_name = "URL=FILE", value_parser = parse_context_arg)]
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
    #[arg(long, value_name = "URL=FILE", value_parser = parse_context_arg)]
    context: Vec<(String, PathBuf)>,
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

fn parse_context_arg(s: &str) -> Result<(String, PathBuf), String> {
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
            _ => Failure::Input(error.to_string()),
        }
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
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn issue(args: IssueArgs) -> Result<ExitCode, Failure> {
    let key = Arc::new(load_key(&args.key)?);
    let mut issuer = Issuer::new(key).with_contexts(load_contexts(&args.context)?);
    if let Some(suite) = args.suite {
        issuer = issuer.with_cryptosuite(suite)?;
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
    let mut wallet = Wallet::new(key).with_contexts(load_contexts(&args.context)?);
    if let Some(suite) = args.suite {
        wallet = wallet.with_cryptosuite(suite)?;
    }
    for path in &args.credential {
        let text = read_file(path)?;
        wallet
            .store(&text)
            .map_err(|e| Failure::from(e).context(path))?;
    }
    let request = PresentationRequest {
        challenge: args.challenge,
        domain: args.domain,
    };
    let presentation = match args.created {
        Some(created) => wallet.present_at(wallet.credentials(), &request, created)?,
        None => wallet.present(wallet.credentials(), &request)?,
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
    let mut verifier = Verifier::new().with_contexts(contexts).with_policy(policy);
    if let Some(now) = args.now {
        verifier = verifier.with_clock(Arc::new(FixedClock(now)));
    }

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

/// Reads UTF-8 text of at most [`MAX_INPUT_BYTES`].
fn read_limited(reader: impl Read, name: &Path) -> Result<String, Failure> {
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
