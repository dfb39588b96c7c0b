/**
 * The bytes of webhook bodies one ingestion process holds, counted as they arrive and kept until
 * the request's answer is sent (the body waits in memory for Kafka's ack) or the client goes away.
 * Two limits: the whole process (INGEST_QUEUE_MAX_BYTES), so that memory stays bounded, and each
 * institute (INGEST_INSTITUTE_MAX_BYTES), so that one institute's many or slow uploads can never
 * hold more than its share: the rest of the process stays for the others.
 *
 * Counting bytes received, not bytes declared: a chunked upload declares nothing, and a slow one
 * that declared 1 MiB but sent 1 KB holds 1 KB, so neither can take room it does not use.
 */
export type BudgetLimit = 'institute' | 'process';

/** Why bytes did not fit: the limit that refused them, what it holds and its size. */
export interface BudgetRefusal {
  limit: BudgetLimit;
  heldBytes: number;
  maxBytes: number;
}

export class BodyBudget {
  private total = 0;
  private readonly byInstitute = new Map<string, number>();

  constructor(
    readonly processMaxBytes: number,
    readonly instituteMaxBytes: number,
  ) {}

  /** Whether `bytes` more for `institute` fit now: null when they do, else the limit they pass. */
  check(institute: string, bytes: number): BudgetRefusal | null {
    const held = this.byInstitute.get(institute) ?? 0;
    // The institute's own limit first: when both are full, it is the one the sender can act on.
    if (held + bytes > this.instituteMaxBytes) return { limit: 'institute', heldBytes: held, maxBytes: this.instituteMaxBytes };
    if (this.total + bytes > this.processMaxBytes) return { limit: 'process', heldBytes: this.total, maxBytes: this.processMaxBytes };
    return null;
  }

  /** A hold for one request's body, empty until its bytes arrive. */
  open(institute: string): BodyHold {
    return new BodyHold(this, institute);
  }

  /** Bytes held per institute, for the metrics. */
  held(): ReadonlyMap<string, number> {
    return this.byInstitute;
  }

  get totalBytes(): number {
    return this.total;
  }

  /** @internal BodyHold's bookkeeping; `bytes` is negative on release. */
  move(institute: string, bytes: number): void {
    this.total += bytes;
    const held = (this.byInstitute.get(institute) ?? 0) + bytes;
    if (held === 0) this.byInstitute.delete(institute);
    else this.byInstitute.set(institute, held);
  }
}

/** One request's share of the budget: grows chunk by chunk, given back once. */
export class BodyHold {
  private bytes = 0;
  private released = false;

  constructor(
    private readonly budget: BodyBudget,
    readonly institute: string,
  ) {}

  /** Holds `bytes` more if they fit; otherwise holds nothing more and says which limit refused. */
  take(bytes: number): BudgetRefusal | null {
    if (this.released) return null;
    const refusal = this.budget.check(this.institute, bytes);
    if (refusal) return refusal;
    this.budget.move(this.institute, bytes);
    this.bytes += bytes;
    return null;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Gives every byte back (answer sent, or client gone); later takes hold nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.move(this.institute, -this.bytes);
    this.bytes = 0;
  }
}
