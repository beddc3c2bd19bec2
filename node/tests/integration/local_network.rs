//! A four-validator local network (Alice, Bob, Charlie, Dave on
//! `--chain local`): finality with all four, with one crashed, recovery of
//! the crashed one, the stall with only two of four (GRANDPA needs more than
//! two thirds, i.e. three of four) while Aura keeps authoring, and the
//! resumption of finality when a third validator returns.
//!
//! It is one test function, run step by step, because starting four nodes
//! is the expensive part on a small CI machine.

use ehr_test_utils::{local_network, Node};
use std::{
	thread,
	time::{Duration, Instant},
};

/// a) All four nodes finalize block #2 within this time of answering RPC.
const ALL_FINALIZE_TIMEOUT: Duration = Duration::from_secs(150);
/// b) With Dave down, Alice finalizes 3 more blocks within this time.
const THREE_FINALIZE_TIMEOUT: Duration = Duration::from_secs(90);
/// c) The restarted Dave catches up with Alice's finality within this time.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(120);
/// c) The restarted Dave's best block grows by 2 within this time.
const KEEPS_GROWING_TIMEOUT: Duration = Duration::from_secs(60);
/// d) Time for GRANDPA rounds in flight when two validators die to conclude
/// before the stalled finalized block is read.
const SETTLE_TIME: Duration = Duration::from_secs(6);
/// d) How long finality is observed to stay stalled (10 block times).
const STALL_OBSERVATION: Duration = Duration::from_secs(30);
/// d) How far the finalized block may still move once read as stalled.
const STALL_TOLERANCE: u64 = 2;
/// d) Alice's best block grows by 3 within this time (after the observation).
const AURA_CONTINUES_TIMEOUT: Duration = Duration::from_secs(60);
/// e) Finality resumes within this time of Charlie's restart.
const RESUME_TIMEOUT: Duration = Duration::from_secs(120);

/// Prints a progress line (shown with the output of a failed test).
fn step(text: &str) {
	eprintln!("[local_network] {text}");
}

/// The node's finalized block number; fails the test if it cannot be read.
fn finalized(node: &Node) -> u64 {
	node.finalized_number().unwrap_or_else(|e| panic!("reading {}'s finalized block: {e}", node.name()))
}

/// The node's best block number; fails the test if it cannot be read.
fn best(node: &Node) -> u64 {
	node.best_number().unwrap_or_else(|e| panic!("reading {}'s best block: {e}", node.name()))
}

#[test]
fn four_validators_finalize_survive_a_crash_and_stall_without_a_supermajority() {
	step("starting alice, bob, charlie and dave on --chain local");
	let mut net = local_network();

	// a) Everyone finalizes.
	step("a) waiting until all four nodes have finalized block #2");
	let deadline = Instant::now() + ALL_FINALIZE_TIMEOUT;
	for node in net.nodes_mut() {
		let remaining = deadline.saturating_duration_since(Instant::now());
		node.wait_for(remaining, "a) finalized block >= #2 on every node of the four-node network", |node| {
			Ok(node.finalized_number()? >= 2)
		});
	}
	for node in net.nodes() {
		step(&format!("a) {}: {}", node.name(), node.status()));
	}

	// b) One validator crashes; three of four still finalize.
	step("b) SIGKILL dave; alice must keep finalizing with three of four validators");
	net.dave.kill();
	let before = finalized(&net.alice);
	net.alice.wait_for(
		THREE_FINALIZE_TIMEOUT,
		&format!("b) finalized >= #{} (3 past #{before}) with dave down", before + 3),
		|node| Ok(node.finalized_number()? >= before + 3),
	);
	net.bob.assert_running();
	net.charlie.assert_running();
	step(&format!("b) alice: {}", net.alice.status()));

	// c) The crashed validator restarts on its old database and catches up.
	let target = finalized(&net.alice);
	step(&format!("c) restarting dave on its old base path; alice has finalized #{target}"));
	net.dave.restart();
	net.dave.wait_for(
		CATCH_UP_TIMEOUT,
		&format!("c) the restarted dave to finalize #{target}, alice's finalized block when dave restarted"),
		|node| Ok(node.finalized_number()? >= target),
	);
	let dave_best = best(&net.dave);
	net.dave.wait_for(
		KEEPS_GROWING_TIMEOUT,
		&format!("c) the restarted dave's best block to grow from #{dave_best} to #{}", dave_best + 2),
		|node| Ok(node.best_number()? >= dave_best + 2),
	);
	step(&format!("c) dave: {}", net.dave.status()));

	// d) Two of four validators down: finality stalls, authoring goes on.
	step("d) SIGKILL charlie and dave; finality must stall while aura keeps authoring");
	net.charlie.kill();
	net.dave.kill();
	thread::sleep(SETTLE_TIME);
	let stalled = finalized(&net.alice);
	let best_at_stall = best(&net.alice);
	step(&format!(
		"d) alice after {SETTLE_TIME:?}: finalized #{stalled}, best #{best_at_stall}; \
		 observing for {STALL_OBSERVATION:?}"
	));
	thread::sleep(STALL_OBSERVATION);
	net.alice.assert_running();
	net.bob.assert_running();
	let observed = finalized(&net.alice);
	assert!(
		observed <= stalled + STALL_TOLERANCE,
		"d) finality did not stall with only alice and bob (2 of 4 validators) up: alice's finalized block went \
		 from #{stalled} to #{observed} in {STALL_OBSERVATION:?} (at most +{STALL_TOLERANCE} allowed)"
	);
	net.alice.wait_for(
		AURA_CONTINUES_TIMEOUT,
		&format!(
			"d) alice's best block to grow from #{best_at_stall} to #{} while finality is stalled",
			best_at_stall + 3
		),
		|node| Ok(node.best_number()? >= best_at_stall + 3),
	);
	let observed = finalized(&net.alice);
	assert!(
		observed <= stalled + STALL_TOLERANCE,
		"d) finality did not stall with only alice and bob (2 of 4 validators) up: alice's finalized block went \
		 from #{stalled} to #{observed} (at most +{STALL_TOLERANCE} allowed)"
	);
	step(&format!("d) alice: {} (finality stalled at #{observed})", net.alice.status()));

	// e) A third validator returns: finality resumes.
	let stall = observed;
	step(&format!("e) restarting charlie; alice's finality is stalled at #{stall}"));
	net.charlie.restart();
	net.alice.wait_for(
		RESUME_TIMEOUT,
		&format!("e) finality to resume after charlie's restart: alice's finalized block >= #{} (2 past the stall at #{stall})", stall + 2),
		|node| Ok(node.finalized_number()? >= stall + 2),
	);
	net.bob.assert_running();
	step(&format!("e) alice: {}; charlie: {}", net.alice.status(), net.charlie.status()));
}
