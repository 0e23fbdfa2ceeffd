/** The console API from the page: JSON in and out, the CSRF token on every change, errors as ApiError. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SessionInfo {
  devMode: boolean;
  user: string | null;
  role: "viewer" | "editor" | "admin" | null;
  csrf: string | null;
  features: { registry: boolean; connect: boolean; adminApi: boolean };
}

export const session: { info: SessionInfo | null } = { info: null };

export async function api<T = any>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && session.info?.csrf) headers["x-csrf-token"] = session.info.csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin", signal });
  const text = await res.text();
  let v: any = null;
  try {
    v = text ? JSON.parse(text) : null;
  } catch {
    v = text;
  }
  if (!res.ok) {
    const e = v && typeof v === "object" && v.error ? v.error : { code: `HTTP_${res.status}`, message: typeof v === "string" ? v : res.statusText };
    if (res.status === 401 && path !== "/api/session" && path !== "/api/login") location.hash = "#/login";
    throw new ApiError(res.status, e.code, e.message);
  }
  return v as T;
}

export const get = <T = any>(path: string, signal?: AbortSignal) => api<T>("GET", path, undefined, signal);
export const can = (role: "editor" | "admin") => {
  const r = session.info?.role;
  return r === "admin" || (role === "editor" && r === "editor");
};
