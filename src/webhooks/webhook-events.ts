// The kinds of event the hub sends to billers, and their delivery states: one list each, shared by the
// SQL CHECK constraints (migrations/0005_webhooks.sql), the API's filters and its documentation.

export const EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.failed',
  'receipt.issued',
  'refund.succeeded',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'no_endpoint'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What recordEvent stores and sends: the object the event is about, as the API shows it. */
export interface NewEvent {
  biller_id: string;
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * A receipt.issued event stored as a reference to its receipt (migrations/0017): its data, the receipt
 * as issued, is rendered from the receipt's row whenever the event is read or sent.
 */
export interface ReceiptIssuedEvent {
  biller_id: string;
  type: 'receipt.issued';
  receipt_id: string;
}

/** An event as the batched confirmations record it (WebhooksService.plannedEventsStatement). */
export type PlannedEventInput = NewEvent | ReceiptIssuedEvent;
