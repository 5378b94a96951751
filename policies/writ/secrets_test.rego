package writ_test

secret(argument, kind) := {"code": "detect.secret", "effect": "secret-exposure", "argument": argument, "detail": kind, "confidence": "high"}

entropy(argument) := {"code": "detect.high-entropy", "effect": "secret-exposure", "argument": argument, "detail": "high-entropy", "confidence": "low"}

test_key_in_a_customer_email_is_exfiltration if {
	d := decide({"action": {"detections": [secret("body", "aws-access-key-id")], "effects": {"detected": ["secret-exposure"]}}})
	d.decision == "deny"
	"secret.exfiltration" in codes(d)
}

test_key_in_an_internal_note_goes_to_security_review if {
	d := decide({"action": {"class": "A2", "audience": "internal", "effects": {"declared": ["internal-write"]}, "detections": [secret("note", "github-token")]}})
	d.decision == "require-approval"
	"secret.in-arguments" in codes(d)
	d.approval.rule == "security-review"
}

test_internal_tool_reaching_a_public_host_with_a_key_is_exfiltration if {
	d := decide({"action": {
		"class": "A2",
		"audience": "internal",
		"effects": {"declared": ["internal-write"]},
		"detections": [secret("url", "jwt")],
		"hosts": [{"host": "paste.test", "argument": "url", "allowed": true, "internal": null}],
	}})
	d.decision == "deny"
	"secret.exfiltration" in codes(d)
}

test_high_entropy_alone_never_denies if {
	d := decide({"action": {"detections": [entropy("body")]}})
	d.decision == "require-approval"
	codes(d) == {"secret.possible"}
}

test_high_entropy_inside_the_organisation_is_not_flagged if {
	d := decide({"action": {"class": "A2", "audience": "internal", "effects": {"declared": ["internal-write"]}, "detections": [entropy("id")]}})
	d.decision == "allow"
}

test_a_vault_tool_may_carry_secrets_and_says_so_in_the_token if {
	d := decide({"action": {"tool": "vault.store", "audience": "internal", "effects": {"declared": ["security"]}, "detections": [secret("value", "private-key")]}}) with data.writ_config.secrets.allowed_tools as ["vault.store"]
	d.decision == "allow-with-constraints"
	d.constraints.secrets == true
}

test_declaring_secret_exposure_also_exempts if {
	d := decide({"action": {"audience": "internal", "effects": {"declared": ["secret-exposure"]}, "detections": [secret("value", "jwt")]}})
	d.decision == "allow-with-constraints"
}
