// ZaloPay v2 wire types, with ZaloPay's own field names, so the code reads like zalopay.md
// (../../../shared/gateways/zalopay.md) and a diff against the gateway's docs stays easy.

/** POST /v2/create body. Numbers go on the wire as decimal text (the body is form-urlencoded). */
export interface ZalopayCreateRequest {
  app_id: string;
  app_user: string;
  /** `yymmdd_` of the creation day in UTC+7, then our merchant_ref; 40 characters at most. */
  app_trans_id: string;
  /** Milliseconds since the epoch. */
  app_time: string;
  expire_duration_seconds: string;
  /** Whole VND. */
  amount: string;
  /** JSON array text, `[]` when there are no items. */
  item: string;
  description: string;
  /** JSON object text, `{}` when empty; carries `redirecturl`. */
  embed_data: string;
  /** `zalopayapp`, `CC` or empty (ZaloPay's own page lets the payer choose). */
  bank_code: '' | 'zalopayapp' | 'CC';
  callback_url?: string;
  /** hex HMAC-SHA256(key1, app_id|app_trans_id|app_user|amount|app_time|embed_data|item). */
  mac: string;
}

/** The JSON answer of create, query, refund and query_refund, as far as zalopay.md names fields. */
export interface ZalopayApiResponse {
  return_code?: number;
  return_message?: string;
  sub_return_code?: number;
  sub_return_message?: string;
  /** create */
  order_url?: string;
  zp_trans_token?: string;
  /** query */
  is_processing?: boolean;
  amount?: number;
  zp_trans_id?: number;
  server_time?: number;
  discount_amount?: number;
  /** refund */
  refund_id?: number;
}

/** The callback body ZaloPay POSTs (JSON). `type` is outside the mac. */
export interface ZalopayCallbackBody {
  data: string;
  mac: string;
  /** 1 order, 2 agreement. */
  type?: number;
}

/** The fields inside the callback's `data` string. */
export interface ZalopayCallbackData {
  app_id: number;
  app_trans_id: string;
  app_time: number;
  app_user: string;
  amount: number;
  embed_data: string;
  item: string;
  zp_trans_id: number;
  server_time: number;
  channel: number;
  merchant_user_id: string;
  user_fee_amount: number;
  discount_amount: number;
}

/** The callback answer: HTTP 200 with this JSON. 1 accepted, -1 bad mac, 0 asks ZaloPay to retry. */
export interface ZalopayCallbackAnswer {
  return_code: 1 | 0 | -1;
  return_message: string;
}

/** POST /v2/query body. */
export interface ZalopayQueryRequest {
  app_id: string;
  app_trans_id: string;
  /** hex HMAC-SHA256(key1, app_id|app_trans_id|key1). */
  mac: string;
}

/** POST /v2/refund body. */
export interface ZalopayRefundRequest {
  app_id: string;
  /** `yymmdd_appid_xxx`, yymmdd in UTC+7. */
  m_refund_id: string;
  zp_trans_id: string;
  amount: string;
  refund_fee_amount?: string;
  /** Milliseconds since the epoch. */
  timestamp: string;
  description: string;
  /** hex HMAC-SHA256(key1, app_id|zp_trans_id|amount[|refund_fee_amount]|description|timestamp). */
  mac: string;
}

/** POST /v2/query_refund body. */
export interface ZalopayQueryRefundRequest {
  app_id: string;
  m_refund_id: string;
  timestamp: string;
  /** hex HMAC-SHA256(key1, app_id|m_refund_id|timestamp). */
  mac: string;
}

/** The adapter's configuration: one ZaloPay app. */
export interface ZalopayConfig {
  readonly app_id: number;
  /** Signs requests. Never logged, never put in an error. */
  readonly key1: string;
  /** Verifies callbacks. Never logged, never put in an error. */
  readonly key2: string;
  /** Base URL without the trailing path; defaults to the sandbox `https://sb-openapi.zalopay.vn/v2`. */
  readonly api_url?: string;
  /** Sent as callback_url when set; otherwise ZaloPay uses the URL registered for the app. */
  readonly callback_url?: string;
  /** app_user when the caller gives none (the contract's order has no payer id). */
  readonly app_user?: string;
  /** Inclusive payment limits in VND (assumed 1,000 to 999,999,999 when absent; see docs/adapters/zalopay.md). */
  readonly amount_min?: bigint;
  readonly amount_max?: bigint;
  /** Validity window when an order has no expires_at; 15 minutes when absent. */
  readonly expire_after_seconds?: number;
  /** For every HTTP call; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Timeout of each HTTP call; 30 s when absent. */
  readonly timeout_ms?: number;
}

export const ZALOPAY_SANDBOX_API_URL = 'https://sb-openapi.zalopay.vn/v2';
export const ZALOPAY_PRODUCTION_API_URL = 'https://openapi.zalopay.vn/v2';
