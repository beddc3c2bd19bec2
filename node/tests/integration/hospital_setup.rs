//! Issue 15, items 6 and 7, as hospital staff do it with `ehr`: a node whose
//! proxy account is its own key (not the hospital's, as in production) says
//! that it is not registered; staff register it with `ehr proxy register`
//! and the node then acts for the hospital. Outsiders cannot do either.

use ehr_runtime::AccountId;
use ehr_test_utils::{
	chain::Chain,
	cli::{new_user, ws},
	node_binary, run_with_timeout, Node,
};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::{process::Command, time::Duration};

const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);

fn step(text: &str) {
	eprintln!("[hospital_setup] {text}");
}

#[test]
fn staff_register_their_nodes_proxy_and_outsiders_cannot() {
	step("the operator gives the node its own proxy account key, then starts it");
	let base = tempfile::TempDir::with_prefix("ehr-hospital-setup-").expect("a temporary folder");
	let mut insert = Command::new(node_binary());
	insert
		.args(["key", "insert", "--chain", "dev", "--key-type", "ehrp", "--scheme", "sr25519", "--suri", "//AliceNode"])
		.arg("--base-path")
		.arg(base.path());
	let out = run_with_timeout(&mut insert, Duration::from_secs(60), "ehr-node key insert");
	assert!(out.status.success(), "ehr-node key insert failed: {}", out.stderr);
	let node = Node::start("alice", "dev", &[], Some(base.path().to_path_buf()), None);
	let chain = Chain::connect(&node);
	let node_account: AccountId = sr25519::Pair::from_string("//AliceNode", None).expect("a dev seed").public().into();
	let hospital: AccountId = Sr25519Keyring::Alice.to_account_id();

	let status = node.rpc("ehr_status", jsonrpsee::rpc_params![]).expect("ehr_status");
	assert_eq!(status["proxyAccount"].as_str(), Some(node_account.to_ss58check().as_str()), "{status}");
	chain.wait(CHAIN_TIMEOUT, "the node to say that no hospital lists its proxy", |_| {
		Ok(node.log_tail(400).contains("no hospital lists this node's proxy account").then_some(()))
	});
	assert!(status["hospital"].is_null(), "an unregistered node acts for no hospital: {status}");

	let dir = tempfile::TempDir::with_prefix("ehr-hospital-staff-").expect("a temporary folder");
	step("a key file that is not a member hospital's is refused");
	let stranger = new_user(&dir, "stranger", &ws(&node), None);
	let reason = stranger.refused(&["proxy", "register"]);
	assert!(reason.contains("not a member hospital"), "{reason}");

	step("hospital staff register the node's proxy with `ehr proxy register`");
	let staff = new_user(&dir, "hospital", &ws(&node), Some("//Alice"));
	let registered = staff.ok(&["proxy", "register"]);
	assert_eq!(registered["accounts"], serde_json::json!([node_account.to_ss58check()]), "{registered}");
	assert_eq!(registered["publicKey"], status["proxyPublicKey"], "{registered}");
	chain.wait(CHAIN_TIMEOUT, "the node to act for the hospital", |_| {
		let status = node.rpc("ehr_status", jsonrpsee::rpc_params![])?;
		Ok((status["hospital"].as_str() == Some(hospital.to_ss58check().as_str())).then_some(()))
	});
	chain.wait(CHAIN_TIMEOUT, "the node to see its proxy registered", |_| {
		Ok(node.log_tail(400).contains("this node's proxy is registered").then_some(()))
	});

	step("registering again changes nothing: the same account and key");
	let again = staff.ok(&["proxy", "register"]);
	assert_eq!(again["accounts"], registered["accounts"]);

	step("a node of another chain is refused");
	let other = Node::start("bob", "local", &[], None, None);
	let reason = staff.refused(&["proxy", "register", "--node", &ws(&other)]);
	assert!(reason.contains("another chain"), "{reason}");
}
