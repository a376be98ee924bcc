//! How long a wallet of 1,000 SD-JWT VCs in a SQLite file takes to open and answer a DCQL query,
//! as a ratio to a plain SQLite read of the same 1,000 rows measured in the same run.
//!
//! Run with `cargo bench -p lommebok-sqlite --bench wallet`. Setup (not timed): a temp SQLite
//! file holding a `HolderWallet` (software holder key, passphrase key with cheap Argon2id
//! parameters m=64 KiB, t=1, p=1) and 1,000 SD-JWT VCs (`vct` `urn:eudi:pid:1`, Ed25519 issuer,
//! bound to the wallet's key, 4 disclosable claims each), one of which also has `age_over_18`.
//! They are written with `WalletStore::put_credential` (sealed, not verified: `import` would
//! verify each first). The query asks for a PID with `age_over_18`: exactly one answers.
//!
//! | id | what one iteration does |
//! |---|---|
//! | `sqlite_select_1000` | baseline: plain rusqlite on an open connection, `SELECT id, record FROM records WHERE kind = 'credential'`, all 1,000 rows read into a `Vec` |
//! | `sqlite_connect_select_1000` | the same on a new read-only connection (opened and closed in the iteration) |
//! | `open_and_answers_1000` | `SqliteStorage::open` + `HolderWallet::open` (one Argon2id derivation with the cheap parameters, key check, holder key) + `answers(query)` |
//! | `answers_1000` | `answers(query)` on an open wallet: read the 1,000 records, unseal each (XChaCha20-Poly1305), parse each SD-JWT, match |
//! | `open_empty_cheap_kdf` | `SqliteStorage::open` + `HolderWallet::open` of a wallet with no credentials, cheap Argon2id parameters |
//! | `open_empty_default_kdf` | the same with the default Argon2id parameters (m=19 MiB, t=2, p=1): the cost of one real key derivation |
//!
//! Every case is checked once before anything is timed. The ratio loop is the one in
//! `crates/lommebok/benches/common/ratios.rs`; nothing asserts on time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use criterion::Criterion;
use lommebok::query::DcqlQuery;
use lommebok::wallet::HolderWallet;
use lommebok::wallet::store::{Argon2Params, CredentialFormat, PassphraseKey};
use lommebok::{Algorithm, ClaimPath, Issuer, SdJwtOptions, SoftwareKey};
use lommebok_sqlite::SqliteStorage;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Map, Value, json};

#[path = "../../lommebok/benches/common/ratios.rs"]
mod ratios;

use ratios::{Case, RATIO_BATCH, RATIO_ROUNDS, median, ratio};

/// Credentials in the wallet.
const CREDENTIALS: usize = 1_000;
const PASSPHRASE: &str = "benk-passord";
/// Cheap Argon2id parameters for the bench's stores (as the tests use).
const CHEAP: Argon2Params = Argon2Params {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, h, 0, 0).unwrap()
}

fn key(params: Argon2Params) -> PassphraseKey {
    PassphraseKey::new(PASSPHRASE).with_params(params).unwrap()
}

fn open_wallet(path: &Path, params: Argon2Params) -> HolderWallet {
    let storage = SqliteStorage::open(path).unwrap();
    HolderWallet::open(Arc::new(storage), &key(params), None).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    empty_cheap: PathBuf,
    empty_default: PathBuf,
    connection: Connection,
    wallet: HolderWallet,
    query: DcqlQuery,
    /// The id of the one credential with `age_over_18`.
    adult: String,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.sqlite");
        let issuer = Issuer::new(Arc::new(
            SoftwareKey::from_secret_bytes(Algorithm::Ed25519, &[1; 32]).unwrap(),
        ));
        let wallet = open_wallet(&path, CHEAP);
        let options = SdJwtOptions::new("urn:eudi:pid:1")
            .with_holder_key(wallet.public_key())
            .valid_until(at(23));
        let adult = format!("urn:bench:credential:{:04}", CREDENTIALS / 2);
        for i in 0..CREDENTIALS {
            let id = format!("urn:bench:credential:{i:04}");
            let mut claims: Map<String, Value> = json!({
                "given_name": format!("Kari {i}"), "family_name": "Nordmann",
                "birthdate": "1990-02-03", "nationality": "NO"
            })
            .as_object()
            .cloned()
            .unwrap();
            if id == adult {
                claims.insert("age_over_18".into(), Value::Bool(true));
            }
            let disclosable: Vec<ClaimPath> = claims
                .keys()
                .map(|k| ClaimPath::parse(k).unwrap())
                .collect();
            let sd_jwt = issuer
                .issue_sd_jwt_at(&claims, &disclosable, &options, at(10))
                .unwrap();
            wallet
                .store()
                .put_credential(&id, CredentialFormat::SdJwt, &sd_jwt)
                .unwrap();
        }
        let query = DcqlQuery::parse(
            &json!({"credentials": [{
                "id": "pid", "format": "dc+sd-jwt",
                "meta": {"vct_values": ["urn:eudi:pid:1"]},
                "claims": [{"path": ["age_over_18"]}]
            }]})
            .to_string(),
        )
        .unwrap();
        let empty_cheap = dir.path().join("empty-cheap.sqlite");
        let empty_default = dir.path().join("empty-default.sqlite");
        drop(open_wallet(&empty_cheap, CHEAP));
        drop(open_wallet(&empty_default, Argon2Params::default()));
        let connection = read_only(&path);
        let fixture = Fixture {
            _dir: dir,
            path,
            empty_cheap,
            empty_default,
            connection,
            wallet,
            query,
            adult,
        };
        assert_eq!(fixture.select(&fixture.connection), CREDENTIALS);
        assert!(fixture.connect_select());
        assert!(
            fixture.answers(),
            "exactly the one adult credential answers"
        );
        assert!(fixture.open_and_answers());
        assert!(fixture.open_empty(false));
        assert!(fixture.open_empty(true));
        fixture
    }

    /// Baseline: every credential row, read into memory.
    fn select(&self, connection: &Connection) -> usize {
        let mut statement = connection
            .prepare_cached("SELECT id, record FROM records WHERE kind = 'credential'")
            .unwrap();
        let rows: Vec<(String, Vec<u8>)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.len()
    }

    fn connect_select(&self) -> bool {
        self.select(&read_only(&self.path)) == CREDENTIALS
    }

    fn answered(&self, wallet: &HolderWallet) -> bool {
        let matched = wallet.answers(&self.query).unwrap();
        matched.satisfiable
            && matched.credentials[0].candidates.len() == 1
            && matched.credentials[0].candidates[0].held_id == self.adult
    }

    fn answers(&self) -> bool {
        self.answered(&self.wallet)
    }

    fn open_and_answers(&self) -> bool {
        self.answered(&open_wallet(&self.path, CHEAP))
    }

    fn open_empty(&self, default_kdf: bool) -> bool {
        let (path, params) = if default_kdf {
            (&self.empty_default, Argon2Params::default())
        } else {
            (&self.empty_cheap, CHEAP)
        };
        open_wallet(path, params).has_software_key()
    }
}

fn read_only(path: &Path) -> Connection {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap()
}

fn main() {
    let timing = ratios::timing_requested();
    let f = Fixture::new();
    let cases: Vec<Case<'_>> = vec![
        (
            "sqlite_select_1000",
            Box::new(|| f.select(&f.connection) == CREDENTIALS),
        ),
        (
            "sqlite_connect_select_1000",
            Box::new(|| f.connect_select()),
        ),
        ("open_and_answers_1000", Box::new(|| f.open_and_answers())),
        ("answers_1000", Box::new(|| f.answers())),
        ("open_empty_cheap_kdf", Box::new(|| f.open_empty(false))),
        ("open_empty_default_kdf", Box::new(|| f.open_empty(true))),
    ];
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10)
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("wallet");
        for (id, run) in &cases {
            group.bench_function(*id, |b| b.iter(run));
        }
        group.finish();
    }
    criterion.final_summary();
    if !timing {
        return;
    }
    let medians: Vec<f64> = ratios::samples(&cases).into_iter().map(median).collect();
    let baseline = medians[0];
    let empty_cheap = medians[4];
    println!();
    println!(
        "Ratios (median of {RATIO_ROUNDS} interleaved rounds of ~{} ms per case; absolute times for context only):",
        RATIO_BATCH.as_millis()
    );
    for ((id, _), t) in cases.iter().zip(&medians) {
        println!(
            "{id:<28} {:>10.1} us   {:>7} times the plain SQLite read",
            t * 1e6,
            ratio(t / baseline)
        );
    }
    println!(
        "Opening with the default Argon2id parameters (m=19 MiB, t=2, p=1) costs one derivation: \
         about {:.1} ms more than with the cheap ones ({} times the plain SQLite read).",
        (medians[5] - empty_cheap) * 1e3,
        ratio((medians[5] - empty_cheap) / baseline)
    );
}
