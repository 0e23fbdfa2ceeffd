/**
 * Schema Registry errors in Confluent's shape: every failure answers
 *   { "error_code": <int>, "message": "<one line>" }
 * with the HTTP status the code starts with (40401 -> 404, 42201 -> 422, 50001 -> 500; 409 and
 * plain HTTP codes such as 400, 404, 405, 413, 415 stand for themselves). The codes are Confluent's
 * (io.confluent.kafka.schemaregistry.rest.exceptions.Errors); the messages follow its wording.
 */
export class RegistryError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }

  /** The HTTP status: the first three digits of a five-digit code, else the code itself. */
  get status(): number {
    return this.errorCode >= 10_000 ? Math.floor(this.errorCode / 100) : this.errorCode;
  }

  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const subjectNotFound = (subject: string) => new RegistryError(40401, `Subject '${subject}' not found.`);
export const versionNotFound = (version: number | string) => new RegistryError(40402, `Version ${version} not found.`);
export const schemaNotFound = (what = "Schema not found") => new RegistryError(40403, what);
export const subjectSoftDeleted = (subject: string) => new RegistryError(40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`);
export const subjectNotSoftDeleted = (subject: string) => new RegistryError(40405, `Subject '${subject}' was not deleted first before being permanently deleted`);
export const versionSoftDeleted = (subject: string, version: number) => new RegistryError(40406, `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`);
export const versionNotSoftDeleted = (subject: string, version: number) => new RegistryError(40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`);
export const subjectCompatibilityNotConfigured = (subject: string) => new RegistryError(40408, `Subject '${subject}' does not have subject-level compatibility configured`);
export const subjectModeNotConfigured = (subject: string) => new RegistryError(40409, `Subject '${subject}' does not have subject-level mode configured`);
export const incompatible = (message: string) => new RegistryError(409, message);
export const invalidSchema = (message: string) => new RegistryError(42201, `Invalid schema: ${message}`);
export const invalidVersion = (raw: string) =>
  new RegistryError(42202, `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
export const invalidCompatibilityLevel = () =>
  new RegistryError(42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
export const invalidMode = () => new RegistryError(42204, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT");
export const operationNotPermitted = (message: string) => new RegistryError(42205, message);
export const referenceExists = (message: string) => new RegistryError(42206, message);
export const idDoesNotMatch = (message: string) => new RegistryError(42207, message);
export const invalidSubject = (subject: string) => new RegistryError(42208, `The specified subject '${subject}' is not a valid.`);
export const storeError = (message: string) => new RegistryError(50001, `Error in the backend data store: ${message}`);
export const unknownLeader = (message: string) => new RegistryError(50004, message);
