// The worker's workflow entry: re-exports workflow functions and nothing else.
export { consumptionWorkflow } from './consumption/workflow.ts';
export { chargeWorkflow } from './charge/workflow.ts';
export { refundWorkflow } from './refund/workflow.ts';
export { autoRechargeWorkflow } from './auto-recharge/workflow.ts';
export { idempotencyRetentionWorkflow } from './idempotency-retention/workflow.ts';
export { webhookDeliveryWorkflow } from './webhook-delivery/workflow.ts';
export { bankDepositWorkflow } from './bank-deposit/workflow.ts';
export { consumptionBatchWorkflow } from './consumption-batch/workflow.ts';
