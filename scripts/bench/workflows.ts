// The benchmark worker's workflow bundle: every workflow of the service, and an empty workflow whose
// rate is the bare Temporal ceiling the service's figures are compared with (same worker, same server).
export * from '../../workflows/index.ts';

export async function emptyWorkflow(): Promise<void> {}
