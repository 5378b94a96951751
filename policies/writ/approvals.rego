# Approval rules with separation of duties.
#
# When several modules ask for approval, the strictest rule wins (highest `rank` in
# data.writ_config.approval.rules). Only verified approvals reach input.approvals; this
# module re-checks that each names this intent and rule, that the approver holds one of the
# rule's roles, and — with separation of duties — that the approver is neither the
# principal nor the agent. Distinct approvers are counted against the rule's threshold.
package writ

import data.writ_config as config

approval_rule_ids contains r.rule if some r in approval_required

rule_rank(id) := object.get(config, ["approval", "rules", id, "rank"], 0)

top_rank := max({rule_rank(id) | some id in approval_rule_ids})

# Ties are broken by name so the choice is deterministic.
approval_rule_id := min({id | some id in approval_rule_ids; rule_rank(id) == top_rank})

approval_rule := {
	"rule": approval_rule_id,
	"roles": rule.roles,
	"threshold": rule.threshold,
	"separationOfDuties": rule.separationOfDuties,
	"expiresInSeconds": rule.expiresInSeconds,
} if {
	rule := config.approval.rules[approval_rule_id]
}

# A rule id nobody defined would leave the approval undecidable: fail closed.
deny contains {"code": "approval.rule-unknown", "text": text} if {
	some id in approval_rule_ids
	not config.approval.rules[id]
	text := sprintf("approval rule %s is not defined in data.writ_config.approval.rules", [id])
}

self_approval(a) if {
	approval_rule.separationOfDuties == true
	a.approver == input.principal.id
}

self_approval(a) if {
	approval_rule.separationOfDuties == true
	a.approver == input.agent.id
}

names_rule(a) if a.rule == null

names_rule(a) if a.rule == approval_rule.rule

now_ns := time.parse_rfc3339_ns(input.context.time)

# Stale authorization replay (TraceScript §22.7): an approval counts only inside its own
# expiry and inside the rule's window from when it was issued.
fresh(a) if {
	a.expiresAt == null
	time.parse_rfc3339_ns(a.issuedAt) + (approval_rule.expiresInSeconds * 1000000000) >= now_ns
}

fresh(a) if {
	a.expiresAt != null
	time.parse_rfc3339_ns(a.expiresAt) > now_ns
	time.parse_rfc3339_ns(a.issuedAt) + (approval_rule.expiresInSeconds * 1000000000) >= now_ns
}

countable(a) if {
	a.intent == input.action.intent
	a.role in approval_rule.roles
	names_rule(a)
	not self_approval(a)
	fresh(a)
}

valid_approvers contains a.approver if {
	some a in input.approvals
	countable(a)
}

approval_satisfied if count(valid_approvers) >= approval_rule.threshold

approval_problems contains {"code": "approval.separation-of-duties", "text": text} if {
	some a in input.approvals
	self_approval(a)
	text := sprintf("an approval by %s does not count: approvers must differ from the principal and the agent", [a.approver])
}

approval_problems contains {"code": "approval.role", "text": text} if {
	some a in input.approvals
	a.intent == input.action.intent
	not a.role in approval_rule.roles
	text := sprintf("an approval by %s does not count: role %s is not one of %v", [a.approver, a.role, approval_rule.roles])
}

approval_problems contains {"code": "approval.intent", "text": "an approval names a different intent; arguments changed after approval"} if {
	some a in input.approvals
	a.intent != input.action.intent
}

approval_problems contains {"code": "approval.expired", "text": text} if {
	some a in input.approvals
	a.intent == input.action.intent
	not fresh(a)
	text := sprintf("an approval by %s has expired", [a.approver])
}

approval_problems contains {"code": "approval.threshold", "text": text} if {
	count(valid_approvers) > 0
	count(valid_approvers) < approval_rule.threshold
	text := sprintf("%d of %d required approvals are present", [count(valid_approvers), approval_rule.threshold])
}
