//! Keeps this node's proxy registered: at every finalized block the node
//! compares what the chain lists for its hospital's proxy with its own
//! proxy account and Umbral key.
//!
//! - When they agree, nothing happens.
//! - When the node's proxy account is itself a member hospital (a
//!   development or local chain, where `--alice` and the like give the node
//!   the hospital's well-known key), the node registers or updates the proxy
//!   itself, so such a network comes up with every proxy registered.
//! - Otherwise only the hospital's own key may register the proxy (a node
//!   never holds a production hospital's key): the node says so once in its
//!   log, with the command hospital staff run (`ehr proxy register`).

use ehr_primitives::{ConsortiumApi, EhrApi, ProxyInfo, ProxyNodeAccount};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, EhrCall, RuntimeCall};
use futures::StreamExt;
use sc_client_api::BlockchainEvents;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::{traits::Header as _, BoundedVec};
use std::sync::Arc;

use crate::{membership::NodeAccount, tx::SubmitCall};

const LOG_TARGET: &str = "ehr-proxy";

/// Finalized blocks to wait for a self-registration to land before the node
/// submits it again.
pub const RETRY_AFTER_BLOCKS: BlockNumber = 10;

/// What the chain's proxy registry says about this node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
	/// A hospital lists this node's account with this node's Umbral key.
	Current {
		/// The hospital the node acts for.
		hospital: AccountId,
	},
	/// The node's account is a member hospital, so the node registers (or
	/// updates) its proxy itself with this call.
	SelfRegister(RuntimeCall),
	/// Only the hospital's key can fix this; the sentence says what is wrong.
	NeedsHospital(String),
}

/// Decides what to do for proxy account `me` with Umbral key `key`
/// (canonical encoding), given the member hospitals and every registered
/// proxy. A hospital other than the one the operator pinned
/// (`me.pinned_hospital`) that lists the account is reported, never acted
/// for.
///
/// A self-registration keeps the hospital's other node accounts (up to the
/// bound) and puts this node's account first.
pub fn decide(
	node: &NodeAccount,
	key: &[u8],
	members: &[AccountId],
	proxies: &[(AccountId, ProxyInfo<AccountId>)],
) -> Registration {
	let me = &node.account;
	let listed = proxies.iter().find(|(_, proxy)| proxy.accounts.contains(me));
	if let Some((hospital, _)) = listed.filter(|(hospital, _)| !node.may_act_for(hospital)) {
		return Registration::NeedsHospital(format!(
			"hospital {hospital} lists this node's proxy account {me}, but this node acts only for hospital {} \
			 (--ehr-hospital): it serves and re-encrypts nothing for {hospital}. If {hospital} is not yours, it \
			 took this node's account: ask the consortium to look into it, and have your hospital register the \
			 node with `ehr proxy register --node <this node's RPC URL>` once the account is free again",
			node.pinned_hospital.as_ref().map(ToString::to_string).unwrap_or_default()
		));
	}
	if let Some((hospital, proxy)) = listed {
		if proxy.public_key[..] == *key {
			return Registration::Current { hospital: hospital.clone() };
		}
		if hospital != me {
			return Registration::NeedsHospital(format!(
				"hospital {hospital} lists this node's proxy account {me} with another Umbral key than this node's \
				 proxy key; hospital staff update it with `ehr proxy register --node <this node's RPC URL>`"
			));
		}
	} else if !node.may_act_for(me) {
		return Registration::NeedsHospital(format!(
			"this node's proxy account {me} is a member hospital's own, but this node acts only for hospital {} \
			 (--ehr-hospital), so it does not register itself; start it with the pinned hospital's node key, or \
			 without --ehr-hospital",
			node.pinned_hospital.as_ref().map(ToString::to_string).unwrap_or_default()
		));
	} else if !members.contains(me) {
		return Registration::NeedsHospital(format!(
			"no hospital lists this node's proxy account {me}, so the node re-encrypts nothing; hospital staff \
			 register it with `ehr proxy register --node <this node's RPC URL>`"
		));
	}
	let Ok(public_key) = BoundedVec::try_from(key.to_vec()) else {
		return Registration::NeedsHospital("this node's proxy key is not a canonical Umbral public key".into());
	};
	let mut accounts = vec![me.clone()];
	if let Some((_, own)) = proxies.iter().find(|(hospital, _)| hospital == me) {
		accounts.extend(own.accounts.iter().filter(|a| *a != me).cloned());
	}
	// This node's account first, so the bound drops others, never it. None
	// needs a consent: this node's account is the hospital's own, and the
	// others are listed for it already.
	let accounts = BoundedVec::truncate_from(
		accounts.into_iter().map(|account| ProxyNodeAccount { account, consent: None }).collect::<Vec<_>>(),
	);
	Registration::SelfRegister(EhrCall::register_proxy { accounts, public_key }.into())
}

/// Follows finality and keeps the node's proxy registered (see the module
/// documentation).
pub struct ProxyRegistration<C> {
	/// The chain client.
	pub client: Arc<C>,
	/// Signs with the node's proxy account.
	pub submitter: Arc<dyn SubmitCall>,
	/// The node's Umbral proxy public key, canonical encoding.
	pub public_key: Vec<u8>,
	/// The only hospital the node acts for (`--ehr-hospital`), if pinned.
	pub pinned_hospital: Option<AccountId>,
}

impl<C> ProxyRegistration<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber> + ConsortiumApi<Block, AccountId>,
{
	/// Runs for as long as the node finalizes blocks.
	pub async fn run(self) {
		let mut finalized = self.client.finality_notification_stream();
		let mut submitted_at: Option<BlockNumber> = None;
		let mut last_said: Option<Registration> = None;
		while let Some(block) = finalized.next().await {
			let number = *block.header.number();
			let decision = match self.check(block.hash) {
				Ok(decision) => decision,
				Err(error) => {
					log::warn!(target: LOG_TARGET, "cannot check the proxy registration: {error}");
					continue;
				},
			};
			match &decision {
				Registration::Current { hospital } => {
					if !matches!(last_said, Some(Registration::Current { .. })) {
						log::info!(target: LOG_TARGET, "this node's proxy is registered for hospital {hospital}");
					}
					submitted_at = None;
				},
				Registration::SelfRegister(call) => {
					let due = submitted_at.is_none_or(|at| number >= at.saturating_add(RETRY_AFTER_BLOCKS));
					if due {
						match self.submitter.submit(call.clone()).await {
							Ok(()) => {
								log::info!(
									target: LOG_TARGET,
									"registering this node's proxy: the node's account is the hospital's own"
								);
								submitted_at = Some(number);
							},
							Err(error) => log::warn!(target: LOG_TARGET, "cannot register this node's proxy: {error}"),
						}
					}
				},
				Registration::NeedsHospital(why) => {
					if last_said.as_ref() != Some(&decision) {
						log::warn!(target: LOG_TARGET, "{why}");
					}
				},
			}
			last_said = Some(decision);
		}
	}

	/// What the chain at finalized block `at` says about this node's proxy.
	pub fn check(&self, at: H256) -> Result<Registration, String> {
		let api = self.client.runtime_api();
		let members: Vec<AccountId> = api
			.hospitals(at)
			.map_err(|e| format!("cannot read the members: {e}"))?
			.into_iter()
			.map(|(hospital, _)| hospital)
			.collect();
		let proxies = api.proxies(at).map_err(|e| format!("cannot read the proxies: {e}"))?;
		let node = NodeAccount::of(&*self.submitter, self.pinned_hospital.clone());
		Ok(decide(&node, &self.public_key, &members, &proxies))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn account(n: u8) -> AccountId {
		AccountId::new([n; 32])
	}

	fn unpinned(account: &AccountId) -> NodeAccount {
		NodeAccount { account: account.clone(), pinned_hospital: None }
	}

	fn proxy(accounts: &[AccountId], key: &[u8]) -> ProxyInfo<AccountId> {
		ProxyInfo {
			accounts: BoundedVec::truncate_from(accounts.to_vec()),
			public_key: BoundedVec::truncate_from(key.to_vec()),
		}
	}

	fn registered(decision: Registration) -> (Vec<AccountId>, Vec<u8>) {
		match decision {
			Registration::SelfRegister(RuntimeCall::Ehr(EhrCall::register_proxy { accounts, public_key })) => {
				assert!(accounts.iter().all(|node| node.consent.is_none()), "listed accounts need no consent");
				(accounts.into_iter().map(|node| node.account).collect(), public_key.into_inner())
			},
			other => panic!("expected a self-registration, got {other:?}"),
		}
	}

	const KEY: [u8; 33] = [2; 33];
	const OTHER_KEY: [u8; 33] = [3; 33];

	#[test]
	fn a_listed_account_with_its_key_is_current() {
		let (me, hospital) = (account(1), account(9));
		let proxies = [(hospital.clone(), proxy(&[account(2), me.clone()], &KEY))];
		assert_eq!(
			decide(&unpinned(&me), &KEY, std::slice::from_ref(&hospital), &proxies),
			Registration::Current { hospital }
		);
	}

	#[test]
	fn a_member_node_registers_itself_and_keeps_its_other_accounts() {
		let me = account(1);
		assert_eq!(
			registered(decide(&unpinned(&me), &KEY, std::slice::from_ref(&me), &[])),
			(vec![me.clone()], KEY.to_vec())
		);
		// Another of the hospital's node accounts is listed, with an old key.
		let proxies = [(me.clone(), proxy(&[account(2)], &OTHER_KEY))];
		assert_eq!(
			registered(decide(&unpinned(&me), &KEY, std::slice::from_ref(&me), &proxies)),
			(vec![me.clone(), account(2)], KEY.to_vec())
		);
		// This node's key changed: the member updates it.
		let proxies = [(me.clone(), proxy(&[me.clone(), account(2)], &OTHER_KEY))];
		assert_eq!(
			registered(decide(&unpinned(&me), &KEY, std::slice::from_ref(&me), &proxies)),
			(vec![me.clone(), account(2)], KEY.to_vec())
		);
	}

	#[test]
	fn a_node_without_the_hospitals_key_only_says_what_is_wrong() {
		let (me, hospital) = (account(1), account(9));
		let unlisted = decide(&unpinned(&me), &KEY, std::slice::from_ref(&hospital), &[]);
		assert!(matches!(&unlisted, Registration::NeedsHospital(why) if why.contains("ehr proxy register")));
		let proxies = [(hospital.clone(), proxy(std::slice::from_ref(&me), &OTHER_KEY))];
		let stale = decide(&unpinned(&me), &KEY, &[hospital], &proxies);
		assert!(matches!(&stale, Registration::NeedsHospital(why) if why.contains("another Umbral key")));
	}

	/// AUDIT.md finding 2: a hospital other than the one the operator pinned
	/// lists the node's account (it took the account before the node's own
	/// hospital did). The node does not act for it, says so with what to
	/// do, and a member node pinned to another hospital does not register
	/// itself either.
	#[test]
	fn a_node_pinned_to_its_hospital_acts_for_no_other() {
		let (me, own, taker) = (account(1), account(8), account(9));
		let pinned = NodeAccount { account: me.clone(), pinned_hospital: Some(own.clone()) };
		let proxies = [(taker.clone(), proxy(std::slice::from_ref(&me), &KEY))];
		let taken = decide(&pinned, &KEY, &[own.clone(), taker.clone()], &proxies);
		assert!(
			matches!(&taken, Registration::NeedsHospital(why) if why.contains("--ehr-hospital") && why.contains(&taker.to_string())),
			"{taken:?}"
		);
		// Listed by the pinned hospital: current, as without a pin.
		let proxies = [(own.clone(), proxy(std::slice::from_ref(&me), &KEY))];
		assert_eq!(
			decide(&pinned, &KEY, std::slice::from_ref(&own), &proxies),
			Registration::Current { hospital: own.clone() }
		);
		// The node's account is itself a member, but the operator pinned another hospital.
		let member = NodeAccount { account: me.clone(), pinned_hospital: Some(own) };
		assert!(matches!(decide(&member, &KEY, std::slice::from_ref(&me), &[]), Registration::NeedsHospital(_)));
		assert!(pinned.may_act_for(&account(8)) && !pinned.may_act_for(&taker) && unpinned(&me).may_act_for(&taker));
	}
}
