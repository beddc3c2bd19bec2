//! `ehr`: the command line of ehr-chain for patients, clinicians and
//! hospital staff; everything it does is in the `ehr_client` library.
//!
//! Every command prints for people by default and one JSON document with
//! `--json`; every error is one sentence on stderr and a non-zero exit.

use clap::Parser;
use ehr_client::{run, Cli};

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	let json = cli.json;
	if let Err(error) = run(cli).await {
		let message = error.to_string();
		if json {
			println!("{}", serde_json::json!({ "error": message }));
		}
		eprintln!("error: {message}");
		std::process::exit(1);
	}
}
