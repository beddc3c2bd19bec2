//! `ehr grant`, `ehr grants`, `ehr revoke`: the patient's consent.

use crate::{
	chain::{from_sp, parse_account, runtime, ss58, AccountId, Chain},
	Context,
};
use anyhow::{anyhow, bail, Result};
use clap::Args;
use ehr_primitives::{kfrags, umbral_codec, GrantId, Purpose, RecordId, Scope};
use runtime::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec,
	ehr_primitives::types::{GrantProxy as ChainGrantProxy, Purpose as ChainPurpose, Scope as ChainScope},
};
use serde::Serialize;
use umbral_pre::PublicKey;

type SpAccount = sp_core::crypto::AccountId32;
/// A grant as the runtime API returns it.
pub use crate::state::ChainGrant;

/// `ehr grant`.
#[derive(Args)]
pub struct GrantArgs {
	/// Who gets access: a registered provider or patient (SS58).
	#[arg(long)]
	to: String,
	/// The records, by id (comma-separated).
	#[arg(long, value_delimiter = ',', required_unless_present = "all", conflicts_with = "all")]
	records: Vec<RecordId>,
	/// All your records, present and future.
	#[arg(long)]
	all: bool,
	/// How many proxies must re-encrypt before the grantee can read (m of n).
	#[arg(long, default_value_t = 2)]
	threshold: u8,
	/// The proxy hospitals (SS58 accounts or hospital names, comma-separated).
	#[arg(long, value_delimiter = ',', required = true)]
	proxies: Vec<String>,
	/// When the grant ends: a duration such as 30d, 12h, 90m or 45s.
	#[arg(long)]
	expires: Option<String>,
	/// Why access is given: treatment, payment, operations, research,
	/// emergency, patient-request or legal (HL7 PurposeOfUse).
	#[arg(long, value_parser = parse_purpose, default_value = "treatment")]
	purpose: Purpose,
}

/// Every purpose of use, for parsing and help.
/// The runtime's purpose (as generated from its metadata) for one of ours.
fn chain_purpose(purpose: Purpose) -> ChainPurpose {
	match purpose {
		Purpose::Treatment => ChainPurpose::Treatment,
		Purpose::Payment => ChainPurpose::Payment,
		Purpose::Operations => ChainPurpose::Operations,
		Purpose::Research => ChainPurpose::Research,
		Purpose::Emergency => ChainPurpose::Emergency,
		Purpose::PatientRequest => ChainPurpose::PatientRequest,
		Purpose::Legal => ChainPurpose::Legal,
	}
}

const PURPOSES: [Purpose; 7] = [
	Purpose::Treatment,
	Purpose::Payment,
	Purpose::Operations,
	Purpose::Research,
	Purpose::Emergency,
	Purpose::PatientRequest,
	Purpose::Legal,
];

/// A purpose from its CLI name (`treatment`, `patient-request`, …).
fn parse_purpose(text: &str) -> Result<Purpose, String> {
	PURPOSES.into_iter().find(|p| purpose_name(*p) == text).ok_or_else(|| {
		let names: Vec<_> = PURPOSES.into_iter().map(purpose_name).collect();
		format!("unknown purpose `{text}`; use one of {}", names.join(", "))
	})
}

/// `ehr grants`.
#[derive(Args)]
pub struct GrantsArgs {
	/// The grants you hold as grantee, instead of those you gave.
	#[arg(long)]
	received: bool,
	/// Print the grants as a FHIR R4 Bundle of Consent resources.
	#[arg(long)]
	fhir: bool,
}

/// `ehr revoke`.
#[derive(Args)]
pub struct RevokeArgs {
	/// The grant id.
	grant: GrantId,
}

/// Seconds in a duration such as `30d`, `12h`, `90m` or `45s`.
pub fn parse_duration(text: &str) -> Result<u64> {
	let text = text.trim();
	let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
	let (number, unit) = text.split_at(split);
	let number: u64 =
		number.parse().map_err(|_| anyhow!("`{text}` is not a duration; write it like 30d, 12h, 90m or 45s"))?;
	let unit = match unit {
		"d" => 86_400,
		"h" => 3_600,
		"m" => 60,
		"s" | "" => 1,
		_ => bail!("`{text}` has an unknown unit; use d, h, m or s"),
	};
	number.checked_mul(unit).filter(|s| *s > 0).ok_or_else(|| anyhow!("`{text}` is not a positive duration"))
}

/// Milliseconds per block, from the runtime's constants.
pub fn block_time_ms(chain: &Chain) -> Result<u64> {
	let minimum_period = chain.connected.constants().entry(runtime::constants().timestamp().minimum_period())?;
	Ok(minimum_period.saturating_mul(2).max(1))
}

/// The Umbral public key of a grantee (provider or patient).
async fn grantee_key(chain: &Chain, grantee: &AccountId) -> Result<PublicKey> {
	let provider = chain.provider(grantee).await?;
	let key = match provider {
		Some(p) => p.public_key,
		None => {
			let patient = chain.patient(grantee).await?;
			patient
				.ok_or_else(|| {
					anyhow!(
						"{} is neither a registered provider nor a patient; a hospital must register them",
						ss58(grantee)
					)
				})?
				.public_key
		},
	};
	umbral_codec::decode_public_key(&key).map_err(|_| anyhow!("the grantee's public key on chain is not valid"))
}

/// The proxies named by account or hospital name, with their Umbral keys.
async fn resolve_proxies(chain: &Chain, names: &[String]) -> Result<Vec<(AccountId, PublicKey)>> {
	let proxies = chain.proxies().await?;
	let hospitals = chain.hospital_names().await?;
	let mut chosen: Vec<(AccountId, PublicKey)> = Vec::new();
	for name in names {
		let account = match parse_account(name) {
			Ok(account) => account,
			Err(_) => {
				// The chain keeps names distinct in this form; resolve only an
				// exact match, and refuse a name that matches more than one.
				let key = ehr_primitives::consortium::hospital_name_key(name);
				let mut matches =
					hospitals.iter().filter(|(_, n)| ehr_primitives::consortium::hospital_name_key(n) == key);
				match (matches.next(), matches.next()) {
					(Some((account, _)), None) => *account,
					(Some(_), Some(_)) => {
						bail!("more than one member hospital is called `{name}`; give the SS58 account of the one you mean")
					},
					_ => bail!("no member hospital is called `{name}`; give its SS58 account or exact name"),
				}
			},
		};
		let info = proxies
			.iter()
			.find(|(a, _)| account == *a)
			.map(|(_, info)| info)
			.ok_or_else(|| anyhow!("hospital {} has no registered proxy; choose another", ss58(&account)))?;
		if chosen.iter().any(|(a, _)| *a == account) {
			bail!("the proxy {name} is listed twice; list each hospital once");
		}
		let key = umbral_codec::decode_public_key(&info.public_key)
			.map_err(|_| anyhow!("the proxy key of {name} on chain is not valid"))?;
		chosen.push((account, key));
	}
	Ok(chosen)
}

/// Runs `ehr grant`.
pub async fn grant(context: &Context, args: GrantArgs) -> Result<()> {
	let grantee = parse_account(&args.to)?;
	if args.threshold == 0 || usize::from(args.threshold) > args.proxies.len() {
		bail!("--threshold must be between 1 and the number of --proxies ({})", args.proxies.len());
	}
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let grantee_key = grantee_key(&chain, &grantee).await?;
	let proxies = resolve_proxies(&chain, &args.proxies).await?;
	let expires_at = match &args.expires {
		Some(text) => {
			let blocks = parse_duration(text)?.saturating_mul(1000) / block_time_ms(&chain)?;
			Some(chain.best_number().await?.saturating_add(u32::try_from(blocks.max(1)).unwrap_or(u32::MAX)))
		},
		None => None,
	};

	// One kfrag per proxy, each sealed to that proxy's Umbral key.
	let proxy_keys: Vec<_> = proxies.iter().map(|(_, key)| *key).collect();
	let kfrags =
		kfrags::make_sealed(&keys.umbral, &keys.signer(), &grantee_key, usize::from(args.threshold), &proxy_keys)
			.map_err(|e| anyhow!("cannot make the kfrags: {e}"))?;
	let sealed: Vec<_> = proxies
		.iter()
		.zip(kfrags)
		.map(|((hospital, _), kfrag)| ChainGrantProxy {
			hospital: *hospital,
			encrypted_kfrag: BoundedVec(kfrag.sealed),
			kfrag_id: Some(kfrag.kfrag_id),
		})
		.collect();
	let scope = if args.all { ChainScope::AllRecords } else { ChainScope::Records(BoundedVec(args.records.clone())) };
	let call = runtime::transactions().ehr().grant(
		grantee,
		scope,
		args.threshold,
		BoundedVec(sealed),
		expires_at,
		chain_purpose(args.purpose),
	);
	let events = context.output.waiting("granting", chain.submit(&call, &keys.account)).await?;
	let created = events
		.find_first::<runtime::ehr::events::GrantCreated>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain took the transaction but reported no grant"))?;
	let result = serde_json::json!({
		"grant": created.grant,
		"grantee": ss58(&grantee),
		"threshold": args.threshold,
		"proxies": proxies.iter().map(|(a, _)| ss58(a)).collect::<Vec<_>>(),
		"expiresAt": expires_at,
	});
	context.output.print(&result, || {
		format!(
			"Granted {} access as grant {} ({} of {} proxies{}).",
			ss58(&grantee),
			created.grant,
			args.threshold,
			proxies.len(),
			expires_at.map(|b| format!(", until block {b}")).unwrap_or_default()
		)
	});
	Ok(())
}

/// A grant for people and scripts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GrantView {
	id: GrantId,
	patient: String,
	grantee: String,
	records: Option<Vec<RecordId>>,
	threshold: u8,
	proxies: usize,
	#[serde(serialize_with = "serialize_purpose")]
	purpose: Purpose,
	created_at: u32,
	expires_at: Option<u32>,
	revoked_at: Option<u32>,
	/// The patient or grantee rotated keys since: the grant no longer works
	/// and the patient must grant again.
	keys_rotated: bool,
	/// Proxies that left the consortium (SS58): they serve the grant no more.
	retired_proxies: Vec<String>,
}

/// Runs `ehr grants`.
pub async fn list(context: &Context, args: GrantsArgs) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let me: SpAccount = keys.account_id();
	let grants = if args.received {
		chain.grants_to_grantee(&from_sp(&me)).await?
	} else {
		chain.grants_of_patient(&from_sp(&me)).await?
	};
	let registered = chain.proxies().await?;
	let mut rotations = std::collections::BTreeMap::new();
	for account in grants.iter().flat_map(|(_, g)| [g.patient.clone(), g.grantee.clone()]) {
		if let std::collections::btree_map::Entry::Vacant(entry) = rotations.entry(account.clone()) {
			entry.insert(chain.keys_rotated_at(&from_sp(&account)).await?);
		}
	}
	let rotated_since = |account: &SpAccount, created: u32| {
		rotations.get(account).copied().flatten().is_some_and(|block| block >= created)
	};
	let views: Vec<GrantView> = grants
		.into_iter()
		.map(|(id, g)| GrantView {
			keys_rotated: rotated_since(&g.patient, g.created_at) || rotated_since(&g.grantee, g.created_at),
			retired_proxies: g
				.proxies
				.iter()
				.filter(|p| !registered.iter().any(|(h, _)| *h == from_sp(&p.hospital)))
				.map(|p| ss58(&from_sp(&p.hospital)))
				.collect(),
			id,
			patient: ss58(&from_sp(&g.patient)),
			grantee: ss58(&from_sp(&g.grantee)),
			records: match &g.scope {
				Scope::Records(ids) => Some(ids.to_vec()),
				Scope::AllRecords => None,
			},
			threshold: g.threshold,
			proxies: g.proxies.len(),
			purpose: g.purpose,
			created_at: g.created_at,
			expires_at: g.expires_at,
			revoked_at: g.revoked_at,
		})
		.collect();
	if args.fhir {
		return print_fhir(&chain, &views).await;
	}
	context.output.print(&views, || {
		if views.is_empty() {
			return "No grants.".into();
		}
		let mut text = String::new();
		for v in &views {
			let whom = if args.received { format!("from {}", v.patient) } else { format!("to {}", v.grantee) };
			let scope = v.records.as_ref().map_or("all records".to_string(), |r| format!("records {r:?}"));
			let state = match (v.revoked_at, v.expires_at) {
				(Some(b), _) => format!("revoked at block {b}"),
				(None, Some(b)) => format!("expires at block {b}"),
				(None, None) => "no expiry".into(),
			};
			let mut notes = String::new();
			if v.keys_rotated {
				notes.push_str("; keys were rotated since, so it no longer works: grant again");
			}
			if !v.retired_proxies.is_empty() {
				notes.push_str(&format!("; proxies that left the consortium: {}", v.retired_proxies.join(", ")));
			}
			text.push_str(&format!(
				"grant {} {whom}: {scope}, {} of {} proxies, {}, {state}{notes}\n",
				v.id,
				v.threshold,
				v.proxies,
				purpose_name(v.purpose)
			));
		}
		text.trim_end().to_owned()
	});
	Ok(())
}

/// Prints the grants as a FHIR Bundle of Consents (`ehr grants --fhir`).
async fn print_fhir(chain: &Chain, views: &[GrantView]) -> Result<()> {
	use crate::fhir::export::{bundle, consent, BlockTimes, ConsentFact};
	let blocks = views.iter().flat_map(|v| std::iter::once(v.created_at).chain(v.expires_at));
	let times = BlockTimes::read(chain, blocks).await?;
	let best = times.best_number();
	let consents = views
		.iter()
		.map(|v| {
			let ended = v.revoked_at.is_some() || v.expires_at.is_some_and(|end| end < best) || v.keys_rotated;
			consent(&ConsentFact {
				grant: v.id,
				patient: &v.patient,
				grantee: &v.grantee,
				active: !ended,
				created: times.instant(v.created_at),
				ends: v.expires_at.map(|end| times.instant(end)),
				records: v.records.clone(),
				purpose: v.purpose,
				proxies: format!("{} of {} proxy hospitals must re-encrypt", v.threshold, v.proxies),
			})
		})
		.collect();
	println!("{}", serde_json::to_string_pretty(&bundle(consents, &times.now()))?);
	Ok(())
}

/// Serializes a purpose as its CLI name (what `ehr grants --json` prints).
fn serialize_purpose<S: serde::Serializer>(purpose: &Purpose, serializer: S) -> Result<S::Ok, S::Error> {
	serializer.serialize_str(purpose_name(*purpose))
}

/// The CLI name of a purpose.
pub fn purpose_name(purpose: Purpose) -> &'static str {
	match purpose {
		Purpose::Treatment => "treatment",
		Purpose::Payment => "payment",
		Purpose::Operations => "operations",
		Purpose::Research => "research",
		Purpose::Emergency => "emergency",
		Purpose::PatientRequest => "patient-request",
		Purpose::Legal => "legal",
	}
}

/// Runs `ehr revoke`.
pub async fn revoke(context: &Context, args: RevokeArgs) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let call = runtime::transactions().ehr().revoke(args.grant);
	context.output.waiting(format!("revoking grant {}", args.grant), chain.submit(&call, &keys.account)).await?;
	context.output.print(&serde_json::json!({ "revoked": args.grant }), || format!("Revoked grant {}.", args.grant));
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn durations_and_purposes_parse() {
		assert_eq!(parse_duration("30d").expect("days"), 30 * 86_400);
		assert_eq!(parse_duration("12h").expect("hours"), 12 * 3_600);
		assert_eq!(parse_duration("90m").expect("minutes"), 5_400);
		assert_eq!(parse_duration("45s").expect("seconds"), 45);
		for bad in ["", "d", "0s", "10y", "-5m", "1.5h"] {
			assert!(parse_duration(bad).is_err(), "{bad} should not parse");
		}
		for purpose in PURPOSES {
			assert_eq!(parse_purpose(purpose_name(purpose)), Ok(purpose));
		}
		assert!(parse_purpose("curiosity").is_err());
	}
}
