/** Hono context variables set by the authentication middleware. */
export interface AuthorityEnv {
  Variables: {
    /** The authenticated agent (agent routes). */
    agentId: string;
    /** The authenticated approver (console routes). */
    approver: string;
    /** Request id for logs. */
    requestId: string;
  };
}
