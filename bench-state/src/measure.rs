//! Measuring on a grown database: transactions applied in wasm next to a
//! same-length `system.remark`, and runtime-API latency (see the crate's
//! documentation).

use crate::{fixture, BenchState};
use codec::Encode;
use ehr_node::service::FullClient;
use ehr_node_services::tx::{signed_extrinsic, ChainContext};
use ehr_primitives::EhrApi;
use ehr_runtime::{AccountId, Nonce, RuntimeCall};
use frame_system_rpc_runtime_api::AccountNonceApi;
use rand_chacha::{
	rand_core::{RngCore, SeedableRng},
	ChaCha20Rng,
};
use serde::Serialize;
use sp_api::{ApiExt, Core, ProvideRuntimeApi};
use sp_block_builder::BlockBuilder;
use sp_blockchain::HeaderBackend;
use sp_core::{sr25519, H256};
use sp_runtime::traits::Header as _;
use std::{path::Path, sync::Arc, time::Instant};

/// Untimed calls of each kind made first, per timed sample.
pub const WARM_UP: usize = 4;

/// The figures of one database, in microseconds (medians over the samples,
/// taken after [`WARM_UP`] untimed calls per sample of the same kinds).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
	/// Records on chain when measured.
	pub records: u64,
	/// Patients on chain.
	pub patients: u32,
	/// Samples behind each median.
	pub samples: usize,
	/// Applying a signed `create_record` (wasm, on the database).
	pub create_record_us: f64,
	/// Applying a signed `system.remark` of the same encoded length.
	pub remark_like_create_record_us: f64,
	/// Applying a signed `submit_cfrag` that completes its request.
	pub submit_cfrag_us: f64,
	/// Applying a signed `system.remark` of the same encoded length.
	pub remark_like_submit_cfrag_us: f64,
	/// `EhrApi_records_of_patient`, a page of one record, of a patient with records.
	pub records_of_patient_us: f64,
	/// `EhrApi_records_of_patient`, the first page of 50, of the same patients.
	pub records_of_patient_page_us: f64,
	/// Records on those pages, on average (every record the patient has).
	pub records_per_page: f64,
	/// `EhrApi_audit_log`, a page of one entry, of the same patients.
	pub audit_log_us: f64,
	/// `EhrApi_audit_log`, the first page of 50.
	pub audit_log_page_us: f64,
	/// Entries on those pages, on average.
	pub entries_per_page: f64,
}

/// How many of one kind of transaction one block takes, and what bound it met.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capacity {
	/// Transactions the block builder applied before the block was full.
	pub transactions: u32,
	/// Distinct signers of them.
	pub signers: u32,
	/// Share of the block's normal-class weight they are charged (percent).
	pub weight_used_percent: f64,
	/// Share of the block's normal-class length they take (percent).
	pub length_used_percent: f64,
	/// Time to apply them all in wasm on this database (milliseconds).
	pub apply_ms: f64,
	/// The block's normal-class weight, in milliseconds of reference time.
	pub normal_weight_ms: f64,
	/// The weight the transactions are charged, in milliseconds of
	/// reference time: what the block's import may take by the weights.
	pub charged_ms: f64,
}

/// Block capacity for `create_record` against `system.remark` of the same
/// encoded length (issue 17, item 4): both fill one block each as the block
/// builder fills it, until the runtime refuses the next transaction with
/// `ExhaustsResources`. Both come from the hospital (people may not make
/// `system.remark`, docs/admission.md): a block's worth of either is well
/// within a hospital's window, so no rate limit ends a block early.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockCapacity {
	/// `create_record`, from the hospital.
	pub create_record: Capacity,
	/// `system.remark` of `create_record`'s encoded call length.
	pub remark: Capacity,
	/// `create_record.transactions / remark.transactions`.
	pub ratio: f64,
}

/// The median of `samples` (NaN for none).
pub fn median(samples: &mut [f64]) -> f64 {
	samples.sort_by(f64::total_cmp);
	samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}

fn nonce_of(client: &FullClient, at: H256, who: &AccountId) -> Result<Nonce, String> {
	client.runtime_api().account_nonce(at, who.clone()).map_err(|e| format!("cannot read a nonce: {e}"))
}

/// Signs `call` as `pair` with `nonce`, as the block takes it.
fn signed(
	chain: &ChainContext,
	pair: &sr25519::Pair,
	nonce: Nonce,
	call: RuntimeCall,
) -> Result<sp_runtime::OpaqueExtrinsic, String> {
	opaque(&signed_transaction(chain, pair, nonce, call)?)
}

/// Signs `call` as `pair` with `nonce`.
fn signed_transaction(
	chain: &ChainContext,
	pair: &sr25519::Pair,
	nonce: Nonce,
	call: RuntimeCall,
) -> Result<ehr_runtime::UncheckedExtrinsic, String> {
	signed_extrinsic(chain, call, fixture::account(pair), nonce, |payload| Some(fixture::sign(pair, payload)))
		.ok_or_else(|| "the signer refused".to_string())
}

/// `extrinsic` as the block takes it.
fn opaque(extrinsic: &ehr_runtime::UncheckedExtrinsic) -> Result<sp_runtime::OpaqueExtrinsic, String> {
	sp_runtime::OpaqueExtrinsic::try_from_encoded_extrinsic(&extrinsic.encode())
		.map_err(|e| format!("an extrinsic does not decode: {e}"))
}

/// A `create_record` like `template` (its capsule, metadata and size) for
/// a random patient of the first `with_records` and a random body hash.
fn create_record_call(
	template: &ehr_primitives::Record<AccountId, ehr_runtime::BlockNumber>,
	rng: &mut ChaCha20Rng,
	with_records: u64,
) -> RuntimeCall {
	let mut body_hash = [0u8; 32];
	rng.fill_bytes(&mut body_hash);
	RuntimeCall::Ehr(pallet_ehr::Call::create_record {
		patient: fixture::account(&fixture::patient((rng.next_u64() % with_records.max(1)) as u32)),
		capsule: template.capsule.clone(),
		encrypted_metadata: template.encrypted_metadata.clone(),
		body_hash: H256(body_hash),
		body_size: template.body_size,
	})
}

/// A `system.remark` whose call encodes to `length` bytes, like the call it stands beside.
fn remark_like(call: &RuntimeCall) -> RuntimeCall {
	let empty = RuntimeCall::System(frame_system::Call::remark { remark: Vec::new() }).encoded_size();
	// The remark's length prefix grows with it (compact: 1, 2 or 4 bytes).
	let mut length = call.encoded_size().saturating_sub(empty);
	while RuntimeCall::System(frame_system::Call::remark { remark: vec![0; length] }).encoded_size()
		> call.encoded_size()
	{
		length = length.saturating_sub(1);
	}
	RuntimeCall::System(frame_system::Call::remark { remark: vec![0x2A; length] })
}

/// The slot and timestamp the block after `at` takes: the next slot after
/// Aura's current one that is at least the timestamp pallet's minimum
/// period after the parent's time, and that slot's first millisecond (Aura
/// checks that the timestamp falls in the slot of the block's digest).
fn next_slot(client: &FullClient, at: H256) -> Result<(u64, u64), String> {
	use codec::Decode;
	use sc_client_api::StorageProvider;
	let read = |pallet: &str, item: &str| -> Result<u64, String> {
		let key = sp_core::storage::StorageKey(
			frame_support::storage::storage_prefix(pallet.as_bytes(), item.as_bytes()).to_vec(),
		);
		match client.storage(at, &key).map_err(|e| format!("cannot read {pallet}.{item}: {e}"))? {
			Some(data) => u64::decode(&mut &data.0[..]).map_err(|e| format!("{pallet}.{item} does not decode: {e}")),
			None => Ok(0),
		}
	};
	let (slot, parent_time) = (read("Aura", "CurrentSlot")?, read("Timestamp", "Now")?);
	let duration = ehr_runtime::SLOT_DURATION;
	let earliest = parent_time.saturating_add(duration / 2).div_ceil(duration);
	let next = slot.saturating_add(1).max(earliest);
	Ok((next, next.saturating_mul(duration)))
}

/// The runtime API with the block after `at` (numbered `number`) begun, as
/// the block builder begins it: Aura's pre-runtime digest for the next slot
/// in the header and the timestamp inherent applied. Transactions applied
/// through it stay in that block's changes. Returns it and the inherent
/// (the block's first extrinsic).
fn open_block(
	client: &Arc<FullClient>,
	at: H256,
	number: ehr_runtime::BlockNumber,
) -> Result<
	(
		sp_api::ApiRef<'_, <FullClient as ProvideRuntimeApi<ehr_runtime::opaque::Block>>::Api>,
		sp_runtime::OpaqueExtrinsic,
	),
	String,
> {
	let (slot, now) = next_slot(client, at)?;
	let mut api = client.runtime_api();
	api.set_call_context(sp_api::CallContext::Onchain { import: false });
	let digest = sp_runtime::generic::Digest {
		logs: vec![sp_runtime::generic::DigestItem::PreRuntime(sp_consensus_aura::AURA_ENGINE_ID, slot.encode())],
	};
	let header = ehr_runtime::Header::new(number.saturating_add(1), Default::default(), Default::default(), at, digest);
	api.initialize_block(at, &header).map_err(|e| format!("cannot start a block: {e}"))?;
	let inherent =
		opaque(&ehr_runtime::UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(ehr_runtime::TimestampCall::set {
			now,
		})))?;
	match api.apply_extrinsic(at, inherent.clone()).map_err(|e| e.to_string())? {
		Ok(Ok(())) => Ok((api, inherent)),
		other => Err(format!("the timestamp inherent was not applied: {other:?}")),
	}
}

/// Fills one block (on `client`'s best block) with the transactions `next`
/// makes (given their index), until the runtime refuses one as exhausting
/// the block's resources, and finalizes it as the block builder does (a
/// refused transaction's changes are rolled back). Returns its figures and
/// the block, which [`import_time`] executes.
fn fill_block(
	client: &Arc<FullClient>,
	mut next: impl FnMut(u32) -> Result<(ehr_runtime::UncheckedExtrinsic, AccountId), String>,
) -> Result<(Capacity, BuiltBlock), String> {
	use frame_support::dispatch::{DispatchClass, GetDispatchInfo};
	use sp_runtime::{
		transaction_validity::{InvalidTransaction, TransactionValidityError},
		TransactionOutcome,
	};
	let info = client.info();
	let (api, inherent) = open_block(client, info.best_hash, info.best_number)?;
	let weights = ehr_runtime::configs::RuntimeBlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let max_weight = normal.max_total.unwrap_or(weights.max_block).ref_time();
	let max_length = *ehr_runtime::configs::RuntimeBlockLength::get().max.get(DispatchClass::Normal);
	let (mut count, mut weight, mut length, mut elapsed) = (0u32, 0u64, 0u64, 0f64);
	let mut signers = std::collections::BTreeSet::new();
	let mut extrinsics = vec![inherent];
	loop {
		let (call, signer) = next(count)?;
		let extrinsic = opaque(&call)?;
		let size = extrinsic.encoded_size() as u64;
		let started = Instant::now();
		let outcome = api.execute_in_transaction(|api| match api.apply_extrinsic(info.best_hash, extrinsic.clone()) {
			applied @ Ok(Ok(Ok(()))) => TransactionOutcome::Commit(applied),
			refused => TransactionOutcome::Rollback(refused),
		});
		elapsed += started.elapsed().as_secs_f64() * 1e3;
		match outcome.map_err(|e| e.to_string())? {
			Ok(Ok(())) => {
				// The extrinsic's own dispatch info: the call's weight and its
				// transaction extensions' (admission, nonce, weight checks).
				let dispatch = call.get_dispatch_info();
				weight =
					weight.saturating_add(dispatch.total_weight().saturating_add(normal.base_extrinsic).ref_time());
				length = length.saturating_add(size);
				count = count.saturating_add(1);
				signers.insert(signer);
				extrinsics.push(extrinsic);
			},
			Err(TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources)) => break,
			Ok(Err(e)) => return Err(format!("transaction {count} failed: {e:?}")),
			Err(e) => return Err(format!("transaction {count} was refused: {e:?}")),
		}
	}
	let header = api.finalize_block(info.best_hash).map_err(|e| format!("cannot finalize the block: {e}"))?;
	let capacity = Capacity {
		transactions: count,
		signers: signers.len() as u32,
		weight_used_percent: weight as f64 * 100.0 / max_weight as f64,
		length_used_percent: length as f64 * 100.0 / f64::from(max_length),
		apply_ms: elapsed,
		normal_weight_ms: max_weight as f64 / 1e9,
		charged_ms: weight as f64 / 1e9,
	};
	Ok((capacity, BuiltBlock { parent: info.best_hash, block: ehr_runtime::opaque::Block { header, extrinsics } }))
}

/// A block [`block_capacity`] built, and the block it goes on.
#[derive(Clone, Debug, codec::Encode, codec::Decode)]
pub struct BuiltBlock {
	/// The parent block's hash.
	pub parent: H256,
	/// The block: header (digest, roots) and extrinsics, unsealed.
	pub block: ehr_runtime::opaque::Block,
}

impl BuiltBlock {
	/// Writes it, SCALE-encoded, to `path`.
	pub fn save(&self, path: &Path) -> Result<(), String> {
		std::fs::write(path, self.encode()).map_err(|e| format!("cannot write {}: {e}", path.display()))
	}

	/// Reads one [`BuiltBlock::save`] wrote.
	pub fn load(path: &Path) -> Result<BuiltBlock, String> {
		let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
		<BuiltBlock as codec::Decode>::decode(&mut &bytes[..])
			.map_err(|e| format!("{} is not a block ehr-bench-state capacity saved: {e}", path.display()))
	}
}

/// What importing one block cost: executing it in wasm on its parent's
/// state and collecting its storage changes with their root, as the
/// client's block import does before it commits.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportTime {
	/// Extrinsics in the block, the timestamp inherent included.
	pub extrinsics: usize,
	/// The first import, in this fresh process: nothing of the state in
	/// the trie cache yet (milliseconds).
	pub cold_ms: f64,
	/// The median of three more imports of the same block, with what the
	/// first one read in the cache (milliseconds).
	pub warm_ms: f64,
}

/// Imports `built` on its parent without committing it, first with the
/// process's trie cache empty, then three times more (see [`ImportTime`]).
/// The runtime is instantiated before, untimed, as a running node has it.
pub fn import_time(
	client: &Arc<FullClient>,
	backend: &Arc<sc_service::TFullBackend<ehr_runtime::opaque::Block>>,
	built: &BuiltBlock,
) -> Result<ImportTime, String> {
	use sc_client_api::backend::{Backend as _, TrieCacheContext};
	let parent = built.parent;
	client.runtime_api().version(parent).map_err(|e| format!("no runtime at the block's parent: {e}"))?;
	let import = || -> Result<f64, String> {
		let started = Instant::now();
		let mut api = client.runtime_api();
		api.set_call_context(sp_api::CallContext::Onchain { import: true });
		api.execute_block(parent, built.block.clone().into())
			.map_err(|e| format!("the block does not execute: {e}"))?;
		let state = backend
			.state_at(parent, TrieCacheContext::Trusted)
			.map_err(|e| format!("no state at the block's parent: {e}"))?;
		let changes =
			api.into_storage_changes(&state, parent).map_err(|e| format!("cannot collect the block's changes: {e}"))?;
		let elapsed = started.elapsed().as_secs_f64() * 1e3;
		if changes.transaction_storage_root != built.block.header.state_root {
			return Err("the block's state root is not the root of its changes".into());
		}
		Ok(elapsed)
	};
	let cold_ms = import()?;
	let mut warm = Vec::new();
	for _ in 0..3 {
		warm.push(import()?);
	}
	Ok(ImportTime { extrinsics: built.block.extrinsics.len(), cold_ms, warm_ms: median(&mut warm) })
}

/// What every measurement starts from: the best block, what signatures
/// commit to there, how many patients have records, and record 0 (whose
/// capsule, metadata and size new records copy).
struct Setup {
	at: H256,
	number: ehr_runtime::BlockNumber,
	chain: ChainContext,
	with_records: u64,
	template: ehr_primitives::Record<AccountId, ehr_runtime::BlockNumber>,
}

impl Setup {
	fn read(client: &Arc<FullClient>, state: &BenchState) -> Result<Setup, String> {
		let info = client.info();
		let at = info.best_hash;
		let version = client
			.runtime_version_at(at, sp_api::CallContext::Offchain)
			.map_err(|e| format!("no runtime version: {e}"))?;
		let chain = ChainContext {
			genesis: info.genesis_hash,
			spec_version: version.spec_version,
			transaction_version: version.transaction_version,
		};
		let with_records = u64::from(state.patients).min(state.records);
		if with_records == 0 {
			return Err("nothing to measure: grow patients and records first".into());
		}
		let template = client
			.runtime_api()
			.record(at, 0)
			.map_err(|e| format!("cannot read record 0: {e}"))?
			.ok_or("record 0 is missing: grow records first")?;
		Ok(Setup { at, number: info.best_number, chain, with_records, template })
	}
}

/// The files [`block_capacity`] saves its two blocks in, in the folder it is given.
pub const SAVED_BLOCKS: [&str; 2] = ["create_record.block", "remark.block"];

/// Measures [`BlockCapacity`] on `client`'s best block; with `save`, writes
/// the two full blocks there ([`SAVED_BLOCKS`]) for [`import_time`].
pub fn block_capacity(
	client: &Arc<FullClient>,
	state: &BenchState,
	save: Option<&Path>,
) -> Result<BlockCapacity, String> {
	let Setup { at, chain, with_records, template, .. } = Setup::read(client, state)?;
	let hospital = fixture::hospital();
	let hospital_nonce = nonce_of(client, at, &fixture::account(&hospital))?;
	let mut rng = ChaCha20Rng::from_seed([11; 32]);
	let (create_record, create_record_block) = fill_block(client, |i| {
		let call = create_record_call(&template, &mut rng, with_records);
		Ok((
			signed_transaction(&chain, &hospital, hospital_nonce.saturating_add(i), call)?,
			fixture::account(&hospital),
		))
	})?;
	let remark = remark_like(&create_record_call(&template, &mut rng, with_records));
	let (remark_capacity, remark_block) = fill_block(client, |i| {
		Ok((
			signed_transaction(&chain, &hospital, hospital_nonce.saturating_add(i), remark.clone())?,
			fixture::account(&hospital),
		))
	})?;
	if let Some(folder) = save {
		let [create_record_file, remark_file] = SAVED_BLOCKS;
		create_record_block.save(&folder.join(create_record_file))?;
		remark_block.save(&folder.join(remark_file))?;
	}
	let ratio = f64::from(create_record.transactions) / f64::from(remark_capacity.transactions.max(1));
	Ok(BlockCapacity { create_record, remark: remark_capacity, ratio })
}

/// Measures `samples` of each figure on `client`'s best block, using the
/// requests `state` left (at most one `submit_cfrag` sample per request).
pub fn measure(client: &Arc<FullClient>, state: &BenchState, samples: usize) -> Result<Figures, String> {
	let Setup { at, number, chain, with_records, template } = Setup::read(client, state)?;
	if state.requests.is_empty() {
		return Err("nothing to measure: grow requests first".into());
	}
	let mut rng = ChaCha20Rng::from_seed([9; 32]);
	let hospital = fixture::hospital();
	let proxy = fixture::proxy_account();
	let (mut hospital_nonce, mut proxy_nonce) =
		(nonce_of(client, at, &fixture::account(&hospital))?, nonce_of(client, at, &fixture::account(&proxy))?);

	// One block on the best block, as the block builder makes it; every
	// transaction is applied (and must succeed) in it, timed one by one.
	let (api, _) = open_block(client, at, number)?;
	let apply = |extrinsic: sp_runtime::OpaqueExtrinsic, what: &str| -> Result<f64, String> {
		let started = Instant::now();
		let outcome = api.apply_extrinsic(at, extrinsic).map_err(|e| format!("{what}: {e}"))?;
		let elapsed = started.elapsed().as_secs_f64() * 1e6;
		match outcome {
			Ok(Ok(())) => Ok(elapsed),
			Ok(Err(e)) => Err(format!("{what} failed: {e:?}")),
			Err(e) => Err(format!("{what} was refused: {e:?}")),
		}
	};

	// Warm-up, untimed: a node that has run for a while has the upper
	// levels of the state's trie in its cache; a fresh process has none.
	for _ in 0..samples.saturating_mul(WARM_UP) {
		apply(
			signed(&chain, &hospital, hospital_nonce, create_record_call(&template, &mut rng, with_records))?,
			"create_record",
		)?;
		hospital_nonce = hospital_nonce.saturating_add(1);
	}

	let (mut create, mut remark_create, mut cfrag, mut remark_cfrag) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
	for (i, (request, cfrag_bytes)) in state.requests.iter().cycle().take(samples).enumerate() {
		let call = create_record_call(&template, &mut rng, with_records);
		let like = remark_like(&call);
		remark_create.push(apply(signed(&chain, &hospital, hospital_nonce, like)?, "remark")?);
		create.push(apply(signed(&chain, &hospital, hospital_nonce.saturating_add(1), call)?, "create_record")?);
		hospital_nonce = hospital_nonce.saturating_add(2);

		if i < state.requests.len() {
			let call = RuntimeCall::Ehr(pallet_ehr::Call::submit_cfrag {
				request: *request,
				cfrag: cfrag_bytes.clone().try_into().map_err(|_| "a cfrag is too long")?,
			});
			// The remark from the hospital: a node account may not make one.
			let like = remark_like(&call);
			remark_cfrag.push(apply(signed(&chain, &hospital, hospital_nonce, like)?, "remark")?);
			hospital_nonce = hospital_nonce.saturating_add(1);
			cfrag.push(apply(signed(&chain, &proxy, proxy_nonce, call)?, "submit_cfrag")?);
			proxy_nonce = proxy_nonce.saturating_add(1);
		}
	}
	drop(api);

	// Each call times one runtime-API call and counts what it returned.
	let records_of = |patient: &AccountId, page_size: u32| -> Result<(f64, usize), String> {
		let started = Instant::now();
		let page =
			client.runtime_api().records_of_patient(at, patient.clone(), 0, page_size).map_err(|e| e.to_string())?;
		Ok((started.elapsed().as_secs_f64() * 1e6, page.len()))
	};
	let audit_of = |patient: &AccountId, page_size: u32| -> Result<(f64, usize), String> {
		let started = Instant::now();
		let page = client.runtime_api().audit_log(at, patient.clone(), 0, page_size).map_err(|e| e.to_string())?;
		Ok((started.elapsed().as_secs_f64() * 1e6, page.len()))
	};
	let random_patient =
		|rng: &mut ChaCha20Rng| fixture::account(&fixture::patient((rng.next_u64() % with_records) as u32));
	for _ in 0..samples.saturating_mul(WARM_UP) {
		let patient = random_patient(&mut rng);
		records_of(&patient, 1)?;
		audit_of(&patient, 1)?;
	}
	let (mut records_one, mut records_page, mut audit_one, mut audit_page) =
		(Vec::new(), Vec::new(), Vec::new(), Vec::new());
	let (mut records_returned, mut entries_returned) = (0usize, 0usize);
	for _ in 0..samples {
		let patient = random_patient(&mut rng);
		let (one, found) = records_of(&patient, 1)?;
		if found == 0 {
			return Err("a patient with records has none in recordsOfPatient".into());
		}
		records_one.push(one);
		let (page, found) = records_of(&patient, 50)?;
		records_page.push(page);
		records_returned = records_returned.saturating_add(found);
		let (one, found) = audit_of(&patient, 1)?;
		if found == 0 {
			return Err("a patient with records has an empty audit log".into());
		}
		audit_one.push(one);
		let (page, found) = audit_of(&patient, 50)?;
		audit_page.push(page);
		entries_returned = entries_returned.saturating_add(found);
	}

	Ok(Figures {
		records: state.records,
		patients: state.patients,
		samples,
		create_record_us: median(&mut create),
		remark_like_create_record_us: median(&mut remark_create),
		submit_cfrag_us: median(&mut cfrag),
		remark_like_submit_cfrag_us: median(&mut remark_cfrag),
		records_of_patient_us: median(&mut records_one),
		records_of_patient_page_us: median(&mut records_page),
		records_per_page: records_returned as f64 / samples.max(1) as f64,
		audit_log_us: median(&mut audit_one),
		audit_log_page_us: median(&mut audit_page),
		entries_per_page: entries_returned as f64 / samples.max(1) as f64,
	})
}
