// What the payment-method routes accept.
import { z } from 'zod';

export const CreatePaymentMethod = z.object({ cardToken: z.string().min(1).max(200) }).strict();
