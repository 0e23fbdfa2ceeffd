/**
 * connection_creation_rate per IP (KIP-612): with a default-ip quota of 2 connections/s (windows of
 * 3 × 1 s, so a burst of 4 is within it), a burst of 12 connections from 127.0.0.1 gets some
 * closed by the broker without an answer, while the first ones are served.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AlterClientQuotas } from "../../src/protocol/messages/alter-client-quotas.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { RawClient, requestFrame, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let tb: TestBroker;
const clients: RawClient[] = [];
beforeAll(async () => {
  tb = await startTestBroker({ quotaWindowNum: 3, quotaWindowSizeSeconds: 1 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await tb?.stop();
});

test("connections over an IP's connection_creation_rate are closed unanswered", async () => {
  const admin = await RawClient.connect(tb.port);
  clients.push(admin);
  const set = await admin.call(AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: "ip", entityName: null }], ops: [{ key: "connection_creation_rate", value: 2, remove: false }] }], validateOnly: false });
  expect(set.entries[0].errorCode).toBe(0);
  const burst: RawClient[] = [];
  for (let i = 0; i < 12; i++) {
    const c = await RawClient.connect(tb.port);
    clients.push(c);
    burst.push(c);
    c.write(requestFrame(ApiVersions, 3, 1, { clientSoftwareName: "t", clientSoftwareVersion: "1" }));
  }
  const outcomes = await Promise.all(burst.map(async (c) => {
    const frames = await c.waitFrames(1, 5000);
    if (frames.length > 0) return "answered";
    return (await c.waitClosed(5000)) ? "closed" : "neither";
  }));
  expect(outcomes[0]).toBe("answered");
  expect(outcomes).toContain("closed");
  expect(outcomes).not.toContain("neither");
}, 30_000);
