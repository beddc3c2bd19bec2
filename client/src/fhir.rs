//! The hospital's FHIR R4 server, read over its REST API: what `ehr import`
//! registers as records. Every answer is checked before anything reaches
//! the chain, and every failure is one sentence naming the server.
//!
//! - [`FhirServer::capabilities`] reads `/metadata` and refuses a server
//!   that does not speak R4 (4.0.x).
//! - [`FhirServer::patient_resources`] returns the patient's resources:
//!   `Patient/ID/$everything` where the CapabilityStatement offers it,
//!   otherwise (or with `search_by_type`) one search per resource type of
//!   the R4 patient compartment the server supports, each following the
//!   Bundle's `next` links to the end.
//! - Each resource's JSON is kept exactly as the server served it (the
//!   entry's bytes, not a re-serialisation): that is the record's body.
//!
//! [`export`] goes the other way: the patient's audit trail and grants as
//! FHIR AuditEvent and Consent resources.

pub mod export;

use anyhow::{anyhow, bail, Context as _, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use reqwest::{header, StatusCode, Url};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::{collections::HashSet, time::Duration};

/// The R4 patient compartment (CompartmentDefinition/patient): each
/// resource type that can belong to a patient, with the search parameter
/// that names the patient. `Patient` itself is read directly.
pub const PATIENT_COMPARTMENT: &[(&str, &str)] = &[
	("Account", "subject"),
	("AdverseEvent", "subject"),
	("AllergyIntolerance", "patient"),
	("Appointment", "actor"),
	("AppointmentResponse", "actor"),
	("AuditEvent", "patient"),
	("Basic", "patient"),
	("BodyStructure", "patient"),
	("CarePlan", "patient"),
	("CareTeam", "patient"),
	("ChargeItem", "subject"),
	("Claim", "patient"),
	("ClaimResponse", "patient"),
	("ClinicalImpression", "subject"),
	("Communication", "subject"),
	("CommunicationRequest", "subject"),
	("Composition", "subject"),
	("Condition", "patient"),
	("Consent", "patient"),
	("Coverage", "beneficiary"),
	("CoverageEligibilityRequest", "patient"),
	("CoverageEligibilityResponse", "patient"),
	("DetectedIssue", "patient"),
	("DeviceRequest", "subject"),
	("DeviceUseStatement", "subject"),
	("DiagnosticReport", "subject"),
	("DocumentManifest", "subject"),
	("DocumentReference", "subject"),
	("Encounter", "subject"),
	("EnrollmentRequest", "subject"),
	("EpisodeOfCare", "patient"),
	("ExplanationOfBenefit", "patient"),
	("FamilyMemberHistory", "patient"),
	("Flag", "patient"),
	("Goal", "patient"),
	("ImagingStudy", "patient"),
	("Immunization", "patient"),
	("ImmunizationEvaluation", "patient"),
	("ImmunizationRecommendation", "patient"),
	("Invoice", "subject"),
	("List", "subject"),
	("MeasureReport", "patient"),
	("Media", "subject"),
	("MedicationAdministration", "patient"),
	("MedicationDispense", "subject"),
	("MedicationRequest", "subject"),
	("MedicationStatement", "subject"),
	("MolecularSequence", "patient"),
	("NutritionOrder", "patient"),
	("Observation", "subject"),
	("Procedure", "patient"),
	("Provenance", "patient"),
	("QuestionnaireResponse", "subject"),
	("RelatedPerson", "patient"),
	("RequestGroup", "subject"),
	("ResearchSubject", "individual"),
	("RiskAssessment", "subject"),
	("ServiceRequest", "subject"),
	("Specimen", "subject"),
	("SupplyDelivery", "patient"),
	("SupplyRequest", "subject"),
	("Task", "patient"),
	("VisionPrescription", "patient"),
];

/// Most pages one search may take (at the server's page size, far more
/// resources than any one patient has); a server whose `next` links never
/// end is refused rather than followed forever.
const MAX_PAGES: usize = 10_000;
/// Resources asked for per page.
const PAGE_SIZE: u32 = 100;
/// How long one HTTP exchange with the server may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// One resource version as the server served it.
#[derive(Clone, Debug)]
pub struct ServedResource {
	/// `resourceType`.
	pub resource_type: String,
	/// The logical id.
	pub id: String,
	/// `meta.versionId`, if the server versions resources.
	pub version_id: Option<String>,
	/// `meta.lastUpdated`.
	pub last_updated: Option<String>,
	/// The resource's JSON, byte for byte as served.
	pub json: Box<RawValue>,
}

impl ServedResource {
	/// The version the importer tells apart: `meta.versionId`, else
	/// `meta.lastUpdated`, else the blake2-256 of the JSON (a server that
	/// keeps neither still gets a changed resource imported once more).
	pub fn version(&self) -> String {
		self.version_id.clone().or_else(|| self.last_updated.clone()).unwrap_or_else(|| {
			format!("sha:{}", hex::encode(sp_crypto_hashing::blake2_256(self.json.get().as_bytes())))
		})
	}
}

/// What the server's CapabilityStatement says the importer may use.
#[derive(Clone, Debug)]
pub struct Capabilities {
	/// The FHIR version (4.0.x).
	pub fhir_version: String,
	/// Whether `Patient/ID/$everything` is offered.
	pub patient_everything: bool,
	/// The resource types the server can search.
	pub searchable: HashSet<String>,
}

/// A FHIR R4 server's REST API at one base URL.
pub struct FhirServer {
	base: Url,
	http: reqwest::Client,
}

/// Whether `id` is a FHIR logical id (`[A-Za-z0-9\-\.]{1,64}`).
pub fn is_fhir_id(id: &str) -> bool {
	(1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// Parses `--since`: a date (`2024-05-01`, midnight UTC) or an instant
/// with its offset (`2024-05-01T10:00:00Z`).
pub fn parse_since(text: &str) -> Result<DateTime<FixedOffset>> {
	if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
		return Ok(instant);
	}
	NaiveDate::parse_from_str(text, "%Y-%m-%d")
		.ok()
		.and_then(|date| date.and_hms_opt(0, 0, 0))
		.map(|midnight| midnight.and_utc().fixed_offset())
		.ok_or_else(|| anyhow!("--since {text:?} is not a date (2024-05-01) or an instant (2024-05-01T10:00:00Z)"))
}

#[derive(Deserialize)]
struct Header {
	#[serde(rename = "resourceType")]
	resource_type: Option<String>,
	id: Option<String>,
	#[serde(default)]
	meta: Meta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
	version_id: Option<String>,
	last_updated: Option<String>,
}

#[derive(Deserialize)]
struct Bundle {
	#[serde(default)]
	link: Vec<Link>,
	#[serde(default)]
	entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Link {
	relation: String,
	url: String,
}

#[derive(Deserialize)]
struct Entry {
	resource: Option<Box<RawValue>>,
	search: Option<SearchMode>,
}

#[derive(Deserialize)]
struct SearchMode {
	mode: Option<String>,
}

#[derive(Deserialize)]
struct Outcome {
	#[serde(default)]
	issue: Vec<Issue>,
}

#[derive(Deserialize)]
struct Issue {
	severity: Option<String>,
	code: Option<String>,
	diagnostics: Option<String>,
	details: Option<Details>,
}

#[derive(Deserialize)]
struct Details {
	text: Option<String>,
}

impl Outcome {
	/// The issues that make an answer unusable: errors, and searches the
	/// server did not (fully) carry out, which would return other
	/// patients' resources as if they were this one's.
	fn blocking(&self) -> Option<String> {
		let texts: Vec<String> = self
			.issue
			.iter()
			.filter(|issue| {
				matches!(issue.severity.as_deref(), Some("error" | "fatal"))
					|| matches!(issue.code.as_deref(), Some("not-supported" | "too-costly" | "incomplete"))
			})
			.map(Issue::text)
			.collect();
		(!texts.is_empty()).then(|| texts.join("; "))
	}
}

impl Issue {
	fn text(&self) -> String {
		self.diagnostics
			.clone()
			.or_else(|| self.details.as_ref().and_then(|d| d.text.clone()))
			.or_else(|| self.code.clone())
			.unwrap_or_else(|| "no details given".into())
	}
}

fn header_of(raw: &RawValue) -> Result<Header> {
	serde_json::from_str(raw.get()).map_err(|e| anyhow!("a resource in the answer is not FHIR JSON ({e})"))
}

fn served(raw: Box<RawValue>) -> Result<ServedResource> {
	let header = header_of(&raw)?;
	let resource_type = header.resource_type.ok_or_else(|| anyhow!("a resource in the answer has no resourceType"))?;
	let id = header.id.ok_or_else(|| anyhow!("a {resource_type} in the answer has no id"))?;
	Ok(ServedResource {
		resource_type,
		id,
		version_id: header.meta.version_id,
		last_updated: header.meta.last_updated,
		json: raw,
	})
}

impl FhirServer {
	/// The server at `base` (an `http://` or `https://` URL, without query
	/// or fragment).
	pub fn new(base: &str) -> Result<Self> {
		let mut url = Url::parse(base).map_err(|e| anyhow!("--fhir {base:?} is not a URL ({e})"))?;
		if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
			bail!("--fhir {base:?} is not an http:// or https:// URL");
		}
		if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
			bail!("--fhir {base:?} must be the server's base URL, without user, query or fragment");
		}
		if !url.path().ends_with('/') {
			url.set_path(&format!("{}/", url.path()));
		}
		let http = reqwest::Client::builder()
			.timeout(TIMEOUT)
			.redirect(reqwest::redirect::Policy::none())
			.build()
			.context("cannot set up the HTTP client")?;
		Ok(FhirServer { base: url, http })
	}

	/// The base URL, without its trailing slash: the locator records keep.
	pub fn base_url(&self) -> String {
		self.base.as_str().trim_end_matches('/').to_owned()
	}

	fn url(&self, path: &str) -> Result<Url> {
		self.base.join(path).map_err(|e| anyhow!("cannot form the FHIR URL {path}: {e}"))
	}

	/// GETs `url` and returns its JSON body, or one sentence: unreachable,
	/// not FHIR JSON, or refused (with the OperationOutcome's words). With
	/// `missing_ok`, a 404 or 410 answer is returned for the caller to explain.
	async fn get(&self, url: Url, missing_ok: bool) -> Result<(StatusCode, Box<RawValue>)> {
		let shown = url.to_string();
		let response = self
			.http
			.get(url)
			.header(header::ACCEPT, "application/fhir+json")
			.send()
			.await
			.map_err(|e| anyhow!("cannot reach the FHIR server at {} ({e}); check --fhir", self.base_url()))?;
		let status = response.status();
		let media = response
			.headers()
			.get(header::CONTENT_TYPE)
			.and_then(|v| v.to_str().ok())
			.unwrap_or("no content type")
			.to_owned();
		let bytes = response
			.bytes()
			.await
			.map_err(|e| anyhow!("the FHIR server at {} broke off its answer ({e})", self.base_url()))?;
		let raw: Box<RawValue> = serde_json::from_slice(&bytes).map_err(|_| {
			anyhow!(
				"{shown} did not answer with FHIR JSON (HTTP {status}, {media}); is {} a FHIR R4 server's base URL?",
				self.base_url()
			)
		})?;
		let Some(kind) = serde_json::from_str::<Header>(raw.get()).ok().and_then(|h| h.resource_type) else {
			bail!(
				"{shown} did not answer with a FHIR resource (HTTP {status}); is {} a FHIR R4 server's base URL?",
				self.base_url()
			)
		};
		let missing = status == StatusCode::NOT_FOUND || status == StatusCode::GONE;
		if status.is_success() || (missing && missing_ok) {
			return Ok((status, raw));
		}
		let words = match kind.as_str() {
			"OperationOutcome" => serde_json::from_str::<Outcome>(raw.get())
				.map(|outcome| outcome.issue.iter().map(Issue::text).collect::<Vec<_>>().join("; "))
				.unwrap_or_default(),
			_ => String::new(),
		};
		bail!("the FHIR server refused {shown} (HTTP {status}){}{words}", if words.is_empty() { "" } else { ": " })
	}

	/// Reads the CapabilityStatement; fails unless the server speaks FHIR R4.
	pub async fn capabilities(&self) -> Result<Capabilities> {
		#[derive(Deserialize)]
		#[serde(rename_all = "camelCase")]
		struct Statement {
			resource_type: String,
			fhir_version: Option<String>,
			#[serde(default)]
			rest: Vec<Rest>,
		}
		#[derive(Deserialize)]
		struct Rest {
			#[serde(default)]
			resource: Vec<RestResource>,
		}
		#[derive(Deserialize)]
		struct RestResource {
			#[serde(rename = "type")]
			kind: String,
			#[serde(default)]
			interaction: Vec<Code>,
			#[serde(default)]
			operation: Vec<Named>,
		}
		#[derive(Deserialize)]
		struct Code {
			code: String,
		}
		#[derive(Deserialize)]
		struct Named {
			name: String,
		}
		let (_, raw) = self.get(self.url("metadata")?, false).await?;
		let statement: Statement = serde_json::from_str(raw.get())
			.ok()
			.filter(|s: &Statement| s.resource_type == "CapabilityStatement")
			.ok_or_else(|| {
				anyhow!("{}/metadata is not a CapabilityStatement; is it a FHIR R4 server's base URL?", self.base_url())
			})?;
		let fhir_version = statement.fhir_version.unwrap_or_default();
		if !fhir_version.starts_with("4.0") {
			bail!("the FHIR server at {} speaks FHIR {fhir_version:?}, not R4 (4.0.x)", self.base_url());
		}
		let resources = statement.rest.iter().flat_map(|rest| rest.resource.iter());
		let mut capabilities = Capabilities { fhir_version, patient_everything: false, searchable: HashSet::new() };
		for resource in resources {
			if resource.interaction.iter().any(|i| i.code == "search-type") {
				capabilities.searchable.insert(resource.kind.clone());
			}
			if resource.kind == "Patient" && resource.operation.iter().any(|o| o.name == "everything") {
				capabilities.patient_everything = true;
			}
		}
		Ok(capabilities)
	}

	/// Reads `Patient/ID`; fails with a sentence if the server has no such patient.
	pub async fn patient(&self, id: &str) -> Result<ServedResource> {
		let (status, raw) = self.get(self.url(&format!("Patient/{id}"))?, true).await?;
		if !status.is_success() {
			bail!("the FHIR server at {} has no Patient with id {id}; check --patient-id", self.base_url());
		}
		let patient = served(raw)?;
		if patient.resource_type != "Patient" || patient.id != id {
			bail!("the FHIR server answered Patient/{id} with another resource; it is not behaving as FHIR R4");
		}
		Ok(patient)
	}

	/// Every resource of a search (or operation) answer, following the
	/// Bundle's `next` links, which must stay on this server.
	async fn all_pages(&self, first: Url) -> Result<Vec<ServedResource>> {
		let mut resources = Vec::new();
		let mut seen = HashSet::new();
		let mut next = Some(first);
		while let Some(url) = next.take() {
			if !seen.insert(url.to_string()) || seen.len() > MAX_PAGES {
				bail!(
					"the FHIR server's paging links go round in circles at {url}; its search cannot be read to the end"
				);
			}
			let (_, raw) = self.get(url.clone(), false).await?;
			if header_of(&raw)?.resource_type.as_deref() != Some("Bundle") {
				bail!("the FHIR server answered {url} with something other than a Bundle");
			}
			let bundle: Bundle = serde_json::from_str(raw.get())
				.map_err(|e| anyhow!("the Bundle from {url} is not valid FHIR ({e})"))?;
			for entry in bundle.entry {
				let Some(resource) = entry.resource else { continue };
				if entry.search.and_then(|s| s.mode).as_deref() == Some("outcome") {
					let outcome: Outcome =
						serde_json::from_str(resource.get()).unwrap_or(Outcome { issue: Vec::new() });
					if let Some(words) = outcome.blocking() {
						bail!("the FHIR server did not carry out {url} as asked: {words}");
					}
					continue;
				}
				resources.push(served(resource)?);
			}
			if let Some(link) = bundle.link.into_iter().find(|l| l.relation == "next") {
				let url = Url::parse(&link.url)
					.or_else(|_| self.base.join(&link.url))
					.map_err(|_| anyhow!("the FHIR server's next-page link {:?} is not a URL", link.url))?;
				if url.origin() != self.base.origin() {
					bail!("the FHIR server's next-page link leads to another server ({}); refusing to follow it", url);
				}
				next = Some(url);
			}
		}
		Ok(resources)
	}

	/// The patient's resources: the Patient and every resource in its
	/// compartment, updated after `since` if given, each version once.
	pub async fn patient_resources(
		&self,
		capabilities: &Capabilities,
		patient_id: &str,
		since: Option<DateTime<FixedOffset>>,
		search_by_type: bool,
	) -> Result<Vec<ServedResource>> {
		let patient = self.patient(patient_id).await?;
		let since_text = since.map(|s| s.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
		let mut resources = Vec::new();
		if capabilities.patient_everything && !search_by_type {
			let mut url = self.url(&format!("Patient/{patient_id}/$everything"))?;
			url.query_pairs_mut().append_pair("_count", &PAGE_SIZE.to_string());
			if let Some(since) = &since_text {
				url.query_pairs_mut().append_pair("_since", since);
			}
			let compartment: HashSet<&str> = PATIENT_COMPARTMENT.iter().map(|(kind, _)| *kind).collect();
			// $everything also returns what the patient's resources refer to
			// (practitioners, organisations, medications): not the patient's records.
			resources.extend(
				self.all_pages(url)
					.await?
					.into_iter()
					.filter(|r| compartment.contains(r.resource_type.as_str()) || is_this_patient(r, patient_id)),
			);
		} else {
			resources.push(patient);
			for (kind, parameter) in PATIENT_COMPARTMENT {
				if !capabilities.searchable.contains(*kind) {
					continue;
				}
				let mut url = self.url(kind)?;
				url.query_pairs_mut()
					.append_pair(parameter, &format!("Patient/{patient_id}"))
					.append_pair("_count", &PAGE_SIZE.to_string());
				if let Some(since) = &since_text {
					url.query_pairs_mut().append_pair("_lastUpdated", &format!("gt{since}"));
				}
				for resource in self.all_pages(url).await? {
					if resource.resource_type != *kind {
						continue;
					}
					if !refers_to(&resource, patient_id) {
						bail!(
							"the FHIR server returned {kind}/{} for a search by patient, but it does not refer to \
							 Patient/{patient_id}; the server may not support searching {kind} by {parameter}",
							resource.id
						);
					}
					resources.push(resource);
				}
			}
		}
		// Keep each version once, and (whatever the server did with the
		// filter) only those updated after `since`.
		let mut seen = HashSet::new();
		resources.retain(|r| seen.insert((r.resource_type.clone(), r.id.clone(), r.version())));
		if let Some(since) = since {
			resources.retain(|r| {
				r.last_updated.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).is_none_or(|t| t > since)
			});
		}
		Ok(resources)
	}
}

fn is_this_patient(resource: &ServedResource, patient_id: &str) -> bool {
	resource.resource_type == "Patient" && resource.id == patient_id
}

/// Whether the resource's JSON holds a reference to `Patient/ID` (relative
/// or absolute).
fn refers_to(resource: &ServedResource, patient_id: &str) -> bool {
	let reference = format!("Patient/{patient_id}\"");
	resource.json.get().contains(&reference)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ids_and_dates_are_checked_before_any_request() {
		assert!(is_fhir_id("p-1.a"));
		assert!(!is_fhir_id(""));
		assert!(!is_fhir_id("../metadata"));
		assert!(!is_fhir_id("a b"));
		assert!(!is_fhir_id(&"a".repeat(65)));
		assert!(parse_since("2024-05-01").is_ok());
		assert!(parse_since("2024-05-01T10:00:00+02:00").is_ok());
		assert!(parse_since("yesterday").is_err());
		assert!(FhirServer::new("ftp://h/fhir").is_err());
		assert!(FhirServer::new("http://h/fhir?x=1").is_err());
		assert!(FhirServer::new("http://user:pw@h/fhir").is_err());
		assert_eq!(FhirServer::new("http://h:8080/fhir/").unwrap().base_url(), "http://h:8080/fhir");
	}

	#[test]
	fn outcomes_that_would_widen_a_search_block_it() {
		let ignored: Outcome = serde_json::from_str(
			r#"{"issue":[{"severity":"warning","code":"not-supported","details":{"text":"ignored: patient"}}]}"#,
		)
		.unwrap();
		assert_eq!(ignored.blocking().as_deref(), Some("ignored: patient"));
		let informational: Outcome =
			serde_json::from_str(r#"{"issue":[{"severity":"information","code":"informational"}]}"#).unwrap();
		assert!(informational.blocking().is_none());
	}

	#[test]
	fn a_resource_keeps_its_bytes_and_version() {
		let raw: Box<RawValue> =
			serde_json::from_str(r#"{"resourceType":"Observation", "id":"o1","meta":{"versionId":"3"}}"#).unwrap();
		let resource = served(raw).unwrap();
		assert_eq!(resource.json.get(), r#"{"resourceType":"Observation", "id":"o1","meta":{"versionId":"3"}}"#);
		assert_eq!(resource.version(), "3");
		let raw: Box<RawValue> = serde_json::from_str(r#"{"resourceType":"Observation","id":"o2"}"#).unwrap();
		assert!(served(raw).unwrap().version().starts_with("sha:"));
		let raw: Box<RawValue> = serde_json::from_str(r#"{"id":"o2"}"#).unwrap();
		assert!(served(raw).is_err());
	}
}
