# confluent-kafka-python (Debian's, librdkafka 2.0.2) over SASL/TLS: python3 confluent-sasl.py <json config> <topic>
# Produces one record and reads it back; prints one JSON line {"ok": bool, "error": str}.
import json, sys, time
from confluent_kafka import Consumer, KafkaException, Producer

conf = json.loads(sys.argv[1])
topic = sys.argv[2]
errors = []
def on_error(err):
    errors.append(str(err))

value = ("confluent-%d" % time.time_ns()).encode()
try:
    p = Producer(dict(conf, **{"error_cb": on_error, "message.timeout.ms": 8000}))
    delivered = []
    p.produce(topic, value, on_delivery=lambda err, msg: delivered.append(err))
    p.flush(10)
    if not delivered or delivered[0] is not None:
        print(json.dumps({"ok": False, "error": "; ".join(errors) or str(delivered)}))
        sys.exit(0)
    c = Consumer(dict(conf, **{"group.id": "g-" + topic + str(time.time_ns()), "auto.offset.reset": "earliest", "error_cb": on_error}))
    c.subscribe([topic])
    deadline = time.time() + 20
    ok = False
    while time.time() < deadline and not ok:
        m = c.poll(0.5)
        if m is not None and m.error() is None and m.value() == value:
            ok = True
    c.close()
    print(json.dumps({"ok": ok, "error": "; ".join(errors)}))
except KafkaException as e:
    print(json.dumps({"ok": False, "error": str(e) + "; " + "; ".join(errors)}))
