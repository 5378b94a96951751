# Egress allowlists. A host the call would reach is allowed when the registry's allowlist
# already admitted it (host.allowed) or when data.writ_config.egress lists it globally
# (`allow`), for the principal's tenant (`tenants.<tenant>`) or for the tool
# (`tools.<tool>`). Patterns: `example.com` exact, `*.example.com` subdomains, `*` any.
# Cloud metadata endpoints are always denied; other internal hosts unless the tool is in
# `internal_tools` or the host is listed.
package writ

import data.writ_config as config

egress_patterns contains p if some p in object.get(config, ["egress", "allow"], [])

egress_patterns contains p if some p in object.get(config, ["egress", "tenants", input.principal.tenant], [])

egress_patterns contains p if some p in object.get(config, ["egress", "tools", input.action.tool], [])

host_matches(_, "*") := true

host_matches(host, pattern) if lower(host) == lower(pattern)

host_matches(host, pattern) if {
	startswith(pattern, "*.")
	endswith(lower(host), lower(substring(pattern, 1, -1)))
}

host_listed(host) if {
	some pattern in egress_patterns
	host_matches(host, pattern)
}

host_allowed(h) if h.allowed == true

host_allowed(h) if host_listed(h.host)

deny contains {"code": "egress.metadata-endpoint", "text": text} if {
	some h in input.action.hosts
	h.internal == "metadata"
	text := sprintf("argument %s reaches the cloud metadata endpoint %s", [h.argument, h.host])
}

deny contains {"code": "egress.internal-host", "text": text} if {
	some h in input.action.hosts
	h.internal != null
	h.internal != "metadata"
	not host_allowed(h)
	not input.action.tool in object.get(config, ["egress", "internal_tools"], [])
	text := sprintf("argument %s reaches internal host %s (%s)", [h.argument, h.host, h.internal])
}

deny contains {"code": "egress.host-not-allowed", "text": text} if {
	some h in input.action.hosts
	h.internal == null
	not host_allowed(h)
	text := sprintf("argument %s reaches %s, which is not on an egress allowlist", [h.argument, h.host])
}
