package writ_test

tainted_iban := {
	"action": {"class": "A5", "tool": "payments.transfer", "consequential": [{"path": "iban", "kind": "iban"}]},
	"basis": {"score": 0, "sufficient": false, "tainted": ["iban"]},
}

test_iban_from_an_email_is_denied if {
	d := decide(tainted_iban)
	d.decision == "deny"
	codes(d) == {"basis.tainted-argument"}
}

test_iban_from_the_user_goes_to_approval_not_denial if {
	d := decide({"action": {"class": "A5", "tool": "payments.transfer"}, "basis": {"score": 0.6, "sufficient": true, "tainted": []}})
	d.decision == "require-approval"
	not "basis.tainted-argument" in codes(d)
}

test_taint_is_not_double_counted_as_insufficient_basis if {
	d := decide(tainted_iban)
	not "basis.insufficient" in codes(d)
}

test_tainted_internal_mutation_goes_to_review if {
	d := decide({"action": {"class": "A2"}, "basis": {"tainted": ["record.owner"]}})
	d.decision == "require-approval"
	d.approval.rule == "taint-review"
}

test_tainted_read_is_not_judged if {
	d := decide({"action": {"class": "A0"}, "basis": {"tainted": ["url"]}})
	d.decision == "allow"
}

test_a_team_can_send_taint_to_approval_instead if {
	d := decide(tainted_iban) with data.writ_config.taint.A5 as "require-approval"
	d.decision == "require-approval"
	"basis.tainted-argument" in codes(d)
}
