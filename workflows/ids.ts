// Workflow ids are business ids with a prefix, built here and nowhere else, with their inverse beside.
// Pure: imported by workflows, activities and the API.

export const WorkflowPrefix = {
  charge: 'charge',
  consumption: 'consumption',
  refund: 'refund',
  autoRecharge: 'auto-recharge',
  bankDeposit: 'bank-deposit',
  consumptionBatch: 'consumption-batch',
} as const;

export type WorkflowKind = keyof typeof WorkflowPrefix;

export const chargeWorkflowId = (chargeId: string) => `${WorkflowPrefix.charge}:${chargeId}`;
export const consumptionWorkflowId = (consumptionId: string) => `${WorkflowPrefix.consumption}:${consumptionId}`;
export const refundWorkflowId = (refundId: string) => `${WorkflowPrefix.refund}:${refundId}`;
export const autoRechargeWorkflowId = (accountId: string) => `${WorkflowPrefix.autoRecharge}:${accountId}`;
export const bankDepositWorkflowId = (depositId: string) => `${WorkflowPrefix.bankDeposit}:${depositId}`;
/** A batch of consumptions; its id is derived from the caller and the batch's consumption ids. */
export const consumptionBatchWorkflowId = (batchId: string) => `${WorkflowPrefix.consumptionBatch}:${batchId}`;

/** The inverse of the id builders: `charge:abc` → { kind: 'charge', id: 'abc' }. */
export function parseWorkflowId(workflowId: string): { kind: WorkflowKind; id: string } | undefined {
  const sep = workflowId.indexOf(':');
  if (sep <= 0) return undefined;
  const prefix = workflowId.slice(0, sep);
  const id = workflowId.slice(sep + 1);
  const kind = (Object.keys(WorkflowPrefix) as WorkflowKind[]).find((k) => WorkflowPrefix[k] === prefix);
  return kind && id ? { kind, id } : undefined;
}

/** The business key of one step of one workflow: what makes a retried activity apply its effect once. */
export const stepKey = (workflowId: string, step: string) => `${workflowId}/${step}`;
