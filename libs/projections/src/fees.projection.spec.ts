import { instalmentKey, projectInvoice, projectPayment } from './fees.projection';
import { at, envelope, RECEIVED_S, refusal } from './projection.fixtures';
import { INVOICE_EVENTS, MONEY_BY_TIME, PAYMENT_EVENTS } from './projected-tables';

const classroom = { _id: 'c1', name: 'Physics' };
const student = { _id: 'u1', name: 'Alice' };
const invoiceBody = (metadata: Record<string, unknown>, amount: unknown = { value: 500000, currency: 'INR' }) => ({
  event: 'FeeInvoiceChargedEvent' as const,
  payload: { classroom, student, transaction: { chargedAt: '2024-06-01T08:00:00.000Z', amount, metadata } },
});
const invoice = (metadata: Record<string, unknown>) => projectInvoice(envelope(invoiceBody(metadata)))[INVOICE_EVENTS]!;

describe('instalmentKey', () => {
  it.each([
    ['inst-1', 0, 'inst-1'],
    ['', 2, 'index:2'],
  ])('(%j, %j) -> %j', (id, index, key) => expect(instalmentKey(id, index)).toBe(key));
});

describe('projectInvoice', () => {
  it.each([
    [
      'keyed by installmentId',
      { index: 0, installmentId: 'inst-a0', paid: false },
      { instalment_key: 'inst-a0', instalment_index: 0, paid: 0 },
    ],
    [
      'keyed by index when installmentId is empty',
      { index: 1, installmentId: '' },
      { instalment_key: 'index:1', instalment_index: 1, paid: null },
    ],
  ])('%s', (_case, metadata, expected) => {
    expect(invoice(metadata)[0]).toMatchObject({
      student_id: 'u1',
      classroom_id: 'c1',
      amount_minor: 500000,
      currency: 'INR',
      charged_at: at('2024-06-01T08:00:00Z'),
      ...expected,
    });
  });

  // One instalment sent first without its installmentId, then with it: two fact rows (each its
  // own event) that agree on what the views group by, (student, classroom, instalment_index), and
  // whose money rows name the same owner, which is how a revenue round finds both.
  it('gives both versions of an instalment the index and owner the views group by', () => {
    const versions = [
      { index: 3, installmentId: '' },
      { index: 3, installmentId: 'inst-a3' },
    ].map((metadata) => projectInvoice(envelope(invoiceBody(metadata))));
    expect(versions.map((rows) => rows[INVOICE_EVENTS]![0])).toEqual([
      expect.objectContaining({ student_id: 'u1', classroom_id: 'c1', instalment_index: 3, instalment_key: 'index:3', installment_id: '' }),
      expect.objectContaining({
        student_id: 'u1',
        classroom_id: 'c1',
        instalment_index: 3,
        instalment_key: 'inst-a3',
        installment_id: 'inst-a3',
      }),
    ]);
    expect(versions.map((rows) => rows[MONEY_BY_TIME]![0])).toEqual([
      expect.objectContaining({ kind: 'invoice', student_id: 'u1', classroom_id: 'c1', at_s: at('2024-06-01T08:00:00Z') }),
      expect.objectContaining({ kind: 'invoice', student_id: 'u1', classroom_id: 'c1', at_s: at('2024-06-01T08:00:00Z') }),
    ]);
  });

  // What the contract refuses never reaches the projection: the reason names the field.
  it.each([
    ['no instalment index (an installmentId alone does not do)', { installmentId: 'inst-a0' }, undefined, /metadata\.index: is required/],
    ['money that is not integer minor units', { index: 0 }, { value: '5000', currency: 'INR' }, /amount\.value/],
  ])('refuses %s', (_case, metadata, amount, reason) => expect(refusal(invoiceBody(metadata, amount))).toMatch(reason));
});

describe('projectPayment', () => {
  const body = (transaction: unknown) => ({
    event: 'FeePaymentCompletedEvent' as const,
    payload: { type: 'OFFLINE', classroom, student, transaction },
  });
  const run = (transaction: unknown, occurredAt: number | null = null) =>
    projectPayment(envelope(body(transaction), { occurredAt }))[PAYMENT_EVENTS]!;
  it.each([
    ['paid at receivedAt (no time in the event)', null, RECEIVED_S * 1000],
    ['paid at occurredAt when known', 1000, 1000],
  ])('%s', (_case, occurredAt, paidAt) => {
    expect(run({ _id: 'tx-1', amount: { value: 2000, currency: 'USD' } }, occurredAt)[0]).toMatchObject({
      transaction_id: 'tx-1',
      amount_minor: 2000,
      currency: 'USD',
      paid_at_ms: paidAt,
    });
  });
  it('refuses a payment without transaction id', () =>
    expect(refusal(body({ amount: { value: 1, currency: 'USD' } }))).toMatch(/transaction\._id/));
});
