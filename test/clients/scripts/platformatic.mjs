// @platformatic/kafka: Admin listTopics and metadata, then DescribeCluster v0 and v1 through the
// library's own API encoders on a raw Connection (its Admin has no describeCluster), against the
// bootstrap address given as argv[2]; prints one JSON object on stdout.
import { readFileSync } from "node:fs";
import { Admin, Connection, describeClusterV0, describeClusterV1 } from "@platformatic/kafka";

const bootstrap = process.argv[2];
if (!bootstrap) {
  console.error("usage: node platformatic.mjs host:port");
  process.exit(2);
}
// The package's "exports" hide package.json; find it beside the resolved entry point.
function packageVersion(name) {
  let url = new URL(import.meta.resolve(name));
  for (let i = 0; i < 6; i++) {
    url = new URL("..", url);
    try {
      const pkg = JSON.parse(readFileSync(new URL("package.json", url), "utf8"));
      if (pkg.name === name) return pkg.version;
    } catch {}
  }
  return "unknown";
}
const version = packageVersion("@platformatic/kafka");
const admin = new Admin({
  clientId: "takhin-discovery-platformatic",
  bootstrapBrokers: [bootstrap],
  timeout: 10000,
  retries: 2,
  retryDelay: 100,
});
try {
  const listed = await admin.listTopics();
  const meta = await admin.metadata({ topics: listed, forceUpdate: true });
  const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(":")), Number(bootstrap.slice(bootstrap.lastIndexOf(":") + 1))];
  const conn = new Connection("takhin-discovery-platformatic");
  const describeCluster = [];
  try {
    await conn.connect(host, port);
    for (const api of [describeClusterV0.api, describeClusterV1.api]) {
      const res = await api.async(conn, false, 1);
      describeCluster.push({
        version: api.version,
        errorCode: res.errorCode,
        clusterId: res.clusterId,
        controllerId: res.controllerId,
        brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port })),
      });
    }
  } finally {
    await conn.close();
  }
  const out = {
    client: "platformatic",
    version,
    clusterId: meta.id,
    controllerId: meta.controllerId,
    brokers: [...meta.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
    topics: [...meta.topics].map(([name, t]) => ({ name, partitions: t.partitionsCount })),
    listed,
    describeCluster,
  };
  console.log(JSON.stringify(out));
} finally {
  await admin.close();
}
