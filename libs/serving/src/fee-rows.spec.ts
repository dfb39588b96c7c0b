import {
  dayKey,
  instalmentsOf,
  paymentsOf,
  revenueDays,
  toInvoiceFact,
  toPaymentFact,
  type InvoiceFact,
  type PaymentFact,
} from './fee-rows';

const invoice = (over: Partial<InvoiceFact>): InvoiceFact => ({
  institute_id: 'i',
  student_id: 'alice',
  classroom_id: 'physics',
  instalment_index: 1,
  event_id: 'e1',
  at_ms: 1_000,
  installment_id: '',
  amount_minor: 5000,
  currency: 'INR',
  charged_at: '2024-06-02 10:00:00',
  charged_day: '2024-06-02',
  due_on: null,
  paid: 0,
  fee_type: 'TUITION',
  note: '',
  student_name: 'Alice',
  classroom_name: 'Physics',
  ...over,
});

const payment = (over: Partial<PaymentFact>): PaymentFact => ({
  institute_id: 'i',
  transaction_id: 'tx1',
  event_id: 'p1',
  classroom_id: 'physics',
  student_id: 'alice',
  amount_minor: 5000,
  currency: 'INR',
  payment_type: 'OFFLINE',
  paid_at_ms: 1_717_405_200_000,
  paid_at: '2024-06-03 09:00:00',
  paid_day: '2024-06-03',
  student_name: 'Alice',
  classroom_name: 'Physics',
  ...over,
});

describe('instalmentsOf', () => {
  it('makes one row per instalment from its versions: the latest by time for values, the first charge, the latest id and names that were sent', () => {
    const rows = instalmentsOf([
      invoice({ event_id: 'e1', at_ms: 1_000, installment_id: 'inst-1', amount_minor: 5000, charged_at: '2024-06-02 10:00:00' }),
      // A later version without the id and with an empty name: neither erases what was sent.
      invoice({
        event_id: 'e2',
        at_ms: 2_000,
        amount_minor: 5500,
        charged_at: '2024-06-05 08:00:00',
        charged_day: '2024-06-05',
        student_name: '',
        note: 'late fee added',
      }),
      // A copy of e1 delivered later: it is e1, still at its first delivery's time.
      invoice({ event_id: 'e1', at_ms: 9_000, installment_id: 'inst-1', amount_minor: 5000 }),
      // Another instalment of the same owner.
      invoice({ event_id: 'e3', instalment_index: 2, at_ms: 1_500, amount_minor: 7000 }),
    ]);
    expect(rows.sort((a, b) => a.instalment_index - b.instalment_index)).toEqual([
      {
        institute_id: 'i',
        student_id: 'alice',
        classroom_id: 'physics',
        instalment_index: 1,
        installment_id: 'inst-1',
        amount_minor: 5500,
        currency: 'INR',
        charged_at: '2024-06-02 10:00:00',
        due_on: null,
        paid_when_sent: 0,
        fee_type: 'TUITION',
        note: 'late fee added',
        student_name: 'Alice',
        classroom_name: 'Physics',
        day: '2024-06-02',
      },
      expect.objectContaining({ instalment_index: 2, amount_minor: 7000, day: '2024-06-02' }),
    ]);
  });

  it('breaks a tie in time by event id, compared byte by byte as ClickHouse compares strings', () => {
    // A character outside the BMP is a surrogate pair in UTF-16 (0xD83D…), below U+FF5A there, but
    // its UTF-8 bytes (0xF0…) are above U+FF5A's (0xEF…); ClickHouse orders strings by bytes.
    const astral = '\u{1F600}'; // UTF-16 0xD83D…, UTF-8 0xF0…
    const bmp = '\uFF5A'; // UTF-16 0xFF5A, UTF-8 0xEF…
    const [row] = instalmentsOf([invoice({ event_id: astral, amount_minor: 1 }), invoice({ event_id: bmp, amount_minor: 2 })]);
    expect(row.amount_minor).toBe(1);
  });
});

describe('paymentsOf', () => {
  it('dates a payment by its first delivery, and takes the rest from its latest version', () => {
    const rows = paymentsOf([
      payment({ event_id: 'p1', paid_at_ms: 1_717_405_200_000, paid_at: '2024-06-03 09:00:00', paid_day: '2024-06-03' }),
      // A retry of p1 received the next day: the payment keeps the first time and day.
      payment({ event_id: 'p1', paid_at_ms: 1_717_491_600_000, paid_at: '2024-06-04 09:00:00', paid_day: '2024-06-04' }),
      // A correction naming another classroom, later.
      payment({
        event_id: 'p2',
        paid_at_ms: 1_717_410_000_000,
        paid_at: '2024-06-03 10:20:00',
        classroom_id: 'chemistry',
        classroom_name: '',
      }),
    ]);
    expect(rows).toEqual([
      {
        institute_id: 'i',
        transaction_id: 'tx1',
        paid_at: '2024-06-03 09:00:00',
        classroom_id: 'chemistry',
        student_id: 'alice',
        amount_minor: 5000,
        currency: 'INR',
        payment_type: 'OFFLINE',
        student_name: 'Alice',
        classroom_name: 'Physics',
        day: '2024-06-03',
      },
    ]);
  });
});

describe('revenueDays', () => {
  it('sums the money of the asked classroom-days per currency, an instalment on its charge day, a payment in its latest classroom', () => {
    const instalments = instalmentsOf([
      invoice({ event_id: 'e1', amount_minor: 5000 }),
      invoice({ event_id: 'e2', student_id: 'bob', amount_minor: 3000 }),
      invoice({ event_id: 'e3', student_id: 'carol', amount_minor: 1500, currency: 'USD' }),
      // Counted on 5 June, a day not asked for.
      invoice({ event_id: 'e4', student_id: 'dan', charged_at: '2024-06-05 08:00:00', charged_day: '2024-06-05' }),
    ]);
    const payments = paymentsOf([
      payment({ event_id: 'p1', transaction_id: 'tx1', classroom_id: 'physics', paid_day: '2024-06-02' }),
      payment({ event_id: 'p2', transaction_id: 'tx1', classroom_id: 'chemistry', paid_at_ms: 1_717_500_000_000, paid_day: '2024-06-04' }),
      payment({ event_id: 'p3', transaction_id: 'tx2', amount_minor: 2000, paid_day: '2024-06-02' }),
    ]);
    const days = new Set([dayKey('i', 'physics', '2024-06-02'), dayKey('i', 'chemistry', '2024-06-02')]);
    const rows = revenueDays(instalments, payments, days).sort((a, b) =>
      a.classroom_id + a.currency < b.classroom_id + b.currency ? -1 : 1,
    );
    expect(rows).toEqual([
      // tx1 is dated 2 June (its first delivery) and counted in chemistry (its latest version).
      {
        institute_id: 'i',
        classroom_id: 'chemistry',
        day: '2024-06-02',
        currency: 'INR',
        invoiced_minor: 0,
        invoices: 0,
        collected_minor: 5000,
        payments: 1,
      },
      {
        institute_id: 'i',
        classroom_id: 'physics',
        day: '2024-06-02',
        currency: 'INR',
        invoiced_minor: 8000,
        invoices: 2,
        collected_minor: 2000,
        payments: 1,
      },
      {
        institute_id: 'i',
        classroom_id: 'physics',
        day: '2024-06-02',
        currency: 'USD',
        invoiced_minor: 1500,
        invoices: 1,
        collected_minor: 0,
        payments: 0,
      },
    ]);
  });
});

describe('reading fee facts', () => {
  it('takes 64-bit integers as text (18.16) or numbers (current ClickHouse), and keeps NULLs', () => {
    const fromServer = { ...invoice({}), at_ms: '1000', amount_minor: '5000', instalment_index: '1', due_on: null, paid: null };
    expect(toInvoiceFact(fromServer)).toEqual(invoice({ paid: null }));
    const p = payment({});
    expect(toPaymentFact({ ...p, paid_at_ms: String(p.paid_at_ms), amount_minor: '5000' })).toEqual(p);
  });
});
