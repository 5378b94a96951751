# Base decision of the Writ shared policy library.
#
# Every module of the library is in package `writ` and contributes to three sets:
#   deny               {code, text}        any member makes the decision `deny`
#   approval_required  {code, text, rule}  any member (unless satisfied) makes it `require-approval`
#   notes              {code, text}        reasons recorded with an allow
# decision.rego turns them into the writ.decision/v1 document at data.writ.decision.
# A team layers its own rules by adding modules to package `writ` that add to these sets.
package writ

import data.writ_config as config

class_rank := {"A0": 0, "A1": 1, "A2": 2, "A3": 3, "A4": 4, "A5": 5}

# Rank of the action class; an unknown class counts as the highest.
rank := r if {
	r := class_rank[input.action.class]
} else := 5

valid_version if input.version == "writ.input/v1"

deny contains {"code": "input.version", "text": "the policy input is not a writ.input/v1 document"} if {
	not valid_version
}

# Deny by default for A3+ without a sufficient basis. Tainted arguments are judged by
# taint.rego (which may send them to approval instead), so they are not double-counted here.
# The text reads every field with a default: a field the input lacks (no class, no basis) must
# not leave the text, and with it this deny, undefined — that would let the input through.
deny contains {"code": "basis.insufficient", "text": text} if {
	rank >= 3
	not input.basis.sufficient == true
	count(object.get(input, ["basis", "tainted"], [])) == 0
	text := sprintf(
		"an %s action needs a sufficient basis; score %v is below the required %v",
		[
			object.get(input, ["action", "class"], "unclassified"),
			object.get(input, ["basis", "score"], "missing"),
			object.get(input, ["basis", "threshold"], "threshold"),
		],
	)
}

# Approvals by class (data.writ_config.approval.classes maps a class to a rule id).
approval_required contains {"code": "approval.class", "text": text, "rule": rule} if {
	rule := config.approval.classes[input.action.class]
	text := sprintf("%s actions need approval under rule %s", [input.action.class, rule])
}

approval_required contains {"code": "tool.unregistered", "text": text, "rule": "dual-control"} if {
	input.action.registered == false
	text := sprintf("tool %s is not registered; it is treated as the highest class", [input.action.tool])
}

notes contains {"code": "basis.sufficient", "text": text} if {
	rank >= 3
	input.basis.sufficient == true
	text := sprintf("basis score %v meets the %v an %s action requires", [input.basis.score, input.basis.threshold, input.action.class])
}

# Approvals by amount: data.writ_config.approval.amounts lists
# {"tool": "<tool or *>", "argument": "<dotted path>", "above": <number>, "rule": "<rule id>"};
# a call whose numeric argument exceeds `above` needs that rule (refunds over 500, ...).
approval_required contains {"code": "approval.amount", "text": text, "rule": limit.rule} if {
	some limit in object.get(config, ["approval", "amounts"], [])
	limit.tool in {input.action.tool, "*"}
	value := object.get(input.action.args, split(limit.argument, "."), null)
	is_number(value)
	value > limit.above
	text := sprintf("%s of %v is above %v and needs approval under rule %s", [limit.argument, value, limit.above, limit.rule])
}
