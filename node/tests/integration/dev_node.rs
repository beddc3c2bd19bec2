//! One development node (`--chain dev --alice`) authors and finalizes blocks
//! on its own, and warms its trie cache at start unless told not to.

use ehr_test_utils::Node;
use std::time::Duration;

/// How long the node may take, once its JSON-RPC server answers, to author
/// block #3 and finalize block #2 (one block every 3 s).
const PRODUCTION_TIMEOUT: Duration = Duration::from_secs(90);

#[test]
fn development_node_authors_and_finalizes_blocks() {
	let mut node = Node::start("alice", "dev", &[], None, None);

	node.wait_for(PRODUCTION_TIMEOUT, "best block >= #3 and finalized block >= #2", |node| {
		Ok(node.best_number()? >= 3 && node.finalized_number()? >= 2)
	});

	let finalized = node.finalized_number().expect("reading the finalized block number");
	let best = node.best_number().expect("reading the best block number");
	assert!(finalized <= best, "the finalized block #{finalized} is above the best block #{best}");
}

/// Logs the end of the trie cache warm-up (sc-service writes it at debug).
const WARM_UP_LOG: &str = "-lsc_service=debug";
/// What that log line starts with.
const WARMED: &str = "Trie cache populated with";

#[test]
fn the_trie_cache_is_warmed_at_start_by_default_and_not_when_told() {
	let mut node = Node::start("alice", "dev", &[WARM_UP_LOG.into()], None, None);
	node.wait_for(PRODUCTION_TIMEOUT, "the trie cache warm-up's end in the log", |node| {
		Ok(node.log_tail(10_000).contains(WARMED))
	});
	node.kill();

	let mut node = Node::start("alice", "dev", &[WARM_UP_LOG.into(), "--ehr-no-trie-cache-warm-up".into()], None, None);
	// A warm-up of a development chain's state ends within milliseconds; by
	// the first authored block it would long have been logged.
	node.wait_for(PRODUCTION_TIMEOUT, "best block >= #1", |node| Ok(node.best_number()? >= 1));
	assert!(
		!node.log_tail(10_000).contains(WARMED),
		"the node warmed its trie cache although told not to:\n{}",
		node.log_tail(40)
	);
}
