package writ_test

host(name, allowed, internal) := {"host": name, "argument": "body", "allowed": allowed, "internal": internal}

test_unlisted_host_is_denied if {
	d := decide({"action": {"hosts": [host("evil.test", false, null)]}})
	d.decision == "deny"
	"egress.host-not-allowed" in codes(d)
}

test_host_the_registry_allowed_passes if {
	d := decide({"action": {"hosts": [host("www.example.com", true, null)]}})
	d.decision == "allow-with-constraints"
}

test_host_listed_in_policy_data_passes if {
	d := decide({"action": {"hosts": [host("docs.partner.io", false, null)]}}) with data.writ_config.egress.allow as ["*.partner.io"]
	d.decision == "allow-with-constraints"
}

test_wildcard_does_not_match_the_apex_or_lookalikes if {
	apex := decide({"action": {"hosts": [host("partner.io", false, null)]}}) with data.writ_config.egress.allow as ["*.partner.io"]
	apex.decision == "deny"
	lookalike := decide({"action": {"hosts": [host("evilpartner.io", false, null)]}}) with data.writ_config.egress.allow as ["*.partner.io"]
	lookalike.decision == "deny"
}

test_tenant_and_tool_allowlists if {
	by_tenant := decide({"action": {"hosts": [host("api.acme.test", false, null)]}}) with data.writ_config.egress.tenants as {"acme": ["api.acme.test"]}
	by_tenant.decision == "allow-with-constraints"
	by_tool := decide({"action": {"tool": "web.fetch", "class": "A0", "hosts": [host("news.test", false, null)]}}) with data.writ_config.egress.tools as {"web.fetch": ["*"]}
	by_tool.decision == "allow"
	other_tenant := decide({"action": {"hosts": [host("api.acme.test", false, null)]}}) with data.writ_config.egress.tenants as {"globex": ["api.acme.test"]}
	other_tenant.decision == "deny"
}

test_metadata_endpoint_is_always_denied if {
	d := decide({"action": {"class": "A0", "hosts": [host("169.254.169.254", false, "metadata")]}}) with data.writ_config.egress.allow as ["*"]
	d.decision == "deny"
	"egress.metadata-endpoint" in codes(d)
}

test_internal_host_is_denied_unless_listed_or_tool_is_internal if {
	denied := decide({"action": {"hosts": [host("10.0.0.7", false, "private-ip")]}})
	"egress.internal-host" in codes(denied)
	listed := decide({"action": {"hosts": [host("10.0.0.7", false, "private-ip")]}}) with data.writ_config.egress.allow as ["10.0.0.7"]
	listed.decision == "allow-with-constraints"
	internal_tool := decide({"action": {"hosts": [host("db.internal", false, "internal-name")]}}) with data.writ_config.egress.internal_tools as ["email.send"]
	internal_tool.decision == "allow-with-constraints"
}
