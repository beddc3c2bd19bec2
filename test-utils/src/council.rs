//! The hospitals' Council, driven as its members would: propose, vote, close.

use crate::chain::Chain;
use codec::{Decode, Encode};
use ehr_runtime::{AccountId, Hash, RuntimeCall};
use frame_support::dispatch::GetDispatchInfo;
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

/// How long a motion step may take on the test network.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(150);

/// The council's tally of one motion (pallet-collective's `Votes`).
#[derive(Decode)]
#[allow(dead_code)]
struct Votes {
	index: u32,
	threshold: u32,
	ayes: Vec<AccountId>,
	nays: Vec<AccountId>,
	end: u32,
}

/// The council's motions, through one node.
pub struct Council<'a> {
	/// The chain, through one member's node.
	pub chain: &'a Chain<'a>,
}

impl Council<'_> {
	fn proposals(&self) -> Vec<Hash> {
		self.chain.storage("Council", "Proposals", &[]).expect("reading the council's proposals").unwrap_or_default()
	}

	/// `proposer` moves `call` with the given vote `threshold`; the proposer
	/// and `ayes` vote for it (a proposal is not a vote); then it is closed.
	/// Returns once the motion is gone.
	pub fn decide(&self, call: RuntimeCall, threshold: u32, proposer: Sr25519Keyring, ayes: &[Sr25519Keyring]) {
		let index: u32 =
			self.chain.storage("Council", "ProposalCount", &[]).expect("reading ProposalCount").unwrap_or(0);
		let hash: Hash = sp_crypto_hashing::blake2_256(&call.encode()).into();
		let length = call.encoded_size() as u32;
		let weight = call.get_dispatch_info().call_weight;
		self.chain
			.submit(
				&proposer.pair(),
				RuntimeCall::Council(pallet_collective::Call::propose {
					threshold,
					proposal: Box::new(call),
					length_bound: length,
				}),
			)
			.expect("the council accepts the motion");
		self.chain.wait(CHAIN_TIMEOUT, "the motion to be open", |_| Ok(self.proposals().contains(&hash).then_some(())));
		for voter in std::iter::once(&proposer).chain(ayes) {
			self.chain
				.submit(
					&voter.pair(),
					RuntimeCall::Council(pallet_collective::Call::vote { proposal: hash, index, approve: true }),
				)
				.expect("the council accepts the vote");
		}
		let votes = 1 + ayes.len() as u32;
		self.chain.wait(CHAIN_TIMEOUT, "the ayes to be counted", |chain| {
			let voting: Option<Votes> = chain.storage("Council", "Voting", hash.as_ref())?;
			match voting {
				Some(v) if v.ayes.len() as u32 >= votes => Ok(Some(())),
				other => Err(format!(
					"tally {:?}, failures in the best block {:?}",
					other.map(|v| (v.ayes.len(), v.nays.len())),
					chain.failures()
				)),
			}
		});
		self.chain
			.submit(
				&proposer.pair(),
				RuntimeCall::Council(pallet_collective::Call::close {
					proposal_hash: hash,
					index,
					proposal_weight_bound: weight,
					length_bound: length,
				}),
			)
			.expect("the council accepts the close");
		self.chain
			.wait(CHAIN_TIMEOUT, "the motion to be closed", |_| Ok((!self.proposals().contains(&hash)).then_some(())));
	}
}
