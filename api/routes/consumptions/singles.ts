// How POST /v1/consumptions runs its debits: each caller's single consumptions go through a Coalescer
// (api/coalescer.ts) in this API process. Up to CONSUMPTIONS_IN_FLIGHT_PER_CALLER run at once as their
// own consumption workflows (`consumption:<id>`), as they always did; the ones that arrive while that many
// are in flight wait, and when one finishes they go together in one batch workflow (the same workflow and
// debit as POST /v1/consumptions/batch, one wallet lock and one transaction for all of them).
//
// Nothing about a request's answer depends on the path it took: a consumption id is decided once under its
// wallet's lock whichever path decides it (db/consumption-debits.ts), a batch decision is answered as the
// single workflow's result (asConsumptionResult), and each request stores its own answer under its
// Idempotency-Key as before. A lone request is never delayed; under load, one workflow start carries many
// debits, which is what lets single consumptions keep up with the workflow engine (docs/benchmarks.md).
import type { Client } from '@temporalio/client';
import { Coalescer } from '../../coalescer.ts';
import { consumptionRuns } from '../../metrics.ts';
import { executeConsumption, type ConsumptionTarget } from '../../../workflows/consumption/client.ts';
import type { ConsumptionResult } from '../../../workflows/consumption/definitions.ts';
import { executeConsumptionBatch } from '../../../workflows/consumption-batch/client.ts';
import { asConsumptionResult, MAX_BATCH_ITEMS, type BatchConsumptionInput } from '../../../workflows/consumption-batch/definitions.ts';

export type SingleConsumptions = Coalescer<BatchConsumptionInput, ConsumptionResult>;

/** The coalescer of one API process's single consumptions, one lane per caller (its principal id). */
export function singleConsumptions(temporal: Client, target: ConsumptionTarget, inFlightPerCaller: number): SingleConsumptions {
  return new Coalescer<BatchConsumptionInput, ConsumptionResult>({
    maxInFlight: inFlightPerCaller,
    maxBatch: MAX_BATCH_ITEMS,
    idOf: (input) => input.consumptionId,
    // The single workflow resolves the funding account itself, at the debit.
    runOne: ({ fundingAccountId: _funding, ...input }) => {
      consumptionRuns.inc({ path: 'own', unit: 'workflows' });
      consumptionRuns.inc({ path: 'own', unit: 'consumptions' });
      return executeConsumption(temporal, target, input);
    },
    runMany: async (inputs, caller) => {
      consumptionRuns.inc({ path: 'batch', unit: 'workflows' });
      consumptionRuns.inc({ path: 'batch', unit: 'consumptions' }, inputs.length);
      return (await executeConsumptionBatch(temporal, target, caller, inputs)).map((o, i) => asConsumptionResult(inputs[i]!, o));
    },
  });
}
