// The benchmarks' HTTP/1.1 caller: one keep-alive connection, one request at a time, the request
// written as one buffer and the answer read by Content-Length (or chunked, or until the server closes).
// A gateway's sender runs on the gateway's machines; the bench's callers run on the machine they
// measure, so they should take as little of it as they can: node:http's client cost ~0.14 ms of CPU
// per callback there, about a tenth of a payment's whole cost. Not a general HTTP client: no
// pipelining, no redirects, no TLS, loopback only.
import { connect, type Socket } from 'node:net';

export interface Answer {
  status: number;
  body: Buffer;
}

interface Waiting {
  done: (answer: Answer) => void;
  fail: (error: Error) => void;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const LINE_END = Buffer.from('\r\n');

/** What a complete answer at the start of `data` is made of, or null while more bytes are needed. */
export function parseAnswer(
  data: Buffer,
  closed: boolean,
): { answer: Answer; used: number; close: boolean } | null {
  const headEnd = data.indexOf(HEAD_END);
  if (headEnd < 0) {
    if (closed) throw new Error('connection closed inside an answer head');
    return null;
  }
  const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!statusLine) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0]?.slice(0, 40))}`);
  const status = Number(statusLine[1]);
  let length: number | null = null;
  let chunked = false;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding')
      chunked = value.split(',').some((coding) => coding.trim() === 'chunked');
    else if (name === 'connection') close = value.split(',').some((option) => option.trim() === 'close');
  }
  const start = headEnd + HEAD_END.length;
  if (status === 204 || status === 304 || (status >= 100 && status < 200))
    return { answer: { status, body: Buffer.alloc(0) }, used: start, close };
  if (chunked) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const sizeEnd = data.indexOf(LINE_END, at);
      if (sizeEnd < 0) return needMore(closed);
      const size = parseInt(data.subarray(at, sizeEnd).toString('latin1').split(';')[0]!, 16);
      if (!Number.isInteger(size) || size < 0) throw new Error('bad chunk size');
      const chunkStart = sizeEnd + LINE_END.length;
      if (size === 0) {
        // No trailers from the servers this calls: the last chunk ends with one empty line.
        if (data.length < chunkStart + LINE_END.length) return needMore(closed);
        return { answer: { status, body: Buffer.concat(parts) }, used: chunkStart + LINE_END.length, close };
      }
      if (data.length < chunkStart + size + LINE_END.length) return needMore(closed);
      parts.push(data.subarray(chunkStart, chunkStart + size));
      at = chunkStart + size + LINE_END.length;
    }
  }
  if (length !== null) {
    if (!Number.isInteger(length) || length < 0) throw new Error('bad content-length');
    if (data.length < start + length) return needMore(closed);
    return { answer: { status, body: data.subarray(start, start + length) }, used: start + length, close };
  }
  // Neither: the body runs until the server closes the connection.
  if (!closed) return null;
  return { answer: { status, body: data.subarray(start) }, used: data.length, close: true };
}

function needMore(closed: boolean): null {
  if (closed) throw new Error('connection closed inside an answer body');
  return null;
}

/** One keep-alive connection to host:port; reconnects when the server has closed it. */
export class KeepAliveCaller {
  #socket: Socket | null = null;
  #data: Buffer = Buffer.alloc(0);
  #waiting: Waiting | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** Sends one request and answers its status and body. */
  request(
    method: string,
    path: string,
    body: string | null,
    contentType = 'application/json',
  ): Promise<Answer> {
    if (this.#waiting) return Promise.reject(new Error('one request at a time per caller'));
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
      (body === null
        ? '\r\n'
        : `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    return new Promise<Answer>((done, fail) => {
      this.#waiting = { done, fail };
      this.#connected().write(head);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #connected(): Socket {
    if (this.#socket) return this.#socket;
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    this.#data = Buffer.alloc(0);
    // Events of a connection this caller has already let go of are not this request's.
    socket.on('data', (chunk: Buffer) => {
      if (this.#socket !== socket) return;
      this.#data = this.#data.length === 0 ? chunk : Buffer.concat([this.#data, chunk]);
      this.#read(false);
    });
    socket.on('end', () => {
      if (this.#socket === socket) this.#read(true);
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#fail(new Error('connection closed before the answer'));
    });
    socket.on('error', (error) => {
      if (this.#socket === socket) this.#fail(error);
    });
    this.#socket = socket;
    return socket;
  }

  #read(closed: boolean): void {
    if (!this.#waiting) return;
    let parsed: ReturnType<typeof parseAnswer>;
    try {
      parsed = parseAnswer(this.#data, closed);
    } catch (error) {
      this.close();
      return this.#fail(error as Error);
    }
    if (!parsed) return;
    const waiting = this.#waiting;
    this.#waiting = null;
    // The body may still point into #data: copied before the buffer is reused.
    const answer = { status: parsed.answer.status, body: Buffer.from(parsed.answer.body) };
    this.#data = this.#data.subarray(parsed.used);
    if (parsed.close || closed) this.close();
    waiting.done(answer);
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.fail(error);
  }
}

/** Callers for one server, handed out one per request in flight (as a gateway's sender pool). */
export class KeepAliveCallers {
  readonly #idle: KeepAliveCaller[] = [];
  readonly #all: KeepAliveCaller[] = [];
  readonly #host: string;
  readonly #port: number;

  constructor(base: string) {
    const url = new URL(base);
    if (url.protocol !== 'http:') throw new Error('KeepAliveCallers speaks plain HTTP only');
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
  }

  async request(method: string, path: string, body: string | null, contentType?: string): Promise<Answer> {
    const caller = this.#idle.pop() ?? this.#open();
    try {
      return await caller.request(method, path, body, contentType);
    } finally {
      this.#idle.push(caller);
    }
  }

  close(): void {
    for (const caller of this.#all) caller.close();
  }

  #open(): KeepAliveCaller {
    const caller = new KeepAliveCaller(this.#host, this.#port);
    this.#all.push(caller);
    return caller;
  }
}
