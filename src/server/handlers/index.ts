/** Every API handler the broker serves; the registry answers ApiVersions from this list. */
import type { HandlerRegistry } from "../registry.ts";
import { alterConfigsHandler } from "./alter-configs.ts";
import { apiVersionsHandler } from "./api-versions.ts";
import { createPartitionsHandler } from "./create-partitions.ts";
import { createTopicsHandler } from "./create-topics.ts";
import { deleteTopicsHandler } from "./delete-topics.ts";
import { describeClusterHandler } from "./describe-cluster.ts";
import { describeConfigsHandler } from "./describe-configs.ts";
import { incrementalAlterConfigsHandler } from "./incremental-alter-configs.ts";
import { fetchHandler } from "./fetch.ts";
import { initProducerIdHandler } from "./init-producer-id.ts";
import { listOffsetsHandler } from "./list-offsets.ts";
import { metadataHandler } from "./metadata.ts";
import { deleteRecordsHandler } from "./delete-records.ts";
import { describeLogDirsHandler } from "./describe-log-dirs.ts";
import { offsetForLeaderEpochHandler } from "./offset-for-leader-epoch.ts";
import { produceHandler } from "./produce.ts";

export function registerHandlers(registry: HandlerRegistry): void {
  registry.register(produceHandler);
  registry.register(fetchHandler);
  registry.register(initProducerIdHandler);
  registry.register(listOffsetsHandler);
  registry.register(offsetForLeaderEpochHandler);
  registry.register(deleteRecordsHandler);
  registry.register(describeLogDirsHandler);
  registry.register(apiVersionsHandler);
  registry.register(metadataHandler);
  registry.register(describeClusterHandler);
  registry.register(createTopicsHandler);
  registry.register(deleteTopicsHandler);
  registry.register(createPartitionsHandler);
  registry.register(describeConfigsHandler);
  registry.register(alterConfigsHandler);
  registry.register(incrementalAlterConfigsHandler);
}
