# Disclosure manipulation (TraceScript §22.11). A tool declared for an internal audience
# whose arguments name an address outside the organisation (detect.external-recipient,
# on when the registry knows the organisation's domains) would disclose beyond what it
# admits: a person reviews it first.
package writ

import data.writ_config as config

internal_audiences := {"none", "self", "internal"}

approval_required contains {"code": "disclosure.external-recipient", "text": text, "rule": rule} if {
	input.action.audience in internal_audiences
	some d in input.action.detections
	d.code == "detect.external-recipient"
	rule := object.get(config, ["disclosure", "rule"], "manager-approval")
	text := sprintf("argument %s names a recipient at %s, outside the organisation, in an internal tool", [d.argument, d.detail])
}
