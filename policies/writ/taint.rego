# Argument taint: a consequential argument whose value appears only in low-authority
# content (an email the agent read, a web page, an unverified retrieval) was chosen by
# that content, not by the principal. Per class, data.writ_config.taint says whether that
# is a `deny` or a `require-approval`; classes not listed (A0/A1 reads) are not judged.
package writ

import data.writ_config as config

taint_action := object.get(config, ["taint", input.action.class], "none")

tainted_arguments contains a if some a in object.get(input, ["basis", "tainted"], [])

taint_text(a) := sprintf("argument %s of %s comes only from untrusted content", [a, input.action.tool])

deny contains {"code": "basis.tainted-argument", "text": text} if {
	taint_action == "deny"
	some a in tainted_arguments
	text := taint_text(a)
}

approval_required contains {"code": "basis.tainted-argument", "text": text, "rule": rule} if {
	taint_action == "require-approval"
	some a in tainted_arguments
	text := taint_text(a)
	rule := object.get(config, ["taint", "rule"], "taint-review")
}
