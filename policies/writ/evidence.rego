# Evidence for code and deployment actions (TraceScript §22.10: code action without
# topology proof). A call that declares an effect listed in data.writ_config.evidence.effects
# needs, among its usable basis items, one of the listed kinds (test evidence, a prior
# receipt) with verified or canonical authority. A model saying "the tests passed" is an
# inference, not evidence.
package writ

import data.writ_config as config

evidence_kinds contains kind if {
	some effect in input.action.effects.declared
	some kind in object.get(config, ["evidence", "effects", effect], [])
}

evidence_authorities := object.get(config, ["evidence", "authorities"], ["canonical", "verified"])

has_evidence if {
	some item in input.basis.items
	item.usable == true
	item.kind in evidence_kinds
	item.effectiveAuthority in evidence_authorities
}

deny contains {"code": "evidence.missing", "text": text} if {
	rank >= 3
	count(evidence_kinds) > 0
	not has_evidence
	text := sprintf("%s needs verified evidence in its basis (%v)", [input.action.tool, evidence_kinds])
}
