// Moved to api/views/refund.ts; kept for the routers not yet moved (api/routes/consumptions.ts, refunds.ts).
export { refundView } from '../views/refund.ts';
