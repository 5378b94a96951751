package writ_test

deploy := {"action": {"tool": "deploy.production", "class": "A5", "audience": "public", "effects": {"declared": ["deployment"]}}}

item(kind, authority) := {
	"id": "i1",
	"kind": kind,
	"source": "ci",
	"authority": authority,
	"effectiveAuthority": authority,
	"tenant": "acme",
	"observedAt": "2026-11-24T11:00:00.000Z",
	"usable": true,
}

test_deployment_without_evidence_is_denied if {
	d := decide(deploy)
	d.decision == "deny"
	"evidence.missing" in codes(d)
}

test_deployment_backed_by_only_an_inference_is_denied if {
	d := decide(object.union(deploy, {"basis": {"items": [item("inference", "verified")]}}))
	"evidence.missing" in codes(d)
}

test_deployment_with_unverified_evidence_is_denied if {
	d := decide(object.union(deploy, {"basis": {"items": [item("evidence", "unverified")]}}))
	"evidence.missing" in codes(d)
}

test_deployment_with_verified_test_evidence_goes_to_approval if {
	d := decide(object.union(deploy, {"basis": {"items": [item("evidence", "verified")]}}))
	d.decision == "require-approval"
	not "evidence.missing" in codes(d)
}

test_unusable_evidence_does_not_count if {
	stale := object.union(item("receipt", "verified"), {"usable": false})
	d := decide(object.union(deploy, {"basis": {"items": [stale]}}))
	"evidence.missing" in codes(d)
}

test_actions_without_listed_effects_need_no_evidence if {
	d := decide({})
	not "evidence.missing" in codes(d)
}
