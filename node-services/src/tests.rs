//! The RPC authorization and the proxy worker's decisions against a mocked
//! runtime API (`sp_api::mock_impl_runtime_apis!`) and a mocked header
//! backend: no node, no runtime, real Umbral and sr25519 keys.

use crate::{
	audit_trail::CONFIRM_MARGIN_BLOCKS,
	blob_store::BlobStore,
	journal::Journal,
	membership::NodeAccount,
	metrics::EhrMetrics,
	proxy_worker::{decide, Decision, ProxyWorker, RESUBMIT_AFTER_BLOCKS},
	rpc::{AuditTrail, EhrRpc},
	tx::SubmitCall,
	upkeep::Upkeep,
};
use ehr_primitives::{
	kfrags, umbral_codec, AccessRequest, DeliveredCfrag, EhrApi, Grant, GrantId, GrantProxy, IdPage, PatientInfo,
	ProxyInfo, Purpose, Record, RecordId, RequestId, RequestStatus, Scope,
};
use ehr_rpc_api::{BlobRead, EhrRpcError};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, EhrCall, RuntimeCall};
use futures::future::BoxFuture;
use parking_lot::Mutex;
use sp_api::{ApiRef, ProvideRuntimeApi};
use sp_blockchain::{BlockStatus, HeaderBackend, Info};
use sp_core::{sr25519, Pair, H256};
use std::{collections::BTreeMap, sync::Arc};
use umbral_pre::{SecretKey, Signer};

const GENESIS: H256 = H256([7; 32]);
const BEST: BlockNumber = 100;
const NOW_MS: u64 = 1_700_000_000_000;

/// The chain state the mocked runtime API answers from.
#[derive(Clone, Default)]
struct World {
	records: BTreeMap<RecordId, Record<AccountId, BlockNumber>>,
	grants: BTreeMap<GrantId, Grant<AccountId, BlockNumber>>,
	requests: BTreeMap<RequestId, AccessRequest<AccountId, BlockNumber>>,
	patients: BTreeMap<AccountId, PatientInfo<AccountId>>,
	proxies: Vec<(AccountId, ProxyInfo<AccountId>)>,
	/// Grants that no longer cover their records (revoked or expired).
	lapsed: Vec<GrantId>,
	/// The retirement grace in force.
	retirement_grace: BlockNumber,
}

struct MockApi {
	world: World,
}

sp_api::mock_impl_runtime_apis! {
	impl EhrApi<Block, AccountId, BlockNumber> for MockApi {
		fn record(&self, id: RecordId) -> Option<Record<AccountId, BlockNumber>> {
			self.world.records.get(&id).cloned()
		}
		fn record_by_body_hash(&self, hash: H256, custodian: Option<AccountId>) -> Option<(RecordId, Record<AccountId, BlockNumber>)> {
			self.world
				.records
				.iter()
				.find(|(_, r)| r.body_hash == hash && custodian.as_ref().is_none_or(|c| &r.custodian == c))
				.map(|(id, r)| (*id, r.clone()))
		}
		fn grant(&self, id: GrantId) -> Option<Grant<AccountId, BlockNumber>> {
			self.world.grants.get(&id).cloned()
		}
		fn request(&self, id: RequestId) -> Option<AccessRequest<AccountId, BlockNumber>> {
			self.world.requests.get(&id).cloned()
		}
		// Pages of at most two ids, so that the tests go through the worker's paging.
		fn open_requests_for_proxy(
			&self,
			hospital: AccountId,
			after: Option<RequestId>,
			limit: u32,
		) -> IdPage<RequestId, AccessRequest<AccountId, BlockNumber>> {
			let mut ids: Vec<RequestId> = self.world.requests.keys().copied().filter(|id| after.is_none_or(|a| *id > a)).collect();
			ids.sort_unstable();
			let looked_at: Vec<RequestId> = ids.iter().copied().take(limit.min(2) as usize).collect();
			let more = ids.len() > looked_at.len();
			let items = looked_at.iter()
				.filter_map(|id| self.world.requests.get(id).map(|r| (*id, r.clone())))
				.filter(|(_, r)| r.status == RequestStatus::Open)
				.filter(|(_, r)| self.world.grants.get(&r.grant).is_some_and(|g| g.has_proxy(&hospital)))
				.collect();
			IdPage { items, next_after: if more { looked_at.last().copied() } else { None } }
		}
		fn proxies(&self) -> Vec<(AccountId, ProxyInfo<AccountId>)> {
			self.world.proxies.clone()
		}
		fn patient(&self, account: AccountId) -> Option<PatientInfo<AccountId>> {
			self.world.patients.get(&account).cloned()
		}
		fn provider(&self, _account: AccountId) -> Option<ehr_primitives::ProviderInfo<AccountId>> {
			None
		}
		fn parameters(&self) -> ehr_primitives::EhrParameters<BlockNumber> {
			ehr_primitives::EhrParameters { reading_window: 10, retention: 100, retirement_grace: self.world.retirement_grace }
		}
		fn grant_covers(&self, grant: GrantId, record: RecordId) -> bool {
			!self.world.lapsed.contains(&grant)
				&& self.world.grants.get(&grant).is_some_and(|g| match &g.scope {
					Scope::AllRecords => true,
					Scope::Records(ids) => ids.contains(&record),
				})
		}
	}
}

/// A client whose best block is [`BEST`] and whose runtime API is [`MockApi`].
struct MockClient {
	world: Mutex<World>,
}

impl ProvideRuntimeApi<Block> for MockClient {
	type Api = MockApi;
	fn runtime_api(&self) -> ApiRef<'_, MockApi> {
		MockApi { world: self.world.lock().clone() }.into()
	}
}

impl HeaderBackend<Block> for MockClient {
	fn header(&self, _: H256) -> sp_blockchain::Result<Option<<Block as sp_runtime::traits::Block>::Header>> {
		Ok(None)
	}
	fn info(&self) -> Info<Block> {
		Info {
			best_hash: H256([1; 32]),
			best_number: BEST,
			genesis_hash: GENESIS,
			finalized_hash: H256([1; 32]),
			finalized_number: BEST,
			finalized_state: None,
			number_leaves: 1,
			block_gap: None,
		}
	}
	fn status(&self, _: H256) -> sp_blockchain::Result<BlockStatus> {
		Ok(BlockStatus::InChain)
	}
	fn number(&self, _: H256) -> sp_blockchain::Result<Option<BlockNumber>> {
		Ok(Some(BEST))
	}
	fn hash(&self, _: BlockNumber) -> sp_blockchain::Result<Option<H256>> {
		Ok(None)
	}
}

/// Records the calls it is asked to submit instead of signing them.
struct Recorder {
	account: AccountId,
	calls: Mutex<Vec<RuntimeCall>>,
	/// Refuse every submission, as a full pool would.
	refuse: std::sync::atomic::AtomicBool,
	/// Milliseconds each submission takes before it succeeds or fails.
	delay_ms: std::sync::atomic::AtomicU64,
	/// Submissions asked for, refused or not.
	attempts: std::sync::atomic::AtomicUsize,
}

impl SubmitCall for Recorder {
	fn account(&self) -> AccountId {
		self.account.clone()
	}
	fn submit(&self, call: RuntimeCall) -> BoxFuture<'_, Result<(), String>> {
		use std::sync::atomic::Ordering::Relaxed;
		self.attempts.fetch_add(1, Relaxed);
		let delay = std::time::Duration::from_millis(self.delay_ms.load(Relaxed));
		Box::pin(async move {
			if !delay.is_zero() {
				tokio::time::sleep(delay).await;
			}
			if self.refuse.load(Relaxed) {
				return Err("the pool is full".to_string());
			}
			self.calls.lock().push(call);
			Ok(())
		})
	}
}

fn account(seed: u8) -> AccountId {
	AccountId::new([seed; 32])
}

fn bytes<const N: u32>(data: Vec<u8>) -> sp_runtime::BoundedVec<u8, sp_core::ConstU32<N>> {
	data.try_into().expect("fits its bound")
}

fn enc<T: serde::Serialize>(object: &T) -> Vec<u8> {
	umbral_codec::encode(object).expect("encodes")
}

/// One patient, one record held by `HOSPITAL`, one grant to a clinician
/// through this hospital's proxy and another's, and one request.
struct Scenario {
	client: Arc<MockClient>,
	patient: sr25519::Pair,
	grantee: sr25519::Pair,
	proxy_secret: SecretKey,
	recorder: Arc<Recorder>,
	rpc: EhrRpc<MockClient>,
	_dir: tempfile::TempDir,
}

/// The record's encrypted body, as the custodian's blob store holds it.
const BODY: &[u8] = b"an encrypted record body";

fn body_hash() -> H256 {
	H256(sp_crypto_hashing::blake2_256(BODY))
}

const HOSPITAL: u8 = 1;
const OTHER_HOSPITAL: u8 = 2;
const NODE_ACCOUNT: u8 = 11;
const RECORD: RecordId = 5;
const GRANT: GrantId = 6;
const REQUEST: RequestId = 7;

impl Scenario {
	fn new(status: RequestStatus) -> Self {
		let patient = sr25519::Pair::from_seed(&[21; 32]);
		let grantee = sr25519::Pair::from_seed(&[22; 32]);
		let (patient_umbral, grantee_umbral) = (SecretKey::random(), SecretKey::random());
		let signer = Signer::new(SecretKey::random());
		let proxy_secret = SecretKey::random();
		let other_proxy = SecretKey::random();

		let mut world = World::default();
		let (capsule, _) = umbral_pre::encrypt(&patient_umbral.public_key(), b"envelope").expect("encrypts");
		world.records.insert(
			RECORD,
			Record {
				patient: patient.public().into(),
				custodian: account(HOSPITAL),
				capsule: bytes(enc(&capsule)),
				encrypted_metadata: bytes(vec![1; 64]),
				body_hash: body_hash(),
				body_size: BODY.len() as u64,
				created_at: 1,
				retired_at: None,
			},
		);
		world.patients.insert(
			patient.public().into(),
			PatientInfo {
				public_key: bytes(enc(&patient_umbral.public_key())),
				verifying_key: bytes(enc(&signer.verifying_key())),
				onboarded_by: account(HOSPITAL),
			},
		);
		world.patients.insert(
			grantee.public().into(),
			PatientInfo {
				public_key: bytes(enc(&grantee_umbral.public_key())),
				verifying_key: bytes(enc(&signer.verifying_key())),
				onboarded_by: account(HOSPITAL),
			},
		);
		let sealed = kfrags::make_sealed(
			&patient_umbral,
			&signer,
			&grantee_umbral.public_key(),
			1,
			&[proxy_secret.public_key(), other_proxy.public_key()],
		)
		.expect("seals");
		let proxies = [HOSPITAL, OTHER_HOSPITAL]
			.iter()
			.zip(&sealed)
			.map(|(h, s)| GrantProxy {
				hospital: account(*h),
				encrypted_kfrag: bytes(s.sealed.clone()),
				kfrag_id: Some(s.kfrag_id),
			})
			.collect::<Vec<_>>();
		world.grants.insert(
			GRANT,
			Grant {
				patient: patient.public().into(),
				grantee: grantee.public().into(),
				scope: Scope::AllRecords,
				threshold: 1,
				proxies: proxies.try_into().expect("two proxies"),
				expires_at: None,
				purpose: Purpose::Treatment,
				created_at: 2,
				revoked_at: None,
			},
		);
		world.requests.insert(
			REQUEST,
			AccessRequest {
				grant: GRANT,
				record: RECORD,
				grantee: grantee.public().into(),
				patient: patient.public().into(),
				opened_at: BEST - 5,
				expires_at: BEST + 10,
				cfrags: Default::default(),
				status,
				fetches: 0,
			},
		);
		for (hospital, key) in [(HOSPITAL, &proxy_secret), (OTHER_HOSPITAL, &other_proxy)] {
			world.proxies.push((
				account(hospital),
				ProxyInfo {
					accounts: vec![account(hospital + 10)].try_into().expect("one account"),
					public_key: bytes(enc(&key.public_key())),
				},
			));
		}

		let client = Arc::new(MockClient { world: Mutex::new(world) });
		let recorder = Arc::new(Recorder {
			account: account(NODE_ACCOUNT),
			calls: Mutex::new(Vec::new()),
			refuse: Default::default(),
			delay_ms: Default::default(),
			attempts: Default::default(),
		});
		let dir = tempfile::tempdir().expect("a temporary folder");
		// On a thread with its own runtime: scenarios are built in plain and
		// in async tests alike.
		let path = dir.path().to_path_buf();
		let store = std::thread::spawn(move || {
			let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
			runtime.block_on(async {
				let store = BlobStore::open(&path, 1 << 20).await.expect("opens");
				store.put_chunk(body_hash(), BODY.len() as u64, 0, BODY.to_vec()).await.expect("the body is stored");
				store
			})
		})
		.join()
		.expect("the store opens");
		let store = Arc::new(store);
		let metrics = EhrMetrics::new(None).expect("metrics");
		let rpc = EhrRpc::started_at(client.clone(), store, Some(recorder.clone()), None, metrics, NOW_MS - 1_000);
		Scenario { client, patient, grantee, proxy_secret, recorder, rpc, _dir: dir }
	}

	fn change(&self, change: impl FnOnce(&mut World)) {
		change(&mut self.client.world.lock());
	}

	fn read_request(&self, reader: &sr25519::Pair) -> BlobRead {
		BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, 0, 16, NOW_MS, reader)
	}

	fn authorize(&self, read: &BlobRead) -> Result<(H256, AuditTrail), EhrRpcError> {
		self.rpc.authorize(read, NOW_MS)
	}

	fn worker(&self) -> (ProxyWorker<MockClient>, tempfile::TempDir) {
		let dir = tempfile::tempdir().expect("a temporary folder");
		let worker = ProxyWorker {
			client: self.client.clone(),
			submitter: self.recorder.clone(),
			secret: self.proxy_secret.clone(),
			journal: Journal::open(dir.path().join("journal"), GENESIS),
			metrics: EhrMetrics::new(None).expect("metrics"),
			kfrags: Default::default(),
			capsules: Default::default(),
			failures: Default::default(),
			pinned_hospital: None,
		};
		(worker, dir)
	}
}

#[test]
fn the_grantee_of_a_ready_request_reads_from_the_custodian() {
	let s = Scenario::new(RequestStatus::Ready);
	assert_eq!(
		s.authorize(&s.read_request(&s.grantee)),
		Ok((body_hash(), AuditTrail::Request { id: REQUEST, logged: false }))
	);
}

#[test]
fn anyone_but_the_grantee_is_refused_a_request_read() {
	let s = Scenario::new(RequestStatus::Ready);
	assert!(matches!(s.authorize(&s.read_request(&s.patient)), Err(EhrRpcError::NotAuthorized(_))));
}

#[test]
fn a_request_not_yet_ready_is_not_served() {
	let s = Scenario::new(RequestStatus::Open);
	assert_eq!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotReady));
}

#[test]
fn a_read_after_the_reading_window_is_refused() {
	let s = Scenario::new(RequestStatus::Ready);
	s.change(|w| w.requests.get_mut(&REQUEST).expect("request").expires_at = BEST - 1);
	assert!(
		matches!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotAuthorized(m)) if m.contains("window"))
	);
	// In the window's last blocks the confirmation could land too late: not served.
	s.change(|w| w.requests.get_mut(&REQUEST).expect("request").expires_at = BEST + CONFIRM_MARGIN_BLOCKS - 1);
	assert!(matches!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotAuthorized(_))));
	s.change(|w| w.requests.get_mut(&REQUEST).expect("request").expires_at = BEST + CONFIRM_MARGIN_BLOCKS);
	assert!(s.authorize(&s.read_request(&s.grantee)).is_ok(), "served while the confirmation fits the window");
}

#[test]
fn a_lapsed_grant_is_not_served() {
	let s = Scenario::new(RequestStatus::Ready);
	s.change(|w| w.lapsed.push(GRANT));
	assert!(matches!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotAuthorized(_))));
}

#[test]
fn another_hospitals_record_is_not_served_here() {
	let s = Scenario::new(RequestStatus::Ready);
	s.change(|w| w.records.get_mut(&RECORD).expect("record").custodian = account(OTHER_HOSPITAL));
	assert_eq!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotCustodian));
}

#[test]
fn the_patient_reads_their_own_record_until_its_retirement_grace_has_passed() {
	let s = Scenario::new(RequestStatus::Ready);
	let read =
		|who: &sr25519::Pair| BlobRead::signed(GENESIS, account(HOSPITAL), None, Some(RECORD), 0, 16, NOW_MS, who);
	assert_eq!(s.authorize(&read(&s.patient)), Ok((body_hash(), AuditTrail::PatientRead(RECORD))));
	assert!(matches!(s.authorize(&read(&s.grantee)), Err(EhrRpcError::NotAuthorized(_))));
	// Retired, within the grace: still the patient's to read.
	s.change(|w| {
		w.retirement_grace = 10;
		w.records.get_mut(&RECORD).expect("record").retired_at = Some(BEST - 9);
	});
	assert_eq!(s.authorize(&read(&s.patient)), Ok((body_hash(), AuditTrail::PatientRead(RECORD))));
	// The grace has passed at the best block: the body may be gone.
	s.change(|w| w.records.get_mut(&RECORD).expect("record").retired_at = Some(BEST - 10));
	assert!(matches!(s.authorize(&read(&s.patient)), Err(EhrRpcError::NotAuthorized(_))));
}

#[test]
fn forged_stale_replayed_and_ambiguous_reads_are_refused() {
	let s = Scenario::new(RequestStatus::Ready);
	let other_chain =
		BlobRead::signed(H256([8; 32]), account(HOSPITAL), Some(REQUEST), None, 0, 16, NOW_MS, &s.grantee);
	assert_eq!(s.authorize(&other_chain), Err(EhrRpcError::BadSignature));
	let stale = BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, 0, 16, NOW_MS - 120_000, &s.grantee);
	assert_eq!(s.authorize(&stale), Err(EhrRpcError::StaleSignature));
	let read = s.read_request(&s.grantee);
	assert!(s.authorize(&read).is_ok());
	assert_eq!(s.authorize(&read), Err(EhrRpcError::ReplayedSignature));
	let both = BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), Some(RECORD), 0, 16, NOW_MS, &s.grantee);
	assert_eq!(s.authorize(&both), Err(EhrRpcError::BadTarget));
	// Signed before this node started: a read seen before a restart cannot
	// be replayed after it, although the in-memory guard was lost.
	let before_start =
		BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, 0, 16, NOW_MS - 2_000, &s.grantee);
	assert_eq!(s.authorize(&before_start), Err(EhrRpcError::StaleSignature));
}

#[test]
fn a_read_signed_for_another_custodian_is_not_replayed_here() {
	let s = Scenario::new(RequestStatus::Ready);
	// What the grantee signed for hospital B's nodes, replayed by B to A.
	let for_other = BlobRead::signed(GENESIS, account(OTHER_HOSPITAL), Some(REQUEST), None, 0, 16, NOW_MS, &s.grantee);
	assert_eq!(s.authorize(&for_other), Err(EhrRpcError::NotCustodian));
	// Re-addressing it to A breaks the signature.
	let mut readdressed = for_other.clone();
	readdressed.custodian = account(HOSPITAL);
	assert_eq!(s.authorize(&readdressed), Err(EhrRpcError::BadSignature));
}

#[test]
fn a_node_whose_proxy_no_hospital_registered_serves_nothing() {
	let s = Scenario::new(RequestStatus::Ready);
	s.change(|w| w.proxies.clear());
	assert_eq!(s.authorize(&s.read_request(&s.grantee)), Err(EhrRpcError::NotConfigured));
}

#[test]
fn the_worker_skips_what_it_delivered_or_just_submitted() {
	let hospital = account(HOSPITAL);
	let s = Scenario::new(RequestStatus::Open);
	let mut request = s.client.world.lock().requests[&REQUEST].clone();
	assert_eq!(decide(&hospital, &request, None, BEST), Decision::Reencrypt);
	assert_eq!(decide(&hospital, &request, Some(BEST - 1), BEST), Decision::AwaitingInclusion);
	assert_eq!(decide(&hospital, &request, Some(BEST - RESUBMIT_AFTER_BLOCKS), BEST), Decision::Reencrypt);
	request
		.cfrags
		.try_push(DeliveredCfrag { hospital: hospital.clone(), cfrag: bytes(vec![0; 8]) })
		.expect("room for a cfrag");
	assert_eq!(decide(&hospital, &request, None, BEST), Decision::AlreadyDelivered);
}

#[test]
fn the_worker_submits_one_verified_cfrag_per_open_request() {
	let s = Scenario::new(RequestStatus::Open);
	let (worker, _dir) = s.worker();
	futures::executor::block_on(worker.on_best_block(H256([1; 32]), BEST)).expect("a pass");
	futures::executor::block_on(worker.on_best_block(H256([1; 32]), BEST + 1)).expect("a second pass");
	let calls = s.recorder.calls.lock().clone();
	assert_eq!(calls.len(), 1, "the journal keeps the worker from submitting twice");
	let RuntimeCall::Ehr(EhrCall::submit_cfrag { request, cfrag }) = &calls[0] else {
		panic!("not a cfrag submission: {:?}", calls[0]);
	};
	assert_eq!(*request, REQUEST);
	let world = s.client.world.lock().clone();
	let patient = &world.patients[&world.grants[&GRANT].patient];
	let grantee = &world.patients[&world.grants[&GRANT].grantee];
	assert_eq!(
		umbral_codec::verify_cfrag(
			cfrag,
			&world.records[&RECORD].capsule,
			&patient.verifying_key,
			&patient.public_key,
			&grantee.public_key
		),
		Ok(())
	);
	assert_eq!(umbral_codec::cfrag_kfrag_id(cfrag), world.grants[&GRANT].proxies[0].kfrag_id);
}

#[test]
fn the_worker_re_encrypts_nothing_for_a_lapsed_grant_or_a_kfrag_sealed_to_another_proxy() {
	let s = Scenario::new(RequestStatus::Open);
	let (worker, _dir) = s.worker();
	let request = s.client.world.lock().requests[&REQUEST].clone();
	s.change(|w| w.lapsed.push(GRANT));
	assert!(worker.reencrypt(H256([1; 32]), &account(HOSPITAL), &request).is_err());
	s.change(|w| w.lapsed.clear());
	// The other hospital's kfrag, opened with this proxy's key.
	let error = worker.reencrypt(H256([1; 32]), &account(OTHER_HOSPITAL), &request).expect_err("refused");
	assert!(error.contains("not encrypted to this proxy"), "{error}");
	// A hospital the grant does not name.
	let error = worker.reencrypt(H256([1; 32]), &account(3), &request).expect_err("refused");
	assert!(error.contains("not a proxy of the grant"), "{error}");
	assert!(s.recorder.calls.lock().is_empty());
}

/// Every served read is on the audit trail before its bytes leave: the
/// grantee's first range confirms the fetch (once per request), the
/// patient's read of their own record is logged (once an hour per record).
#[tokio::test]
async fn reads_are_logged_before_they_are_served() {
	use ehr_rpc_api::EhrRpcApiServer;
	let s = Scenario::new(RequestStatus::Ready);
	for offset in [0, 8] {
		let read = BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, offset, 8, now(), &s.grantee);
		let chunk = s.rpc.get_blob(read).await.expect("served");
		assert_eq!(&chunk.data[..], &BODY[offset as usize..offset as usize + 8]);
	}
	for _ in 0..2 {
		let read = BlobRead::signed(GENESIS, account(HOSPITAL), None, Some(RECORD), 0, 64, now(), &s.patient);
		assert_eq!(&s.rpc.get_blob(read).await.expect("served").data[..], BODY);
	}
	let calls = s.recorder.calls.lock().clone();
	assert_eq!(
		calls,
		vec![
			RuntimeCall::Ehr(EhrCall::confirm_fetch { request: REQUEST }),
			RuntimeCall::Ehr(EhrCall::confirm_patient_read { record: RECORD }),
		],
		"one confirmation per request, one patient-read entry per record and hour"
	);
}

/// A read the chain cannot be told about is not served.
#[tokio::test]
async fn a_read_that_cannot_be_logged_is_not_served() {
	use ehr_rpc_api::EhrRpcApiServer;
	let s = Scenario::new(RequestStatus::Ready);
	s.recorder.refuse.store(true, std::sync::atomic::Ordering::Relaxed);
	let read = BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, 0, 8, now(), &s.grantee);
	let refusal = s.rpc.get_blob(read).await.expect_err("refused");
	assert_eq!(refusal.code(), 1099);
}

/// Four concurrent reads of one record and a submission that fails after
/// half a second: none of them is served (each waits for the one
/// submission, and shares its failure). Once the pool takes entries again,
/// four concurrent reads are served on one submission (AUDIT.md finding 6).
#[tokio::test]
async fn concurrent_reads_share_one_submission_and_none_is_served_if_it_fails() {
	use ehr_rpc_api::EhrRpcApiServer;
	use std::sync::atomic::Ordering::Relaxed;
	let s = Scenario::new(RequestStatus::Ready);
	s.recorder.delay_ms.store(500, Relaxed);
	s.recorder.refuse.store(true, Relaxed);
	let read = || BlobRead::signed(GENESIS, account(HOSPITAL), None, Some(RECORD), 0, 64, now(), &s.patient);
	let (a, b, c, d) =
		tokio::join!(s.rpc.get_blob(read()), s.rpc.get_blob(read()), s.rpc.get_blob(read()), s.rpc.get_blob(read()));
	for result in [&a, &b, &c, &d] {
		assert_eq!(result.as_ref().map(|_| ()).map_err(|e| e.code()), Err(1099), "no read served without its entry");
	}
	assert_eq!(s.recorder.attempts.load(Relaxed), 1, "the four reads waited for one submission");
	assert!(s.recorder.calls.lock().is_empty());

	s.recorder.refuse.store(false, Relaxed);
	let (a, b, c, d) =
		tokio::join!(s.rpc.get_blob(read()), s.rpc.get_blob(read()), s.rpc.get_blob(read()), s.rpc.get_blob(read()));
	for result in [a, b, c, d] {
		assert_eq!(&result.expect("served once the entry is in the pool").data[..], BODY);
	}
	assert_eq!(s.recorder.attempts.load(Relaxed), 2, "again one submission for four reads");
	assert_eq!(*s.recorder.calls.lock(), vec![RuntimeCall::Ehr(EhrCall::confirm_patient_read { record: RECORD })]);
}

/// The clock the scenario's handler was started under (reads must be
/// signed after it started and within a minute of the node's clock).
fn now() -> u64 {
	std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as u64
}

// --- The HTTP body server -----------------------------------------------------

/// A body server over the scenario's chain and store, started now (reads
/// are signed with the real clock), on a free port of 127.0.0.1.
async fn body_server(s: &Scenario, uploads: bool) -> (u16, EhrRpc<MockClient>) {
	body_server_with(s, uploads, crate::http::MAX_CONNECTIONS, crate::http::HEADER_TIMEOUT).await
}

/// [`body_server`] with its connection limit and header timeout.
async fn body_server_with(
	s: &Scenario,
	uploads: bool,
	connections: usize,
	header_timeout: std::time::Duration,
) -> (u16, EhrRpc<MockClient>) {
	let rpc = EhrRpc::new(
		s.client.clone(),
		s.rpc.store().clone(),
		Some(s.recorder.clone()),
		None,
		EhrMetrics::new(None).expect("metrics"),
	);
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
	let port = listener.local_addr().expect("an address").port();
	tokio::spawn(
		crate::http::BodyServer::with_limits(rpc.clone(), uploads, connections, header_timeout).serve(listener),
	);
	(port, rpc)
}

/// One HTTP/1.1 exchange: the status, the headers (lower case) and the body.
async fn exchange(port: u16, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connects");
	let request = format!("{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n", body.len());
	stream.write_all(request.as_bytes()).await.expect("sends");
	stream.write_all(body).await.expect("sends the body");
	let mut answer = Vec::new();
	stream.read_to_end(&mut answer).await.expect("reads the answer");
	let split = answer.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
	let head = String::from_utf8_lossy(&answer[..split]).to_lowercase();
	let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status");
	(status, head, answer[split + 4..].to_vec())
}

fn get_body(read: &BlobRead, range: Option<&str>) -> String {
	let header = serde_json::to_string(read).expect("serializes");
	let range = range.map(|r| format!("\r\nRange: {r}")).unwrap_or_default();
	format!("GET /body HTTP/1.1\r\nx-ehr-read: {header}{range}")
}

fn error_code(body: &[u8]) -> i64 {
	serde_json::from_slice::<serde_json::Value>(body).expect("a JSON error")["code"].as_i64().expect("a code")
}

fn signed_now(reader: &sr25519::Pair, offset: u64, length: u32) -> BlobRead {
	BlobRead::signed(GENESIS, account(HOSPITAL), Some(REQUEST), None, offset, length, crate::rpc::now_ms(), reader)
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_a_reader_gets_exactly_the_bytes_signed_for_once_after_the_read_is_logged() {
	let s = Scenario::new(RequestStatus::Ready);
	let (port, rpc) = body_server(&s, false).await;
	let size = BODY.len() as u32;

	let whole = signed_now(&s.grantee, 0, size);
	let (status, head, body) = exchange(port, &get_body(&whole, None), b"").await;
	assert_eq!(status, 200, "{head}");
	assert_eq!(body, BODY);
	assert!(head.contains(&format!("x-ehr-body-hash: {:?}", body_hash())), "{head}");
	assert!(head.contains("access-control-allow-origin: *"), "{head}");
	assert!(
		s.recorder
			.calls
			.lock()
			.iter()
			.any(|c| matches!(c, RuntimeCall::Ehr(EhrCall::confirm_fetch { request: REQUEST }))),
		"the fetch was confirmed on chain before the bytes went out"
	);

	// The same signature again, over HTTP or JSON-RPC: the two servers share one replay guard.
	let (status, _, body) = exchange(port, &get_body(&whole, None), b"").await;
	assert_eq!((status, error_code(&body)), (401, 1011));
	assert_eq!(rpc.authorize(&whole, crate::rpc::now_ms()), Err(EhrRpcError::ReplayedSignature));

	let part = signed_now(&s.grantee, 3, 5);
	let (status, head, body) = exchange(port, &get_body(&part, Some("bytes=3-7")), b"").await;
	assert_eq!(status, 206, "{head}");
	assert_eq!(body, &BODY[3..8]);
	assert!(head.contains(&format!("content-range: bytes 3-7/{size}")), "{head}");

	// A signature for five bytes does not read ten.
	let small = signed_now(&s.grantee, 0, 5);
	let (status, _, body) = exchange(port, &get_body(&small, Some("bytes=0-9")), b"").await;
	assert_eq!((status, error_code(&body)), (400, 1007));
	// Nor the whole body without a Range.
	let small = signed_now(&s.grantee, 0, 5);
	let (status, _, body) = exchange(port, &get_body(&small, None), b"").await;
	assert_eq!((status, error_code(&body)), (400, 1007));

	let two = signed_now(&s.grantee, 0, 2);
	let (status, _, body) = exchange(port, &get_body(&two, Some("bytes=0-1,3-4")), b"").await;
	assert_eq!((status, error_code(&body)), (416, 1005));
	let past = signed_now(&s.grantee, 100, 5);
	let (status, _, _) = exchange(port, &get_body(&past, Some("bytes=100-104")), b"").await;
	assert_eq!(status, 416);

	// Someone who is not the grantee, and no signed read at all.
	let stranger = signed_now(&s.patient, 0, size);
	let (status, _, body) = exchange(port, &get_body(&stranger, None), b"").await;
	assert_eq!((status, error_code(&body)), (403, 1015));
	let (status, _, body) = exchange(port, "GET /body HTTP/1.1", b"").await;
	assert_eq!((status, error_code(&body)), (400, 1007));
	let (status, _, body) = exchange(port, "GET /body HTTP/1.1\r\nx-ehr-read: {\"not\": 1}", b"").await;
	assert_eq!((status, error_code(&body)), (400, 1007));

	// A browser's preflight is answered for any origin.
	let (status, head, _) = exchange(port, "OPTIONS /body HTTP/1.1\r\nOrigin: http://portal.example", b"").await;
	assert_eq!(status, 204);
	assert!(head.contains("access-control-allow-headers: range, x-ehr-read"), "{head}");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_nobody_can_hold_more_than_the_connection_limit_or_an_idle_connection() {
	use tokio::io::AsyncReadExt;
	let s = Scenario::new(RequestStatus::Ready);
	let (port, _) = body_server_with(&s, false, 3, std::time::Duration::from_millis(500)).await;

	// Three silent connections take every place; a fourth is closed at once.
	let mut silent = Vec::new();
	for _ in 0..3 {
		silent.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connects"));
	}
	tokio::time::sleep(std::time::Duration::from_millis(100)).await;
	let mut fourth = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("the kernel accepts");
	let mut byte = [0u8; 1];
	let closed = tokio::time::timeout(std::time::Duration::from_millis(300), fourth.read(&mut byte)).await;
	assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "a connection over the limit is closed at once: {closed:?}");

	// The silent ones are closed once the header timeout passes, which frees their places.
	for mut connection in silent {
		let closed = tokio::time::timeout(std::time::Duration::from_secs(5), connection.read(&mut byte)).await;
		assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "an idle connection is closed: {closed:?}");
	}
	tokio::time::sleep(std::time::Duration::from_millis(100)).await;
	let read = signed_now(&s.grantee, 0, BODY.len() as u32);
	let (status, _, body) = exchange(port, &get_body(&read, None), b"").await;
	assert_eq!((status, body.as_slice()), (200, BODY), "the freed places serve readers again");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_a_read_that_cannot_be_logged_is_not_served() {
	let s = Scenario::new(RequestStatus::Ready);
	let (port, _) = body_server(&s, false).await;
	s.recorder.refuse.store(true, std::sync::atomic::Ordering::Relaxed);
	let read = signed_now(&s.grantee, 0, BODY.len() as u32);
	let (status, _, body) = exchange(port, &get_body(&read, None), b"").await;
	assert_eq!((status, error_code(&body)), (500, 1099));
	assert!(!body.windows(BODY.len()).any(|w| w == BODY), "no byte of the body went out");
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_uploads_are_taken_only_where_allowed_and_checked_before_they_are_acknowledged() {
	let s = Scenario::new(RequestStatus::Ready);
	let body = b"another encrypted body, uploaded in two parts".to_vec();
	let hash = H256(sp_crypto_hashing::blake2_256(&body));
	let put = |range: Option<String>| match range {
		Some(range) => format!("PUT /body/{hash:?} HTTP/1.1\r\nContent-Range: {range}"),
		None => format!("PUT /body/{hash:?} HTTP/1.1"),
	};

	let (closed, _) = body_server(&s, false).await;
	let (status, _, answer) = exchange(closed, &put(None), &body).await;
	assert_eq!((status, error_code(&answer)), (403, 1008));

	let (port, rpc) = body_server(&s, true).await;
	let mut forged = body.clone();
	forged[0] ^= 1;
	let (status, _, answer) = exchange(port, &put(None), &forged).await;
	assert_eq!((status, error_code(&answer)), (400, 1003), "a body that does not hash to its name is refused");
	assert_eq!(rpc.store().size(&hash).await, None, "and nothing of it is kept");

	let half = body.len() / 2;
	let total = body.len();
	let (status, _, answer) = exchange(port, &put(Some(format!("bytes 0-{}/{total}", half - 1))), &body[..half]).await;
	assert_eq!(status, 202);
	assert_eq!(serde_json::from_slice::<serde_json::Value>(&answer).expect("JSON")["nextOffset"], half);
	assert_eq!(rpc.store().size(&hash).await, None, "a half-written body is not visible");
	let (status, _, answer) =
		exchange(port, &put(Some(format!("bytes {half}-{}/{total}", total - 1))), &body[half..]).await;
	assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
	assert_eq!(rpc.store().size(&hash).await, Some(total as u64));

	let (status, _, answer) = exchange(port, "PUT /body/not-a-hash HTTP/1.1", b"x").await;
	assert_eq!((status, error_code(&answer)), (400, 1007));
}

/// Upkeep keeps a retired record's body for the whole retirement grace,
/// counted at the finalized block, keeps a restored one, and keeps another
/// custodian's; it deletes the body once the grace has passed.
#[tokio::test]
async fn upkeep_keeps_a_retired_body_for_the_grace_and_deletes_it_only_after() {
	let s = Scenario::new(RequestStatus::Ready);
	let dir = tempfile::tempdir().expect("a temporary folder");
	let store = Arc::new(BlobStore::open(dir.path(), 1 << 20).await.expect("opens"));
	store.put_chunk(body_hash(), BODY.len() as u64, 0, BODY.to_vec()).await.expect("the body is stored");
	let metrics = EhrMetrics::new(None).expect("metrics");
	let hour = std::time::Duration::from_secs(3600);
	let mut upkeep = Upkeep::new(
		s.client.clone(),
		store.clone(),
		metrics,
		Some(NodeAccount { account: account(NODE_ACCOUNT), pinned_hospital: None }),
		hour,
		1200,
	);
	let retire_at = |block: Option<BlockNumber>| {
		s.change(|w| {
			w.retirement_grace = 10;
			w.records.get_mut(&RECORD).expect("record").retired_at = block;
		})
	};

	retire_at(Some(BEST - 9));
	assert_eq!(upkeep.tidy_once().await, Ok(0), "one block of the grace is left at the finalized block");
	retire_at(None);
	assert_eq!(upkeep.tidy_once().await, Ok(0), "a restored record keeps its body");
	s.change(|w| w.records.get_mut(&RECORD).expect("record").custodian = account(OTHER_HOSPITAL));
	retire_at(Some(1));
	assert_eq!(upkeep.tidy_once().await, Ok(0), "another custodian's retirement deletes nothing here");
	assert_eq!(store.size(&body_hash()).await, Some(BODY.len() as u64));

	s.change(|w| w.records.get_mut(&RECORD).expect("record").custodian = account(HOSPITAL));
	retire_at(Some(BEST - 10));
	assert_eq!(upkeep.tidy_once().await, Ok(1), "the grace has passed: the body goes");
	assert_eq!(store.size(&body_hash()).await, None);
}

/// The node anchors its transactions to the finalized block while finality
/// keeps up, and to a recent best-chain block once it lags by half a
/// transaction's lifetime: either way a transaction signed now is valid at
/// the best block for at least half its lifetime (AUDIT.md finding 9).
#[test]
fn transactions_are_anchored_to_the_finalized_block_unless_finality_stalls() {
	use crate::tx::{anchor_number, STALL_ANCHOR_DEPTH, STALL_LAG, TX_MORTALITY_PERIOD};
	assert_eq!(anchor_number(100, 98), 98, "finality keeps up");
	assert_eq!(anchor_number(100, 100 - STALL_LAG + 1), 100 - STALL_LAG + 1);
	assert_eq!(anchor_number(100, 100 - STALL_LAG), 100 - STALL_ANCHOR_DEPTH, "finality lags");
	assert_eq!(anchor_number(1_000, 10), 1_000 - STALL_ANCHOR_DEPTH, "a long stall");
	assert_eq!(anchor_number(2, 0), 0, "the first blocks");
	for finalized in 0..=300 {
		let anchor = anchor_number(300, finalized);
		assert!(finalized <= anchor && anchor <= 300, "between the finalized and the best block");
		assert!(300 - anchor <= TX_MORTALITY_PERIOD / 2, "valid at the best block for half a lifetime at least");
	}
}
