package writ_test

a5 := {"action": {"class": "A5"}}

test_two_distinct_approvers_release_an_a5_action if {
	d := decide(object.union(a5, {"approvals": [approval("user:bob", "manager"), approval("user:carol", "finance-manager")]}))
	d.decision == "allow-with-constraints"
	"approval.satisfied" in codes(d)
}

test_one_approver_twice_is_not_two if {
	d := decide(object.union(a5, {"approvals": [approval("user:bob", "manager"), approval("user:bob", "finance-manager")]}))
	d.decision == "require-approval"
	"approval.threshold" in codes(d)
}

test_self_approval_does_not_count if {
	d := decide(object.union(a5, {"approvals": [approval("user:alice", "manager"), approval("user:bob", "manager")]}))
	d.decision == "require-approval"
	"approval.separation-of-duties" in codes(d)
}

test_the_agent_cannot_approve_its_own_call if {
	d := decide({"action": {"class": "A4"}, "approvals": [approval("agent:support", "manager")]})
	d.decision == "require-approval"
	"approval.separation-of-duties" in codes(d)
}

test_wrong_role_does_not_count if {
	d := decide({"action": {"class": "A4"}, "approvals": [approval("user:bob", "clerk")]})
	d.decision == "require-approval"
	"approval.role" in codes(d)
}

test_approval_of_another_intent_does_not_count if {
	changed := object.union(approval("user:bob", "manager"), {"intent": other_intent})
	d := decide({"action": {"class": "A4"}, "approvals": [changed]})
	d.decision == "require-approval"
	"approval.intent" in codes(d)
}

test_approval_naming_another_rule_does_not_count if {
	other_rule := object.union(approval("user:bob", "manager"), {"rule": "some-other-rule"})
	d := decide({"action": {"class": "A4"}, "approvals": [other_rule]})
	d.decision == "require-approval"
}

test_one_manager_releases_an_a4_action if {
	d := decide({"action": {"class": "A4"}, "approvals": [approval("user:bob", "manager")]})
	d.decision == "allow-with-constraints"
}

test_strictest_rule_wins if {
	d := decide({"action": {"class": "A4"}, "context": {"history": {"signals": {"repeatedDenials": 2}}}})
	d.decision == "require-approval"
	d.approval.rule == "security-review"
}

test_separation_of_duties_can_be_switched_off_per_rule if {
	d := decide({"action": {"class": "A4"}, "approvals": [approval("user:alice", "manager")]}) with data.writ_config.approval.rules["manager-approval"].separationOfDuties as false
	d.decision == "allow-with-constraints"
}

test_undefined_rule_fails_closed if {
	d := decide({"action": {"class": "A4"}}) with data.writ_config.approval.classes.A4 as "no-such-rule"
	d.decision == "deny"
	"approval.rule-unknown" in codes(d)
}

test_expired_approval_does_not_count if {
	old := object.union(approval("user:bob", "manager"), {"expiresAt": "2026-11-24T11:59:30.000Z"})
	d := decide({"action": {"class": "A4"}, "approvals": [old]})
	d.decision == "require-approval"
	"approval.expired" in codes(d)
}

test_approval_older_than_the_rule_window_does_not_count if {
	old := object.union(approval("user:bob", "manager"), {"issuedAt": "2026-11-24T10:00:00.000Z"})
	d := decide({"action": {"class": "A4"}, "approvals": [old]})
	d.decision == "require-approval"
	"approval.expired" in codes(d)
}

test_unexpired_approval_counts if {
	fresh := object.union(approval("user:bob", "manager"), {"expiresAt": "2026-11-24T12:30:00.000Z"})
	d := decide({"action": {"class": "A4"}, "approvals": [fresh]})
	d.decision == "allow-with-constraints"
}
