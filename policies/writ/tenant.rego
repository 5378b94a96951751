# Per-tenant scope. A call acting on another tenant than the principal's is denied; a
# mutation whose basis holds another tenant's content is denied (cross-scope leakage);
# data.writ_config.tenants.scopes.<tenant> may cap the class (`max_class`) and list the
# tools (`tools`) a tenant may use; `require: true` demands a tenant for every mutation.
package writ

import data.writ_config as config

principal_tenant := object.get(input, ["principal", "tenant"], null)

tenant_scope := object.get(config, ["tenants", "scopes", principal_tenant], null)

deny contains {"code": "tenant.mismatch", "text": text} if {
	input.action.tenant != null
	principal_tenant != null
	input.action.tenant != principal_tenant
	text := sprintf("the call acts on tenant %s but the principal belongs to %s", [input.action.tenant, principal_tenant])
}

deny contains {"code": "tenant.missing", "text": "this deployment requires a tenant for every mutation"} if {
	object.get(config, ["tenants", "require"], false) == true
	rank >= 2
	principal_tenant == null
}

deny contains {"code": "tenant.cross-tenant-basis", "text": text} if {
	rank >= 2
	some f in input.basis.findings
	f.code == "basis.cross-tenant"
	text := sprintf("the basis holds content of another tenant (%s)", [f.item])
}

deny contains {"code": "tenant.class-not-allowed", "text": text} if {
	max_class := tenant_scope.max_class
	rank > class_rank[max_class]
	text := sprintf("tenant %s may not perform %s actions (max %s)", [principal_tenant, input.action.class, max_class])
}

deny contains {"code": "tenant.tool-not-allowed", "text": text} if {
	is_array(tenant_scope.tools)
	not input.action.tool in tenant_scope.tools
	text := sprintf("tenant %s may not use %s", [principal_tenant, input.action.tool])
}
