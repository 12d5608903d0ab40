-- Billers (the agencies, parking operators, hospitals and merchants that are owed money), the API keys
-- they authenticate with, and the Idempotency-Key records of every POST under /v1 (docs/api.md).

-- Ids are a prefix and 26 Crockford base32 characters (src/common/ids.ts): 48 bits of milliseconds,
-- then 80 random bits, so that ordering by id is ordering by creation (the list cursor relies on it).
CREATE TABLE billers (
  id text PRIMARY KEY CHECK (id ~ '^blr_[0-9A-HJKMNP-TV-Z]{26}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND name = btrim(name)),
  kind text NOT NULL CHECK (kind IN ('agency', 'parking_operator', 'hospital', 'merchant')),
  -- Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 for a branch.
  tax_id text CHECK (tax_id ~ '^[0-9]{10}(-[0-9]{3})?$'),
  webhook_url text CHECK (webhook_url ~ '^https?://[^\s]+$' AND length(webhook_url) <= 2048),
  -- Kept as is, not hashed: the hub signs webhooks with it (HMAC), so it must be able to read it back.
  webhook_secret text NOT NULL CHECK (webhook_secret ~ '^whsec_[A-Za-z0-9_-]{43}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A key is 256 random bits; only its SHA-256 is kept. A slow password hash (bcrypt, argon2) defends
-- guessable secrets; nobody can search 2^256 keys, so a fast hash loses nothing and lets a request
-- find its key by an index look-up on the hash.
CREATE TABLE biller_api_keys (
  id text PRIMARY KEY CHECK (id ~ '^key_[0-9A-HJKMNP-TV-Z]{26}$'),
  biller_id text NOT NULL REFERENCES billers (id),
  key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
  -- The first characters of the key (its 'phk_' and 8 of its 43 random characters): enough for a
  -- person to tell keys apart in a list, far too few to help guess the rest.
  key_prefix text NOT NULL CHECK (key_prefix ~ '^phk_[A-Za-z0-9_-]{8}$'),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The key stops working at expires_at; a revocation sets it (to now, or now plus a grace period).
  expires_at timestamptz,
  revoked_at timestamptz,
  CONSTRAINT biller_api_keys_hash_unique UNIQUE (key_hash),
  CONSTRAINT biller_api_keys_expiry_after_creation CHECK (expires_at IS NULL OR expires_at >= created_at),
  CONSTRAINT biller_api_keys_revoked_has_expiry CHECK (revoked_at IS NULL OR expires_at IS NOT NULL),
  CONSTRAINT biller_api_keys_revoked_after_creation CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

CREATE INDEX biller_api_keys_by_biller ON biller_api_keys (biller_id, id);

-- One row per (caller, Idempotency-Key). The row is written in the same transaction as the request's
-- own writes (src/idempotency/), so a request either happened and left its answer here, or neither.
-- Rows older than 24 hours are ignored by every read and deleted by a sweep.
-- An answer can carry a secret (a new biller's API key), so the key is kept as a hash and the answer
-- encrypted under a key derived from the Idempotency-Key: only the caller who knows it can have the
-- answer back, and this table holds no secret in the clear.
CREATE TABLE idempotency_keys (
  -- Who called: 'admin', or the biller's id. One caller's keys never collide with another's.
  scope text NOT NULL CHECK (scope = 'admin' OR scope ~ '^blr_[0-9A-HJKMNP-TV-Z]{26}$'),
  -- SHA-256 of the scope, a NUL and the Idempotency-Key.
  key_hash bytea NOT NULL CHECK (octet_length(key_hash) = 32),
  method text NOT NULL CHECK (method = 'POST'),
  path text NOT NULL CHECK (length(path) BETWEEN 1 AND 2048),
  -- SHA-256 of the canonical JSON of the request body (object keys sorted at every level).
  fingerprint bytea NOT NULL CHECK (octet_length(fingerprint) = 32),
  response_status integer NOT NULL CHECK (response_status BETWEEN 200 AND 499),
  -- AES-256-GCM: 12 bytes of nonce, 16 of tag, then the exact bytes that were sent.
  response_sealed bytea NOT NULL CHECK (octet_length(response_sealed) >= 28),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (scope, key_hash)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
