//! Node authorization: only member hospitals' nodes may sync with this node.
//!
//! At start and at every finalized block the node reads the peer ids the
//! member hospitals published (`ConsortiumApi::authorized_peers`) and makes
//! them the only peers its block-sync protocol accepts. A node that is not
//! listed can open a connection but can neither announce nor request
//! blocks, so it neither joins nor syncs. When no member has published a
//! peer id (a development chain), the node does not restrict its peers.
//!
//! Finalized state is used, so a vote that admits or removes a hospital
//! changes peering once it is final on every member node alike.
//!
//! The peer ids are the base58 text of the members' node keys' ids
//! (`12D3KooW…` for ed25519 node keys), parsed as `sc_network::PeerId`.
//! Peering works on the reserved set and reserved-only mode of the
//! block-announce protocol, whose semantics this module relies on are those
//! of the libp2p backend the node runs (see `service::NodeNetwork`).

use ehr_primitives::ConsortiumApi;
use ehr_runtime::{opaque::Block, AccountId};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sc_network::{service::traits::NetworkService, PeerId};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::{collections::HashSet, str::FromStr, sync::Arc};

const LOG_TARGET: &str = "ehr-peering";

/// The member peers the node serves block requests to: Substrate's block
/// request handler answers any peer that sends a request, whatever the
/// block-announce peer set says, so the node puts this gate in front of it
/// (node/src/service.rs). `None` or an empty set: open peering (no member
/// published a peer id, as on a development chain).
#[derive(Clone, Default)]
pub struct PeerGate(Arc<parking_lot::RwLock<Option<HashSet<PeerId>>>>);

impl PeerGate {
	/// Whether `peer` may be served blocks.
	pub fn admits(&self, peer: &PeerId) -> bool {
		match &*self.0.read() {
			Some(members) if !members.is_empty() => members.contains(peer),
			_ => true,
		}
	}

	fn set(&self, members: HashSet<PeerId>) {
		*self.0.write() = Some(members);
	}
}

/// The member peers at block `at`, without this node's own id. Peer ids that
/// do not parse are logged and skipped (the runtime already refuses them).
fn member_peers<C>(
	client: &C,
	at: <Block as sp_runtime::traits::Block>::Hash,
	local: &PeerId,
) -> Result<HashSet<PeerId>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: ConsortiumApi<Block, AccountId>,
{
	let texts = client
		.runtime_api()
		.authorized_peers(at)
		.map_err(|e| format!("cannot read the member hospitals' peer ids: {e}"))?;
	let mut peers = HashSet::new();
	for text in texts {
		match std::str::from_utf8(&text).ok().and_then(|t| PeerId::from_str(t).ok()) {
			Some(peer) if &peer != local => {
				peers.insert(peer);
			},
			Some(_) => {},
			None => {
				log::warn!(target: LOG_TARGET, "skipping a member peer id that is not valid: {:?}", String::from_utf8_lossy(&text))
			},
		}
	}
	Ok(peers)
}

/// Follows the member peers at each finalized block and applies them to the
/// network. Runs until the node stops.
pub async fn follow_member_peers<C>(client: Arc<C>, network: Arc<dyn NetworkService>, gate: PeerGate)
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + Send + Sync + 'static,
	C::Api: ConsortiumApi<Block, AccountId>,
{
	let local = network.local_peer_id();
	// `None`: nothing applied yet; `Some(empty)`: open peering.
	let mut applied: Option<HashSet<PeerId>> = None;
	let mut apply = |at| match member_peers(&*client, at, &local) {
		Ok(peers) if applied.as_ref() != Some(&peers) => {
			let restricted = applied.as_ref().is_some_and(|previous| !previous.is_empty());
			if peers.is_empty() {
				log::info!(target: LOG_TARGET, "no member hospital has published a peer id: accepting any peer");
				network.set_authorized_only(false);
			} else {
				log::info!(target: LOG_TARGET, "accepting only the {} peers of member hospitals", peers.len());
				// The reserved set first, so that turning reserved-only mode
				// on keeps the members' connections and drops the others'.
				// The mode is turned on once, when peering becomes
				// restricted; later changes only replace the reserved set,
				// which disconnects the peers it no longer holds.
				network.set_authorized_peers(peers.clone());
				if !restricted {
					network.set_authorized_only(true);
				}
			}
			gate.set(peers.clone());
			applied = Some(peers);
		},
		Ok(_) => {},
		Err(error) => log::warn!(target: LOG_TARGET, "{error}"),
	};

	apply(client.info().finalized_hash);
	let mut finality = client.finality_notification_stream();
	while let Some(notification) = finality.next().await {
		apply(notification.hash);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_gate_is_open_until_members_publish_peers_then_admits_only_them() {
		let gate = PeerGate::default();
		let (member, outsider) = (PeerId::random(), PeerId::random());
		assert!(gate.admits(&outsider), "open before any member peer is known");
		gate.set(HashSet::new());
		assert!(gate.admits(&outsider), "open while no member published a peer id");
		gate.set([member].into_iter().collect());
		assert!(gate.admits(&member));
		assert!(!gate.admits(&outsider));
	}
}
