# Secret exfiltration. A credential detected in the arguments of a call whose effect
# leaves the organisation (partner/customer/public audience, external writes, egress) is
# denied; inside the organisation it goes to security review. The low-confidence
# high-entropy heuristic never denies on its own: it asks for review when the call leaves.
# Tools that legitimately carry secrets (a vault writer) are listed in
# data.writ_config.secrets.allowed_tools or declare the `secret-exposure` effect.
package writ

import data.writ_config as config

secret_detections contains d if {
	some d in input.action.detections
	d.code == "detect.secret"
}

weak_secret_detections contains d if {
	some d in input.action.detections
	d.code == "detect.high-entropy"
}

secrets_expected if input.action.tool in object.get(config, ["secrets", "allowed_tools"], [])

secrets_expected if "secret-exposure" in input.action.effects.declared

external_audiences := {"partner", "customer", "public"}

external_effects := {"external-write", "customer-visible", "network-egress"}

leaves_organisation if input.action.audience in external_audiences

leaves_organisation if {
	some effect in array.concat(input.action.effects.declared, input.action.effects.detected)
	effect in external_effects
}

leaves_organisation if {
	some h in input.action.hosts
	h.internal == null
}

secrets_rule := object.get(config, ["secrets", "rule"], "security-review")

deny contains {"code": "secret.exfiltration", "text": text} if {
	some d in secret_detections
	leaves_organisation
	not secrets_expected
	text := sprintf("argument %s carries a credential (%s) to a destination outside the organisation", [d.argument, d.detail])
}

approval_required contains {"code": "secret.in-arguments", "text": text, "rule": secrets_rule} if {
	some d in secret_detections
	not leaves_organisation
	not secrets_expected
	text := sprintf("argument %s carries a credential (%s)", [d.argument, d.detail])
}

approval_required contains {"code": "secret.possible", "text": text, "rule": secrets_rule} if {
	some d in weak_secret_detections
	leaves_organisation
	not secrets_expected
	text := sprintf("argument %s holds a random-looking token that may be a credential", [d.argument])
}

# A tool that is expected to carry secrets gets a token that says so.
extra_constraints["secrets"] := true if {
	secrets_expected
	count(secret_detections) + count(weak_secret_detections) > 0
}
