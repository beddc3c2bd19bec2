//! The runtime APIs: Substrate's standard set, a zero-fee payment API for
//! wallets, and [`ehr_primitives::EhrApi`].

use alloc::vec::Vec;
use ehr_primitives::{
	AccessRequest, AuditEntry, Grant, GrantId, IdPage, PatientInfo, ProviderInfo, ProxyInfo, Record, RecordId,
	RequestId,
};
use frame_support::{
	dispatch::GetDispatchInfo,
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_grandpa::AuthorityId as GrandpaId;
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Block, BlockNumber, Consortium, Ehr, Executive, Grandpa, InherentDataExt, Nonce, Runtime,
	RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, VERSION,
};

type DispatchInfoOf = pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance>;
type FeeDetailsOf = pallet_transaction_payment_rpc_runtime_api::FeeDetails<Balance>;

/// What a transaction costs: its weight and class, and no fee.
fn zero_fee_info(info: frame_support::dispatch::DispatchInfo) -> DispatchInfoOf {
	DispatchInfoOf { weight: info.total_weight(), class: info.class, partial_fee: 0 }
}

/// The fee breakdown of a transaction: nothing to pay.
fn zero_fee_details() -> FeeDetailsOf {
	FeeDetailsOf { inclusion_fee: None, tip: 0 }
}

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(block: <Block as BlockT>::LazyBlock, data: sp_inherents::InherentData) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(owner: Vec<u8>, seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<<Block as BlockT>::Hash, NumberFor<Block>>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(uxt: <Block as BlockT>::Extrinsic, _len: u32) -> DispatchInfoOf {
			zero_fee_info(uxt.get_dispatch_info())
		}
		fn query_fee_details(_uxt: <Block as BlockT>::Extrinsic, _len: u32) -> FeeDetailsOf {
			zero_fee_details()
		}
		fn query_weight_to_fee(_weight: Weight) -> Balance {
			0
		}
		fn query_length_to_fee(_length: u32) -> Balance {
			0
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall> for Runtime {
		fn query_call_info(call: RuntimeCall, _len: u32) -> DispatchInfoOf {
			zero_fee_info(call.get_dispatch_info())
		}
		fn query_call_fee_details(_call: RuntimeCall, _len: u32) -> FeeDetailsOf {
			zero_fee_details()
		}
		fn query_weight_to_fee(_weight: Weight) -> Balance {
			0
		}
		fn query_length_to_fee(_length: u32) -> Balance {
			0
		}
	}

	impl ehr_primitives::ConsortiumApi<Block, AccountId> for Runtime {
		fn hospitals() -> Vec<(AccountId, Option<ehr_primitives::consortium::HospitalProfile>)> {
			Consortium::hospitals()
		}
		fn authorized_peers() -> Vec<ehr_primitives::consortium::PeerIdText> {
			Consortium::authorized_peers()
		}
		fn rate_limits() -> ehr_primitives::consortium::RateLimits {
			pallet_consortium::Limits::<Runtime>::get()
		}
		fn endpoints(hospital: AccountId) -> ehr_primitives::consortium::Endpoints {
			pallet_consortium::HospitalEndpoints::<Runtime>::get(hospital).unwrap_or_default()
		}
	}

	impl ehr_primitives::EhrApi<Block, AccountId, BlockNumber> for Runtime {
		fn records_of_patient(patient: AccountId, page: u32, page_size: u32) -> Vec<(RecordId, Record<AccountId, BlockNumber>)> {
			Ehr::records_page(&patient, page, page_size)
		}
		fn record(id: RecordId) -> Option<Record<AccountId, BlockNumber>> {
			pallet_ehr::Records::<Runtime>::get(id)
		}
		fn record_by_body_hash(body_hash: sp_core::H256, custodian: Option<AccountId>) -> Option<(RecordId, Record<AccountId, BlockNumber>)> {
			Ehr::record_with_body(body_hash, custodian.as_ref())
		}
		fn grant(id: GrantId) -> Option<Grant<AccountId, BlockNumber>> {
			pallet_ehr::Grants::<Runtime>::get(id)
		}
		fn grants_of_patient(patient: AccountId, after: Option<GrantId>, limit: u32) -> IdPage<GrantId, Grant<AccountId, BlockNumber>> {
			Ehr::grants_of_patient(&patient, after, limit)
		}
		fn grants_to_grantee(grantee: AccountId, after: Option<GrantId>, limit: u32) -> IdPage<GrantId, Grant<AccountId, BlockNumber>> {
			Ehr::grants_to_grantee(&grantee, after, limit)
		}
		fn request(id: RequestId) -> Option<AccessRequest<AccountId, BlockNumber>> {
			pallet_ehr::Requests::<Runtime>::get(id)
		}
		fn open_requests_for_proxy(hospital: AccountId, after: Option<RequestId>, limit: u32) -> IdPage<RequestId, AccessRequest<AccountId, BlockNumber>> {
			Ehr::open_requests_for(&hospital, after, limit)
		}
		fn audit_log(patient: AccountId, page: u32, page_size: u32) -> Vec<AuditEntry<AccountId, BlockNumber>> {
			Ehr::audit_page(&patient, page, page_size)
		}
		fn audit_log_len(patient: AccountId) -> u32 {
			pallet_ehr::AuditLogLen::<Runtime>::get(&patient)
		}
		fn proxies() -> Vec<(AccountId, ProxyInfo<AccountId>)> {
			pallet_ehr::Proxies::<Runtime>::iter().collect()
		}
		fn patient(account: AccountId) -> Option<PatientInfo<AccountId>> {
			pallet_ehr::Patients::<Runtime>::get(&account)
		}
		fn provider(account: AccountId) -> Option<ProviderInfo<AccountId>> {
			pallet_ehr::Providers::<Runtime>::get(&account)
		}
		fn grant_covers(grant: GrantId, record: RecordId) -> bool {
			Ehr::grant_covers(grant, record)
		}
		fn keys_rotated_at(account: AccountId) -> Option<BlockNumber> {
			pallet_ehr::KeysRotatedAt::<Runtime>::get(&account)
		}
		fn records_from_sources(custodian: AccountId, tags: Vec<ehr_primitives::SourceTag>) -> Vec<Option<RecordId>> {
			tags.iter()
				.take(ehr_primitives::MAX_PAGE_SIZE as usize)
				.map(|tag| pallet_ehr::RecordBySource::<Runtime>::get(&custodian, tag))
				.collect()
		}
		fn parameters() -> pallet_ehr::EhrParameters<BlockNumber> {
			pallet_ehr::Parameters::<Runtime>::get()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::{baseline, BenchmarkList};
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use baseline::Pallet as BaselineBench;
			use super::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::{baseline, BenchmarkBatch};
			use sp_storage::TrackedStorageKey;
			use frame_system_benchmarking::Pallet as SystemBench;
			use baseline::Pallet as BaselineBench;
			use super::*;

			impl frame_system_benchmarking::Config for Runtime {}
			impl baseline::Config for Runtime {}

			use frame_support::traits::WhitelistedStorageKeys;
			let whitelist: Vec<TrackedStorageKey> = AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, super::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select).expect("execute-block failed")
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
