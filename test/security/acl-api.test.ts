/**
 * CreateAcls / DescribeAcls / DeleteAcls over a real socket: the versions Kafka 4.4 serves (1-3),
 * SECURITY_DISABLED with Kafka's messages when authorizer_enabled is off, Kafka's validation
 * errors, filters (ANY, MATCH, LITERAL, PREFIXED), deletion, and ACLs surviving a restart (they
 * are metadata records in the metadata log).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { CreateAcls } from "../../src/protocol/messages/create-acls.ts";
import { DeleteAcls } from "../../src/protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../../src/protocol/messages/describe-acls.ts";
import { ErrorCode } from "../../src/protocol/errors.ts";
import { AclOp, PatternType, Permission, ResourceType } from "../../src/security/acl.ts";
import { RawClient, startTestBroker, tempDir, type TestBroker } from "../helpers/broker.ts";

const brokers: TestBroker[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const b of brokers.splice(0)) await b.stop();
});

async function start(overrides: Record<string, unknown> = {}, dir?: string): Promise<{ tb: TestBroker; c: RawClient }> {
  // super_users: ANONYMOUS may administer ACLs here; enforcement is tested in acl-enforcement.test.ts.
  const tb = await startTestBroker({ authorizerEnabled: true, superUsers: "User:ANONYMOUS", ...overrides }, dir);
  brokers.push(tb);
  const c = await RawClient.connect(tb.port);
  clients.push(c);
  return { tb, c };
}

const binding = (o: Partial<Record<string, unknown>> = {}) => ({
  resourceType: ResourceType.TOPIC,
  resourceName: "orders",
  resourcePatternType: PatternType.LITERAL,
  principal: "User:alice",
  host: "*",
  operation: AclOp.READ,
  permissionType: Permission.ALLOW,
  ...o,
});

const anyFilter = (o: Partial<Record<string, unknown>> = {}) => ({
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: AclOp.ANY,
  permissionType: Permission.ANY,
  ...o,
});

describe("ACL administration APIs", () => {
  test("ApiVersions advertises DescribeAcls, CreateAcls and DeleteAcls 1-3, as Kafka 4.4", async () => {
    const { c } = await start();
    const av = await c.call(ApiVersions, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const keys = av.apiKeys.filter((k: any) => [29, 30, 31].includes(k.apiKey)).map((k: any) => [k.apiKey, k.minVersion, k.maxVersion]);
    expect(keys).toEqual([
      [29, 1, 3],
      [30, 1, 3],
      [31, 1, 3],
    ]);
  });

  test("authorizer_enabled off: SECURITY_DISABLED with Kafka's messages", async () => {
    const { c } = await start({ authorizerEnabled: false, superUsers: null });
    const cr = await c.call(CreateAcls, 3, { creations: [binding()] });
    expect(cr.results).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured." }]);
    const d = await c.call(DescribeAcls, 3, anyFilter());
    expect(d.errorCode).toBe(ErrorCode.SECURITY_DISABLED);
    expect(d.errorMessage).toBe("No Authorizer is configured on the broker");
    const del = await c.call(DeleteAcls, 3, { filters: [anyFilter()] });
    expect(del.filterResults[0].errorCode).toBe(ErrorCode.SECURITY_DISABLED);
  });

  test("CreateAcls validates each creation with Kafka's messages; valid ones are stored", async () => {
    const { c } = await start();
    const cr = await c.call(CreateAcls, 3, {
      creations: [
        binding(),
        binding({ resourceName: "" }),
        binding({ resourceType: ResourceType.CLUSTER, resourceName: "other", operation: AclOp.ALTER }),
        binding({ principal: "alice" }),
        binding({ operation: 99 }),
        binding({ resourcePatternType: PatternType.ANY }),
        binding({ permissionType: Permission.ANY }),
        binding({ resourceType: ResourceType.UNKNOWN }),
        binding({ resourceType: ResourceType.GROUP, resourceName: "g", resourcePatternType: PatternType.PREFIXED, operation: AclOp.READ, permissionType: Permission.DENY }),
        binding(), // the same binding again: success, stored once
      ],
    });
    expect(cr.results.map((r: any) => r.errorCode)).toEqual([0, 42, 42, 42, 42, 42, 42, 42, 0, 0]);
    expect(cr.results[1].errorMessage).toBe("Invalid empty resource name");
    expect(cr.results[2].errorMessage).toBe("The only valid name for the CLUSTER resource is kafka-cluster");
    expect(cr.results[3].errorMessage).toBe("Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)");
    expect(cr.results[4].errorMessage).toBe("Invalid operation UNKNOWN");
    const d = await c.call(DescribeAcls, 3, anyFilter());
    expect(d.errorCode).toBe(0);
    const flat = d.resources.flatMap((r: any) => r.acls.map((e: any) => `${r.resourceType}:${r.patternType}:${r.resourceName} ${e.principal} ${e.host} ${e.operation} ${e.permissionType}`)).sort();
    expect(flat).toEqual(["2:3:orders User:alice * 3 3", "3:4:g User:alice * 3 2"]);
  });

  test("DescribeAcls filters: LITERAL, PREFIXED, MATCH, principal, operation; bad filters INVALID_REQUEST", async () => {
    const { c } = await start();
    await c.call(CreateAcls, 2, {
      creations: [
        binding({ resourceName: "orders" }),
        binding({ resourceName: "ord", resourcePatternType: PatternType.PREFIXED, principal: "User:bob", operation: AclOp.WRITE }),
        binding({ resourceName: "*", principal: "User:carol", operation: AclOp.DESCRIBE }),
        binding({ resourceName: "payments" }),
      ],
    });
    const names = async (f: Record<string, unknown>) => {
      const r = await c.call(DescribeAcls, 3, anyFilter(f));
      expect(r.errorCode).toBe(0);
      return r.resources.map((x: any) => `${x.patternType}:${x.resourceName}`).sort();
    };
    expect(await names({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: "orders", patternTypeFilter: PatternType.LITERAL })).toEqual(["3:orders"]);
    expect(await names({ patternTypeFilter: PatternType.PREFIXED })).toEqual(["4:ord"]);
    expect(await names({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: "orders", patternTypeFilter: PatternType.MATCH })).toEqual(["3:*", "3:orders", "4:ord"]);
    expect(await names({ principalFilter: "User:bob" })).toEqual(["4:ord"]);
    expect(await names({ operation: AclOp.DESCRIBE })).toEqual(["3:*"]);
    expect(await names({ resourceTypeFilter: ResourceType.GROUP })).toEqual([]);
    for (const bad of [{ resourceTypeFilter: ResourceType.UNKNOWN }, { patternTypeFilter: PatternType.UNKNOWN }, { operation: AclOp.UNKNOWN }, { permissionType: Permission.UNKNOWN }]) {
      const r = await c.call(DescribeAcls, 3, anyFilter(bad));
      expect(r.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    }
  });

  test("DeleteAcls removes what each filter matches, once, and reports it", async () => {
    const { c } = await start();
    await c.call(CreateAcls, 3, { creations: [binding({ resourceName: "a" }), binding({ resourceName: "b" }), binding({ resourceName: "b", operation: AclOp.WRITE })] });
    const del = await c.call(DeleteAcls, 3, {
      filters: [
        anyFilter({ resourceTypeFilter: ResourceType.TOPIC, resourceNameFilter: "b", patternTypeFilter: PatternType.LITERAL }),
        anyFilter({ resourceNameFilter: "b" }),
        anyFilter({ operation: AclOp.UNKNOWN }),
      ],
    });
    expect(del.filterResults[0].errorCode).toBe(0);
    expect(del.filterResults[0].matchingAcls.map((m: any) => [m.resourceName, m.operation]).sort()).toEqual([
      ["b", AclOp.READ],
      ["b", AclOp.WRITE],
    ]);
    expect(del.filterResults[1].matchingAcls).toEqual([]);
    expect(del.filterResults[2].errorCode).toBe(ErrorCode.INVALID_REQUEST);
    const d = await c.call(DescribeAcls, 3, anyFilter());
    expect(d.resources.map((r: any) => r.resourceName)).toEqual(["a"]);
  });

  test("ACLs survive a restart (metadata log)", async () => {
    const dir = tempDir();
    const first = await start({}, dir);
    await first.c.call(CreateAcls, 3, { creations: [binding({ resourceName: "kept" }), binding({ resourceName: "gone" })] });
    await first.c.call(DeleteAcls, 3, { filters: [anyFilter({ resourceNameFilter: "gone" })] });
    first.c.close();
    await first.tb.stop();
    brokers.splice(brokers.indexOf(first.tb), 1);
    const second = await start({}, dir);
    const d = await second.c.call(DescribeAcls, 3, anyFilter());
    expect(d.resources.map((r: any) => r.resourceName)).toEqual(["kept"]);
  });
});
