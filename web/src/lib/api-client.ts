// Typed HTTP client for the Exemplar API (SPEC §2). Every request goes through `request`, which
// maps non-2xx responses to `ApiError` (SPEC §2.1 error body `{detail, code}`; 422 `detail` is a
// list `[{loc, msg, type}]` that becomes per-field messages). It sends the signed-in token
// (lib/auth.ts) as `Authorization: Bearer …`; a 401 asks the user to sign in, a 403 (the token's
// role is too low) stays an ordinary error with the server's message.
import { authToken, unauthenticated } from "./auth";

export const API_PREFIX = "/api/v1";

export type ValidationIssue = { loc: (string | number)[]; msg: string; type?: string };
export type ErrorBody = { detail?: string | ValidationIssue[]; code?: string; request_id?: string };

/** Field key for a 422 `loc`: drops the leading "body"/"query"/"path" and joins with dots. */
export function fieldKey(loc: (string | number)[]): string {
  const parts = loc.length > 0 && ["body", "query", "path"].includes(String(loc[0])) ? loc.slice(1) : loc;
  return parts.length === 0 ? "_form" : parts.map(String).join(".");
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** 422 messages keyed by `fieldKey(loc)`; empty for other errors. */
  readonly fieldErrors: Record<string, string>;
  readonly issues: ValidationIssue[];
  /** The error's whole body (a 422 from a batch also carries its per-item report). */
  readonly body: ErrorBody | null;
  /**
   * The id the server logged the request under (the body's `request_id`, else the `X-Request-Id`
   * header): what a user reports so that the log lines are found. Null when there was no answer.
   */
  readonly requestId: string | null;

  constructor(status: number, body: ErrorBody | null, fallback: string, headerRequestId: string | null = null) {
    const issues = Array.isArray(body?.detail) ? body.detail : [];
    const message =
      typeof body?.detail === "string"
        ? body.detail
        : issues.length > 0
          ? issues.map((i) => `${fieldKey(i.loc)}: ${i.msg}`).join("; ")
          : fallback;
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.code ?? (status === 422 ? "validation_error" : `http_${status}`);
    this.issues = issues;
    this.body = body;
    this.requestId = (typeof body?.request_id === "string" && body.request_id) || headerRequestId || null;
    this.fieldErrors = {};
    for (const issue of issues) {
      const key = fieldKey(issue.loc);
      this.fieldErrors[key] = this.fieldErrors[key] ? `${this.fieldErrors[key]}; ${issue.msg}` : issue.msg;
    }
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** The request never got an answer (server down, network gone): trying again later can help. */
export function isUnreachable(e: unknown): boolean {
  return e instanceof ApiError && e.status === 0;
}

/** Message for any thrown value, suitable for an error state. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `errorMessage`, and the request id when the server gave one: for a toast, which has no room for more. */
export function errorReport(e: unknown): string {
  const id = e instanceof ApiError ? e.requestId : null;
  return id ? `${errorMessage(e)} (request id ${id})` : errorMessage(e);
}

export type Query = Record<string, string | number | boolean | null | undefined | (string | number)[]>;

export function buildUrl(path: string, query?: Query): string {
  const url = path.startsWith("/api/") ? path : `${API_PREFIX}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((item) => params.append(k, String(item)));
    else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

type RequestOptions = {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
  headers?: Record<string, string>;
  /** Sent instead of the signed-in token, and a 401 does not open the sign-in (the dialog's check). */
  token?: string;
};

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const token = opts.token ?? authToken();
  const headers: Record<string, string> = { Accept: opts.accept ?? "application/json", ...opts.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method: opts.method ?? "GET",
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, null, "Cannot reach the server. Check that it is running.");
  }
  if (!res.ok) {
    let body: ErrorBody | null = null;
    try {
      body = (await res.json()) as ErrorBody;
    } catch {
      body = null;
    }
    const error = new ApiError(res.status, body, `${res.status} ${res.statusText || "request failed"}`, res.headers.get("X-Request-Id"));
    if (res.status === 401 && opts.token === undefined) unauthenticated(error.message, token);
    throw error;
  }
  return res;
}

/** JSON request; resolves to `undefined` for 204 or empty bodies. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Raw text response (exports). */
export async function requestText(path: string, opts: RequestOptions = {}): Promise<string> {
  const res = await send(path, { accept: "*/*", ...opts });
  return res.text();
}

/** A file (an export): its body and the name the server gives it in `Content-Disposition`, if any. */
export async function requestFile(path: string, opts: RequestOptions = {}): Promise<{ blob: Blob; filename: string | null }> {
  const res = await send(path, { accept: "*/*", ...opts });
  const named = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") ?? "");
  return { blob: await res.blob(), filename: named ? named[1] : null };
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query, signal?: AbortSignal) => request<T>(path, { method: "POST", body, query, signal }),
  put: <T>(path: string, body: unknown, headers?: Record<string, string>) => request<T>(path, { method: "PUT", body, headers }),
  delete: (path: string) => request<void>(path, { method: "DELETE" }),
};
