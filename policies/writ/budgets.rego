# Capability budgets (input.context.budgets, computed by the firewall at release time:
# limit, used, reserved, requested, remaining = limit - used - reserved - requested).
# Overrunning a budget is denied. Optionally, a call that brings use above a ratio of
# the limit goes to approval (data.writ_config.budgets.approval_above_ratio), and a budget
# measured on an argument bounds that argument in the token
# (data.writ_config.budgets.arguments.<budget id> = "<argument path>").
package writ

import data.writ_config as config

budgets := object.get(input, ["context", "budgets"], [])

deny contains {"code": "budget.exceeded", "text": text} if {
	some b in budgets
	b.remaining < 0
	text := sprintf("budget %s would be exceeded: %v requested, %v left", [b.id, b.requested, b.requested + b.remaining])
}

approval_required contains {"code": "budget.near-limit", "text": text, "rule": "manager-approval"} if {
	ratio := object.get(config, ["budgets", "approval_above_ratio"], null)
	is_number(ratio)
	some b in budgets
	b.remaining >= 0
	(b.used + b.reserved) + b.requested > b.limit * ratio
	text := sprintf("budget %s would be above %v of its limit", [b.id, ratio])
}

budget_bounds[path] := {"max": b.requested + b.remaining} if {
	some b in budgets
	path := object.get(config, ["budgets", "arguments", b.id], null)
	is_string(path)
	b.remaining >= 0
}

extra_constraints["args"] := budget_bounds if count(budget_bounds) > 0
