//! Issue 14, item 9: member-only block sync, tested at the level of the sync
//! protocol. A peer that is not a member's node dials a validator with its
//! own libp2p client (litep2p, not ehr-node) and sends Substrate's block
//! requests (`/<genesis>/sync/2`) directly, bypassing the block-announce
//! handshake that reserved-only mode refuses: it gets no blocks. The same
//! client with a member node's key gets them, so the refusal is the gate's
//! doing and not a malformed request.

use ehr_test_utils::{node_key, peer_id, Node};
use futures::StreamExt;
use litep2p::{
	config::ConfigBuilder,
	crypto::ed25519,
	protocol::request_response::{ConfigBuilder as RequestResponseConfig, DialOptions, RequestResponseEvent},
	transport::tcp::config::Config as TcpConfig,
	types::multiaddr::Multiaddr,
	Litep2p, PeerId, ProtocolName,
};
use prost::Message;
use std::time::Duration;

/// How long the network may take to finalize its first blocks.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);
/// How long one block request may take before the test gives up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// `api.v1.BlockRequest` of sc-network-sync's schema (api.v1.proto), the
/// fields this test sends.
#[derive(Clone, PartialEq, prost::Message)]
struct BlockRequest {
	/// Which parts of each block: `BlockAttributes` bits in the top byte.
	#[prost(uint32, tag = "1")]
	fields: u32,
	/// The first block, by number (SCALE-encoded).
	#[prost(bytes = "vec", tag = "3")]
	number: Vec<u8>,
	/// How many blocks at most.
	#[prost(uint32, tag = "6")]
	max_blocks: u32,
}

/// `api.v1.BlockResponse`, the fields this test reads.
#[derive(Clone, PartialEq, prost::Message)]
struct BlockResponse {
	/// The blocks served.
	#[prost(message, repeated, tag = "1")]
	blocks: Vec<BlockData>,
}

/// `api.v1.BlockData`, the fields this test reads.
#[derive(Clone, PartialEq, prost::Message)]
struct BlockData {
	/// The block's hash.
	#[prost(bytes = "vec", tag = "1")]
	hash: Vec<u8>,
	/// The SCALE-encoded header.
	#[prost(bytes = "vec", tag = "2")]
	header: Vec<u8>,
}

/// What a raw block request got back.
#[derive(Debug)]
enum Answer {
	/// A response with this many blocks.
	Blocks(usize),
	/// No response: the request failed (refused, substream closed).
	Refused(String),
}

/// Dials `target` (listening on TCP `port`) with litep2p under the ed25519
/// node key `key_hex` and asks it for the headers and bodies of blocks 1 to
/// 8 over `protocol`.
async fn request_blocks(key_hex: &str, target: &str, port: u16, protocol: &str) -> Answer {
	let mut secret = hex::decode(key_hex).expect("a node key is hex");
	let keypair = ed25519::Keypair::from(ed25519::SecretKey::try_from_bytes(&mut secret).expect("an ed25519 key"));
	let (sync, mut handle) =
		RequestResponseConfig::new(ProtocolName::from(protocol.to_owned())).with_max_size(16 * 1024 * 1024).build();
	let mut litep2p = Litep2p::new(
		ConfigBuilder::new()
			.with_keypair(keypair)
			.with_tcp(TcpConfig {
				listen_addresses: vec!["/ip4/127.0.0.1/tcp/0".parse().expect("an address")],
				..Default::default()
			})
			.with_request_response_protocol(sync)
			.build(),
	)
	.expect("litep2p starts");
	let target: PeerId = target.parse().expect("a peer id");
	let address: Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}/p2p/{target}").parse().expect("a multiaddr");
	litep2p.add_known_address(target, std::iter::once(address));

	// HEADER | BODY, in the top byte as sc-network-sync encodes them.
	let request = BlockRequest { fields: 0b11 << 24, number: codec::Encode::encode(&1u32), max_blocks: 8 };
	handle.send_request(target, request.encode_to_vec(), DialOptions::Dial).await.expect("the request is queued");
	let answer = async {
		loop {
			tokio::select! {
				event = handle.next() => match event {
					Some(RequestResponseEvent::ResponseReceived { response, .. }) => {
						let response = BlockResponse::decode(&response[..]).expect("a block response decodes");
						assert!(response.blocks.iter().all(|b| b.hash.len() == 32 && !b.header.is_empty()));
						return Answer::Blocks(response.blocks.len());
					},
					Some(RequestResponseEvent::RequestFailed { error, .. }) => return Answer::Refused(format!("{error:?}")),
					Some(_) => {},
					None => return Answer::Refused("the protocol handle closed".into()),
				},
				_ = litep2p.next_event() => {},
			}
		}
	};
	tokio::time::timeout(REQUEST_TIMEOUT, answer).await.unwrap_or_else(|_| Answer::Refused("timed out".into()))
}

#[test]
fn an_outsiders_raw_block_requests_get_no_blocks() {
	// Alice, Bob and Charlie: three of the four founding members, enough to
	// finalize. Dave's node key is a member's (its peer id is in Dave's
	// profile) but no ehr-node runs with it, so the test's client can use it.
	let mut alice = Node::start("alice", "local", &[], None, Some(node_key(1).as_str()));
	let bootnode = vec![
		"--bootnodes".to_string(),
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port(), peer_id(&node_key(1))),
	];
	let _bob = Node::start("bob", "local", &bootnode, None, Some(node_key(2).as_str()));
	let _charlie = Node::start("charlie", "local", &bootnode, None, Some(node_key(3).as_str()));
	alice.wait_for(CHAIN_TIMEOUT, "block #3 to be finalized", |n| Ok(n.finalized_number()? >= 3));

	let genesis = alice.rpc("chain_getBlockHash", jsonrpsee::rpc_params![0]).expect("the genesis hash");
	let protocol = format!("/{}/sync/2", genesis.as_str().expect("a hash").trim_start_matches("0x"));
	let alice_peer = peer_id(&node_key(1));
	let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");

	// A fresh key: a peer id no member published.
	let outsider_key = hex::encode(ed25519::Keypair::generate().secret().as_ref());
	let outsider = runtime.block_on(request_blocks(&outsider_key, &alice_peer, alice.p2p_port(), &protocol));
	match &outsider {
		Answer::Refused(why) => eprintln!("[sync_protocol] the outsider's request was refused: {why}"),
		Answer::Blocks(n) => panic!("an outsider's block request was answered with {n} blocks"),
	}

	let member = runtime.block_on(request_blocks(&node_key(4), &alice_peer, alice.p2p_port(), &protocol));
	assert!(
		matches!(member, Answer::Blocks(n) if n >= 3),
		"a member node's block request was not served: {member:?}\n{}",
		alice.log_tail(40)
	);
}
