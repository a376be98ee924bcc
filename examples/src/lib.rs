//! Runnable lommebok programs live in this package's `examples`: `cargo run --example demo`
//! and `cargo run --example recovery`.
