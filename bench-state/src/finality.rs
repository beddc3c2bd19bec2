//! GRANDPA's view of the written blocks. The harness imports its blocks
//! finalized, without a justification; GRANDPA's voter, which keeps the last
//! round it completed in the database's auxiliary data, would start its next
//! round from genesis, vote below the finalized block and never finalize
//! again. So after writing, the harness restarts the voter's record where
//! GRANDPA itself restarts it after an authority set change:
//! `VoterSetState::live(set_id, voters, finalized block)`.
//!
//! sc-consensus-grandpa keeps that type private, so it is mirrored here in
//! its SCALE layout (sc-consensus-grandpa 0.45: `environment::VoterSetState`
//! under the key `grandpa_completed_round`). The stored value is decoded
//! with the mirror first, and on a fresh database compared byte for byte
//! with the mirror's own encoding of the genesis state, so a layout that
//! changed with an SDK upgrade stops the harness instead of corrupting the
//! voter's state.

use codec::{Decode, Encode};
use sc_client_api::backend::AuxStore;
use sp_core::H256;
use std::collections::BTreeMap;

const SET_STATE_KEY: &[u8] = b"grandpa_completed_round";

type Target = (H256, u32);

/// finality-grandpa's `Message`: the vote's kind and target.
#[derive(Encode, Decode)]
enum Message {
	Prevote(Target),
	Precommit(Target),
	PrimaryPropose(Target),
}

/// sc-consensus-grandpa's `CompletedRound`.
#[derive(Encode, Decode)]
struct CompletedRound {
	number: u64,
	/// finality-grandpa's round `State`: prevote ghost, finalized, estimate, completable.
	state: (Option<Target>, Option<Target>, Option<Target>, bool),
	base: Target,
	/// Signed messages: message, ed25519 signature, ed25519 authority id.
	votes: Vec<(Message, [u8; 64], [u8; 32])>,
}

/// The start of a stored `VoterSetState`: its variant and completed rounds
/// (rounds, set id, voters); what follows (the current rounds) is replaced.
#[derive(Decode)]
struct StoredStart {
	variant: u8,
	rounds: Vec<CompletedRound>,
	set_id: u64,
	voters: Vec<[u8; 32]>,
}

/// `VoterSetState::live(set_id, voters, at)`: round 0 completed at `at`,
/// round 1 current and not voted in (`HasVoted::No`).
fn live(set_id: u64, voters: &[[u8; 32]], at: Target) -> Vec<u8> {
	let round = CompletedRound { number: 0, state: (Some(at), Some(at), Some(at), true), base: at, votes: Vec::new() };
	let current: BTreeMap<u64, u8> = [(1u64, 0u8)].into_iter().collect();
	(0u8, (vec![round], set_id, voters.to_vec()), current).encode()
}

/// Makes GRANDPA's voter start from `finalized` (hash and number), the last
/// block the harness wrote; `genesis` is the chain's genesis hash.
pub fn start_voter_at(backend: &impl AuxStore, genesis: H256, finalized: Target) -> Result<(), String> {
	let stored = backend
		.get_aux(SET_STATE_KEY)
		.map_err(|e| format!("cannot read GRANDPA's voter state: {e}"))?
		.ok_or("the database has no GRANDPA voter state")?;
	let start = StoredStart::decode(&mut &stored[..])
		.map_err(|e| format!("GRANDPA's voter state is not in the layout this harness knows ({e}); see finality.rs"))?;
	if start.variant != 0 {
		return Err("GRANDPA's voter is paused (an authority set change is pending); not touching it".into());
	}
	let fresh = start.rounds.len() == 1 && start.rounds.first().is_some_and(|r| r.number == 0 && r.base.1 == 0);
	if fresh && live(start.set_id, &start.voters, (genesis, 0)) != stored {
		return Err("GRANDPA's genesis voter state does not encode as this harness mirrors it; see finality.rs".into());
	}
	let state = live(start.set_id, &start.voters, finalized);
	backend
		.insert_aux(&[(SET_STATE_KEY, &state[..])], &[])
		.map_err(|e| format!("cannot write GRANDPA's voter state: {e}"))
}
