/** Configuration: defaults, YAML file, TAKHIN_* environment, and refusal of bad values by name. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { removeDir, startTestBroker, tempDir } from "../helpers/broker.ts";

describe("loadConfig", () => {
  test("defaults: port 9092, ./data, all interfaces, advertised 127.0.0.1", () => {
    const c = loadConfig({ env: {} });
    expect(c.kafkaPort).toBe(9092);
    expect(c.dataDir).toBe("./data");
    expect(c.host).toBe("0.0.0.0");
    expect(c.advertisedHost).toBe("127.0.0.1");
  });

  test("environment overrides the YAML file, which overrides defaults", () => {
    const dir = tempDir();
    const file = join(dir, "takhin.yaml");
    writeFileSync(file, "kafka_port: 19000\ndata_dir: /tmp/x\nlog_level: debug\n");
    const c = loadConfig({ env: { TAKHIN_CONFIG: file, TAKHIN_KAFKA_PORT: "19001" } });
    expect(c.kafkaPort).toBe(19001);
    expect(c.dataDir).toBe("/tmp/x");
    expect(c.logLevel).toBe("debug");
    removeDir(dir);
  });

  test("a bad value names the key and what it accepts", () => {
    expect(() => loadConfig({ env: { TAKHIN_KAFKA_PORT: "70000" } })).toThrow(/TAKHIN_KAFKA_PORT.*kafka_port.*integer from 0 to 65535/);
    expect(() => loadConfig({ env: { TAKHIN_LOG_LEVEL: "loud" } })).toThrow(/log_level.*one of debug, info, warn, error/);
    expect(() => loadConfig({ env: { TAKHIN_AUTO_CREATE_TOPICS_ENABLE: "yes" } })).toThrow(ConfigError);
  });

  test("an unknown key in the YAML file is refused by name", () => {
    const dir = tempDir();
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "kafka_prot: 9092\n");
    expect(() => loadConfig({ env: {}, file })).toThrow(/unknown key kafka_prot/);
    removeDir(dir);
  });

  test("the broker binary exits with a message naming the bad key", async () => {
    const proc = Bun.spawn(["bun", "src/main.ts"], {
      env: { ...process.env, TAKHIN_KAFKA_PORT: "not-a-port", TAKHIN_DATA_DIR: tempDir() },
      stderr: "pipe",
      stdout: "pipe",
    });
    const code = await proc.exited;
    const err = await new Response(proc.stderr).text();
    expect(code).toBe(2);
    expect(err).toContain("TAKHIN_KAFKA_PORT");
  });
});

describe("identity", () => {
  test("the cluster id is generated once and kept across restarts", async () => {
    const dir = tempDir();
    const a = await startTestBroker({}, dir);
    const id = a.broker.context.clusterId;
    expect(id).toHaveLength(22);
    await a.stop();
    const b = await startTestBroker({}, dir);
    expect(b.broker.context.clusterId).toBe(id);
    await b.stop();
    removeDir(dir);
  });
});
