//! Recovery with trusted people ([`lommebok::wallet::recovery`]) from the command line: the
//! owner's `wallet protect|rotate|backup`, the guardian's `guardian …`, and the new device's
//! `recovery start|show|add|restore`.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use lommebok::SoftwareKey;
use lommebok::wallet::recovery::{
    self, DeviceRecovery, Guardian, GuardianPublicKey, GuardianWallet, KeptShare, Protection,
    RecoveryError,
};
use lommebok::wallet::store::WalletStore;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::wallet_cmd::{self, StoreArgs, store_failure, wallet_failure};
use super::{Failure, load_key, print_json, read_file, write_stdout};

/// What `guardian --help` adds: the story.
pub(crate) const GUARDIAN_AFTER_HELP: &str = "\
A guardian keeps a share of someone's wallet, sealed to the guardian's key, and releases it
to that person's new device once they have compared the short code with them (by phone or in
person). The guardian's store is a wallet store file (their own `wallet init` store, or one
made with `guardian init`), unlocked like a wallet: LOMMEBOK_PASSPHRASE or --passphrase-file.

  lommebok guardian init --store guardian.db          # prints the guardian key (lbg1.…)
  lommebok guardian keep --store guardian.db --share lbs1.…
  lommebok guardian kept --store guardian.db
  lommebok guardian check --store guardian.db --request request.jwt   # who asks, the code
  lommebok guardian release --store guardian.db --request request.jwt --code 123456
  lommebok guardian confirm --store guardian.db --previous-holder did:key:… \
      --holder did:key:…        # after a recovery onto a new key: see `lommebok reissue --help`

Release only while the owner is on the line and reads out the code their new device shows:
whoever sits between the two could otherwise try requests until one shows the same code.";

/// What `recovery --help` adds: the story.
pub(crate) const RECOVERY_AFTER_HELP: &str = "\
On the owner's phone (`lommebok wallet protect`), the wallet is backed up whole into one
ciphertext (the backup, kept anywhere) and its key is split among guardians, k of whom can
recover it. On a new device:

  lommebok recovery start --key device.key.json --backup backup.bin --state-out recovery.json
      # prints the request (give it to each guardian) and the short code
  lommebok recovery add --state recovery.json --from Kari --release lbr1.…
  lommebok recovery add --state recovery.json --from Nils --release lbr1.…
  lommebok recovery restore --state recovery.json --backup backup.bin --store new.db \\
      --backup-out new-backup.bin     # prints the new shares: give them to the guardians

The state file is SECRET (it holds the key the releases are sealed to, the shares added so
far, the device key and the backup): it is written readable by its owner only, and deleted by
`restore`. A request lives 15 minutes; `recovery show` or `recovery add` after that signs a new
one (a new short code), and releases answering the old one still count. After the restore the
guardians' old shares are revoked: each must keep the new share (`guardian keep`). The new
store's passphrase comes from LOMMEBOK_PASSPHRASE or --passphrase-file.";

#[derive(Debug, Subcommand)]
pub(crate) enum GuardianCommand {
    /// Create a guardian store file and its guardian key; print the key (`lbg1.…`) to give
    /// to the owners who name this guardian.
    Init(StoreArgs),
    /// Print the guardian key (`lbg1.…`), made on first use.
    Key(StoreArgs),
    /// Keep a sealed share (`lbs1.…`) an owner gave, in place of an earlier one for the same
    /// wallet; print what it is.
    Keep(KeepArgs),
    /// Print the shares kept: for which wallet, of which epoch.
    Kept(StoreArgs),
    /// Check a recovery request: print the wallet it asks for, the device key, when it
    /// expires and its short code. Nothing is released.
    Check(RequestArgs),
    /// Release the share kept for the request's wallet to the device that signed it, once
    /// the code the owner reads out is typed with --code; print the release (`lbr1.…`).
    Release(ReleaseArgs),
    /// Confirm, with the holder key of the guardian's own wallet in the store, that the
    /// owner's new DID (--holder) is the same person as their old one (--previous-holder),
    /// for an issuer to re-issue their credentials (`lommebok reissue`); print the
    /// confirmation (a compact JWS).
    Confirm(super::reissue_cmd::ConfirmArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeepArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The sealed share, as the owner's `wallet protect` printed it (`lbs1.…`).
    #[arg(long, value_name = "lbs1.…")]
    share: String,
}

#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The recovery request (a compact JWS, as `recovery start` printed it); `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ReleaseArgs {
    #[command(flatten)]
    request: RequestArgs,
    /// The short code the owner reads out from their new device (6 digits; spaces and dashes
    /// are ignored).
    #[arg(long)]
    code: String,
}

#[derive(Debug, Args)]
pub(crate) struct ProtectArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// How many guardians recover the wallet together (2 or more, at most their number).
    #[arg(long, value_name = "K")]
    threshold: u8,
    /// A guardian: a name (for the owner's screens and errors) and their key, as their
    /// `guardian key` printed it. Repeatable; each gets one share.
    #[arg(long, value_name = "NAME=lbg1.…", required = true)]
    guardian: Vec<String>,
    /// Where to write the backup (opaque bytes; keep it anywhere, a cloud drive, a USB stick).
    #[arg(long, value_name = "FILE")]
    backup_out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct BackupOutArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Where to write the backup.
    #[arg(long, value_name = "FILE")]
    backup_out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RecoveryCommand {
    /// Start recovering a wallet on a new device from its backup: write the (secret) state
    /// file and print the request for the guardians and the short code.
    Start(StartArgs),
    /// Print the request and short code of a recovery in progress (a new request when the
    /// last one expired) and how many shares it has.
    Show(StateArgs),
    /// Add the shares guardians released (`lbr1.…`), one --from NAME per --release, in order.
    Add(AddArgs),
    /// Restore the wallet into a new store file once enough shares are added, rotate the
    /// split, write the new backup and print the guardians' new shares. Deletes the state.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// The new device's key file (Multikey JSON or a private JWK): it signs the requests.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The wallet's backup, as `wallet protect`, `wallet rotate` or `wallet backup` wrote it.
    #[arg(long, value_name = "FILE")]
    backup: PathBuf,
    /// Where to write the state of the recovery (SECRET; must not exist yet).
    #[arg(long, value_name = "FILE")]
    state_out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct StateArgs {
    /// The state file `recovery start` wrote (updated in place).
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    #[command(flatten)]
    state: StateArgs,
    /// Who released the next --release (a name, for messages). Repeatable, one per --release.
    #[arg(long, value_name = "NAME", required = true)]
    from: Vec<String>,
    /// A release, as the guardian's `guardian release` printed it (`lbr1.…`). Repeatable.
    #[arg(long, value_name = "lbr1.…", required = true)]
    release: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    #[command(flatten)]
    state: StateArgs,
    /// The backup (default: the one the recovery was started with). A backup refreshed since
    /// (`wallet backup`) of the same split is newer and also fits.
    #[arg(long, value_name = "FILE")]
    backup: Option<PathBuf>,
    /// The new wallet store file (must not exist) and its passphrase.
    #[command(flatten)]
    store: StoreArgs,
    /// Where to write the new backup, made by the rotation after the restore.
    #[arg(long, value_name = "FILE")]
    backup_out: PathBuf,
}

pub(crate) fn recovery_failure(error: RecoveryError) -> Failure {
    match error {
        RecoveryError::Store(e) => store_failure(e),
        RecoveryError::Wallet(e) => wallet_failure(*e),
        RecoveryError::Signing(_) | RecoveryError::Crypto(_) => {
            Failure::Internal(error.to_string())
        }
        other => Failure::Input(other.to_string()),
    }
}

// --- the guardian ---

pub(crate) fn guardian(command: GuardianCommand) -> Result<ExitCode, Failure> {
    match command {
        GuardianCommand::Init(args) => {
            let store = open_store(&args, true)?;
            print_guardian_key(&store)
        }
        GuardianCommand::Key(args) => print_guardian_key(&open_store(&args, false)?),
        GuardianCommand::Keep(args) => {
            let store = open_store(&args.store, false)?;
            let guardian = GuardianWallet::open(&store).map_err(recovery_failure)?;
            let kept = guardian.keep(&args.share).map_err(recovery_failure)?;
            print_json(&kept_json(&kept))?;
            say!("keeping share {} of {}", kept.index, kept.wallet);
            Ok(ExitCode::SUCCESS)
        }
        GuardianCommand::Kept(args) => {
            let store = open_store(&args, false)?;
            let guardian = GuardianWallet::open(&store).map_err(recovery_failure)?;
            let kept = guardian.kept_shares().map_err(recovery_failure)?;
            print_json(&json!({ "shares": kept.iter().map(kept_json).collect::<Vec<_>>() }))?;
            Ok(ExitCode::SUCCESS)
        }
        GuardianCommand::Check(args) => {
            let store = open_store(&args.store, false)?;
            let guardian = GuardianWallet::open(&store).map_err(recovery_failure)?;
            let pending = guardian
                .check_request(&read_request(&args.request)?)
                .map_err(recovery_failure)?;
            print_json(&json!({
                "wallet": pending.request.wallet.as_str(),
                "epoch": pending.request.epoch,
                "deviceKey": pending.request.device_key.to_multibase(),
                "expiresAt": wallet_cmd::time(Some(pending.request.expires_at)),
                "shortCode": pending.short_code(),
                "share": kept_json(&pending.share),
            }))?;
            say!(
                "compare the code {} with the owner (by phone or in person) before releasing",
                pending.short_code()
            );
            Ok(ExitCode::SUCCESS)
        }
        GuardianCommand::Confirm(args) => super::reissue_cmd::confirm(&args),
        GuardianCommand::Release(args) => {
            let store = open_store(&args.request.store, false)?;
            let guardian = GuardianWallet::open(&store).map_err(recovery_failure)?;
            let pending = guardian
                .check_request(&read_request(&args.request.request)?)
                .map_err(recovery_failure)?;
            let release = guardian
                .release(&pending, &args.code)
                .map_err(recovery_failure)?;
            write_stdout(&release)?;
            say!(
                "released share {} of {} to the device that signed the request",
                pending.share.index,
                pending.share.wallet
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_guardian_key(store: &WalletStore) -> Result<ExitCode, Failure> {
    let guardian = GuardianWallet::open(store).map_err(recovery_failure)?;
    print_json(&json!({ "key": guardian.public_key().to_string() }))?;
    Ok(ExitCode::SUCCESS)
}

fn kept_json(kept: &KeptShare) -> Value {
    json!({ "wallet": kept.wallet, "epoch": kept.epoch, "index": kept.index })
}

fn read_request(path: &Path) -> Result<String, Failure> {
    Ok(super::read_input(path)?.trim().to_owned())
}

/// Opens a wallet store as a guardian's (`create`: a new one, which must not exist yet).
fn open_store(args: &StoreArgs, create: bool) -> Result<WalletStore, Failure> {
    let (storage, key) = wallet_cmd::open_storage(args, create, "guardian init")?;
    WalletStore::open(storage, &key).map_err(|e| wallet_cmd::open_failure(&args.store, e))
}

// --- the owner ---

pub(crate) fn protect(args: ProtectArgs) -> Result<ExitCode, Failure> {
    let mut guardians: Vec<Guardian> = Vec::with_capacity(args.guardian.len());
    for arg in &args.guardian {
        let (name, key) = arg
            .split_once('=')
            .filter(|(name, key)| !name.is_empty() && !key.is_empty())
            .ok_or_else(|| Failure::Input(format!("--guardian {arg}: not NAME=lbg1.…")))?;
        let key = GuardianPublicKey::parse(key)
            .map_err(|e| Failure::Input(format!("--guardian {name}: {e}")))?;
        if guardians.iter().any(|g| g.name == name || g.key == key) {
            return Err(Failure::Input(format!(
                "--guardian {name}: the name or key is given twice"
            )));
        }
        guardians.push(Guardian::new(name, key));
    }
    let wallet = wallet_cmd::open(&args.store, false)?;
    let protection =
        recovery::protect(&wallet, args.threshold, &guardians).map_err(recovery_failure)?;
    print_protection(&protection, &args.backup_out)
}

pub(crate) fn rotate(args: &BackupOutArgs) -> Result<ExitCode, Failure> {
    let wallet = wallet_cmd::open(&args.store, false)?;
    let protection = recovery::rotate(&wallet).map_err(recovery_failure)?;
    print_protection(&protection, &args.backup_out)
}

pub(crate) fn refresh(args: &BackupOutArgs) -> Result<ExitCode, Failure> {
    let wallet = wallet_cmd::open(&args.store, false)?;
    let backup = recovery::refresh_backup(&wallet).map_err(recovery_failure)?;
    write_file(&args.backup_out, &backup, false)?;
    print_json(&json!({ "backup": args.backup_out.display().to_string(), "bytes": backup.len() }))?;
    say!("the guardians' shares open this backup as they did the last");
    Ok(ExitCode::SUCCESS)
}

/// Writes the backup and prints the split and the shares.
fn print_protection(protection: &Protection, backup_out: &Path) -> Result<ExitCode, Failure> {
    write_file(backup_out, &protection.backup, false)?;
    print_json(&json!({
        "epoch": protection.epoch,
        "threshold": protection.threshold,
        "backup": backup_out.display().to_string(),
        "shares": protection
            .shares
            .iter()
            .map(|share| json!({
                "guardian": share.guardian,
                "index": share.index,
                "sealed": share.sealed,
            }))
            .collect::<Vec<_>>(),
    }))?;
    say!(
        "give each guardian their share (`lommebok guardian keep --share …`); {} of them \
         recover the wallet with the backup in {}",
        protection.threshold,
        backup_out.display()
    );
    Ok(ExitCode::SUCCESS)
}

// --- the new device ---

/// What the state file holds: the core's state, the backup and the device key.
struct State {
    core: Zeroizing<Vec<u8>>,
    backup: Vec<u8>,
    key: SoftwareKey,
}

const STATE_FORMAT: &str = "lommebok-recovery-state-1";

impl State {
    fn read(path: &Path) -> Result<Self, Failure> {
        let text = Zeroizing::new(read_file(path)?);
        let bad =
            |why: &str| Failure::Input(format!("{}: not a recovery state: {why}", path.display()));
        let json: Value = serde_json::from_str(&text).map_err(|_| bad("not JSON"))?;
        if json.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
            return Err(bad("no `format` of this version"));
        }
        let field = |name: &str| {
            json.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| bad(&format!("no `{name}`")))
        };
        let core = Zeroizing::new(hex::decode(field("state")?).map_err(|_| bad("`state`"))?);
        let backup = hex::decode(field("backup")?).map_err(|_| bad("`backup`"))?;
        let key =
            SoftwareKey::from_multikey_json(field("deviceKey")?).map_err(|_| bad("`deviceKey`"))?;
        Ok(State { core, backup, key })
    }

    /// Writes the state for `device`, readable by its owner only.
    fn write(&self, path: &Path, device: &DeviceRecovery) -> Result<(), Failure> {
        let core = device.to_state().map_err(recovery_failure)?;
        let key = self.key.to_multikey_json();
        let json = Zeroizing::new(
            serde_json::to_string_pretty(&json!({
                "format": STATE_FORMAT,
                "state": hex::encode(core.as_slice()),
                "backup": hex::encode(&self.backup),
                "deviceKey": key.as_str(),
            }))
            .map_err(|e| Failure::Internal(e.to_string()))?,
        );
        write_file(path, json.as_bytes(), true)
    }

    fn resume(&self, backup: Option<&[u8]>) -> Result<DeviceRecovery, Failure> {
        DeviceRecovery::resume(&self.core, backup.unwrap_or(&self.backup), &self.key)
            .map_err(recovery_failure)
    }
}

pub(crate) fn recovery_command(command: RecoveryCommand) -> Result<ExitCode, Failure> {
    match command {
        RecoveryCommand::Start(args) => start(&args),
        RecoveryCommand::Show(args) => {
            let state = State::read(&args.state)?;
            let device = state.resume(None)?;
            state.write(&args.state, &device)?;
            print_device(&device)
        }
        RecoveryCommand::Add(args) => add(&args),
        RecoveryCommand::Restore(args) => restore(&args),
    }
}

fn start(args: &StartArgs) -> Result<ExitCode, Failure> {
    if args.state_out.exists() {
        return Err(Failure::Input(format!(
            "{}: the file exists already (a recovery in progress? see `recovery show`)",
            args.state_out.display()
        )));
    }
    let key = load_key(&args.key)?;
    let backup = read_bytes(&args.backup)?;
    let device = DeviceRecovery::new(&backup, &key).map_err(recovery_failure)?;
    let state = State {
        core: Zeroizing::new(Vec::new()),
        backup,
        key,
    };
    state.write(&args.state_out, &device)?;
    print_device(&device)?;
    say!(
        "give the request to the guardians; when they call, read out the code {}",
        device.short_code()
    );
    Ok(ExitCode::SUCCESS)
}

fn print_device(device: &DeviceRecovery) -> Result<ExitCode, Failure> {
    let backup = device.backup();
    print_json(&json!({
        "wallet": backup.wallet().as_str(),
        "epoch": backup.epoch(),
        "threshold": backup.threshold(),
        "shares": device.shares(),
        "request": device.request(),
        "shortCode": device.short_code(),
        "expiresAt": wallet_cmd::time(Some(device.request_expires_at())),
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn add(args: &AddArgs) -> Result<ExitCode, Failure> {
    if args.from.len() != args.release.len() {
        return Err(Failure::Input(
            "give one --from NAME for each --release".into(),
        ));
    }
    let state = State::read(&args.state.state)?;
    let mut device = state.resume(None)?;
    let mut outcome = Ok(());
    for (from, release) in args.from.iter().zip(&args.release) {
        match device.add_release(from, release) {
            Ok(index) => say!("added share {index} from {from}"),
            Err(error) => {
                outcome = Err(recovery_failure(error));
                break;
            }
        }
    }
    // The shares added before a refused one are kept.
    state.write(&args.state.state, &device)?;
    outcome?;
    print_device(&device)?;
    let need = usize::from(device.backup().threshold());
    if device.shares() >= need {
        say!("enough shares: `lommebok recovery restore` restores the wallet");
    } else {
        say!("{} of the {need} shares needed", device.shares());
    }
    Ok(ExitCode::SUCCESS)
}

fn restore(args: &RestoreArgs) -> Result<ExitCode, Failure> {
    let state = State::read(&args.state.state)?;
    let backup = args.backup.as_deref().map(read_bytes).transpose()?;
    let device = state.resume(backup.as_deref())?;
    let need = usize::from(device.backup().threshold());
    if device.shares() < need {
        return Err(Failure::Input(format!(
            "{} of the {need} shares needed: add more with `lommebok recovery add`",
            device.shares()
        )));
    }
    let path = &args.store.store;
    let (storage, key) = wallet_cmd::open_storage(&args.store, true, "recovery restore")?;
    let restored = device.restore(storage, &key).map_err(|error| {
        // Nothing usable was made: leave no half-written store behind.
        let _ = std::fs::remove_file(path);
        recovery_failure(error)
    })?;
    say!("restored {} into {}", restored.wallet.did(), path.display());
    print_protection(&restored.protection, &args.backup_out)?;
    if let Err(e) = std::fs::remove_file(&args.state.state) {
        say!(
            "warning: {}: could not delete the state ({e}); delete it by hand",
            args.state.state.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

// --- files ---

/// Reads bytes (a backup) of at most [`super::MAX_INPUT_BYTES`].
fn read_bytes(path: &Path) -> Result<Vec<u8>, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?;
    super::read_limited_bytes(file, path)
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename, so a reader
/// never sees half of it; `secret`: readable by its owner only (on Unix).
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Failure> {
    let failed = |e: io::Error| Failure::Internal(format!("cannot write {}: {e}", path.display()));
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let temporary = path.with_file_name(name);
    // A leftover from an earlier run could carry other permissions.
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(&temporary).map_err(failed)?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(failed)?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(failed)
}
