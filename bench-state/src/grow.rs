//! Growing a development database: patients, records and open requests,
//! written block by block as the pallet's own calls write them (see the
//! crate's documentation for how and why).

use crate::{fixture, BenchState};
use ehr_node::service::FullClient;
use ehr_primitives::{kfrags, GrantProxy, NewRecord, ProxyNodeAccount, Purpose, Scope, MAX_CREATE_RECORDS};
use ehr_runtime::{opaque::Block, Runtime, RuntimeOrigin};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use sc_client_api::backend::{Backend as _, TrieCacheContext};
use sc_consensus::{BlockImport, BlockImportParams, ForkChoiceStrategy, ImportResult, StateAction};
use sp_blockchain::HeaderBackend;
use sp_consensus::BlockOrigin;
use sp_runtime::traits::HashingFor;
use sp_state_machine::{Ext, OverlayedChanges};
use std::{path::Path, sync::Arc, time::Instant};

type Ehr = pallet_ehr::Pallet<Runtime>;
type FullBackend = sc_service::TFullBackend<Block>;

/// Grantees of the benchmark requests: at most 16 requests per grantee fit
/// in one block (`MaxRequestsPerGranteePerBlock`).
const GRANTEES: u32 = 4;

/// What to grow the state to.
#[derive(Clone, Copy, Debug)]
pub struct Target {
	/// Patients registered in all.
	pub patients: u32,
	/// Records created in all.
	pub records: u64,
	/// Patients or records written per block.
	pub per_block: u32,
	/// Open requests to leave for `measure` (at most 64 fit in one block).
	pub requests: u32,
	/// Empty blocks written after the records, before the requests.
	pub settle_blocks: u32,
}

/// The node's state pruning window (sc-cli's default `--state-pruning`):
/// blocks whose pruning journal a starting node reads.
pub const PRUNING_WINDOW: u32 = 256;

fn failed(what: &str) -> impl Fn(sp_runtime::DispatchError) -> String + '_ {
	move |e| format!("{what} failed: {e:?}")
}

/// Grows the state of `client`'s best block to `target`, importing each
/// step as a finalized block, and records what it made in `base_path`
/// ([`BenchState`]). Logs its progress to stderr.
pub fn grow(
	client: &Arc<FullClient>,
	backend: &Arc<FullBackend>,
	base_path: &Path,
	target: &Target,
) -> Result<BenchState, String> {
	let mut state = BenchState::load(base_path)?;
	if state.patients != 0 && state.patients != target.patients {
		return Err(format!(
			"this database was grown with {} patients; grow it with the same --patients or start from an empty base path",
			state.patients
		));
	}
	if target.records > 0 && target.patients == 0 {
		return Err("records need patients: give --patients".into());
	}
	let umbral = fixture::Umbral::new()?;
	let hospital = fixture::account(&fixture::hospital());
	let per_block = target.per_block.max(1);

	while state.patients < target.patients {
		let (from, to) = (state.patients, state.patients.saturating_add(per_block).min(target.patients));
		let started = Instant::now();
		import_block(client, backend, || {
			// One hospital registers every patient: its daily registration
			// quota is not what this grows.
			pallet_ehr::RegistrationsBy::<Runtime>::remove(&hospital);
			let public_key = fixture::Umbral::bytes(&umbral.patient.public_key())?;
			let verifying_key = fixture::Umbral::bytes(&umbral.patient_signer.verifying_key())?;
			for index in from..to {
				let pair = fixture::patient(index);
				let patient = fixture::account(&pair);
				let statement = Ehr::key_ownership(&patient, &public_key, Some(&verifying_key));
				let proof = fixture::sign(&pair, &statement.wrapped_signing_payload());
				Ehr::register_patient(
					RuntimeOrigin::signed(hospital.clone()),
					patient,
					public_key.clone(),
					verifying_key.clone(),
					proof,
				)
				.map_err(failed("register_patient"))?;
			}
			Ok(())
		})?;
		state.patients = to;
		state.save(base_path)?;
		eprintln!("grow: patients {from}..{to} in {:.1} s", started.elapsed().as_secs_f64());
	}

	let capsule = fixture::Umbral::bytes(&umbral.capsule)?;
	// An encrypted FHIR summary's size (docs/privacy.md).
	let metadata: ehr_primitives::EncryptedMetadata =
		vec![0x5A; 256].try_into().map_err(|_| "256 bytes of metadata do not fit the chain's bound")?;
	// Derived once: each key is derived from its seed, and every patient
	// has many records.
	let patient_accounts: Vec<_> = if state.records < target.records {
		(0..state.patients).map(|i| fixture::account(&fixture::patient(i))).collect()
	} else {
		Vec::new()
	};
	while state.records < target.records {
		let from = state.records;
		let to = from.saturating_add(u64::from(per_block)).min(target.records);
		let patients = u64::from(state.patients);
		let started = Instant::now();
		import_block(client, backend, || {
			let first = pallet_ehr::NextRecordId::<Runtime>::get();
			if first != from {
				return Err(format!("the chain's next record id is {first}, the bench state expects {from}"));
			}
			let mut id = from;
			while id < to {
				let end = id.saturating_add(u64::from(MAX_CREATE_RECORDS)).min(to);
				let batch = (id..end)
					.map(|record| {
						let patient = patient_accounts
							.get((record % patients) as usize)
							.cloned()
							.ok_or_else(|| format!("record {record} has no patient: grow patients first"))?;
						Ok(NewRecord {
							patient,
							capsule: capsule.clone(),
							encrypted_metadata: metadata.clone(),
							body_hash: sp_core::H256(sp_crypto_hashing::blake2_256(&record.to_le_bytes())),
							body_size: 1 << 20,
							source: None,
						})
					})
					.collect::<Result<Vec<_>, String>>()?;
				let batch = batch.try_into().map_err(|_| "a batch is longer than the chain takes".to_string())?;
				Ehr::create_records(RuntimeOrigin::signed(hospital.clone()), batch)
					.map_err(failed("create_records"))?;
				id = end;
			}
			Ok(())
		})?;
		state.records = to;
		state.save(base_path)?;
		eprintln!("grow: records {from}..{to} in {:.1} s", started.elapsed().as_secs_f64());
	}

	// A chain that reached a million records did so over far more blocks
	// than the pruning window; the harness's blocks of 50,000 records each
	// carry pruning journals hundreds of thousands of keys long, which a
	// starting node would read while they are in the window. Empty blocks
	// move them out (and prune what they replaced), as time does.
	if target.settle_blocks > 0 {
		let started = Instant::now();
		for _ in 0..target.settle_blocks {
			import_block(client, backend, || Ok(()))?;
		}
		eprintln!("grow: {} empty blocks in {:.1} s", target.settle_blocks, started.elapsed().as_secs_f64());
	}

	if target.requests > 0 {
		state.requests = import_block(client, backend, || open_requests(&umbral, &hospital, &state, target.requests))?;
		state.save(base_path)?;
		eprintln!("grow: {} open requests for the harness's proxy", state.requests.len());
	}
	let info = client.info();
	crate::finality::start_voter_at(&**backend, info.genesis_hash, (info.finalized_hash, info.finalized_number))?;
	Ok(state)
}

/// Registers the harness's proxy for `hospital` and the grantees, and opens
/// `count` requests for records spread over the patients that have one,
/// each under its own grant; returns each request with a cfrag that verifies.
fn open_requests(
	umbral: &fixture::Umbral,
	hospital: &ehr_runtime::AccountId,
	state: &BenchState,
	count: u32,
) -> Result<Vec<(ehr_primitives::RequestId, Vec<u8>)>, String> {
	let with_records = u64::from(state.patients).min(state.records);
	if with_records == 0 {
		return Err("open requests need records: grow some first".into());
	}
	let proxy_key = fixture::Umbral::bytes(&umbral.proxy.public_key())?;
	let node = fixture::proxy_account();
	let account = fixture::account(&node);
	let consent = Ehr::proxy_account_consent(hospital, &account).signing_payload();
	let accounts = vec![ProxyNodeAccount { consent: Some(fixture::sign(&node, &consent)), account }]
		.try_into()
		.unwrap_or_default();
	Ehr::register_proxy(RuntimeOrigin::signed(hospital.clone()), accounts, proxy_key)
		.map_err(failed("register_proxy"))?;

	let grantee_key = fixture::Umbral::bytes(&umbral.grantee.public_key())?;
	for index in 0..GRANTEES {
		let pair = fixture::provider(index);
		let provider = fixture::account(&pair);
		if pallet_ehr::Providers::<Runtime>::contains_key(&provider) {
			continue;
		}
		let proof = fixture::sign(&pair, &Ehr::key_ownership(&provider, &grantee_key, None).wrapped_signing_payload());
		Ehr::register_provider(
			RuntimeOrigin::signed(hospital.clone()),
			provider,
			grantee_key.clone(),
			Some(hospital.clone()),
			proof,
		)
		.map_err(failed("register_provider"))?;
	}

	let mut rng = ChaCha20Rng::seed_from_u64(u64::from(count));
	let count = count.min(GRANTEES.saturating_mul(16));
	let step = (with_records / u64::from(count)).max(1);
	let mut requests = Vec::new();
	for k in 0..count {
		// Record `r` is patient `r % patients`'s, so record `p` is patient `p`'s.
		let record = (u64::from(k).saturating_mul(step)) % with_records;
		let patient = fixture::account(&fixture::patient(record as u32));
		let grantee = fixture::account(&fixture::provider(k % GRANTEES));
		// One kfrag (threshold 1 of 1), sealed to the harness's proxy, and
		// the cfrag that proxy would make with it.
		let kfrag = umbral_pre::generate_kfrags_with_rng(
			&mut rng,
			&umbral.patient,
			&umbral.grantee.public_key(),
			&umbral.patient_signer,
			1,
			1,
			true,
			true,
		)
		.into_vec()
		.pop()
		.ok_or("no kfrag was made")?;
		let sealed = kfrags::seal_with_rng(&mut rng, &kfrag, &umbral.proxy.public_key())
			.map_err(|e| format!("sealing a kfrag: {e:?}"))?;
		let cfrag = kfrags::reencrypt_decoded(&umbral.capsule, kfrag).map_err(|e| format!("re-encrypting: {e:?}"))?;
		let proxies = vec![GrantProxy {
			hospital: hospital.clone(),
			encrypted_kfrag: sealed.sealed.try_into().map_err(|_| "a sealed kfrag is too long")?,
			kfrag_id: Some(sealed.kfrag_id),
		}];
		let grant = pallet_ehr::NextGrantId::<Runtime>::get();
		Ehr::grant(
			RuntimeOrigin::signed(patient.clone()),
			grantee.clone(),
			Scope::AllRecords,
			1,
			proxies.try_into().unwrap_or_default(),
			None,
			Purpose::Treatment,
		)
		.map_err(failed("grant"))?;
		// The harness's grantees are all one hospital's people: its share
		// of a block's request slots is not what this measures.
		pallet_ehr::RequestsOpenedByHospital::<Runtime>::remove(hospital);
		pallet_ehr::RequestsOpenedForPatient::<Runtime>::remove(&patient);
		let request = pallet_ehr::NextRequestId::<Runtime>::get();
		Ehr::request_access(RuntimeOrigin::signed(grantee), grant, record)
			.map_err(|e| format!("request_access failed: {:?}", e.error))?;
		requests.push((request, cfrag.to_vec()));
	}
	Ok(requests)
}

/// Runs `work` natively on the best block's state between frame-system's
/// `initialize` and `finalize` of the next block, and imports that block,
/// finalized, with the storage changes `work` made.
fn import_block<R>(
	client: &Arc<FullClient>,
	backend: &Arc<FullBackend>,
	work: impl FnOnce() -> Result<R, String>,
) -> Result<R, String> {
	let info = client.info();
	let (parent, number) = (info.best_hash, info.best_number.saturating_add(1));
	let state = backend
		.state_at(parent, TrieCacheContext::Untrusted)
		.map_err(|e| format!("no state at the best block: {e}"))?;
	let version = client
		.runtime_version_at(parent, sp_api::CallContext::Offchain)
		.map_err(|e| format!("no runtime version at the best block: {e}"))?
		.state_version();
	let mut overlay = OverlayedChanges::<HashingFor<Block>>::default();
	let (result, header) = {
		let mut ext = Ext::new(&mut overlay, &state, None);
		sp_externalities::set_and_run_with_externalities(&mut ext, || -> Result<_, String> {
			frame_system::Pallet::<Runtime>::initialize(&number, &parent, &Default::default());
			let result = work()?;
			frame_system::Pallet::<Runtime>::reset_events();
			Ok((result, frame_system::Pallet::<Runtime>::finalize()))
		})?
	};
	let changes =
		overlay.drain_storage_changes(&state, version).map_err(|e| format!("cannot collect the changes: {e}"))?;
	if header.state_root != changes.transaction_storage_root {
		return Err("the block's state root is not the root of its changes".into());
	}
	let mut block = BlockImportParams::new(BlockOrigin::File, header);
	block.body = Some(Vec::new());
	block.state_action = StateAction::ApplyChanges(sc_consensus::StorageChanges::Changes(changes));
	block.finalized = true;
	block.fork_choice = Some(ForkChoiceStrategy::LongestChain);
	match futures::executor::block_on(client.import_block(block)) {
		Ok(ImportResult::Imported(_)) => Ok(result),
		Ok(other) => Err(format!("block {number} was not imported: {other:?}")),
		Err(e) => Err(format!("block {number} was not imported: {e}")),
	}
}
