/**
 * What an operator action can be refused for, each mapped to its own HTTP status by the API:
 * a name taken by other content (409), a status the action does not apply to (409), a wave or
 * server the plan does not have (404).
 */

/** Another plan with this name but other content exists: submitting would change a running plan. */
export class PlanConflictError extends Error {
  override readonly name = "PlanConflictError";
}

/** The operation does not apply to the plan (or its wave, its server) in its current status. */
export class PlanStateError extends Error {
  override readonly name = "PlanStateError";
}

/** The plan has no wave or server by that name; the message lists the names it has. */
export class PlanTargetError extends Error {
  override readonly name = "PlanTargetError";
}
