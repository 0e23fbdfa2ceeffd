/** `takhin cluster info`: the cluster id, the controller and the brokers (DescribeCluster, else Metadata). */
import { pickVersion, type BrokerVersions } from "../client/index.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { KafkaError } from "../client/index.ts";
import type { Context, Group } from "./command.ts";

interface BrokerRow {
  node_id: number;
  host: string;
  port: number;
  rack: string | null;
  fenced: boolean | null;
}

function speaks(versions: BrokerVersions): boolean {
  try {
    pickVersion(DescribeCluster, versions);
    return true;
  } catch {
    return false;
  }
}

async function info(ctx: Context): Promise<void> {
  const client = await ctx.client();
  const md = await client.metadata([]);
  let clusterId = md.clusterId;
  let controllerId = md.controllerId;
  let brokers: BrokerRow[] = md.brokers.map((b) => ({ node_id: b.nodeId, host: b.host, port: b.port, rack: b.rack, fenced: null }));
  // DescribeCluster (KIP-700) knows fenced brokers from v2; Kafka 2.8+ and Takhin answer it.
  if (speaks(await client.apiVersions())) {
    const { version, body } = await client.send(DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType: 1, includeFencedBrokers: true });
    if (body.errorCode !== 0) throw new KafkaError(body.errorCode, "DescribeCluster", body.errorMessage);
    clusterId = body.clusterId;
    controllerId = body.controllerId;
    brokers = body.brokers.map((b) => ({ node_id: b.brokerId, host: b.host, port: b.port, rack: b.rack, fenced: version >= 2 ? b.isFenced : null }));
  }
  brokers.sort((a, b) => a.node_id - b.node_id);
  if (ctx.json) {
    ctx.out.json({ cluster_id: clusterId, controller_id: controllerId, brokers });
    return;
  }
  ctx.out.write(`Cluster id: ${clusterId ?? "-"}\nController: ${controllerId}\n\n`);
  ctx.out.table(
    ["ID", "HOST", "PORT", "RACK", "STATUS"],
    brokers.map((b) => [b.node_id + (b.node_id === controllerId ? "*" : ""), b.host, b.port, b.rack, b.fenced === null ? "-" : b.fenced ? "fenced" : "active"]),
  );
}

export const clusterCommands: Group = {
  name: "cluster",
  summary: "the cluster as a whole",
  commands: [{ name: "info", summary: "cluster id, controller and brokers", flags: [], positionals: [], run: info, details: "The controller is marked with * in the table." }],
};
