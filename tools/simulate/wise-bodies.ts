import type { WiseEventName } from '@wise/contracts';
import type { Classroom, Person } from './world';

/*
 * Wise webhook bodies, shaped like the published samples (libs/testing/fixtures/wise): the same
 * fields, nesting and time formats (Wise-native times ISO with milliseconds, Zoom times ISO without,
 * event_ts epoch ms). Pure: objects in, objects out; key order is fixed, so bodies are byte-stable.
 */

export type Json = Record<string, unknown>;
export interface WiseBody {
  event: WiseEventName;
  payload: Json;
  [extra: string]: unknown;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
/** Zoom writes whole seconds. */
export const zoomIso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const body = (event: WiseEventName, payload: Json): WiseBody => ({ event, payload });

/** Membership events name the classroom briefly; fee and certificate events in full. */
export const classroomBrief = (c: Classroom) => ({ _id: c._id, name: c.name });
export const classroomFull = (c: Classroom) => ({ _id: c._id, name: c.name, subject: c.subject, classNumber: c.classNumber });
export const personBrief = (p: Person) => ({ _id: p._id, name: p.name, email: p.email });
export const personFull = (p: Person) => ({ _id: p._id, name: p.name, phoneNumber: p.phoneNumber, email: p.email });

export function membership(
  kind: 'StudentAdded' | 'StudentRemoved' | 'TeacherAdded' | 'TeacherRemoved',
  c: Classroom,
  who: Person,
): WiseBody {
  const teacher = kind.startsWith('Teacher');
  const payload: Json = { classroom: teacher ? classroomFull(c) : classroomBrief(c), [teacher ? 'teacher' : 'student']: personBrief(who) };
  if (kind.endsWith('Removed')) payload.remove = true;
  return body(`${kind}ToClassroomEvent`.replace('RemovedTo', 'RemovedFrom') as WiseEventName, payload);
}

export interface SessionItem {
  _id: string;
  classId: string;
  userId: string;
  createdAt: string;
  meetingStatus: string;
  type: string;
  title: string;
  scheduledStartTime: string;
  scheduledEndTime: string;
}

export const sessionsCreated = (items: SessionItem[]): WiseBody => body('SessionsCreatedEvent', { sessions: items });

/** A sparse patch: `_id`, `classId`, `createdAt`, then only what changed. */
export const sessionsUpdated = (patches: Json[]): WiseBody => body('SessionsUpdatedEvent', { sessions: patches });

export function sessionsDeleted(item: SessionItem, updatedAtMs: number): WiseBody {
  return body('SessionsDeletedEvent', {
    sessions: [{ ...item, meetingStatus: 'CANCELLED', title: `${item.title} (Cancelled)`, updatedAt: iso(updatedAtMs) }],
  });
}

export const attendanceComputed = (sessionId: string, classId: string, userId: string): WiseBody =>
  body('AttendanceComputedEvent', { session: { _id: sessionId, classId, userId } });

export interface RecordingPart {
  type: string;
  url: string;
  duration: number;
  partIndex: number;
}

export const recordingCompleted = (userId: string, sessionId: string, recordings: RecordingPart[]): WiseBody =>
  body('RecordingCompletedEvent', { userId, sessionId, recordings });

export interface Invoice {
  installmentId: string;
  index: number;
  amountMinor: number;
  currency: string;
  dueAfterDays: number;
  feeType: string;
}

export function feeInvoiceCharged(c: Classroom, s: Person, receiverId: string, inv: Invoice, chargedAtMs: number, paid: boolean): WiseBody {
  return body('FeeInvoiceChargedEvent', {
    classroom: classroomFull(c),
    student: personFull(s),
    transaction: {
      status: 'CHARGED',
      type: 'INVOICE',
      senderId: s._id,
      receiverId,
      chargedAt: iso(chargedAtMs),
      amount: { value: inv.amountMinor, currency: inv.currency },
      note: `Invoice for Installment ${inv.index}`,
      metadata: {
        classId: c._id,
        dueOn: iso(chargedAtMs + inv.dueAfterDays * 86_400_000),
        dueAfterDays: inv.dueAfterDays,
        paid,
        index: inv.index,
        paymentOptionId: '',
        installmentId: inv.installmentId,
        feeType: inv.feeType,
        feeAssignedManually: inv.installmentId === '',
      },
    },
  });
}

export function feePaymentCompleted(
  c: Classroom,
  s: Person,
  type: string,
  transactionId: string,
  amountMinor: number,
  currency: string,
): WiseBody {
  return body('FeePaymentCompletedEvent', {
    type,
    classroom: classroomFull(c),
    student: personFull(s),
    transaction: { _id: transactionId, amount: { value: amountMinor, currency } },
  });
}

export function suspensionUpdated(
  c: Classroom,
  s: Person,
  reason: 'FEE_DELAY' | 'SUSPEND',
  suspended: boolean,
  overDue: { value: number; currency: string } | null,
): WiseBody {
  const payload: Json = { reason, suspended };
  if (overDue) payload.overDue = overDue;
  payload.classroom = classroomFull(c);
  payload.student = personFull(s);
  payload.teacher = personBrief(c.teacher);
  return body('StudentSuspensionUpdatedEvent', payload);
}

export function certificateIssued(c: Classroom, s: Person, certificateId: string, number: string, issuedOnMs: number): WiseBody {
  return body('CertificateIssuedEvent', {
    classroom: classroomFull(c),
    student: personFull(s),
    certificate: {
      _id: certificateId,
      certificateNumber: number,
      url: `https://certificates.wise.live/${c._id}/${certificateId}.pdf`,
      issuedOn: iso(issuedOnMs),
    },
  });
}
