//! The interleaved timed loop the benches print their ratio tables from (shared by the bench
//! binaries through `#[path]`).
//!
//! Criterion reports absolute times per case but no ratios, so after criterion's group each
//! bench measures the ratios itself: in each of [`RATIO_ROUNDS`] rounds every case runs one batch
//! of about [`RATIO_BATCH`] of wall time, and a case's figure is the median over rounds of its
//! mean time per iteration in a batch. On a shared 2-core machine the load changes over a run;
//! interleaving exposes all cases to the same load, and the median drops rounds disturbed by a
//! burst, so the ratios stay stable even when absolute times drift. Nothing asserts on time.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds of the interleaved ratio loop.
pub const RATIO_ROUNDS: usize = 25;
/// Target wall time of one batch of one case in the ratio loop.
pub const RATIO_BATCH: Duration = Duration::from_millis(25);

/// A named case: one iteration, returning whether it did what it should.
pub type Case<'a> = (&'static str, Box<dyn Fn() -> bool + 'a>);

/// Whether the ratio table was asked for: as criterion, only with `--bench` (not under
/// `cargo test`, `--list` or `--profile-time`).
pub fn timing_requested() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| a == "--test" || a == "--list" || a == "--profile-time")
}

/// Mean time per iteration of `run` over a batch of `n`.
fn batch(run: &dyn Fn() -> bool, n: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        black_box(run());
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// The per-round mean times of each case (seconds per iteration), rounds interleaved.
pub fn samples(cases: &[Case<'_>]) -> Vec<Vec<f64>> {
    // Batch sizes from a short calibration, so each batch takes about RATIO_BATCH.
    let sizes: Vec<u64> = cases
        .iter()
        .map(|(_, run)| {
            let mut n = 1;
            loop {
                let start = Instant::now();
                for _ in 0..n {
                    black_box(run());
                }
                let elapsed = start.elapsed();
                if elapsed >= RATIO_BATCH / 5 {
                    let scale = RATIO_BATCH.as_secs_f64() / elapsed.as_secs_f64();
                    break ((n as f64 * scale).ceil() as u64).max(1);
                }
                n *= 2;
            }
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(RATIO_ROUNDS); cases.len()];
    for _ in 0..RATIO_ROUNDS {
        for ((_, run), (n, out)) in cases.iter().zip(sizes.iter().zip(samples.iter_mut())) {
            out.push(batch(run.as_ref(), *n));
        }
    }
    samples
}

/// The median of `xs`.
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.is_empty() {
        0.0
    } else if xs.len().is_multiple_of(2) {
        (xs[mid - 1] + xs[mid]) / 2.0
    } else {
        xs[mid]
    }
}

/// A ratio with one decimal ("x.x"), or two below 1 so that small ratios do not read as 0.0.
pub fn ratio(r: f64) -> String {
    if r < 1.0 {
        format!("{r:.2}")
    } else {
        format!("{r:.1}")
    }
}
