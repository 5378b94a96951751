# Shared fixtures for the library's tests: a benign A3 call with a sufficient basis,
# patched per test with object.union (objects merge, arrays and scalars replace).
package writ_test

import data.writ

intent := "sha256:1111111111111111111111111111111111111111111111111111111111111111"

other_intent := "sha256:2222222222222222222222222222222222222222222222222222222222222222"

base_input := {
	"version": "writ.input/v1",
	"action": {
		"tool": "email.send",
		"cmd": "email.send",
		"args": {"to": "jane@example.com", "body": "Your refund was issued."},
		"intent": intent,
		"class": "A3",
		"registered": true,
		"audience": "customer",
		"target": null,
		"resource": null,
		"effects": {"declared": ["customer-visible"], "detected": []},
		"detections": [],
		"hosts": [],
		"consequential": [{"path": "to", "kind": "email"}],
		"sensitive": [],
		"scope": null,
		"tenant": null,
	},
	"agent": {"id": "agent:support", "framework": "langgraph", "model": null, "environment": null},
	"principal": {"id": "user:alice", "roles": ["clerk"], "tenant": "acme"},
	"basis": {
		"score": 0.6,
		"threshold": 0.6,
		"sufficient": true,
		"digest": intent,
		"findings": [],
		"tainted": [],
		"arguments": [],
		"items": [],
	},
	"approvals": [],
	"context": {
		"time": "2026-11-24T12:00:00.000Z",
		"epochSeconds": 1795521600,
		"session": "s1",
		"callId": "c1",
		"history": {
			"attempts": 0,
			"recentDenials": [],
			"signals": {"repeatedDenials": 0, "alternateToolAfterDenial": false, "scopeExpansionAfterNarrowing": false},
		},
		"budgets": [],
	},
	"mode": "enforce",
}

patched(patch) := object.union(base_input, patch)

decide(patch) := d if {
	d := writ.decision with input as patched(patch)
}

codes(d) := {r.code | some r in d.reasons}

approval(approver, role) := {
	"approver": approver,
	"key": null,
	"role": role,
	"intent": intent,
	"rule": null,
	"issuedAt": "2026-11-24T11:59:00.000Z",
	"expiresAt": null,
}

test_fixture_is_allowed_with_class_constraints if {
	d := decide({})
	d.decision == "allow-with-constraints"
	d.constraints == {"ttlSeconds": 300, "maxUses": 1, "secrets": false}
}
