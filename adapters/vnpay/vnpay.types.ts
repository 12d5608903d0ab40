// VNPay PAY v2.1.0 wire types, with VNPay's own field names, so the code reads like vnpay.md
// (../../../shared/gateways/vnpay.md) and a diff against the gateway's docs stays easy.

export const VNPAY_VERSION = '2.1.0';

/** Query parameters of the pay URL (vnp_Command=pay), before vnp_SecureHash is appended. */
export interface VnpayPayParams {
  vnp_Version: typeof VNPAY_VERSION;
  vnp_Command: 'pay';
  vnp_TmnCode: string;
  /** Integer VND × 100, as decimal text. */
  vnp_Amount: string;
  vnp_CurrCode: 'VND';
  vnp_TxnRef: string;
  vnp_OrderInfo: string;
  vnp_OrderType: string;
  vnp_Locale: 'vn' | 'en';
  vnp_ReturnUrl: string;
  vnp_IpAddr: string;
  /** yyyyMMddHHmmss, Vietnam time. */
  vnp_CreateDate: string;
  vnp_ExpireDate: string;
  vnp_BankCode?: 'VNPAYQR' | 'VNBANK' | 'INTCARD' | string;
}

/** Fields of the return URL and the IPN (both GET with a query), all text as received. */
export interface VnpayCallbackQuery {
  vnp_TmnCode: string;
  vnp_Amount: string;
  vnp_BankCode?: string;
  vnp_BankTranNo?: string;
  vnp_CardType?: string;
  vnp_OrderInfo?: string;
  vnp_PayDate?: string;
  vnp_ResponseCode: string;
  vnp_TransactionNo: string;
  vnp_TransactionStatus: string;
  vnp_TxnRef: string;
  vnp_SecureHash: string;
  vnp_SecureHashType?: string;
}

/** The IPN answer body: HTTP 200 with this JSON. */
export interface VnpayIpnAnswer {
  RspCode: '00' | '01' | '02' | '04' | '97' | '99';
  Message: string;
}

/** POST body of vnp_Command=querydr. */
export interface VnpayQueryDrRequest {
  vnp_RequestId: string;
  vnp_Version: typeof VNPAY_VERSION;
  vnp_Command: 'querydr';
  vnp_TmnCode: string;
  vnp_TxnRef: string;
  vnp_OrderInfo: string;
  vnp_TransactionDate: string;
  vnp_CreateDate: string;
  vnp_IpAddr: string;
  vnp_SecureHash: string;
}

/** POST body of vnp_Command=refund. */
export interface VnpayRefundRequest {
  vnp_RequestId: string;
  vnp_Version: typeof VNPAY_VERSION;
  vnp_Command: 'refund';
  vnp_TmnCode: string;
  /** 02 full, 03 partial. */
  vnp_TransactionType: '02' | '03';
  vnp_TxnRef: string;
  vnp_Amount: string;
  vnp_OrderInfo: string;
  vnp_TransactionNo: string;
  vnp_TransactionDate: string;
  vnp_CreateBy: string;
  vnp_CreateDate: string;
  vnp_IpAddr: string;
  vnp_SecureHash: string;
}

/** The JSON answer of querydr and refund; fields VNPay leaves out are simply absent. */
export interface VnpayApiResponse {
  vnp_ResponseId?: string;
  vnp_Command?: string;
  vnp_ResponseCode?: string;
  vnp_Message?: string;
  vnp_TmnCode?: string;
  vnp_TxnRef?: string;
  vnp_Amount?: string;
  vnp_BankCode?: string;
  vnp_PayDate?: string;
  vnp_TransactionNo?: string;
  vnp_TransactionType?: string;
  vnp_TransactionStatus?: string;
  vnp_OrderInfo?: string;
  vnp_PromotionCode?: string;
  vnp_PromotionAmount?: string;
  vnp_SecureHash?: string;
}

/** The adapter's configuration: one terminal. */
export interface VnpayConfig {
  /** Terminal code, 8 alphanumerics. */
  readonly tmn_code: string;
  /** The HMAC key. Never logged, never put in an error. */
  readonly hash_secret: string;
  /** Defaults to the sandbox pay page. */
  readonly pay_url?: string;
  /** Defaults to the sandbox merchant_webapi transaction endpoint. */
  readonly api_url?: string;
  /** vnp_OrderType; `other` unless the contract says a category code. */
  readonly order_type?: string;
  /** Inclusive payment limits in VND (assumed 5,000 to 999,999,999 when absent; see docs/adapters/vnpay.md). */
  readonly amount_min?: bigint;
  readonly amount_max?: bigint;
  /** Validity window when an order has no expires_at; 15 minutes when absent. */
  readonly expire_after_ms?: number;
  /** For the querydr/refund HTTP call; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Timeout of the querydr/refund HTTP call; 30 s when absent. */
  readonly timeout_ms?: number;
}

export const VNPAY_SANDBOX_PAY_URL = 'https://sandbox.vnpayment.vn/paymentv2/vpcpay.html';
export const VNPAY_SANDBOX_API_URL = 'https://sandbox.vnpayment.vn/merchant_webapi/api/transaction';
export const VNPAY_PRODUCTION_PAY_URL = 'https://pay.vnpay.vn/vpcpay.html';
export const VNPAY_PRODUCTION_API_URL = 'https://merchant.vnpay.vn/merchant_webapi/api/transaction';
