package writ_test

test_observation_without_basis_is_allowed if {
	d := decide({"action": {"class": "A0", "effects": {"declared": ["read"]}, "audience": "none"}, "basis": {"score": 0, "sufficient": false}})
	d.decision == "allow"
	not d.constraints
}

test_internal_mutation_is_allowed_without_constraints if {
	d := decide({"action": {"class": "A2", "audience": "internal"}})
	d.decision == "allow"
}

test_a3_without_sufficient_basis_is_denied if {
	d := decide({"basis": {"score": 0.3, "sufficient": false}})
	d.decision == "deny"
	codes(d) == {"basis.insufficient"}
}

test_a5_without_sufficient_basis_is_denied_not_sent_to_approval if {
	d := decide({"action": {"class": "A5"}, "basis": {"score": 0, "sufficient": false}})
	d.decision == "deny"
	"basis.insufficient" in codes(d)
}

test_a4_needs_manager_approval if {
	d := decide({"action": {"class": "A4"}})
	d.decision == "require-approval"
	d.approval.rule == "manager-approval"
	d.approval.threshold == 1
}

test_a5_needs_dual_control if {
	d := decide({"action": {"class": "A5"}})
	d.decision == "require-approval"
	d.approval == {
		"rule": "dual-control",
		"roles": ["manager", "finance-manager", "security-officer"],
		"threshold": 2,
		"separationOfDuties": true,
		"expiresInSeconds": 3600,
	}
	d.constraints.ttlSeconds == 120
}

test_unregistered_tool_needs_dual_control if {
	d := decide({"action": {"class": "A5", "registered": false, "tool": "shell.exec"}})
	d.decision == "require-approval"
	"tool.unregistered" in codes(d)
	d.approval.rule == "dual-control"
}

test_unknown_class_counts_as_highest if {
	d := decide({"action": {"class": "A9"}, "basis": {"sufficient": false}})
	d.decision == "deny"
}

test_wrong_input_version_is_denied if {
	d := decide({"version": "writ.input/v0"})
	d.decision == "deny"
	"input.version" in codes(d)
}

test_missing_input_is_denied if {
	d := data.writ.decision with input as {}
	d.decision == "deny"
}

# Fail closed on incomplete inputs, not only on the wrong version: a missing class counts as
# A5 and a missing basis as insufficient (not as a deny whose text is undefined, which is none).
test_input_with_only_a_version_is_denied if {
	d := data.writ.decision with input as {"version": "writ.input/v1"}
	d.decision == "deny"
	"basis.insufficient" in codes(d)
}

test_a5_without_any_basis_is_denied_not_sent_to_approval if {
	d := data.writ.decision with input as {"version": "writ.input/v1", "action": {"tool": "payments.transfer", "class": "A5", "args": {}}}
	d.decision == "deny"
	"basis.insufficient" in codes(d)
}

test_missing_class_with_insufficient_basis_is_denied if {
	d := data.writ.decision with input as {"version": "writ.input/v1", "action": {"tool": "x", "args": {}}, "basis": {"score": 0, "threshold": 0.6, "sufficient": false}}
	d.decision == "deny"
	"basis.insufficient" in codes(d)
}

test_risk_grows_with_class if {
	low := decide({"action": {"class": "A1"}})
	high := decide({"action": {"class": "A5"}})
	low.risk < high.risk
	high.risk <= 100
}

refund_limit := [{"tool": "payments.refund", "argument": "refund.amount", "above": 500, "rule": "manager-approval"}]

test_amount_above_the_limit_needs_approval if {
	d := decide({"action": {"tool": "payments.refund", "args": {"refund": {"amount": 750}}}}) with data.writ_config.approval.amounts as refund_limit
	d.decision == "require-approval"
	"approval.amount" in codes(d)
	d.approval.rule == "manager-approval"
}

test_amount_at_or_below_the_limit_needs_none if {
	d := decide({"action": {"tool": "payments.refund", "args": {"refund": {"amount": 500}}}}) with data.writ_config.approval.amounts as refund_limit
	d.decision == "allow-with-constraints"
}

test_amount_limits_apply_only_to_their_tool if {
	d := decide({"action": {"args": {"refund": {"amount": 750}}}}) with data.writ_config.approval.amounts as refund_limit
	not "approval.amount" in codes(d)
}
