//! `ehr`: the command line of ehr-chain for patients, clinicians and
//! hospital staff; everything it does is in the `ehr_client` library.
//!
//! Every command prints for people by default and one JSON document with
//! `--json`; every error is one sentence on stderr and a non-zero exit: 2
//! when the command did part of its work and its printed result says what
//! failed, 1 otherwise.

use clap::Parser;
use ehr_client::{run, Cli, PartlyDone};

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	let json = cli.json;
	if let Err(error) = run(cli).await {
		let message = error.to_string();
		if error.downcast_ref::<PartlyDone>().is_some() {
			eprintln!("error: {message}");
			std::process::exit(2);
		}
		if json {
			println!("{}", serde_json::json!({ "error": message }));
		}
		eprintln!("error: {message}");
		std::process::exit(1);
	}
}
