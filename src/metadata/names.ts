/** Kafka's topic name rule, shared by the controller, the image and the topic handlers. */

/** Longest topic name (Kafka's Topic.MAX_NAME_LENGTH). */
export const MAX_TOPIC_NAME_CHARS = 249;

/** Kafka's topic name rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return "topic name is empty";
  if (name === "." || name === "..") return `topic name cannot be "${name}"`;
  if (name.length > MAX_TOPIC_NAME_CHARS) return `topic name is longer than ${MAX_TOPIC_NAME_CHARS} characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `topic name "${name}" has characters other than ASCII letters, digits, '.', '_' and '-'`;
  return null;
}

/** Topics whose names start with "__" are Kafka's internal topics. */
export function isInternalTopicName(name: string): boolean {
  return name.startsWith("__");
}
