//! The four hospitals on four hosts of their own (network namespaces the
//! test creates, test-utils' `netns::Lab`), with the network between them
//! cut and healed: one hospital cut off for 60 s while the other three go on
//! finalizing, then two of four, where finality must stop without forking
//! and resume once the network heals.

use ehr_test_utils::{netns::Lab, node_key, peer_id, Node};
use jsonrpsee::rpc_params;
use std::time::{Duration, Instant};

/// How long a partition lasts.
const PARTITION: Duration = Duration::from_secs(60);
/// How long blocks, finality or catching up may take.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(150);

fn step(text: &str) {
	eprintln!("[partition] {text}");
}

/// Alice, Bob, Charlie and Dave on the lab's hosts 0 to 3, Alice the
/// others' bootnode, each waited for until it answers.
fn hospitals(lab: &Lab) -> Vec<Node> {
	let alice_key = node_key(1);
	let names = ["alice", "bob", "charlie", "dave"];
	let mut alice = Node::spawn_on(lab.host(0), names[0], "local", &[], Some(alice_key.as_str()));
	let bootnode = format!("/ip4/{}/tcp/{}/p2p/{}", lab.host(0).ip, alice.p2p_port(), peer_id(&alice_key));
	let mut nodes = Vec::new();
	alice.wait_ready();
	nodes.push(alice);
	for (i, name) in names.iter().enumerate().skip(1) {
		let args = vec!["--bootnodes".to_string(), bootnode.clone()];
		let key = node_key(i as u8 + 1);
		nodes.push(Node::spawn_on(lab.host(i), name, "local", &args, Some(key.as_str())));
	}
	for node in nodes.iter_mut() {
		node.wait_ready();
	}
	nodes
}

/// [`hospitals`], once all four have finalized block 3.
fn finalizing_hospitals(lab: &Lab) -> Vec<Node> {
	let mut nodes = hospitals(lab);
	for node in nodes.iter_mut() {
		wait_finalized(node, 3, "finality on all four hosts");
	}
	nodes
}

/// Waits until `node`'s finalized block is at least `number`.
fn wait_finalized(node: &mut Node, number: u64, what: &str) {
	node.wait_for(CHAIN_TIMEOUT, what, |n| Ok(n.finalized_number()? >= number));
}

/// The hash of block `number` in `node`'s chain.
fn hash_at(node: &Node, number: u64) -> String {
	node.rpc("chain_getBlockHash", rpc_params![number]).expect("a block hash").as_str().unwrap_or("").to_owned()
}

#[test]
fn a_partitioned_hospital_catches_up_while_three_keep_finalizing() {
	let lab = Lab::new(4);
	let mut nodes = finalizing_hospitals(&lab);

	step("Dave's host is cut off for 60 s");
	let before = nodes[0].finalized_number().expect("alice's finalized block");
	lab.partition(3);
	let started = Instant::now();
	wait_finalized(&mut nodes[0], before + 5, "finality with three of four");
	std::thread::sleep(PARTITION.saturating_sub(started.elapsed()));
	let during = nodes[0].finalized_number().expect("alice's finalized block");
	step(&format!("alice finalized #{before} to #{during} while dave was cut off"));
	assert!(during >= before + 10, "three of four finalized only {} blocks in 60 s", during - before);

	step("the network heals: dave catches up and finalizes with the others");
	lab.heal(3);
	let target = nodes[0].best_number().expect("alice's best block");
	let healed = Instant::now();
	wait_finalized(&mut nodes[3], target, "dave to catch up with the others' finality");
	step(&format!("dave finalized alice's best block at the heal, #{target}, {:.1?} after", healed.elapsed()));
	assert_eq!(hash_at(&nodes[3], during), hash_at(&nodes[0], during), "dave follows the others' chain");
	for node in nodes.iter_mut() {
		node.assert_running();
	}
}

#[test]
fn with_two_of_four_cut_off_finality_stops_without_forking_and_resumes() {
	let lab = Lab::new(4);
	let mut nodes = finalizing_hospitals(&lab);

	step("Charlie's and Dave's hosts are cut off: two of four cannot finalize");
	lab.partition(2);
	lab.partition(3);
	// A round in flight when the cut came may still complete.
	std::thread::sleep(Duration::from_secs(10));
	let stalled = nodes[0].finalized_number().expect("alice's finalized block");
	let best_at_stall = nodes[0].best_number().expect("alice's best block");
	std::thread::sleep(PARTITION);
	let after = nodes[0].finalized_number().expect("alice's finalized block");
	let best = nodes[0].best_number().expect("alice's best block");
	step(&format!("alice: finalized #{stalled} -> #{after}, best #{best_at_stall} -> #{best} in 60 s"));
	assert_eq!(after, stalled, "two of four finalized a block");
	assert_eq!(nodes[1].finalized_number().expect("bob's finalized block"), stalled, "bob finalized alone");
	assert!(best > best_at_stall, "alice and bob stopped authoring");

	step("the network heals: finality resumes, on one chain");
	lab.heal(2);
	lab.heal(3);
	for node in nodes.iter_mut() {
		wait_finalized(node, stalled + 5, "finality to resume");
	}
	let common = nodes.iter().map(|n| n.finalized_number().expect("a finalized block")).min().unwrap_or(0);
	for number in [stalled, common] {
		let alice = hash_at(&nodes[0], number);
		for node in &nodes[1..] {
			assert_eq!(hash_at(node, number), alice, "{} has another block #{number} than alice", node.name());
		}
	}
}
