package writ_test

external := {"code": "detect.external-recipient", "effect": "customer-visible", "argument": "text", "detail": "rival.test", "confidence": "high"}

internal_post := {"action": {"tool": "chat.post", "class": "A2", "audience": "internal", "effects": {"declared": ["internal-write"]}}}

test_internal_tool_with_external_recipient_needs_review if {
	d := decide(object.union(internal_post, {"action": {"detections": [external]}}))
	d.decision == "require-approval"
	"disclosure.external-recipient" in codes(d)
	d.approval.rule == "manager-approval"
}

test_internal_tool_without_external_recipient_is_allowed if {
	d := decide(internal_post)
	d.decision == "allow"
}

test_customer_facing_tool_is_not_judged_by_this_rule if {
	d := decide({"action": {"detections": [external]}})
	not "disclosure.external-recipient" in codes(d)
}
