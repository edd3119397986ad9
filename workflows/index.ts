// The worker's workflow entry: re-exports workflow functions and nothing else.
export { consumptionWorkflow } from './consumption/workflow.ts';
