//! Writes a generated batch: `cargo run --release -p tiqets-datagen --example generate --
//! --orders N --seed S --out DIR [--malformed]`, then prints the summary as JSON.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use tiqets_datagen::{generate, GenOptions};

fn main() -> ExitCode {
    let mut opts = GenOptions::default();
    let mut out = PathBuf::from("data/input");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--orders" => opts.orders = value("--orders").parse().expect("--orders N"),
            "--seed" => opts.seed = value("--seed").parse().expect("--seed S"),
            "--out" => out = PathBuf::from(value("--out")),
            "--malformed" => opts.malformed = true,
            other => {
                eprintln!("usage: generate [--orders N] [--seed S] [--out DIR] [--malformed]; unknown argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let start = Instant::now();
    match generate(&opts, &out) {
        Ok(summary) => {
            println!("{}", serde_json::to_string_pretty(&summary).unwrap());
            eprintln!("generated in {:.2} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
