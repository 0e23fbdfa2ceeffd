/** Process helpers shared by the data-directory lock, the test preload and the Kafka peer launcher. */

/** Whether a process with this pid exists (signal 0; EPERM means it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
