/**
 * What the v2 metadata routes show, read from the metadata image (every node has all of it, so
 * any node answers for the whole cluster): topic names, a topic with its configs and partitions,
 * a partition with its leader and replicas ({broker, leader, in_sync}), and the broker ids.
 * Confluent's shapes: GET /topics is ["a","b"]; GET /brokers is {"brokers":[1,2,3]}.
 */
import type { PartitionRegistration, TopicImage } from "../metadata/image.ts";
import type { BrokerContext } from "../server/context.ts";
import { partitionNotFound, topicNotFound } from "./errors.ts";

export interface PartitionV2 {
  partition: number;
  leader: number;
  replicas: { broker: number; leader: boolean; in_sync: boolean }[];
}

export function topicNames(ctx: BrokerContext): string[] {
  return [...ctx.metadata.image.topicsByName.keys()].sort();
}

export function topicImage(ctx: BrokerContext, name: string): TopicImage {
  const t = ctx.metadata.image.topic(name);
  if (!t) throw topicNotFound();
  return t;
}

function partitionView(index: number, p: PartitionRegistration): PartitionV2 {
  return { partition: index, leader: p.leader, replicas: p.replicas.map((b) => ({ broker: b, leader: b === p.leader, in_sync: p.isr.includes(b) })) };
}

export function topicV2(ctx: BrokerContext, name: string): { name: string; configs: Record<string, string>; partitions: PartitionV2[] } {
  const t = topicImage(ctx, name);
  return { name: t.name, configs: ctx.metadata.image.topicConfigs(name), partitions: t.partitions.map((p, i) => partitionView(i, p)) };
}

export function partitionsV2(ctx: BrokerContext, name: string): PartitionV2[] {
  return topicImage(ctx, name).partitions.map((p, i) => partitionView(i, p));
}

export function partitionV2(ctx: BrokerContext, name: string, index: number): PartitionV2 {
  const t = topicImage(ctx, name);
  const p = t.partitions[index];
  if (!p) throw partitionNotFound();
  return partitionView(index, p);
}

export function brokerIds(ctx: BrokerContext): number[] {
  return [...ctx.metadata.image.brokers.values()].filter((b) => !b.fenced).map((b) => b.id).sort((a, b) => a - b);
}
