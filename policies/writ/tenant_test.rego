package writ_test

test_acting_on_another_tenant_is_denied if {
	d := decide({"action": {"tenant": "globex"}})
	d.decision == "deny"
	"tenant.mismatch" in codes(d)
}

test_acting_on_own_tenant_is_allowed if {
	d := decide({"action": {"tenant": "acme"}})
	d.decision == "allow-with-constraints"
}

test_cross_tenant_basis_blocks_mutations if {
	finding := {"code": "basis.cross-tenant", "severity": "warning", "item": "retrieval:1", "argument": null, "text": "x"}
	d := decide({"action": {"class": "A2"}, "basis": {"findings": [finding]}})
	d.decision == "deny"
	"tenant.cross-tenant-basis" in codes(d)
	read := decide({"action": {"class": "A0"}, "basis": {"findings": [finding]}})
	read.decision == "allow"
}

test_tenant_class_cap if {
	d := decide({"action": {"class": "A3"}}) with data.writ_config.tenants.scopes as {"acme": {"max_class": "A2"}}
	d.decision == "deny"
	"tenant.class-not-allowed" in codes(d)
	ok := decide({"action": {"class": "A2"}}) with data.writ_config.tenants.scopes as {"acme": {"max_class": "A2"}}
	ok.decision == "allow"
}

test_tenant_tool_list if {
	d := decide({}) with data.writ_config.tenants.scopes as {"acme": {"tools": ["crm.read"]}}
	"tenant.tool-not-allowed" in codes(d)
	ok := decide({}) with data.writ_config.tenants.scopes as {"acme": {"tools": ["email.send"]}}
	ok.decision == "allow-with-constraints"
}

test_required_tenant if {
	d := decide({"principal": {"tenant": null}}) with data.writ_config.tenants.require as true
	"tenant.missing" in codes(d)
	ok := decide({"principal": {"tenant": null}})
	ok.decision == "allow-with-constraints"
}
