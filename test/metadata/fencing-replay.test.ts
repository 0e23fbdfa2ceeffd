/**
 * Fencing and unfencing re-issue the broker's registration with its own incarnation and epoch
 * (decisions.ts); the image must apply them (a state change of the same registration) while still
 * refusing a new registration whose epoch is not above the previous one. Found by the process
 * test test/cluster/faults/fencing.test.ts: before, every fencing batch failed to replay and was
 * skipped, so a dead broker was never fenced.
 */
import { expect, test } from "bun:test";
import { fenceBrokerRecords, registerBrokerRecords, unfenceBrokerRecords } from "../../src/metadata/decisions.ts";
import { applyBatch, MetadataImage, MetadataReplayError } from "../../src/metadata/image.ts";

const EP = [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: 0 }];

test("fence and unfence records replay; a stale new registration is still refused", () => {
  let image = applyBatch(MetadataImage.EMPTY, 1, registerBrokerRecords(0, "AAAAAAAAAAAAAAAAAAAAAA", 1n, EP, null, false)).image;
  image = applyBatch(image, 2, registerBrokerRecords(1, "BBBBBBBBBBBBBBBBBBBBBB", 2n, EP, null, false)).image;
  const fence = fenceBrokerRecords(image, 1);
  expect(fence.length).toBeGreaterThan(0);
  image = applyBatch(image, 3, fence).image;
  expect(image.brokers.get(1)?.fenced).toBe(true);
  expect(image.brokers.get(1)?.epoch).toBe(2n);
  image = applyBatch(image, 4, unfenceBrokerRecords(image, 1)).image;
  expect(image.brokers.get(1)?.fenced).toBe(false);
  expect(() => applyBatch(image, 5, registerBrokerRecords(1, "CCCCCCCCCCCCCCCCCCCCCC", 2n, EP, null, false))).toThrow(MetadataReplayError);
  expect(() => applyBatch(image, 5, registerBrokerRecords(1, "BBBBBBBBBBBBBBBBBBBBBB", 1n, EP, null, false))).toThrow(MetadataReplayError);
});
