// Building blocks of the response schemas (api/views/*): the JSON the API answers, as zod schemas that the
// views are typed by, /openapi.json is generated from (api/openapi.ts), and API tests validate against.
import { z } from 'zod';

export const Uuid = z.uuid();
/** A moment as the API writes it: an ISO 8601 instant in UTC (Date.toISOString). */
export const Timestamp = z.iso.datetime();
/** A whole number of points (1 point = 1 KRW). */
export const PointsValue = z.number().int();
