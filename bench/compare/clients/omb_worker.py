"""librdkafka (confluent-kafka-python) worker for the broker comparison harness (bench/compare).

argv[1] is a JSON spec whose "mode" is one of:
  setup     create the workload's topics (AdminClient), wait until every partition has a leader
  teardown  delete them
  produce   one producer on one topic: fixed rate (records/s) or as fast as it can (rate 0)
  consume   one member of a consumer group (subscribe(), so the broker's group coordinator assigns)

Every record value starts with the send time (int64 little-endian, microseconds since the epoch):
the delivery callback measures publish latency (send -> acknowledged), the consumer end-to-end
latency (send -> received). Producer and consumer run on the same machine, so their clocks agree.

Output: progress lines, then one line "RESULT <json>". Latency samples (microseconds, float64 LE)
go to spec["samplesFile"]; at most spec["samplesCap"] of them, by reservoir sampling beyond that
(the exact maximum is reported separately). Bounded by the spec's times and a hard deadline.
"""
import json
import os
import random
import struct
import sys
import threading
import time
from array import array

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

spec = json.loads(sys.argv[1])
errors = []
HARD_DEADLINE = time.monotonic() + float(spec.get("hardTimeoutS", 600))
PACK = struct.Struct("<q")


def on_error(err):
    if len(errors) < 20:
        errors.append(str(err))


def now_us():
    return time.time_ns() // 1000


def emit(kind, payload):
    sys.stdout.write("%s %s\n" % (kind, json.dumps(payload)))
    sys.stdout.flush()


class Samples:
    """Latency samples in microseconds with a reservoir beyond `cap`, plus the exact count and max."""

    def __init__(self, cap):
        self.cap = cap
        self.data = array("d")
        self.count = 0
        self.max = 0.0

    def add(self, v):
        self.count += 1
        if v > self.max:
            self.max = v
        if len(self.data) < self.cap:
            self.data.append(v)
        else:
            j = random.randrange(self.count)
            if j < self.cap:
                self.data[j] = v

    def write(self, path):
        with open(path, "wb") as f:
            if sys.byteorder != "little":
                self.data.byteswap()
            self.data.tofile(f)


def admin():
    conf = {"bootstrap.servers": spec["bootstrap"], "error_cb": on_error}
    conf.update(spec.get("commonConfig", {}))
    return AdminClient(conf)


def setup():
    a = admin()
    topics = [NewTopic(t, num_partitions=spec["partitions"], replication_factor=spec["replicationFactor"], config=spec.get("topicConfig", {})) for t in spec["topics"]]
    futures = a.create_topics(topics, operation_timeout=30, request_timeout=30)
    for t, f in futures.items():
        f.result(timeout=45)
    deadline = time.monotonic() + 30
    while True:
        md = a.list_topics(timeout=10)
        ready = 0
        for t in spec["topics"]:
            tm = md.topics.get(t)
            if tm is not None and tm.error is None and len(tm.partitions) == spec["partitions"] and all(p.leader >= 0 for p in tm.partitions.values()):
                ready += 1
        if ready == len(spec["topics"]):
            brokers = len(md.brokers)
            return {"topics": spec["topics"], "brokers": brokers, "clusterId": md.cluster_id, "errors": errors[:5]}
        if time.monotonic() > deadline:
            raise RuntimeError("topics not ready after 30 s: %d of %d" % (ready, len(spec["topics"])))
        time.sleep(0.2)


def teardown():
    a = admin()
    futures = a.delete_topics(spec["topics"], operation_timeout=30, request_timeout=30)
    failed = []
    for t, f in futures.items():
        try:
            f.result(timeout=45)
        except Exception as e:  # report, never fail the run on cleanup
            failed.append("%s: %s" % (t, e))
    return {"deleted": len(spec["topics"]) - len(failed), "errors": failed[:5] + errors[:5]}


def key_source():
    kind = spec["keyDistributor"]
    if kind == "NO_KEY":
        return lambda: None
    if kind == "RANDOM_NANO":
        bits = random.getrandbits
        return lambda: b"%d" % bits(63)
    space = spec["keySpace"]
    state = [spec.get("keyOffset", 0) % space]

    def next_key():
        k = state[0]
        state[0] = k + 1 if k + 1 < space else 0
        return b"key-%d" % k

    return next_key


def produce():
    size = spec["messageSize"]
    if spec.get("payloadFile"):
        with open(spec["payloadFile"], "rb") as f:
            buf = bytearray(f.read())
    else:
        buf = bytearray(os.urandom(size))
    rate = float(spec["rate"])
    samples = Samples(spec["samplesCap"])
    st = {"acked": 0, "ackedBytes": 0, "ackedAll": 0, "failed": 0, "sent": 0, "sentInWindow": 0}
    timeline = {}
    start_us = spec["startAtUs"]
    warm_us = start_us + int(spec["warmupS"] * 1e6)
    end_us = warm_us + int(spec["durationS"] * 1e6)
    unpack = PACK.unpack_from

    def on_delivery(err, msg):
        if err is not None:
            st["failed"] += 1
            on_error(err)
            return
        t = now_us()
        ts = unpack(msg.value(), 0)[0]
        st["ackedAll"] += 1
        sec = (t - start_us) // 1000000
        timeline[sec] = timeline.get(sec, 0) + 1
        if warm_us <= ts < end_us:
            st["acked"] += 1
            st["ackedBytes"] += len(msg)
            samples.add(float(t - ts))

    conf = {"bootstrap.servers": spec["bootstrap"], "error_cb": on_error, "on_delivery": on_delivery}
    conf.update(spec.get("config", {}))
    p = Producer(conf)
    topic = spec["topic"]
    next_key = key_source()
    pack = PACK.pack_into
    send = p.produce
    poll = p.poll
    # Connect and fetch metadata before the clock starts.
    p.list_topics(topic, timeout=10)
    while now_us() < start_us:
        time.sleep(min(0.01, max(0.0, (start_us - now_us()) / 1e6)))
    t0 = time.monotonic()
    stop_at = t0 + (end_us - start_us) / 1e6
    next_progress = t0 + 1.0
    sent = 0
    while True:
        now = time.monotonic()
        if now >= stop_at or now >= HARD_DEADLINE:
            break
        if now >= next_progress:
            emit("PROGRESS", {"ackedBytesAll": st["ackedAll"] * size, "sent": sent})
            next_progress += 1.0
        if rate > 0:
            n = int((now - t0) * rate) + 1 - sent
            if n <= 0:
                # Serve delivery callbacks while waiting for the next send slot (poll returns early
                # when one arrives, so publish latency is not rounded up to the wait).
                wait = (sent + 1) / rate - (now - t0)
                poll(min(wait, 0.001) if wait > 0 else 0)
                continue
            if n > 10000:
                n = 10000
        else:
            n = 1000
        for _ in range(n):
            pack(buf, 0, now_us())
            try:
                send(topic, bytes(buf), next_key())
            except BufferError:
                poll(0.001)
                break
            sent += 1
            ts = now_us()
            if warm_us <= ts < end_us:
                st["sentInWindow"] += 1
        poll(0)
    left = p.flush(max(1.0, min(spec.get("flushTimeoutS", 30), HARD_DEADLINE - time.monotonic())))
    samples.write(spec["samplesFile"])
    return {
        "records": st["acked"],
        "bytes": st["ackedBytes"],
        "seconds": spec["durationS"],
        "sent": sent,
        "sentInWindow": st["sentInWindow"],
        "ackedAll": st["ackedAll"],
        "failed": st["failed"],
        "undelivered": left,
        "latencyCount": samples.count,
        "latencyMaxUs": samples.max,
        "timeline": [timeline.get(i, 0) for i in range(0, int(spec["warmupS"] + spec["durationS"]) + 1)],
        "errors": errors[:5],
    }


def consume():
    go = {"warmUs": None, "endUs": None, "drainMaxS": 10.0, "doneAt": None, "seen": time.monotonic()}

    def read_stdin():
        # "GO <warmUs> <endUs> <drainMaxS>": the measured window. "DONE": every producer has
        # finished (flushed); drain until idle for a second, or for drainMaxS at most.
        for line in sys.stdin:
            parts = line.split()
            if parts and parts[0] == "GO":
                go["drainMaxS"] = float(parts[3])
                go["endUs"] = int(parts[2])
                go["warmUs"] = int(parts[1])
                go["seen"] = time.monotonic()
            elif parts and parts[0] == "DONE":
                go["seen"] = time.monotonic()
                go["doneAt"] = time.monotonic()

    threading.Thread(target=read_stdin, daemon=True).start()
    assigned = {"count": -1, "at": None}

    def on_assign(_c, parts):
        if assigned["count"] < 0:
            assigned["at"] = now_us()
            emit("READY", {"partitions": len(parts)})
        assigned["count"] = len(parts)

    conf = {"bootstrap.servers": spec["bootstrap"], "group.id": spec["groupId"], "error_cb": on_error}
    conf.update(spec.get("config", {}))
    c = Consumer(conf)
    c.subscribe(spec["topics"], on_assign=on_assign)
    samples = Samples(spec["samplesCap"])
    backlog = bool(spec.get("backlog"))
    received = 0
    rbytes = 0
    total = 0
    first_recv = None
    caught_up_at = None
    caught_up_records = 0
    last_msg = time.monotonic()
    timeline = {}
    unpack = PACK.unpack_from
    next_progress = time.monotonic() + 0.25
    while time.monotonic() < HARD_DEADLINE:
        if time.monotonic() >= next_progress:
            # Running count for the harness's max-rate discovery (backlog = sent - consumed).
            emit("PROGRESS", {"total": total})
            next_progress = time.monotonic() + 0.25
        # consume(n, timeout) waits for n messages or the timeout, which would add up to the
        # timeout to end-to-end latency: take what is queued, else wait for the next one alone.
        msgs = c.consume(num_messages=2000, timeout=0)
        if not msgs:
            m = c.poll(0.1)
            msgs = [m] if m is not None else []
        t = now_us()
        mono = time.monotonic()
        warm = go["warmUs"]
        end = go["endUs"]
        for m in msgs:
            if m.error() is not None:
                if m.error().code() != KafkaError._PARTITION_EOF:
                    on_error(m.error())
                continue
            v = m.value()
            ts = unpack(v, 0)[0]
            total += 1
            last_msg = mono
            if first_recv is None:
                first_recv = t
            if backlog and caught_up_at is None:
                if t - ts < 500000:
                    caught_up_at = t
                    caught_up_records = total
            if warm is not None:
                sec = (t - (warm - int(spec.get("warmupS", 0) * 1e6))) // 1000000
                timeline[sec] = timeline.get(sec, 0) + 1
                if warm <= t < end:
                    received += 1
                    rbytes += len(v)
                if warm <= ts < end:
                    samples.add(float(t - ts))
        done_at = go["doneAt"]
        if done_at is not None:
            quiet = mono - max(last_msg, go["seen"])
            if quiet >= 1.0 or mono >= done_at + go["drainMaxS"]:
                break
    c.close()
    samples.write(spec["samplesFile"])
    window_s = (go["endUs"] - go["warmUs"]) / 1e6 if go["warmUs"] is not None else 0.0
    out = {
        "records": received,
        "bytes": rbytes,
        "seconds": window_s,
        "total": total,
        "assignedPartitions": assigned["count"],
        "latencyCount": samples.count,
        "latencyMaxUs": samples.max,
        "timeline": [timeline.get(i, 0) for i in range(0, int(spec.get("warmupS", 0) + window_s) + 1)],
        "errors": errors[:5],
    }
    if backlog:
        # From the first assignment, not the first message: librdkafka prefetches (up to
        # queued.max.messages.kbytes) before the first consume() returns.
        began = assigned["at"] or first_recv
        out["catchUpSeconds"] = (caught_up_at - began) / 1e6 if caught_up_at and began else None
        out["catchUpRecords"] = caught_up_records
    return out


try:
    mode = spec["mode"]
    result = {"setup": setup, "teardown": teardown, "produce": produce, "consume": consume}[mode]()
    emit("RESULT", result)
except Exception as e:  # one line the harness can show, then a non-zero exit
    emit("RESULT", {"fatal": "%s: %s" % (type(e).__name__, e), "errors": errors[:5]})
    sys.exit(1)
