//! The patient's access trail and consents as FHIR R4: `ehr log --fhir`
//! writes a Bundle of AuditEvent resources, `ehr grants --fhir` a Bundle of
//! Consent resources, for the patient's own records or another EHR.
//!
//! People and records are named by identifiers in ehr-chain's namespaces
//! ([`ACCOUNT_SYSTEM`], [`RECORD_SYSTEM`], ...), since the chain knows
//! accounts and record ids, not FHIR resources; hospitals also get their
//! names as `display`. Codes come from the terminologies R4 binds these
//! elements to (DICOM for the audit event type, HL7 v3 for purposes of
//! use and participation, the R4 consent code systems).

use crate::chain::Chain;
use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use ehr_primitives::{AuditAction, Purpose};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The identifier system of ehr-chain accounts (SS58 addresses).
pub const ACCOUNT_SYSTEM: &str = "urn:ehr-chain:account";
/// The identifier system of ehr-chain record ids.
pub const RECORD_SYSTEM: &str = "urn:ehr-chain:record";
/// The identifier system of ehr-chain grant ids.
pub const GRANT_SYSTEM: &str = "urn:ehr-chain:grant";
/// The identifier system of ehr-chain access request ids.
pub const REQUEST_SYSTEM: &str = "urn:ehr-chain:request";
/// The code system of ehr-chain's audit actions (`ehr log`'s action names).
pub const ACTION_SYSTEM: &str = "urn:ehr-chain:audit-action";
/// The identifier system of ehr-chain networks (genesis hashes).
pub const CHAIN_SYSTEM: &str = "urn:ehr-chain:genesis";

/// The times of blocks, read once each: past blocks from their
/// timestamps, blocks still ahead expected at the chain's pace since the
/// best block.
pub struct BlockTimes {
	known: BTreeMap<u32, DateTime<Utc>>,
	best: (u32, DateTime<Utc>),
	block_millis: i64,
}

impl BlockTimes {
	/// Reads the times of `blocks` (and of the best block) from `chain`.
	pub async fn read(chain: &Chain, blocks: impl Iterator<Item = u32>) -> Result<BlockTimes> {
		let best_number = chain.best_number().await?;
		let best_time = chain.block_time(best_number).await?.unwrap_or_else(Utc::now);
		let mut known = BTreeMap::new();
		for block in blocks {
			if block <= best_number && !known.contains_key(&block) {
				if let Some(time) = chain.block_time(block).await? {
					known.insert(block, time);
				}
			}
		}
		let block_millis = chain.block_millis();
		Ok(BlockTimes { known, best: (best_number, best_time), block_millis })
	}

	/// Block `number`'s time as an R4 instant (expected, for a block ahead).
	pub fn instant(&self, number: u32) -> String {
		let time = self.known.get(&number).copied().unwrap_or_else(|| {
			let ahead = i64::from(number) - i64::from(self.best.0);
			self.best.1 + chrono::Duration::milliseconds(ahead.saturating_mul(self.block_millis))
		});
		time.to_rfc3339_opts(SecondsFormat::Millis, true)
	}

	/// The best block's number when the times were read.
	pub fn best_number(&self) -> u32 {
		self.best.0
	}

	/// The time now, as an R4 instant.
	pub fn now(&self) -> String {
		Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
	}
}

/// An account as a FHIR Reference: its identifier and, when known, a name.
pub fn account_reference(account: &str, name: Option<&str>) -> Value {
	let mut reference = json!({ "identifier": { "system": ACCOUNT_SYSTEM, "value": account } });
	if let Some(name) = name {
		reference["display"] = json!(name);
	}
	reference
}

fn identified(system: &str, value: u64) -> Value {
	json!({ "identifier": { "system": system, "value": value.to_string() } })
}

/// One entry of the patient's audit log.
pub struct AuditFact<'a> {
	/// The patient's account.
	pub patient: &'a str,
	/// Who acted (their account).
	pub actor: &'a str,
	/// The actor's name ("you", a hospital's name), if known.
	pub actor_name: Option<&'a str>,
	/// What happened.
	pub action: AuditAction,
	/// The action's name (as `ehr log --json` prints it).
	pub action_name: &'a str,
	/// The action in words.
	pub action_words: &'a str,
	/// When: the block's time (an R4 instant).
	pub recorded: String,
	/// The block it happened in.
	pub block: u32,
	/// The record concerned.
	pub record: Option<u64>,
	/// The grant concerned.
	pub grant: Option<u64>,
	/// The access request concerned.
	pub request: Option<u64>,
	/// The chain's genesis hash (hex), naming the audit source.
	pub chain: &'a str,
}

/// The R4 AuditEvent `action` code (C, R, U, D, E) of an audit action.
fn action_code(action: AuditAction) -> &'static str {
	match action {
		AuditAction::RecordCreated | AuditAction::GrantCreated => "C",
		AuditAction::FetchConfirmed | AuditAction::PatientRead => "R",
		AuditAction::GrantRevoked | AuditAction::RecordRestored => "U",
		AuditAction::RecordRetired => "D",
		AuditAction::AccessRequested
		| AuditAction::CfragAccepted
		| AuditAction::RequestReady
		| AuditAction::RequestExpired => "E",
	}
}

/// One audit entry as an R4 AuditEvent.
pub fn audit_event(fact: &AuditFact) -> Value {
	let object = json!({ "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object" });
	let mut entities = vec![json!({
		"what": account_reference(fact.patient, None),
		"type": { "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person" },
		"role": { "system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient" },
	})];
	for (system, id) in [(RECORD_SYSTEM, fact.record), (GRANT_SYSTEM, fact.grant), (REQUEST_SYSTEM, fact.request)] {
		if let Some(id) = id {
			entities.push(json!({ "what": identified(system, id), "type": object }));
		}
	}
	json!({
		"resourceType": "AuditEvent",
		"type": { "system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110", "display": "Patient Record" },
		"subtype": [{ "system": ACTION_SYSTEM, "code": fact.action_name, "display": fact.action_words }],
		"action": action_code(fact.action),
		"recorded": fact.recorded,
		"outcome": "0",
		"outcomeDesc": format!("recorded on chain in block {}", fact.block),
		"agent": [{
			"who": account_reference(fact.actor, fact.actor_name),
			"requestor": true,
		}],
		"source": {
			"site": "ehr-chain",
			"observer": { "identifier": { "system": CHAIN_SYSTEM, "value": fact.chain }, "display": "ehr-chain" },
			"type": [{ "system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server" }],
		},
		"entity": entities,
	})
}

/// The HL7 v3 purpose of use (ActReason) of a grant's purpose.
fn purpose_code(purpose: Purpose) -> (&'static str, &'static str) {
	match purpose {
		Purpose::Treatment => ("TREAT", "treatment"),
		Purpose::Payment => ("HPAYMT", "healthcare payment"),
		Purpose::Operations => ("HOPERAT", "healthcare operations"),
		Purpose::Research => ("HRESCH", "healthcare research"),
		Purpose::Emergency => ("ETREAT", "Emergency Treatment"),
		Purpose::PatientRequest => ("PATRQT", "patient requested"),
		Purpose::Legal => ("HLEGAL", "legal"),
	}
}

/// One grant.
pub struct ConsentFact<'a> {
	/// The grant id.
	pub grant: u64,
	/// The patient's account.
	pub patient: &'a str,
	/// The grantee's account.
	pub grantee: &'a str,
	/// Whether it still gives access (not revoked, expired or undone by a
	/// key rotation).
	pub active: bool,
	/// When it was made (an R4 dateTime).
	pub created: String,
	/// When it ends, if it does (the expiry block's time, or its expected
	/// time while that block is ahead).
	pub ends: Option<String>,
	/// The records it covers (`None`: all of the patient's records).
	pub records: Option<Vec<u64>>,
	/// Why.
	pub purpose: Purpose,
	/// The proxy hospitals and how many must cooperate, in words.
	pub proxies: String,
}

/// One grant as an R4 Consent (patient privacy, opt-in, a permit for the
/// grantee to access the records for the purpose).
pub fn consent(fact: &ConsentFact) -> Value {
	let (purpose, purpose_words) = purpose_code(fact.purpose);
	let mut period = json!({ "start": fact.created });
	if let Some(end) = &fact.ends {
		period["end"] = json!(end);
	}
	let mut provision = json!({
		"type": "permit",
		"period": period,
		"actor": [{
			"role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP", "display": "information recipient" }] },
			"reference": account_reference(fact.grantee, None),
		}],
		"action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access", "display": "Access" }] }],
		"purpose": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": purpose, "display": purpose_words }],
	});
	if let Some(records) = &fact.records {
		provision["data"] = records
			.iter()
			.map(|record| json!({ "meaning": "instance", "reference": identified(RECORD_SYSTEM, *record) }))
			.collect();
	}
	json!({
		"resourceType": "Consent",
		"identifier": [{ "system": GRANT_SYSTEM, "value": fact.grant.to_string() }],
		"status": if fact.active { "active" } else { "inactive" },
		"scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy", "display": "Privacy Consent" }] },
		"category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] }],
		"patient": account_reference(fact.patient, None),
		"dateTime": fact.created,
		"policyRule": {
			"coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in" }],
			"text": fact.proxies,
		},
		"provision": provision,
	})
}

/// A `collection` Bundle of `resources`, stamped `timestamp`.
pub fn bundle(resources: Vec<Value>, timestamp: &str) -> Value {
	let entry: Vec<Value> = resources.into_iter().map(|resource| json!({ "resource": resource })).collect();
	json!({ "resourceType": "Bundle", "type": "collection", "timestamp": timestamp, "entry": entry })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn an_audit_event_has_what_r4_requires() {
		let event = audit_event(&AuditFact {
			patient: "5Patient",
			actor: "5Hospital",
			actor_name: Some("Hospital A"),
			action: AuditAction::FetchConfirmed,
			action_name: "fetch-confirmed",
			action_words: "served the body",
			recorded: "2026-01-01T00:00:00.000Z".into(),
			block: 7,
			record: Some(3),
			grant: None,
			request: Some(9),
			chain: "0x00",
		});
		// type, recorded, agent (with requestor) and source (with observer) are 1..1 / 1..*.
		assert_eq!(event["type"]["code"], "110110");
		assert_eq!(event["recorded"], "2026-01-01T00:00:00.000Z");
		assert_eq!(event["agent"][0]["requestor"], true);
		assert_eq!(event["source"]["observer"]["identifier"]["system"], CHAIN_SYSTEM);
		assert_eq!(event["action"], "R");
		assert_eq!(event["entity"].as_array().map(Vec::len), Some(3));
	}

	#[test]
	fn a_consent_has_a_policy_and_its_records() {
		let consent = consent(&ConsentFact {
			grant: 4,
			patient: "5Patient",
			grantee: "5Clinician",
			active: false,
			created: "2026-01-01T00:00:00Z".into(),
			ends: None,
			records: Some(vec![1, 2]),
			purpose: Purpose::Emergency,
			proxies: "2 of 3".into(),
		});
		assert_eq!(consent["status"], "inactive");
		// consent-1: a policy or a policyRule.
		assert!(consent["policyRule"].is_object());
		assert_eq!(consent["provision"]["purpose"][0]["code"], "ETREAT");
		assert_eq!(consent["provision"]["data"].as_array().map(Vec::len), Some(2));
		assert!(consent["provision"]["period"].get("end").is_none());
	}
}
