/**
 * Writes in a cluster: one registry assigns ids, the one on the node leading `_schemas`-0; the
 * others forward every write (register, delete, config, mode) to it over HTTP, as Confluent's
 * followers forward to their leader. The leader's address is found in the metadata image: each
 * node's registration carries its registry as an endpoint named SCHEMA_REGISTRY beside the Kafka
 * listener. Reads are served locally from the node's replica of `_schemas`.
 *
 * Protocol between registries (plain HTTP, the same REST API):
 *   request  header x-takhin-forwarded: <origin node id>   (a forwarded write is never forwarded
 *            again: a node that no longer leads answers 50004 and the origin retries)
 *   response header x-takhin-schemas-offset: <next offset of _schemas applied on the leader after
 *            the write>; the origin waits until its own replica has applied as far before it
 *            answers, so a client reads its own writes on any node.
 * The origin retries a write that found no leader (50004) or could not reach it until
 * FORWARD_TIMEOUT_MS has passed (a leader change), then answers 50003 (the leader could not be
 * reached) or 50004 (no leader) itself.
 */
import type { BrokerContext } from "../server/context.ts";
import { RegistryError, unknownLeader } from "./errors.ts";
import type { SchemaLog } from "./store.ts";

export const SCHEMA_REGISTRY_ENDPOINT = "SCHEMA_REGISTRY";
export const FORWARDED_HEADER = "x-takhin-forwarded";
export const SCHEMAS_OFFSET_HEADER = "x-takhin-schemas-offset";
/** How long a write may wait for (a new) leader before 50004. */
export const FORWARD_TIMEOUT_MS = 15_000;
const FORWARD_RETRY_MS = 100;
/** How long the origin waits for its replica to apply a forwarded write before answering anyway. */
const APPLY_WAIT_MS = 5_000;

export function schemaRegistryEndpoint(host: string, port: number) {
  return { name: SCHEMA_REGISTRY_ENDPOINT, host, port, securityProtocol: 0 };
}

export class WriteForwarder {
  constructor(
    private readonly ctx: BrokerContext,
    private readonly log: SchemaLog,
  ) {}

  /** "local" when this node leads _schemas-0 (creating the topic first if needed), else the leader's registry URL or null (no leader yet). */
  async target(): Promise<"local" | string | null> {
    await this.log.ensureTopic();
    if (this.log.leadsHere()) return "local";
    const leader = this.log.leader();
    if (leader < 0 || leader === this.ctx.nodeId) return this.ctx.quorum ? null : "local";
    const ep = this.ctx.metadata.image.brokers.get(leader)?.endPoints.find((e) => e.name === SCHEMA_REGISTRY_ENDPOINT);
    if (!ep) throw unknownLeader(`node ${leader} leads ${SCHEMAS_TOPIC_NAME}-0 but serves no schema registry (schema_registry_port -1 there)`);
    return `http://${ep.host.includes(":") ? `[${ep.host}]` : ep.host}:${ep.port}`;
  }

  /**
   * Sends the write to the leader and returns its answer, or null when this node became the
   * leader meanwhile (the caller handles the write itself).
   */
  async forward(req: Request, path: string, body: Uint8Array | null): Promise<Response | null> {
    const deadline = Date.now() + FORWARD_TIMEOUT_MS;
    let last = "no leader for _schemas-0";
    let reached = false;
    while (Date.now() < deadline) {
      let target: "local" | string | null;
      try {
        target = await this.target();
      } catch (e) {
        if (!(e instanceof RegistryError) || e.errorCode !== 50004) throw e;
        last = e.message;
        target = null;
      }
      if (target === "local") return null;
      if (target !== null) {
        try {
          const r = await fetch(target + path, {
            method: req.method,
            headers: { "content-type": req.headers.get("content-type") ?? "application/vnd.schemaregistry.v1+json", [FORWARDED_HEADER]: String(this.ctx.nodeId) },
            body: body && body.length > 0 ? body : undefined,
            signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
          });
          const text = await r.text();
          if (!(r.status === 500 && text.includes("50004"))) {
            const offset = Number(r.headers.get(SCHEMAS_OFFSET_HEADER));
            if (Number.isSafeInteger(offset) && offset > 0) await this.log.waitApplied(offset, APPLY_WAIT_MS);
            return new Response(text, { status: r.status, headers: { "content-type": r.headers.get("content-type") ?? "application/vnd.schemaregistry.v1+json" } });
          }
          last = `the leader at ${target} answered: ${text.slice(0, 200)}`;
        } catch (e) {
          last = `forwarding to ${target} failed: ${(e as Error).message}`;
          reached = true;
        }
      }
      await Bun.sleep(FORWARD_RETRY_MS);
    }
    // Confluent's codes: 50003 the leader was known but forwarding to it failed, 50004 no leader.
    if (reached) throw new RegistryError(50003, `Error while forwarding the request to the leader: ${last}`);
    throw unknownLeader(`no schema registry leader within ${FORWARD_TIMEOUT_MS} ms (${last})`);
  }
}

const SCHEMAS_TOPIC_NAME = "_schemas";
