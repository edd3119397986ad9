// The tax-document port (세금계산서 / 현금영수증 for deposit top-ups, SPEC §6.2) and the simulated issuer that
// runs by default. A real issuer (an e-tax-invoice ASP such as a Hometax-connected service) implements
// TaxDocumentIssuer: `issue` is idempotent by its key (the charge id), a definite refusal is
// BusinessError('tax_document_refused'), and anything else (unreachable, timeout, 5xx) is thrown as a plain
// error for the caller to retry with the same key.
//
// The simulated issuer keeps what it issued in PostgreSQL (SimulatedTaxIssue), so a retry after a lost
// answer gets the first document back. Test registration numbers: 999-99-99997 belongs to a closed
// business (휴폐업): the issuer refuses it; 111-11-11119 finds the issuer unreachable for its first two
// attempts per key (in memory, like tok_flaky), then works.
import { randomInt } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { BusinessError } from '../domain/errors.ts';

export type IssuedTaxDocumentType = 'tax_invoice' | 'cash_receipt';

export interface TaxDocumentRequest {
  /** The charge id: a repeated request answers the first document. */
  idempotencyKey: string;
  type: IssuedTaxDocumentType;
  /** 10 digits; required for a tax invoice, optional for a cash receipt (지출증빙). */
  businessRegistrationNumber: string | null;
  buyerName: string;
  /** Points = KRW, VAT included. */
  amount: number;
  /** The supply date: when the deposit was confirmed. */
  suppliedAt: Date;
}

export interface IssuedTaxDocument {
  /** The issuer's approval number (국세청 승인번호 for a tax invoice, 승인번호 for a cash receipt). */
  number: string;
  issuedAt: Date;
}

export interface TaxDocumentIssuer {
  issue(request: TaxDocumentRequest): Promise<IssuedTaxDocument>;
}

/** A transient issuer failure: unknown outcome, retry with the same key. */
export class TaxIssuerUnavailableError extends Error {
  constructor(message = 'the tax-document issuer is temporarily unavailable') {
    super(message);
    this.name = 'TaxIssuerUnavailableError';
  }
}

export const CLOSED_BUSINESS_NUMBER = '9999999997';
export const FLAKY_ISSUER_NUMBER = '1111111119';

export class SimulatedTaxIssuer implements TaxDocumentIssuer {
  private readonly failures = new Map<string, number>();

  constructor(private readonly db: Db) {}

  async issue(request: TaxDocumentRequest): Promise<IssuedTaxDocument> {
    const prior = await this.db.simulatedTaxIssue.findUnique({ where: { idempotencyKey: request.idempotencyKey } });
    if (prior) return { number: prior.number, issuedAt: prior.createdAt };
    if (request.type === 'tax_invoice' && !request.businessRegistrationNumber) {
      throw new BusinessError('tax_document_refused', "a tax invoice needs the buyer's business registration number");
    }
    if (request.businessRegistrationNumber === CLOSED_BUSINESS_NUMBER) {
      throw new BusinessError('tax_document_refused', `business ${request.businessRegistrationNumber} is closed (휴폐업): the issuer refuses the document`);
    }
    if (request.businessRegistrationNumber === FLAKY_ISSUER_NUMBER) {
      const failed = this.failures.get(request.idempotencyKey) ?? 0;
      if (failed < 2) {
        this.failures.set(request.idempotencyKey, failed + 1);
        throw new TaxIssuerUnavailableError(`the tax-document issuer timed out (simulated, ${failed + 1} of 2)`);
      }
    }
    const day = request.suppliedAt.toISOString().slice(0, 10).replace(/-/g, '');
    const number =
      request.type === 'tax_invoice' ? `${day}-41000000-${String(randomInt(0, 1e8)).padStart(8, '0')}` : `${String(randomInt(0, 1e9)).padStart(9, '0')}`;
    try {
      await this.db.simulatedTaxIssue.create({
        data: {
          idempotencyKey: request.idempotencyKey,
          type: request.type,
          businessRegistrationNumber: request.businessRegistrationNumber,
          amount: BigInt(request.amount),
          number,
        },
      });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
    const row = await this.db.simulatedTaxIssue.findUniqueOrThrow({ where: { idempotencyKey: request.idempotencyKey } });
    return { number: row.number, issuedAt: row.createdAt };
  }
}
