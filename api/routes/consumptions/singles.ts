// How POST /v1/consumptions runs: each caller's single consumptions go through a Coalescer
// (api/coalescer.ts) in this API process. Up to CONSUMPTIONS_IN_FLIGHT_PER_CALLER run at once on their
// own, as they always did: the key claimed, the consumption's own workflow (`consumption:<id>`), the
// answer stored. The ones that arrive while that many are in flight wait, and when one finishes they go
// together, as the items of a batch go (./helpers.ts runKeyed): their keys claimed in one statement, one
// batch workflow that debits each wallet once for all of them, their answers stored in one statement.
//
// Nothing about a request's answer depends on the path it took: a consumption id is decided once under its
// wallet's lock whichever workflow decides it (db/consumption-debits.ts), a batch decision is answered as
// the single workflow's result (asConsumptionResult), and each request's answer is stored under its own
// Idempotency-Key and replayed from there. A lone request is never delayed; under load, one workflow start
// and two idempotency statements carry many consumptions, which is what lets single consumptions keep up
// with the workflow engine (docs/benchmarks.md).
import { Coalescer } from '../../coalescer.ts';
import { idempotentOutcome, type IdempotencyScope } from '../../idempotency.ts';
import { consumptionRuns } from '../../metrics.ts';
import { executeConsumption } from '../../../workflows/consumption/client.ts';
import { MAX_BATCH_ITEMS } from '../../../workflows/consumption-batch/definitions.ts';
import { consumptionOutcome, runKeyed, type BatchDeps, type KeyedAnswer, type KeyedConsumption } from './helpers.ts';

export type SingleConsumptions = Coalescer<KeyedConsumption, KeyedAnswer>;

const REUSED = 'this Idempotency-Key was used with a different request';

/** The coalescer of one API process's single consumptions, one lane per caller (its principal id). */
export function singleConsumptions(deps: BatchDeps, inFlightPerCaller: number): SingleConsumptions {
  const target = { taskQueue: deps.config.temporal.taskQueue, eagerStart: deps.eagerStart === true };
  return new Coalescer<KeyedConsumption, KeyedAnswer>({
    maxInFlight: inFlightPerCaller,
    maxBatch: MAX_BATCH_ITEMS,
    // Twins (a request and its retry) ride once; the same key with another body is its own entry (a 409).
    idOf: (e) => `${e.key}\n${e.requestHash}`,
    runOne: (e, caller) => {
      consumptionRuns.inc({ path: 'own', unit: 'workflows' });
      consumptionRuns.inc({ path: 'own', unit: 'consumptions' });
      const scope: IdempotencyScope = { principal: caller, key: e.key, requestHash: e.requestHash, sameRequestHashes: e.sameRequestHashes };
      // The single workflow resolves the funding account itself, at the debit.
      const { fundingAccountId: _funding, ...input } = e.input;
      return idempotentOutcome(deps.db, scope, async (consumptionId) =>
        consumptionOutcome(await executeConsumption(deps.temporal, target, { ...input, consumptionId })),
      );
    },
    runMany: (entries, caller) => {
      consumptionRuns.inc({ path: 'batch', unit: 'workflows' });
      consumptionRuns.inc({ path: 'batch', unit: 'consumptions' }, entries.length);
      return runKeyed(deps, caller, entries, REUSED);
    },
  });
}
