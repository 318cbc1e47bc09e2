// Refuses a new order at once while the saga is overloaded (SagaAdmission): 429 problem+json
// with Retry-After, before the rate limit, the token check or any database work.
import { Injectable, type CanActivate } from '@nestjs/common';
import { ProblemException, problemType } from '@eventshop/service-kit';
import { SagaAdmission } from '../../orders/saga-admission';

@Injectable()
export class CreateOrderAdmissionGuard implements CanActivate {
  constructor(private readonly admission: SagaAdmission) {}

  canActivate(): boolean {
    const refusal = this.admission.refusal();
    if (refusal === undefined) return true;
    const retryAfter = Math.ceil(refusal.retryAfterMs / 1000);
    throw new ProblemException(
      {
        type: problemType('overloaded'),
        title: 'Too many orders in progress',
        status: 429,
        detail: `a new order would wait about ${(refusal.expectedMs / 1000).toFixed(1)} s to be confirmed, over the limit of ${this.admission.maxDelayMs / 1000} s; retry after ${retryAfter} s`,
      },
      { 'retry-after': String(retryAfter) },
    );
  }
}
