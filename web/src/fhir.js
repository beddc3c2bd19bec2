// SPDX-License-Identifier: GPL-3.0-only
//
// A FHIR R4 resource, readably: the elements a patient looks for first
// (what it is, its status, its code, its value, when, who), as label and
// text pairs. The whole resource is shown beside it as JSON.

const text = (value) => (value === undefined || value === null ? null : String(value));

/** A CodeableConcept's text, else its first coding's display or code. */
function concept(c) {
	if (!c) return null;
	if (Array.isArray(c)) return c.map(concept).filter(Boolean).join('; ') || null;
	if (c.text) return c.text;
	const coding = (c.coding ?? []).find((x) => x.display || x.code);
	return coding ? coding.display ?? `${coding.system ?? ''} ${coding.code}`.trim() : null;
}

/** A Quantity as "value unit". */
const quantity = (q) => (q && q.value !== undefined ? `${q.value}${q.unit ? ` ${q.unit}` : q.code ? ` ${q.code}` : ''}` : null);

/** A reference's display, else its reference. */
const reference = (r) => (r ? r.display ?? r.reference ?? null : null);

function value(resource) {
	return (
		quantity(resource.valueQuantity) ??
		concept(resource.valueCodeableConcept) ??
		text(resource.valueString) ??
		text(resource.valueBoolean) ??
		text(resource.valueInteger) ??
		(resource.component ? resource.component.map((c) => `${concept(c.code) ?? ''}: ${quantity(c.valueQuantity) ?? concept(c.valueCodeableConcept) ?? text(c.valueString) ?? ''}`).join('; ') : null)
	);
}

function name(resource) {
	const n = resource.name?.[0];
	if (!n) return null;
	return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
}

/** `[label, text]` pairs of the resource's key elements that are present. */
export function describeResource(resource) {
	const fields = [
		['Type', text(resource.resourceType)],
		['Name', resource.resourceType === 'Patient' ? name(resource) : null],
		['Born', text(resource.birthDate)],
		['Status', text(resource.status ?? resource.clinicalStatus?.coding?.[0]?.code)],
		['Category', concept(resource.category)],
		['What', concept(resource.code ?? resource.medicationCodeableConcept ?? resource.type ?? resource.vaccineCode)],
		['Value', value(resource)],
		['Interpretation', concept(resource.interpretation)],
		['Conclusion', text(resource.conclusion)],
		['When', text(resource.effectiveDateTime ?? resource.effectivePeriod?.start ?? resource.issued ?? resource.authoredOn ?? resource.recordedDate ?? resource.onsetDateTime ?? resource.period?.start ?? resource.date ?? resource.occurrenceDateTime)],
		['By', reference(resource.performer?.[0] ?? resource.requester ?? resource.recorder ?? resource.asserter ?? resource.author?.[0])],
		['Dosage', text(resource.dosageInstruction?.[0]?.text)],
		['Note', text(resource.note?.map((n) => n.text).join(' '))],
	];
	return fields.filter(([, v]) => v !== null && v !== '');
}
