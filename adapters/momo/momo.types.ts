// MoMo AIO v2 wire types, with MoMo's own field names, so the code reads like momo.md
// (../../../shared/gateways/momo.md) and a diff against the gateway's docs stays easy.

/** The three one-time payment flows of AIO v2 this adapter offers. */
export type MomoRequestType = 'captureWallet' | 'payWithATM' | 'payWithCC';

/** POST /v2/gateway/api/create body. `amount` is integer VND, written to JSON as digits (never a float). */
export interface MomoCreateRequest {
  partnerCode: string;
  requestId: string;
  amount: bigint;
  orderId: string;
  orderInfo: string;
  redirectUrl: string;
  ipnUrl: string;
  requestType: MomoRequestType;
  extraData: string;
  lang: 'vi' | 'en';
  signature: string;
}

/** The create answer; fields MoMo leaves out are simply absent. */
export interface MomoCreateResponse {
  partnerCode?: string;
  requestId?: string;
  orderId?: string;
  amount?: number;
  responseTime?: number;
  message?: string;
  resultCode?: number;
  payUrl?: string;
  deeplink?: string;
  qrCodeUrl?: string;
}

/** The IPN body MoMo POSTs to ipnUrl (the browser redirect carries the same fields). */
export interface MomoIpnBody {
  partnerCode: string;
  orderId: string;
  requestId: string;
  amount: number;
  orderInfo: string;
  orderType: string;
  transId: number;
  resultCode: number;
  message: string;
  payType: string;
  responseTime: number;
  extraData: string;
  signature: string;
}

/** POST /v2/gateway/api/query body. */
export interface MomoQueryRequest {
  partnerCode: string;
  requestId: string;
  orderId: string;
  lang: 'vi' | 'en';
  signature: string;
}

export interface MomoQueryResponse {
  partnerCode?: string;
  requestId?: string;
  orderId?: string;
  resultCode?: number;
  message?: string;
  amount?: number;
  transId?: number;
  payType?: string;
  refundTrans?: unknown[];
  responseTime?: number;
}

/** POST /v2/gateway/api/refund body; orderId is a NEW id for the refund, transId the payment's. */
export interface MomoRefundRequest {
  partnerCode: string;
  orderId: string;
  requestId: string;
  amount: bigint;
  transId: bigint;
  lang: 'vi' | 'en';
  description: string;
  signature: string;
}

export interface MomoRefundResponse {
  partnerCode?: string;
  orderId?: string;
  requestId?: string;
  amount?: number;
  transId?: number;
  resultCode?: number;
  message?: string;
  responseTime?: number;
}

/** The adapter's configuration: one MoMo partner. */
export interface MomoConfig {
  readonly partner_code: string;
  /** Part of every signed string, never sent on the wire. Never logged, never put in an error. */
  readonly access_key: string;
  /** The HMAC key. Never logged, never put in an error. */
  readonly secret_key: string;
  /** Where MoMo POSTs the IPN (ipnUrl); http(s). */
  readonly ipn_url: string;
  /** Defaults to the sandbox `https://test-payment.momo.vn/v2/gateway/api`. */
  readonly api_base_url?: string;
  /** For the create/query/refund HTTP calls; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Timeout of those calls; 30 s when absent (momo.md: client timeout >= 30 s). */
  readonly timeout_ms?: number;
}

export const MOMO_SANDBOX_API_BASE_URL = 'https://test-payment.momo.vn/v2/gateway/api';
export const MOMO_PRODUCTION_API_BASE_URL = 'https://payment.momo.vn/v2/gateway/api';
