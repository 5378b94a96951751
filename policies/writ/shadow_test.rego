package writ_test

with_signals(signals) := {"context": {"history": {"signals": signals}}}

test_one_earlier_denial_is_not_yet_escalated if {
	d := decide(with_signals({"repeatedDenials": 1}))
	d.decision == "allow-with-constraints"
}

test_repeated_denials_go_to_security_review if {
	d := decide(with_signals({"repeatedDenials": 2}))
	d.decision == "require-approval"
	"shadow.repeated-denials" in codes(d)
	d.approval.rule == "security-review"
}

test_persistent_retries_are_denied if {
	d := decide(with_signals({"repeatedDenials": 4}))
	d.decision == "deny"
	"shadow.repeated-denials" in codes(d)
}

test_alternate_tool_after_denial_is_escalated if {
	d := decide(with_signals({"alternateToolAfterDenial": true}))
	d.decision == "require-approval"
	"shadow.alternate-tool" in codes(d)
}

test_alternate_read_after_denial_is_fine if {
	d := decide(object.union(with_signals({"alternateToolAfterDenial": true}), {"action": {"class": "A0"}}))
	d.decision == "allow"
}

test_scope_narrowing_then_expansion_is_escalated if {
	d := decide(with_signals({"scopeExpansionAfterNarrowing": true}))
	d.decision == "require-approval"
	"shadow.scope-expansion" in codes(d)
}

test_security_review_releases_the_escalated_call if {
	d := decide(object.union(with_signals({"alternateToolAfterDenial": true}), {"approvals": [approval("user:sec", "security-officer")]}))
	d.decision == "allow-with-constraints"
}
