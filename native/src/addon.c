/*
 * N-API bindings: crc32c(data, initial?), scanBatches(buf, from, expectedBase, offsetLimit,
 * verifyCrc, out), floorIndex(keys, count, target), plus `hardwareCrc` (boolean). Signatures and
 * contracts: src/native/types.ts. Arguments are checked; a wrong one throws a TypeError/RangeError.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include "crc32c.h"
#include "scan.h"

#define MAX_ARGS 6

#define CHECK(call)                                    \
  do {                                                 \
    if ((call) != napi_ok) {                           \
      napi_throw_error(env, NULL, "N-API call failed"); \
      return NULL;                                     \
    }                                                  \
  } while (0)

typedef struct {
  napi_typedarray_type type;
  void *data;
  size_t length; /* elements */
} typed_view;

static int get_typed(napi_env env, napi_value value, typed_view *view) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  napi_value arraybuffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, value, &view->type, &view->length, &view->data, &arraybuffer,
                               &byte_offset) != napi_ok)
    return 0;
  return 1;
}

static int get_double(napi_env env, napi_value value, double *out) {
  return napi_get_value_double(env, value, out) == napi_ok;
}

static napi_value js_crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  typed_view view;
  if (argc < 1 || !get_typed(env, argv[0], &view) ||
      (view.type != napi_uint8_array && view.type != napi_uint8_clamped_array &&
       view.type != napi_int8_array)) {
    napi_throw_type_error(env, NULL, "crc32c: data must be a Uint8Array");
    return NULL;
  }
  uint32_t initial = 0;
  if (argc >= 2) {
    napi_valuetype kind;
    CHECK(napi_typeof(env, argv[1], &kind));
    if (kind != napi_undefined) {
      double value;
      if (!get_double(env, argv[1], &value)) {
        napi_throw_type_error(env, NULL, "crc32c: initial must be a number");
        return NULL;
      }
      CHECK(napi_get_value_uint32(env, argv[1], &initial));
    }
  }
  uint32_t crc = takhin_crc32c(initial, (const uint8_t *)view.data, view.length);
  napi_value result;
  CHECK(napi_create_uint32(env, crc, &result));
  return result;
}

static napi_value js_scan_batches(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  typed_view buf;
  typed_view out;
  double from_position;
  double expected_base;
  double offset_limit;
  bool verify_crc;
  if (argc < 6 || !get_typed(env, argv[0], &buf) || buf.type != napi_uint8_array ||
      !get_double(env, argv[1], &from_position) || !get_double(env, argv[2], &expected_base) ||
      !get_double(env, argv[3], &offset_limit) ||
      napi_get_value_bool(env, argv[4], &verify_crc) != napi_ok || !get_typed(env, argv[5], &out) ||
      out.type != napi_float64_array) {
    napi_throw_type_error(env, NULL,
                          "scanBatches(buf: Uint8Array, from: number, expectedBaseOffset: number, "
                          "offsetLimit: number, verifyCrc: boolean, out: Float64Array)");
    return NULL;
  }
  if (!(from_position >= 0) || from_position > (double)buf.length) {
    napi_throw_range_error(env, NULL, "scanBatches: fromPosition outside the buffer");
    return NULL;
  }
  size_t count = takhin_scan_batches((const uint8_t *)buf.data, buf.length, (size_t)from_position,
                                     expected_base, offset_limit, verify_crc ? 1 : 0,
                                     (double *)out.data, out.length / TAKHIN_SCAN_FIELDS);
  napi_value result;
  CHECK(napi_create_double(env, (double)count, &result));
  return result;
}

static napi_value js_floor_index(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  typed_view keys;
  double count;
  double target;
  if (argc < 3 || !get_typed(env, argv[0], &keys) || !get_double(env, argv[1], &count) ||
      !get_double(env, argv[2], &target)) {
    napi_throw_type_error(env, NULL,
                          "floorIndex(keys: Uint32Array | Float64Array, count: number, target: number)");
    return NULL;
  }
  size_t n = count <= 0 ? 0 : (count >= (double)keys.length ? keys.length : (size_t)count);
  int64_t found;
  if (keys.type == napi_uint32_array) {
    found = takhin_floor_u32((const uint32_t *)keys.data, n, target);
  } else if (keys.type == napi_float64_array) {
    found = takhin_floor_f64((const double *)keys.data, n, target);
  } else {
    napi_throw_type_error(env, NULL, "floorIndex: keys must be a Uint32Array or a Float64Array");
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, (double)found, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  takhin_crc32c_init();
  napi_value hardware;
  CHECK(napi_get_boolean(env, takhin_crc32c_hardware() != 0, &hardware));
  napi_property_descriptor properties[] = {
      {"crc32c", NULL, js_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scanBatches", NULL, js_scan_batches, NULL, NULL, NULL, napi_enumerable, NULL},
      {"floorIndex", NULL, js_floor_index, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hardwareCrc", NULL, NULL, NULL, NULL, hardware, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties));
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
