//! One development node (`--chain dev --alice`) authors and finalizes blocks
//! on its own, warms its trie cache at start unless told not to, and warns
//! when that cache is too small for the state.

use ehr_test_utils::Node;
use jsonrpsee::rpc_params;
use sp_core::crypto::Ss58Codec;
use sp_keyring::Sr25519Keyring;
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

/// What the node's warning of a trie cache too small for the state starts with.
const CACHE_TOO_SMALL: &str = "cannot hold this chain's state";

/// An operator whose trie cache cannot hold the state is told at start,
/// with the size to set; a node whose cache has room, or whose database is
/// new, says nothing.
#[test]
fn a_trie_cache_too_small_for_the_state_is_warned_of() {
	let dir = tempfile::TempDir::with_prefix("ehr-dev-node-").expect("a temporary folder");
	let base = dir.path().join("alice");
	// The three runs share a log file; each looks at its own part only.
	let warned = |node: &Node| node.current_log().contains(CACHE_TOO_SMALL);

	// A new database: nothing to hold yet.
	let mut node = Node::start("alice", "dev", &[], Some(base.clone()), None);
	node.wait_for(PRODUCTION_TIMEOUT, "best block >= #2", |node| Ok(node.best_number()? >= 2));
	assert!(!warned(&node), "a new database was warned of:\n{}", node.log_tail(40));
	node.kill();

	// 64 KiB of cache for a database of a few hundred KiB.
	let small = ["--trie-cache-size".to_string(), "65536".to_string()];
	let mut node = Node::start("alice", "dev", &small, Some(base.clone()), None);
	let log = node.current_log();
	let warning = log.lines().find(|line| line.contains(CACHE_TOO_SMALL)).unwrap_or_else(|| {
		panic!("no warning of a 64 KiB trie cache:\n{}", node.log_tail(40));
	});
	assert!(
		warning.contains("Restart with --trie-cache-size ") && warning.contains("docs/operator.md"),
		"the warning does not say what to do: {warning}"
	);
	node.kill();

	// The default cache (1 GiB) holds a development chain's state.
	let mut node = Node::start("alice", "dev", &[], Some(base), None);
	node.wait_for(PRODUCTION_TIMEOUT, "best block >= #3", |node| Ok(node.best_number()? >= 3));
	assert!(!warned(&node), "the default cache was warned of:\n{}", node.log_tail(40));
}

/// A node pinned to another hospital (`--ehr-hospital`) acts for none that
/// lists its account (AUDIT.md finding 2). A development node's account is
/// Alice's own, so unpinned it registers Alice's proxy; pinned to Bob, it
/// acts for nobody: it reports no hospital in `ehr_status`, and its log says
/// why and what to do.
#[test]
fn a_node_pinned_to_another_hospital_acts_for_no_other() {
	let bob = Sr25519Keyring::Bob.to_account_id().to_ss58check();
	let mut node = Node::start("alice", "dev", &["--ehr-hospital".into(), bob.clone()], None, None);
	node.wait_for(PRODUCTION_TIMEOUT, "finalized block >= #3 and the pin's sentence in the log", |node| {
		Ok(node.finalized_number()? >= 3 && node.log_tail(10_000).contains("(--ehr-hospital)"))
	});
	let line =
		node.log_tail(10_000).lines().find(|l| l.contains("(--ehr-hospital)")).map(str::to_owned).unwrap_or_default();
	assert!(line.contains(&bob), "the log names the pinned hospital: {line}");
	let status = node.rpc("ehr_status", rpc_params![]).expect("ehr_status answers");
	assert!(status["hospital"].is_null(), "the pinned node acts for no hospital: {status}");
	// Unpinned, the same node acts for Alice.
	node.kill();
	let mut node = Node::start("alice", "dev", &[], None, None);
	node.wait_for(PRODUCTION_TIMEOUT, "the node acting for Alice", |node| {
		Ok(!node.rpc("ehr_status", rpc_params![])?["hospital"].is_null())
	});
}
