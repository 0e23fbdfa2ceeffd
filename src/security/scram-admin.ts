/**
 * SCRAM user management (DescribeUserScramCredentials 50, AlterUserScramCredentials 51), with Kafka
 * 4.4's answers: every user in the request gets its own result; a user named twice (describe), or
 * a (user, mechanism) altered twice, is DUPLICATE_RESOURCE; an unknown user RESOURCE_NOT_FOUND; an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM; iterations outside 4096-16384, an empty name, or an
 * empty salt / salted password UNACCEPTABLE_CREDENTIAL. The broker stores salt, StoredKey and
 * ServerKey (derived here from the salted password the client computed) and the iterations, as
 * UserScramCredential records through the metadata controller (on the active controller in a
 * cluster: the handler is forwarded there, cluster-node.ts).
 */
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { credentialFromSaltedPassword, SCRAM_MAX_ITERATIONS, SCRAM_MECHANISMS, SCRAM_MIN_ITERATIONS } from "./sasl/scram.ts";

export interface UserResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentialInfos: { mechanism: number; iterations: number }[];
}

function credentialsOf(image: MetadataImage): Map<string, { mechanism: number; iterations: number }[]> {
  const out = new Map<string, { mechanism: number; iterations: number }[]>();
  for (const e of image.scramCredentials.values()) {
    let list = out.get(e.name);
    if (!list) out.set(e.name, (list = []));
    list.push({ mechanism: e.mechanism, iterations: e.iterations });
  }
  for (const list of out.values()) list.sort((a, b) => a.mechanism - b.mechanism);
  return out;
}

export function describeScramUsers(image: MetadataImage, users: string[] | null): UserResult[] {
  const all = credentialsOf(image);
  if (users === null || users.length === 0) {
    return [...all.keys()].sort().map((user) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: all.get(user)! }));
  }
  const counts = new Map<string, number>();
  for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
  const out: UserResult[] = [];
  for (const user of counts.keys()) {
    if (counts.get(user)! > 1) out.push({ user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request", credentialInfos: [] });
    else if (!all.has(user)) out.push({ user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to describe a user credential that does not exist", credentialInfos: [] });
    else out.push({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: all.get(user)! });
  }
  return out;
}

export interface AlterRequest {
  deletions: { name: string; mechanism: number }[];
  upsertions: { name: string; mechanism: number; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }[];
}

/** Decides the records of an AlterUserScramCredentials request; `commit` persists them (all users at once). */
export function alterScramUsers(image: MetadataImage, req: AlterRequest, commit: (records: MetadataRecord[]) => void): { userName: string; errorCode: number; errorMessage: string | null }[] {
  const errors = new Map<string, { code: number; message: string }>();
  const order: string[] = [];
  const seen = (u: string) => {
    if (!order.includes(u)) order.push(u);
  };
  const fail = (u: string, code: number, message: string) => {
    if (!errors.has(u)) errors.set(u, { code, message });
  };
  const pairs = new Map<string, number>();
  for (const d of req.deletions) pairs.set(`${d.mechanism}:${d.name}`, (pairs.get(`${d.mechanism}:${d.name}`) ?? 0) + 1);
  for (const u of req.upsertions) pairs.set(`${u.mechanism}:${u.name}`, (pairs.get(`${u.mechanism}:${u.name}`) ?? 0) + 1);
  const records = new Map<string, MetadataRecord[]>();
  const add = (u: string, r: MetadataRecord) => {
    let list = records.get(u);
    if (!list) records.set(u, (list = []));
    list.push(r);
  };
  for (const d of req.deletions) {
    seen(d.name);
    if (d.name.length === 0) fail(d.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
    else if (!SCRAM_MECHANISMS[d.mechanism]) fail(d.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
    else if (pairs.get(`${d.mechanism}:${d.name}`)! > 1) fail(d.name, ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
    else if (!image.scramCredentials.has(`${d.mechanism}:${d.name}`)) fail(d.name, ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
    else add(d.name, { type: "RemoveUserScramCredential", name: d.name, mechanism: d.mechanism });
  }
  for (const u of req.upsertions) {
    seen(u.name);
    const m = SCRAM_MECHANISMS[u.mechanism];
    if (u.name.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
    else if (!m) fail(u.name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
    else if (pairs.get(`${u.mechanism}:${u.name}`)! > 1) fail(u.name, ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
    else if (u.iterations < SCRAM_MIN_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too few iterations`);
    else if (u.iterations > SCRAM_MAX_ITERATIONS) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Too many iterations`);
    else if (u.salt.length === 0) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, "Empty salt");
    else if (u.saltedPassword.length !== m.keyBytes) fail(u.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `The salted password must be ${m.keyBytes} bytes for ${m.name}`);
    else {
      const c = credentialFromSaltedPassword(u.mechanism, u.salt, u.saltedPassword, u.iterations);
      const b64 = (x: Uint8Array) => Buffer.from(x).toString("base64");
      add(u.name, { type: "UserScramCredential", name: u.name, mechanism: u.mechanism, salt: b64(c.salt), storedKey: b64(c.storedKey), serverKey: b64(c.serverKey), iterations: u.iterations });
    }
  }
  // A user with any error has none of its changes applied; the others are committed together.
  const ok: MetadataRecord[] = [];
  for (const u of order) if (!errors.has(u)) ok.push(...(records.get(u) ?? []));
  if (ok.length > 0) commit(ok);
  return order.map((u) => {
    const e = errors.get(u);
    return { userName: u, errorCode: e?.code ?? ErrorCode.NONE, errorMessage: e?.message ?? null };
  });
}
