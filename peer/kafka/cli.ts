/**
 * `bun run peer:kafka -- start|stop|status [--nodes N] [--port P] [--data-dir DIR]`
 * Starts Apache Kafka on loopback (formatting KRaft storage on first use), waits until it answers
 * Metadata, prints one line with its bootstrap address and leaves it running; `stop` ends it;
 * `status` says whether each node runs and answers. Default data dir: ./data-kafka-peer.
 */
import { peerStatus, readState, startKafkaPeer, stopPids } from "./launcher.ts";
import { resolve } from "node:path";

const USAGE = `usage: bun run peer:kafka -- <start|stop|status> [--nodes N] [--port P] [--data-dir DIR]
  start    format (first time) and start N combined broker+controller nodes on 127.0.0.1
  stop     stop the nodes started from DIR
  status   show whether each node runs and answers Metadata
  --nodes N     nodes (default 1)    --port P   Kafka port of node 1 (node i: P+i-1; default free ports)
  --data-dir D  state, logs and data (default ./data-kafka-peer)`;

function parse(argv: string[]): { cmd: string; nodes?: number; port?: number; dataDir: string } {
  let cmd = "";
  let nodes: number | undefined;
  let port: number | undefined;
  let dataDir = "data-kafka-peer";
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case "--nodes": nodes = Number(value()); break;
      case "--port": port = Number(value()); break;
      case "--data-dir": dataDir = value(); break;
      case "-h": case "--help": console.log(USAGE); process.exit(0);
      default:
        if (!flag.startsWith("-") && !cmd) cmd = flag;
        else fail(`unknown argument ${argv[i]}`);
    }
  }
  if (!["start", "stop", "status"].includes(cmd)) fail(cmd ? `unknown command ${cmd}` : "a command is needed");
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) fail("--port must be 1..65535");
  return { cmd, nodes, port, dataDir: resolve(dataDir) };
}

function fail(message: string): never {
  console.error(`peer:kafka: ${message}\n${USAGE}`);
  process.exit(2);
}

const args = parse(process.argv.slice(2));
if (args.cmd === "start") {
  try {
    const peer = await startKafkaPeer({ nodes: args.nodes, port: args.port, dataDir: args.dataDir });
    console.log(`kafka ${peer.state.kafkaVersion} ready bootstrap=${peer.bootstrap} nodes=${peer.state.nodes.length} dataDir=${args.dataDir} startupMs=${Math.round(peer.startupMs)}`);
    process.exit(0);
  } catch (e) {
    console.error(`peer:kafka: ${(e as Error).message}`);
    process.exit(1);
  }
} else if (args.cmd === "stop") {
  const state = readState(args.dataDir);
  if (!state) fail(`no peer state in ${args.dataDir}`);
  await stopPids(state.nodes.map((n) => n.pid));
  console.log(`kafka stopped dataDir=${args.dataDir}`);
} else {
  const status = await peerStatus(args.dataDir);
  if (!status) {
    console.log(`kafka not started dataDir=${args.dataDir}`);
    process.exit(3);
  }
  for (const n of status.nodes) console.log(`node ${n.nodeId} ${n.running ? "running" : "stopped"} answers=${n.brokers ? `brokers ${n.brokers.join(",")}` : "no"}`);
  console.log(`bootstrap=${status.state.bootstrap}`);
  process.exit(status.nodes.every((n) => n.running && n.brokers) ? 0 : 3);
}
