// How POST /v1/consumptions runs: each caller's single consumptions go through a Coalescer
// (api/coalescer.ts) in this API process. Up to CONSUMPTIONS_IN_FLIGHT_PER_CALLER run at once on their
// own, as they always did: the key claimed, the consumption's own workflow (`consumption:<id>`), the
// answer stored. The ones that arrive while that many are in flight wait, and when one finishes they go
// together, as the items of a batch go (./helpers.ts runKeyed): their keys claimed together, one batch
// workflow that debits each wallet once for all of them, their answers stored together.
//
// Nothing about a request's answer depends on the path it took: a consumption id is decided once under its
// wallet's lock whichever workflow decides it (db/consumption-debits.ts), a batch decision is answered as
// the single workflow's result (asConsumptionResult), and each request's answer is stored under its own
// Idempotency-Key and replayed from there. A lone request is never delayed; under load, one workflow start
// and a few idempotency statements carry many consumptions, which is what lets single consumptions keep up
// with the workflow engine (docs/benchmarks.md).
import { Coalescer } from '../../coalescer.ts';
import { HttpProblem } from '../../problem.ts';
import { idempotentOutcome } from '../../idempotency.ts';
import { consumptionRuns } from '../../metrics.ts';
import { executeConsumption } from '../../../workflows/consumption/client.ts';
import { consumptionOutcome, runKeyed, type BatchDeps, type KeyedAnswer, type KeyedConsumption } from './helpers.ts';

export type SingleConsumptions = Coalescer<KeyedConsumption, KeyedAnswer>;

const REUSED = 'this Idempotency-Key was used with a different request';

/**
 * Coalesced consumptions per run at most: a batch workflow's input is one Temporal payload (2 MB by
 * default) and a single consumption's fields may take a few KB; 250 keeps it well below, and c=16 to
 * c=100 callers fill far fewer.
 */
const MAX_COALESCED = 250;
/** Requests of one caller waiting per API process at most; more are answered 503 (retry with the key). */
const MAX_WAITING = 2_000;

/** The coalescer of one API process's single consumptions, one lane per caller (its principal id). */
export function singleConsumptions(deps: BatchDeps, inFlightPerCaller: number): SingleConsumptions {
  const target = { taskQueue: deps.config.temporal.taskQueue, eagerStart: deps.eagerStart === true };
  return new Coalescer<KeyedConsumption, KeyedAnswer>({
    maxInFlight: inFlightPerCaller,
    maxBatch: MAX_COALESCED,
    maxWaiting: MAX_WAITING,
    // Twins (a request and its retry) ride once; the same key with another body is its own entry (a 409).
    idOf: (e) => `${e.key}\n${e.requestHash}`,
    // As when twins race alone: one answer is the fresh one, the other's is replayed (a 409 stays a 409).
    asTwin: (a) => (a.outcome.status === 409 ? a : { ...a, replayed: true }),
    overloaded: () =>
      new HttpProblem('service_unavailable', `more than ${MAX_WAITING} consumptions of this caller are waiting; retry with the same Idempotency-Key`),
    // The caller (lane) is the principal whose key space the Idempotency-Key is in.
    runOne: ({ input: { fundingAccountId: _funding, ...input }, ...keyed }, principal) => {
      // The single workflow resolves the funding account itself, at the debit.
      return idempotentOutcome(deps.db, { principal, ...keyed }, async (consumptionId) => {
        countRun('own', 1);
        return consumptionOutcome(await executeConsumption(deps.temporal, target, { ...input, consumptionId }));
      });
    },
    runMany: (entries, principal) => runKeyed(deps, principal, entries, { reusedDetail: REUSED, onWorkflow: (n) => countRun('batch', n) }),
  });
}

function countRun(path: 'own' | 'batch', consumptions: number) {
  consumptionRuns.inc({ path, unit: 'workflows' });
  consumptionRuns.inc({ path, unit: 'consumptions' }, consumptions);
}
