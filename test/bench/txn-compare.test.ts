/**
 * The transactions benchmark's core (bench/txn-compare.ts) at a tiny size against an in-process
 * Takhin broker, through the bench's own librdkafka worker (confluent-kafka-python under
 * /usr/bin/python3): for no transactions and for transactions of 1, 7 and 50 records, a
 * read_committed consumer reads back exactly the records sent (the warm-up record included), and
 * there is one latency sample per record (no transactions) or per transaction. Behaviour only: no
 * timing thresholds. The case list and the median are checked too.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { median, parseCases, runCase } from "../../bench/txn-compare.ts";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe("txn-compare", () => {
  test("cases: none and txn-N, txn-1 with its own record count; unknown names are refused", () => {
    expect(parseCases("none,txn-1,txn-100", 1000, 20)).toEqual([
      { name: "none", txnSize: 0, records: 1000 },
      { name: "txn-1", txnSize: 1, records: 20 },
      { name: "txn-100", txnSize: 100, records: 1000 },
    ]);
    expect(() => parseCases("txn-0", 10, 1)).toThrow();
    expect(() => parseCases("transactions", 10, 1)).toThrow();
  });

  test("median: middle value, mean of the two middle ones, NaN for none", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  for (const c of parseCases("none,txn-1,txn-7,txn-50", 120, 9)) {
    test(
      `${c.name}: read_committed reads back every record sent, one latency sample per ${c.txnSize ? "transaction" : "record"}`,
      async () => {
        const r = await runCase(broker.bootstrap, `txn-compare-${c.name}`, c, { valueBytes: 100, settle: false, timeoutS: 60 });
        expect(r.errors).toEqual([]);
        expect(r.expected).toBe(c.records + 1);
        expect(r.readCommitted).toBe(r.expected);
        expect(r.samples).toBe(c.txnSize ? Math.ceil(c.records / c.txnSize) : c.records);
        expect(r.recordsPerSec).toBeGreaterThan(0);
        expect(r.p99Ms).not.toBeNull();
      },
      120_000,
    );
  }
});
