package writ_test

budget(remaining) := {"id": "refunds-per-day", "limit": 1000, "used": 700, "reserved": 100, "requested": 200 - remaining, "remaining": remaining}

test_overrunning_a_budget_is_denied if {
	d := decide({"context": {"budgets": [budget(-50)]}})
	d.decision == "deny"
	"budget.exceeded" in codes(d)
}

test_within_budget_is_allowed if {
	d := decide({"context": {"budgets": [budget(50)]}})
	d.decision == "allow-with-constraints"
}

test_exactly_at_the_limit_is_allowed if {
	d := decide({"context": {"budgets": [budget(0)]}})
	d.decision == "allow-with-constraints"
}

test_near_limit_goes_to_approval_when_configured if {
	d := decide({"context": {"budgets": [budget(50)]}}) with data.writ_config.budgets.approval_above_ratio as 0.9
	d.decision == "require-approval"
	"budget.near-limit" in codes(d)
}

test_budget_bounds_the_argument_in_the_token if {
	d := decide({"context": {"budgets": [budget(50)]}}) with data.writ_config.budgets.arguments as {"refunds-per-day": "amount"}
	d.constraints.args == {"amount": {"max": 200}}
	d.constraints.ttlSeconds == 300
}
