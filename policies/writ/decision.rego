# Assembles data.writ.decision (writ.decision/v1) from the deny / approval_required /
# notes sets the modules contribute. Precedence: deny > require-approval > constraints > allow.
package writ

import data.writ_config as config

default decision := {
	"version": "writ.decision/v1",
	"decision": "deny",
	"reasons": [{"code": "policy.undefined", "text": "the policy could not reach a decision"}],
}

decision := {
	"version": "writ.decision/v1",
	"decision": "deny",
	"reasons": deny,
	"risk": risk,
} if {
	count(deny) > 0
} else := {
	"version": "writ.decision/v1",
	"decision": "require-approval",
	"reasons": approval_reasons,
	"risk": risk,
	"constraints": constraints,
	"approval": approval_rule,
} if {
	count(approval_required) > 0
	not approval_satisfied
} else := {
	"version": "writ.decision/v1",
	"decision": "allow-with-constraints",
	"reasons": allow_reasons,
	"risk": risk,
	"constraints": constraints,
} if {
	count(constraints) > 0
} else := {
	"version": "writ.decision/v1",
	"decision": "allow",
	"reasons": allow_reasons,
	"risk": risk,
}

approval_reasons := {{"code": r.code, "text": r.text} | some r in approval_required} | approval_problems

allow_reasons := notes | {r | count(approval_required) > 0; approval_satisfied; r := {"code": "approval.satisfied", "text": "the required approvals are present"}}

# Token constraints: the class defaults from data, plus what modules add (budgets, secrets).
constraints := object.union(object.get(config, ["constraints", input.action.class], {}), extra_constraints)

risk := min([100, ((rank * 15) + (count(deny) * 10)) + (count(approval_required) * 5)])
