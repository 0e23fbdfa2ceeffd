"""confluent-kafka-python (PyPI, pinned in requirements.txt) against Takhin's registry and broker.

Per format (AVRO, PROTOBUF, JSON): the serializer registers v1 on first use and N records are
produced; v2 (a compatible change) is registered by a second serializer and N more records are
produced; an incompatible v3 is registered through SchemaRegistryClient and must be refused with
HTTP 409 / error code 409; then every record is consumed and decoded by the deserializer, which
fetches the writer's schema by the id each record carries (for Protobuf with ?format=serialized).
Finally the cached lookup by id is timed.

argv: bootstrap, registry url, records per version. Prints one JSON object on the last line.
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message_factory import GetMessageClass

bootstrap, url, per_version = sys.argv[1], sys.argv[2], int(sys.argv[3])
CONSUME_DEADLINE_S = 60
client = SchemaRegistryClient({"url": url})


def avro(fields):
    return json.dumps({"type": "record", "name": "Reading", "namespace": "takhin.py", "fields": fields})


def json_schema(props, required):
    return json.dumps({"$schema": "http://json-schema.org/draft-07/schema#", "title": "Reading", "type": "object",
                       "properties": props, "required": required, "additionalProperties": False})


def proto_class(fields):
    """A generated-style message class for takhin.py.Reading built from a FileDescriptorProto (no protoc)."""
    fd = descriptor_pb2.FileDescriptorProto(name="takhin_py_reading.proto", package="takhin.py", syntax="proto3")
    msg = fd.message_type.add(name="Reading")
    for name, number, ftype in fields:
        msg.field.add(name=name, number=number, type=ftype, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return GetMessageClass(pool.FindMessageTypeByName("takhin.py.Reading"))


T = descriptor_pb2.FieldDescriptorProto
PB_V1 = proto_class([("sensor", 1, T.TYPE_STRING), ("value", 2, T.TYPE_DOUBLE)])
PB_V2 = proto_class([("sensor", 1, T.TYPE_STRING), ("value", 2, T.TYPE_DOUBLE), ("unit", 3, T.TYPE_STRING)])
PB_BAD = 'syntax = "proto3";\npackage takhin.py;\nmessage Reading { string sensor = 1; string value = 2; }'


def record(i, v):
    r = {"sensor": f"s{i}", "value": i / 2}
    if v == 2:
        r["unit"] = "K"
    return r


def pb_record(cls):
    return lambda r, ctx: cls(**r)


FORMATS = {
    "AVRO": {
        "v1": lambda: AvroSerializer(client, avro([{"name": "sensor", "type": "string"}, {"name": "value", "type": "double"}])),
        "v2": lambda: AvroSerializer(client, avro([{"name": "sensor", "type": "string"}, {"name": "value", "type": "double"},
                                                   {"name": "unit", "type": "string", "default": "C"}])),
        "bad": Schema(avro([{"name": "sensor", "type": "string"}, {"name": "value", "type": "double"},
                            {"name": "site", "type": "string"}]), "AVRO"),
        "deserializer": lambda: AvroDeserializer(client),
        "to_obj": lambda r, v: r,
        "from_obj": lambda o: o,
    },
    "JSON": {
        "v1": lambda: JSONSerializer(json_schema({"sensor": {"type": "string"}, "value": {"type": "number"}}, ["sensor"]), client),
        "v2": lambda: JSONSerializer(json_schema({"sensor": {"type": "string"}, "value": {"type": "number"}, "unit": {"type": "string"}}, ["sensor"]), client),
        "bad": Schema(json_schema({"sensor": {"type": "string"}}, ["sensor"]), "JSON"),
        "deserializer": lambda: JSONDeserializer(None, schema_registry_client=client),
        "to_obj": lambda r, v: r,
        "from_obj": lambda o: o,
    },
    "PROTOBUF": {
        "v1": lambda: ProtobufSerializer(PB_V1, client),
        "v2": lambda: ProtobufSerializer(PB_V2, client),
        "bad": Schema(PB_BAD, "PROTOBUF"),
        # The message class decodes; the registry supplies the writer's descriptor by id.
        "deserializer": lambda: ProtobufDeserializer(PB_V2, schema_registry_client=client),
        "to_obj": lambda r, v: (PB_V1 if v == 1 else PB_V2)(**r),
        "from_obj": lambda m: {f.name: v for f, v in m.ListFields()},
    },
}

out = {}
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
for fmt, f in FORMATS.items():
    topic = f"sr-python-{fmt.lower()}"
    subject = f"{topic}-value"
    ctx = SerializationContext(topic, MessageField.VALUE)
    r = {"ids": []}
    produced = 0
    for v in (1, 2):
        ser = f[f"v{v}"]()
        for i in range(per_version):
            value = ser(f["to_obj"](record(i, v), v), ctx)
            if i == 0:
                r["ids"].append(int.from_bytes(value[1:5], "big"))
            producer.produce(topic, key=f"s{i}".encode(), value=value)
            produced += 1
        producer.flush(30)
    r["produced"] = produced
    try:
        client.register_schema(subject, f["bad"])
        r["refused"] = None
    except SchemaRegistryError as e:
        r["refused"] = {"status": e.http_status_code, "code": e.error_code, "message": e.error_message[:300]}
    r["compatibleBad"] = client.test_compatibility(subject, f["bad"])
    r["versions"] = client.get_versions(subject)

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"sr-python-{fmt}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    deser = f["deserializer"]()
    decoded = []
    deadline = time.time() + CONSUME_DEADLINE_S
    while len(decoded) < produced and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        raw = m.value()
        obj = deser(raw, ctx)
        decoded.append({"magic": raw[0], "id": int.from_bytes(raw[1:5], "big"), "value": f["from_obj"](obj)})
    consumer.close()
    r["decoded"] = decoded

    # The serializers' cached lookup by id: the first get_schema goes to the registry, later ones hit the cache.
    fresh = SchemaRegistryClient({"url": url})
    t0 = time.perf_counter()
    fresh.get_schema(r["ids"][0])
    r["firstLookupUs"] = (time.perf_counter() - t0) * 1e6
    n = 10_000
    t0 = time.perf_counter()
    for _ in range(n):
        fresh.get_schema(r["ids"][0])
    r["cachedLookupUs"] = (time.perf_counter() - t0) * 1e6 / n
    out[fmt] = r

print(json.dumps(out))
