//! A mock runtime for pallet-ehr's tests, and real Umbral parties to drive it.

use crate as pallet_ehr;
use crate::types::*;
use crate::{Grants, NextGrantId, NextRecordId, Records, Requests};
use core::cell::RefCell;
use ehr_primitives::{kfrags, umbral_codec};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64},
	BoundedVec,
};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	BuildStorage,
};
use umbral_pre::{encrypt, Capsule, PublicKey, SecretKey, Signer};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Ehr: pallet_ehr,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const RequestTimeout: u64 = 10;
}

thread_local! {
	static HOSPITALS: RefCell<Vec<u64>> = RefCell::new(vec![HOSPITAL_A, HOSPITAL_B, HOSPITAL_C, HOSPITAL_D]);
}

/// Member hospitals of the mock consortium, changeable by tests.
pub struct MockHospitals;
impl HospitalMembership<u64> for MockHospitals {
	fn is_hospital(who: &u64) -> bool {
		HOSPITALS.with(|h| h.borrow().contains(who))
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add_hospital_for_benchmarks(who: &u64) {
		HOSPITALS.with(|h| h.borrow_mut().push(*who));
	}
}

/// The hospital origin is checked against the same members, as the
/// runtime's `EnsureSignedBy` over the hospital membership does.
impl frame_support::traits::SortedMembers<u64> for MockHospitals {
	fn sorted_members() -> Vec<u64> {
		let mut members = HOSPITALS.with(|h| h.borrow().clone());
		members.sort_unstable();
		members
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &u64) {
		HOSPITALS.with(|h| h.borrow_mut().push(*who));
	}
}

parameter_types! {
	pub const DefaultParameters: EhrParameters<u64> =
		EhrParameters { reading_window: 5, retention: 20, retirement_grace: RETIREMENT_GRACE };
}

/// Blocks a retired record's body is kept in tests.
pub const RETIREMENT_GRACE: u64 = 30;
/// Most records one account retires per [`RETIREMENT_WINDOW`] in tests.
pub const MAX_RETIREMENTS: u32 = 3;
/// Blocks of a retirement window in tests.
pub const RETIREMENT_WINDOW: u64 = 10;

/// Most people one hospital registers per [`REGISTRATION_WINDOW`] in tests.
pub const MAX_REGISTRATIONS: u32 = 8;
/// Records a hospital may create in a registration window for patients
/// another hospital registered.
pub const MAX_RECORDS_FOR_OTHERS: u32 = 12;
/// Blocks of a registration window in tests.
pub const REGISTRATION_WINDOW: u64 = 10;

/// The account that stands for the consortium's two-thirds decisions in tests.
pub const GOVERNANCE: u64 = 7777;

/// Sets the mock consortium's member hospitals (call the pallet's
/// `ChangeMembers` hook too, as the runtime's membership does).
pub fn set_hospitals(members: &[u64]) {
	HOSPITALS.with(|h| *h.borrow_mut() = members.to_vec());
}

impl pallet_ehr::Config for Test {
	type HospitalOrigin = frame_system::EnsureSignedBy<MockHospitals, u64>;
	type Hospitals = MockHospitals;
	type RequestTimeout = RequestTimeout;
	type MaxRequestsPerBlock = ConstU32<4>;
	type MaxRequestsPerGranteePerBlock = ConstU32<2>;
	type MaxRequestsPerHospitalPerBlock = ConstU32<2>;
	type MaxRequestsPerPatientPerBlock = ConstU32<3>;
	type RegistrationWindow = ConstU64<REGISTRATION_WINDOW>;
	type MaxRegistrationsPerWindow = ConstU32<MAX_REGISTRATIONS>;
	type MaxRecordsForOthersPerWindow = ConstU32<MAX_RECORDS_FOR_OTHERS>;
	type MaxPrunePerBlock = ConstU32<8>;
	type RetirementWindow = ConstU64<RETIREMENT_WINDOW>;
	type MaxRetirementsPerWindow = ConstU32<MAX_RETIREMENTS>;
	type DefaultParameters = DefaultParameters;
	type OwnershipSignature = TestSignature;
	type OwnershipSigner = UintAuthorityId;
	type GovernanceOrigin = frame_system::EnsureSignedBy<Governance, u64>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockSigner;
}

frame_support::ord_parameter_types! {
	pub const Governance: u64 = GOVERNANCE;
}

/// Signs key-ownership proofs in benchmarks run on the mock.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockSigner;
#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkHelper<UintAuthorityId, TestSignature> for MockSigner {
	fn signer(seed: u32) -> UintAuthorityId {
		UintAuthorityId(10_000 + u64::from(seed))
	}
	fn sign(signer: &UintAuthorityId, payload: &[u8]) -> TestSignature {
		TestSignature(signer.0, payload.to_vec())
	}
}

/// `who`'s proof that it owns these keys on the mock chain (the test
/// signature scheme: the signer and the exact payload).
pub fn ownership_proof(who: u64, public_key: &PublicKeyBytes, verifying_key: Option<&PublicKeyBytes>) -> TestSignature {
	TestSignature(who, Ehr::key_ownership(&who, public_key, verifying_key).signing_payload())
}

/// Node accounts `accounts` for `hospital`'s proxy, each with its signed
/// consent to act for that hospital.
pub fn consenting_nodes(
	hospital: u64,
	accounts: &[u64],
) -> BoundedVec<ProxyNodeAccount<u64, TestSignature>, ConstU32<MAX_PROXY_ACCOUNTS>> {
	let nodes: Vec<_> = accounts
		.iter()
		.map(|&account| ProxyNodeAccount {
			account,
			consent: Some(TestSignature(account, Ehr::proxy_account_consent(&hospital, &account).signing_payload())),
		})
		.collect();
	nodes.try_into().expect("at most MAX_PROXY_ACCOUNTS")
}

pub const HOSPITAL_A: u64 = 1;
pub const HOSPITAL_B: u64 = 2;
pub const HOSPITAL_C: u64 = 3;
pub const HOSPITAL_D: u64 = 4;
/// Proxy node accounts: hospital h's node is 10 + h.
pub const fn node_of(hospital: u64) -> u64 {
	10 + hospital
}
pub const PATIENT: u64 = 100;
pub const OTHER_PATIENT: u64 = 101;
pub const CLINICIAN: u64 = 200;
pub const OTHER_CLINICIAN: u64 = 201;
/// A clinician onboarded by hospital C.
pub const VISITING_CLINICIAN: u64 = 202;
pub const STRANGER: u64 = 999;

/// Builds genesis storage for the mock runtime.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("mock genesis builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in a fresh externalities, then checks the pallet's invariants
/// (`try_state`), so that every test ends in a consistent state.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Ehr::do_try_state().expect("invariants hold after the test");
	});
}

/// Encodes an Umbral object canonically, as the node and client do.
pub fn enc<T: serde::Serialize>(object: &T) -> Vec<u8> {
	umbral_codec::encode(object).expect("umbral objects encode")
}

/// Bounded bytes from a vector, for call arguments.
pub fn bounded<const N: u32>(bytes: Vec<u8>) -> frame_support::BoundedVec<u8, ConstU32<N>> {
	bytes.try_into().expect("test bytes fit their bound")
}

/// A participant holding real Umbral keys.
pub struct Keys {
	pub secret: SecretKey,
	pub signer: Signer,
}

impl Keys {
	pub fn new() -> Self {
		Keys { secret: SecretKey::random(), signer: Signer::new(SecretKey::random()) }
	}
	pub fn public(&self) -> PublicKey {
		self.secret.public_key()
	}
	pub fn public_bytes(&self) -> PublicKeyBytes {
		bounded(enc(&self.public()))
	}
	pub fn verifying_bytes(&self) -> PublicKeyBytes {
		bounded(enc(&self.signer.verifying_key()))
	}
}

/// `hospital` registers patient `who` with `keys`, with the patient's own proof.
pub fn register_patient(hospital: u64, who: u64, keys: &Keys) -> sp_runtime::DispatchResult {
	let (public, verifying) = (keys.public_bytes(), keys.verifying_bytes());
	let proof = ownership_proof(who, &public, Some(&verifying));
	Ehr::register_patient(RuntimeOrigin::signed(hospital), who, public, verifying, proof)
}

/// `hospital` registers provider `who` with `keys`, with the provider's own proof.
pub fn register_provider(hospital: u64, who: u64, keys: &Keys, affiliation: Option<u64>) -> sp_runtime::DispatchResult {
	let public = keys.public_bytes();
	let proof = ownership_proof(who, &public, None);
	Ehr::register_provider(RuntimeOrigin::signed(hospital), who, public, affiliation, proof)
}

/// The whole cast of a test: hospitals' proxies, patient and clinicians.
pub struct World {
	pub proxies: Vec<(u64, Keys)>,
	pub patient: Keys,
	pub other_patient: Keys,
	pub clinician: Keys,
	pub other_clinician: Keys,
	pub visiting_clinician: Keys,
}

impl World {
	/// Registers proxies for hospitals A, B and C, two patients (by A), two
	/// clinicians by B (one affiliated with B) and one by C.
	pub fn setup() -> Self {
		let world = World {
			proxies: vec![(HOSPITAL_A, Keys::new()), (HOSPITAL_B, Keys::new()), (HOSPITAL_C, Keys::new())],
			patient: Keys::new(),
			other_patient: Keys::new(),
			clinician: Keys::new(),
			other_clinician: Keys::new(),
			visiting_clinician: Keys::new(),
		};
		for (hospital, keys) in &world.proxies {
			Ehr::register_proxy(
				RuntimeOrigin::signed(*hospital),
				consenting_nodes(*hospital, &[node_of(*hospital)]),
				keys.public_bytes(),
			)
			.expect("proxy registers");
		}
		for (who, keys) in [(PATIENT, &world.patient), (OTHER_PATIENT, &world.other_patient)] {
			register_patient(HOSPITAL_A, who, keys).expect("patient registers");
		}
		register_provider(HOSPITAL_B, CLINICIAN, &world.clinician, Some(HOSPITAL_B)).expect("clinician registers");
		register_provider(HOSPITAL_B, OTHER_CLINICIAN, &world.other_clinician, None).expect("clinician registers");
		register_provider(HOSPITAL_C, VISITING_CLINICIAN, &world.visiting_clinician, None)
			.expect("clinician registers");
		world
	}

	pub fn proxy_keys(&self, hospital: u64) -> &Keys {
		&self.proxies.iter().find(|(h, _)| *h == hospital).expect("known proxy").1
	}

	pub fn keys_of(&self, who: u64) -> &Keys {
		match who {
			PATIENT => &self.patient,
			OTHER_PATIENT => &self.other_patient,
			CLINICIAN => &self.clinician,
			OTHER_CLINICIAN => &self.other_clinician,
			VISITING_CLINICIAN => &self.visiting_clinician,
			_ => panic!("no keys for {who}"),
		}
	}

	/// Hospital `custodian` creates a record whose metadata envelope is
	/// `metadata`, Umbral-encrypted to `patient`. Returns its id.
	pub fn create_record(&self, custodian: u64, patient: u64, metadata: &[u8]) -> RecordId {
		let (capsule, ciphertext) = encrypt(&self.keys_of(patient).public(), metadata).expect("encrypts");
		let id = NextRecordId::<Test>::get();
		Ehr::create_record(
			RuntimeOrigin::signed(custodian),
			patient,
			bounded(enc(&capsule)),
			bounded(ciphertext.to_vec()),
			sp_core::H256::from(sp_io::hashing::blake2_256(&ciphertext)),
			4096,
		)
		.expect("record is created");
		id
	}

	/// A record for `create_records`: `metadata` Umbral-encrypted to
	/// `patient`, with `source` as its source tag.
	pub fn new_record(&self, patient: u64, metadata: &[u8], source: Option<u8>) -> NewRecord<u64> {
		let (capsule, ciphertext) = encrypt(&self.keys_of(patient).public(), metadata).expect("encrypts");
		NewRecord {
			patient,
			capsule: bounded(enc(&capsule)),
			body_hash: sp_core::H256::from(sp_io::hashing::blake2_256(&ciphertext)),
			encrypted_metadata: bounded(ciphertext.to_vec()),
			body_size: 4096,
			source: source.map(sp_core::H256::repeat_byte),
		}
	}

	/// The patient's kfrags for `grantee`, each encrypted to one of `proxies`.
	pub fn grant_proxies(&self, patient: u64, grantee: u64, threshold: u8, proxies: &[u64]) -> Vec<GrantProxy<u64>> {
		let patient = self.keys_of(patient);
		let keys: Vec<PublicKey> = proxies.iter().map(|h| self.proxy_keys(*h).public()).collect();
		let sealed = kfrags::make_sealed(
			&patient.secret,
			&patient.signer,
			&self.keys_of(grantee).public(),
			threshold as usize,
			&keys,
		)
		.expect("kfrags are sealed");
		proxies
			.iter()
			.zip(sealed)
			.map(|(hospital, sealed)| GrantProxy {
				hospital: *hospital,
				encrypted_kfrag: bounded(sealed.sealed),
				kfrag_id: Some(sealed.kfrag_id),
			})
			.collect()
	}

	/// The patient grants `grantee` access through `proxies`. Returns the grant id.
	pub fn grant(
		&self,
		patient: u64,
		grantee: u64,
		scope: Scope,
		threshold: u8,
		proxies: &[u64],
		expires_at: Option<u64>,
	) -> GrantId {
		let id = NextGrantId::<Test>::get();
		Ehr::grant(
			RuntimeOrigin::signed(patient),
			grantee,
			scope,
			threshold,
			self.grant_proxies(patient, grantee, threshold, proxies).try_into().unwrap(),
			expires_at,
			Purpose::Treatment,
		)
		.expect("grant is made");
		id
	}

	/// What proxy `hospital` computes for `request`: decrypts its kfrag,
	/// verifies it and re-encrypts the record's capsule.
	pub fn cfrag_for(&self, hospital: u64, request: RequestId) -> CfragBytes {
		let request = Requests::<Test>::get(request).expect("request exists");
		let grant = Grants::<Test>::get(request.grant).expect("grant exists");
		let record = Records::<Test>::get(request.record).expect("record exists");
		let sealed = &grant.proxies.iter().find(|p| p.hospital == hospital).expect("proxy in grant").encrypted_kfrag;
		let patient = self.keys_of(grant.patient);
		let kfrag = kfrags::open(
			&self.proxy_keys(hospital).secret,
			sealed,
			&patient.verifying_bytes(),
			&patient.public_bytes(),
			&self.keys_of(grant.grantee).public_bytes(),
		)
		.expect("the proxy opens and verifies its kfrag");
		kfrags::reencrypt(&record.capsule, kfrag).expect("re-encrypts")
	}

	/// Proxy `hospital` submits its cfrag for `request` from its node account.
	pub fn deliver(&self, hospital: u64, request: RequestId) -> sp_runtime::DispatchResult {
		Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(hospital)), request, self.cfrag_for(hospital, request))
			.map(|_| ())
			.map_err(|e| e.error)
	}

	/// The grantee opens a ready request's metadata envelope.
	pub fn open(&self, request: RequestId) -> Vec<u8> {
		let request = Requests::<Test>::get(request).expect("request exists");
		let record = Records::<Test>::get(request.record).expect("record exists");
		let capsule: Capsule = umbral_codec::decode(&record.capsule).expect("capsule decodes");
		let patient = self.keys_of(request.patient);
		let grantee = self.keys_of(request.grantee);
		let cfrags = request.cfrags.iter().map(|c| {
			umbral_codec::decode_cfrag(&c.cfrag)
				.expect("cfrag decodes")
				.verify(&capsule, &patient.signer.verifying_key(), &patient.public(), &grantee.public())
				.map_err(|(e, _)| e)
				.expect("cfrag verifies")
		});
		umbral_pre::decrypt_reencrypted(
			&grantee.secret,
			&patient.public(),
			&capsule,
			cfrags,
			&record.encrypted_metadata,
		)
		.expect("grantee opens the envelope")
		.to_vec()
	}
}

/// Advances to block `n`, running the pallet's hooks.
pub fn run_to_block(n: u64) {
	use frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Ehr::on_initialize(next);
		Ehr::on_idle(next, frame_support::weights::Weight::MAX);
	}
}

/// The pallet's events so far.
pub fn ehr_events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Ehr(e) = r.event { Some(e) } else { None })
		.collect()
}
