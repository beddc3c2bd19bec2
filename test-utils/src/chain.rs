//! Talks to a running ehr-chain as its users' software does: signs
//! transactions with dev accounts, submits them over JSON-RPC and reads
//! pallet-ehr's state through the `EhrApi` runtime API (`state_call`).

use crate::Node;
use codec::{Decode, Encode};
use ehr_node_services::tx::{signed_extrinsic, ChainContext};
use ehr_runtime::{AccountId, RuntimeCall};
use jsonrpsee::rpc_params;
use serde_json::Value;
use sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};
use std::time::{Duration, Instant};

/// The chain as seen through one node.
pub struct Chain<'a> {
	node: &'a Node,
	context: ChainContext,
}

fn hex_bytes(value: &Value) -> Result<Vec<u8>, String> {
	let text = value.as_str().ok_or_else(|| format!("expected a hex string, got {value}"))?;
	hex::decode(text.trim_start_matches("0x")).map_err(|e| format!("bad hex {text}: {e}"))
}

/// The genesis hash and runtime version of the node answering on
/// 127.0.0.1:`port`, which signing needs.
pub fn context_at(port: u16) -> Result<ChainContext, String> {
	let genesis = hex_bytes(&crate::rpc_at(port, "chain_getBlockHash", rpc_params![0])?)?;
	let version = crate::rpc_at(port, "state_getRuntimeVersion", rpc_params![])?;
	let number = |key: &str| version[key].as_u64().map(|v| v as u32).ok_or(format!("runtime version lacks {key}"));
	Ok(ChainContext {
		genesis: H256::from_slice(&genesis),
		spec_version: number("specVersion")?,
		transaction_version: number("transactionVersion")?,
	})
}

/// A grant as the chain's runtime API returns it.
pub type ChainGrant = ehr_primitives::Grant<AccountId, ehr_runtime::BlockNumber>;

/// Signs `call` with `signer` at `nonce` for `context` and submits it to
/// the node answering on 127.0.0.1:`port`; returns the transaction hash.
/// For load tests that submit from many threads without a [`Chain`].
pub fn submit_at(
	port: u16,
	context: &ChainContext,
	signer: &sr25519::Pair,
	call: RuntimeCall,
	nonce: u32,
) -> Result<String, String> {
	let account: AccountId = signer.public().into();
	let extrinsic = signed_extrinsic(context, call, account, nonce, |payload| Some(signer.sign(payload).into()))
		.ok_or("signing failed")?;
	let hash =
		crate::rpc_at(port, "author_submitExtrinsic", rpc_params![format!("0x{}", hex::encode(extrinsic.encode()))])?;
	Ok(hash.to_string())
}

impl<'a> Chain<'a> {
	/// Reads the genesis hash and runtime version from `node`.
	pub fn connect(node: &'a Node) -> Chain<'a> {
		let genesis = hex_bytes(&node.rpc("chain_getBlockHash", rpc_params![0]).expect("genesis hash"))
			.expect("genesis hash is hex");
		let version = node.rpc("state_getRuntimeVersion", rpc_params![]).expect("runtime version");
		let number = |key: &str| version[key].as_u64().unwrap_or_else(|| panic!("runtime version lacks {key}")) as u32;
		Chain {
			node,
			context: ChainContext {
				genesis: H256::from_slice(&genesis),
				spec_version: number("specVersion"),
				transaction_version: number("transactionVersion"),
			},
		}
	}

	/// The genesis hash.
	pub fn genesis(&self) -> H256 {
		self.context.genesis
	}

	/// Signs `call` with `signer` and submits it; returns the transaction hash.
	pub fn submit(&self, signer: &sr25519::Pair, call: impl Into<RuntimeCall>) -> Result<String, String> {
		let account: AccountId = signer.public().into();
		let nonce = self
			.node
			.rpc("system_accountNextIndex", rpc_params![account.to_ss58check()])?
			.as_u64()
			.ok_or("accountNextIndex is not a number")? as u32;
		let extrinsic =
			signed_extrinsic(&self.context, call.into(), account, nonce, |payload| Some(signer.sign(payload).into()))
				.ok_or("signing failed")?;
		let hash =
			self.node.rpc("author_submitExtrinsic", rpc_params![format!("0x{}", hex::encode(extrinsic.encode()))])?;
		Ok(hash.to_string())
	}

	/// Signs `call` with `signer` at an explicit `nonce` and submits it
	/// (for bursts, where asking the node for each nonce would be the bottleneck).
	pub fn submit_with_nonce(&self, signer: &sr25519::Pair, call: RuntimeCall, nonce: u32) -> Result<String, String> {
		let account: AccountId = signer.public().into();
		let extrinsic =
			signed_extrinsic(&self.context, call, account, nonce, |payload| Some(signer.sign(payload).into()))
				.ok_or("signing failed")?;
		let hash =
			self.node.rpc("author_submitExtrinsic", rpc_params![format!("0x{}", hex::encode(extrinsic.encode()))])?;
		Ok(hash.to_string())
	}

	/// Submits `call` as an unsigned (bare) transaction, as a runtime's code
	/// for an authorized upgrade goes (`system.apply_authorized_upgrade`).
	pub fn submit_unsigned(&self, call: RuntimeCall) -> Result<String, String> {
		let extrinsic = ehr_runtime::UncheckedExtrinsic::new_bare(call);
		let hash =
			self.node.rpc("author_submitExtrinsic", rpc_params![format!("0x{}", hex::encode(extrinsic.encode()))])?;
		Ok(hash.to_string())
	}

	/// Calls runtime API `method` (e.g. `EhrApi_request`) with SCALE `args` at the best block.
	pub fn call<R: Decode>(&self, method: &str, args: impl Encode) -> Result<R, String> {
		let result = self.node.rpc("state_call", rpc_params![method, format!("0x{}", hex::encode(args.encode()))])?;
		R::decode(&mut &hex_bytes(&result)?[..]).map_err(|e| format!("{method}: cannot decode the result: {e}"))
	}

	/// Reads and decodes storage item `item` of pallet `pallet` (a plain
	/// value, or a map entry when `map_key` gives the hashed key suffix) at
	/// the best block.
	pub fn storage<R: Decode>(&self, pallet: &str, item: &str, map_key: &[u8]) -> Result<Option<R>, String> {
		let mut key = sp_crypto_hashing::twox_128(pallet.as_bytes()).to_vec();
		key.extend(sp_crypto_hashing::twox_128(item.as_bytes()));
		key.extend_from_slice(map_key);
		let value = self.node.rpc("state_getStorage", rpc_params![format!("0x{}", hex::encode(key))])?;
		if value.is_null() {
			return Ok(None);
		}
		R::decode(&mut &hex_bytes(&value)?[..])
			.map(Some)
			.map_err(|e| format!("{pallet}.{item}: cannot decode the stored value: {e}"))
	}

	/// The events of the best block.
	fn events(&self) -> Result<Vec<ehr_runtime::RuntimeEvent>, String> {
		let events: Vec<frame_system::EventRecord<ehr_runtime::RuntimeEvent, H256>> =
			self.storage("System", "Events", &[])?.unwrap_or_default();
		Ok(events.into_iter().map(|record| record.event).collect())
	}

	/// The errors extrinsics of the best block failed with.
	pub fn dispatch_failures(&self) -> Result<Vec<sp_runtime::DispatchError>, String> {
		Ok(self
			.events()?
			.into_iter()
			.filter_map(|event| match event {
				ehr_runtime::RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
					Some(dispatch_error)
				},
				_ => None,
			})
			.collect())
	}

	/// Waits (at most `timeout`) until an extrinsic of a best block fails
	/// with `error` (a pallet error compares by pallet and error index).
	pub fn wait_for_failure(&self, timeout: Duration, error: impl Into<sp_runtime::DispatchError>) {
		let error = error.into();
		self.wait(timeout, &format!("an extrinsic to fail with {error:?}"), |c| {
			Ok(c.dispatch_failures()?.contains(&error).then_some(()))
		})
	}

	/// The failed extrinsics' errors among the best block's events, for
	/// diagnosing a wait that does not end.
	pub fn failures(&self) -> Result<Vec<String>, String> {
		Ok(self
			.events()?
			.into_iter()
			.filter_map(|event| match event {
				ehr_runtime::RuntimeEvent::System(frame_system::Event::ExtrinsicFailed { dispatch_error, .. }) => {
					Some(format!("{dispatch_error:?}"))
				},
				ehr_runtime::RuntimeEvent::Council(pallet_collective::Event::Executed { result: Err(e), .. }) => {
					Some(format!("motion executed with {e:?}"))
				},
				_ => None,
			})
			.collect())
	}

	/// Every grant `patient` has made, at the best block, page by page
	/// (`EhrApi_grants_of_patient`), in the chain's order.
	pub fn grants_of_patient(&self, patient: &AccountId) -> Result<Vec<(ehr_primitives::GrantId, ChainGrant)>, String> {
		ehr_primitives::IdPage::collect_all(|after| {
			self.call("EhrApi_grants_of_patient", (patient.clone(), after, ehr_primitives::MAX_PAGE_SIZE))
		})
	}

	/// The runtime's spec version at the best block.
	pub fn spec_version(&self) -> Result<u32, String> {
		let version = self.node.rpc("state_getRuntimeVersion", rpc_params![])?;
		version["specVersion"].as_u64().map(|v| v as u32).ok_or_else(|| format!("no specVersion in {version}"))
	}

	/// Polls `check` every half second until it returns `Some`, for at most `timeout`.
	pub fn wait<R>(
		&self,
		timeout: Duration,
		what: &str,
		mut check: impl FnMut(&Chain) -> Result<Option<R>, String>,
	) -> R {
		let start = Instant::now();
		let mut last = String::from("no answer yet");
		while start.elapsed() < timeout {
			match check(self) {
				Ok(Some(result)) => return result,
				Ok(None) => {},
				Err(error) => last = error,
			}
			std::thread::sleep(Duration::from_millis(500));
		}
		panic!("timed out after {timeout:?} waiting for {what} (last: {last}); node: {}", self.node.status());
	}
}
