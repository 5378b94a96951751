# Shadow-workflow escalation (TraceScript §5.9, §16, §22.8). The firewall exposes the
# session's history as input.context.history.signals: earlier blocks of this exact intent,
# a different tool with the same effect tried after a denial, and scope narrowed after a
# denial then widened again. A route around governance goes to a person, not through.
package writ

import data.writ_config as config

signals := object.get(input, ["context", "history", "signals"], {})

shadow_rule := object.get(config, ["shadow", "rule"], "security-review")

repeated := object.get(signals, "repeatedDenials", 0)

deny contains {"code": "shadow.repeated-denials", "text": text} if {
	repeated >= object.get(config, ["shadow", "deny_after_denials"], 4)
	text := sprintf("this intent was already refused %d times in this session", [repeated])
}

approval_required contains {"code": "shadow.repeated-denials", "text": text, "rule": shadow_rule} if {
	repeated >= object.get(config, ["shadow", "approval_after_denials"], 2)
	text := sprintf("this intent was refused %d times before; retrying it needs review", [repeated])
}

approval_required contains {"code": "shadow.alternate-tool", "text": text, "rule": shadow_rule} if {
	signals.alternateToolAfterDenial == true
	rank >= 2
	text := sprintf("%s has the same effect as a tool refused earlier in this session", [input.action.tool])
}

approval_required contains {"code": "shadow.scope-expansion", "text": text, "rule": shadow_rule} if {
	signals.scopeExpansionAfterNarrowing == true
	rank >= 2
	text := sprintf("%s was refused, narrowed, and is now widened again", [input.action.tool])
}
