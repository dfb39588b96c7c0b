import { objectId } from './ids';
import type { Planned } from './meeting';
import { Rng } from './rng';
import { feeInvoiceCharged, feePaymentCompleted, suspensionUpdated, type Invoice } from './wise-bodies';
import { DAY_MS, type Classroom, type Person, type SimInstitute } from './world';

interface Charged extends Invoice {
  paidAt: number | null;
}

interface Account {
  c: Classroom;
  s: Person;
  keyedByIndex: boolean;
  invoices: Charged[];
  active: boolean;
  suspended: Array<[number, number]>;
}

const HOUR = 3_600_000;

/**
 * Fees of one institute: an invoice per instalment (Wise re-sends every instalment of a student when
 * one is added), payments in the classroom's currency (some late, some split, some never), and
 * suspensions for fee delay (with the overdue amount) or discipline, lifted again later.
 */
export class FeePlanner {
  private readonly accounts = new Map<string, Account>();

  constructor(
    private readonly rng: Rng,
    private readonly inst: SimInstitute,
    private readonly emit: (p: Planned) => void,
  ) {}

  enrol(c: Classroom, s: Person, at: number): void {
    const account: Account = { c, s, keyedByIndex: this.rng.chance(0.2), invoices: [], active: true, suspended: [] };
    this.accounts.set(`${c._id}:${s._id}`, account);
    this.charge(account, at + this.rng.int(60_000, 6 * HOUR));
  }

  leave(c: Classroom, s: Person): void {
    const a = this.accounts.get(`${c._id}:${s._id}`);
    if (a) a.active = false;
  }

  /** Adds the classroom's next instalment for every enrolled student whose plan has one left. */
  nextInstalment(c: Classroom, at: number): void {
    for (const a of this.accounts.values()) {
      if (a.c === c && a.active && a.invoices.length < c.instalments) this.charge(a, at + this.rng.int(0, 4 * HOUR));
    }
  }

  isSuspended(c: Classroom, s: Person, t: number): boolean {
    const a = this.accounts.get(`${c._id}:${s._id}`);
    return !!a && a.suspended.some(([from, to]) => t >= from && t < to);
  }

  /** A disciplinary suspension now and then, lifted after a few days. */
  discipline(c: Classroom, s: Person, at: number): void {
    const a = this.accounts.get(`${c._id}:${s._id}`);
    if (!a) return;
    const until = at + this.rng.int(2, 7) * DAY_MS;
    a.suspended.push([at, until]);
    this.emit({ at, body: suspensionUpdated(c, s, 'SUSPEND', true, null) });
    this.emit({ at: until, body: suspensionUpdated(c, s, 'SUSPEND', false, null) });
  }

  private charge(a: Account, at: number): void {
    const rng = this.rng;
    const invoice: Charged = {
      installmentId: a.keyedByIndex ? '' : objectId(rng, at),
      index: a.invoices.length,
      amountMinor: a.c.instalmentMinor,
      currency: a.c.currency,
      dueAfterDays: rng.pick([7, 10, 15, 30]),
      feeType: a.c.instalments > 1 ? 'INSTALLMENT' : 'ONE_TIME',
      paidAt: null,
    };
    a.invoices.push(invoice);
    // Adding an instalment re-sends all of them, a few milliseconds apart, with the new charge time.
    a.invoices.forEach((inv, i) => {
      this.emit({
        at: at + i * rng.int(5, 40),
        body: feeInvoiceCharged(a.c, a.s, this.inst.accountId, inv, at, inv.paidAt !== null && inv.paidAt <= at),
      });
    });
    this.planPayment(a, invoice, at);
  }

  private planPayment(a: Account, inv: Charged, chargedAt: number): void {
    const rng = this.rng;
    const due = chargedAt + inv.dueAfterDays * DAY_MS;
    const r = rng.next();
    if (r < 0.7) {
      this.pay(a, inv, rng.int(chargedAt + HOUR, due));
      return;
    }
    const suspendAt = due + rng.int(1, 3) * DAY_MS + rng.int(0, 8) * HOUR;
    this.emit({ at: suspendAt, body: suspensionUpdated(a.c, a.s, 'FEE_DELAY', true, { value: inv.amountMinor, currency: inv.currency }) });
    if (r < 0.85) {
      const paidAt = suspendAt + rng.int(1, 6) * DAY_MS;
      this.pay(a, inv, paidAt);
      a.suspended.push([suspendAt, paidAt + HOUR]);
      this.emit({ at: paidAt + rng.int(1, 4) * HOUR, body: suspensionUpdated(a.c, a.s, 'FEE_DELAY', false, null) });
    } else {
      a.suspended.push([suspendAt, Number.MAX_SAFE_INTEGER]);
    }
  }

  private pay(a: Account, inv: Charged, at: number): void {
    const rng = this.rng;
    inv.paidAt = at;
    const type = rng.chance(0.4) ? 'OFFLINE' : 'ONLINE';
    if (rng.chance(0.1) && inv.amountMinor >= 200) {
      // Paid in two parts, a few days apart.
      const first = Math.floor(inv.amountMinor / 2);
      this.emit({ at, body: feePaymentCompleted(a.c, a.s, type, objectId(rng, at), first, inv.currency) });
      const later = at + rng.int(2, 6) * DAY_MS;
      this.emit({ at: later, body: feePaymentCompleted(a.c, a.s, type, objectId(rng, later), inv.amountMinor - first, inv.currency) });
      return;
    }
    this.emit({ at, body: feePaymentCompleted(a.c, a.s, type, objectId(rng, at), inv.amountMinor, inv.currency) });
  }
}
