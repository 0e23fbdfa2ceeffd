/**
 * Admin API errors: every client mistake answers a 4xx with the JSON body
 *   { "message": "<one line for a person>", "code": "<stable snake_case name>" }
 * (401 "unauthenticated" and 403 "forbidden" come from src/security/http-auth.ts.)
 * (Redpanda answers { "message", "code" } with the HTTP status as code; Takhin's code is a name a
 * script can match, the status is in the HTTP line). A server-side failure is 500 with the same shape.
 */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 404 | 405 | 409 | 413 | 415 | 500 | 503,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export function errorBody(message: string, code: string): { message: string; code: string } {
  return { message, code };
}
