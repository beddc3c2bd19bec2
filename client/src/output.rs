//! How the client talks to people and to scripts: human text by default,
//! one JSON document with `--json`; progress bars on a terminal only.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::time::Duration;

/// Where a command's result goes.
#[derive(Clone, Copy)]
pub struct Output {
	/// `--json`: print one JSON document and no progress.
	pub json: bool,
}

impl Output {
	/// Prints `value` as JSON with `--json`, else the `human` text.
	pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
		if self.json {
			match serde_json::to_string_pretty(value) {
				Ok(text) => println!("{text}"),
				Err(e) => eprintln!("error: cannot print the result as JSON: {e}"),
			}
		} else {
			println!("{}", human());
		}
	}

	/// A byte progress bar of `total` bytes (hidden with `--json` or without a terminal).
	pub fn bytes(&self, total: u64, message: &'static str) -> ProgressBar {
		if self.json {
			return ProgressBar::hidden();
		}
		let bar = ProgressBar::new(total).with_message(message);
		if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})") {
			bar.set_style(style.progress_chars("=> "));
		}
		bar
	}

	/// A progress bar over `total` items (hidden with `--json` or without a terminal).
	pub fn items(&self, total: u64, message: impl Into<String>) -> ProgressBar {
		if self.json {
			return ProgressBar::hidden();
		}
		let bar = ProgressBar::new(total).with_message(message.into());
		if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)") {
			bar.set_style(style.progress_chars("=> "));
		}
		bar
	}

	/// Awaits `work` behind a spinner saying `message`, and clears the
	/// spinner whether the work succeeds or fails.
	pub async fn waiting<T>(&self, message: impl Into<String>, work: impl std::future::Future<Output = T>) -> T {
		let spinner = self.spinner(message);
		let result = work.await;
		spinner.finish_and_clear();
		result
	}

	/// A spinner for waiting on blocks (hidden with `--json` or without a terminal).
	pub fn spinner(&self, message: impl Into<String>) -> ProgressBar {
		if self.json {
			return ProgressBar::hidden();
		}
		let spinner = ProgressBar::new_spinner().with_message(message.into());
		spinner.enable_steady_tick(Duration::from_millis(120));
		spinner
	}
}
