//! One development node (`--chain dev --alice`) authors and finalizes blocks
//! on its own.

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
