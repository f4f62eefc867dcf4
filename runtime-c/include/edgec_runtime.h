/*
 * edgec_runtime.h - the portable runtime every generated C artifact includes.
 * C99, no allocation, no global state: generated code is reentrant given distinct workspaces.
 */
#ifndef EDGEC_RUNTIME_H
#define EDGEC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include "edgec_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by generated entry points. */
typedef enum {
  EDGEC_OK = 0,
  EDGEC_ERR_NULL_ARGUMENT = 1,
  EDGEC_ERR_MISALIGNED = 2
} edgec_status;

const char *edgec_status_str(int status);

/*
 * Element types, numbered as ONNX numbers them. In memory every element of the narrow types takes
 * ONE byte (ONNX files pack int4/uint4/float4e2m1 two to a byte and int2/uint2 four to a byte;
 * compiled models never do): int4 and int2 are int8_t holding -8..7 and -2..1, uint4 and uint2
 * are uint8_t holding 0..15 and 0..3, float4e2m1 is a uint8_t holding the 4-bit code (sign bit 3,
 * 2 exponent bits, 1 mantissa bit), float8e8m0 a uint8_t holding the biased exponent (2^(b-127),
 * 0xFF is NaN). Half and 8-bit floats are raw bit patterns in uint16_t / uint8_t.
 */
typedef enum {
  EDGEC_F32 = 1, EDGEC_U8 = 2, EDGEC_I8 = 3, EDGEC_U16 = 4, EDGEC_I16 = 5, EDGEC_I32 = 6,
  EDGEC_I64 = 7, EDGEC_BOOL = 9, EDGEC_F16 = 10, EDGEC_F64 = 11, EDGEC_U32 = 12, EDGEC_U64 = 13,
  EDGEC_BF16 = 16, EDGEC_F8E4M3FN = 17, EDGEC_F8E4M3FNUZ = 18, EDGEC_F8E5M2 = 19, EDGEC_F8E5M2FNUZ = 20,
  EDGEC_U4 = 21, EDGEC_I4 = 22, EDGEC_F4E2M1 = 23, EDGEC_F8E8M0 = 24, EDGEC_U2 = 25, EDGEC_I2 = 26
} edgec_dtype;

size_t edgec_dtype_size(edgec_dtype t);

#define EDGEC_MAX_RANK 8

/* Describes one model input or output. */
typedef struct {
  const char *name;
  edgec_dtype dtype;
  int32_t rank;
  int64_t shape[EDGEC_MAX_RANK];
  size_t bytes;
} edgec_tensor_desc;

/* Everything a host needs to drive a compiled model generically. */
typedef struct {
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const edgec_tensor_desc *inputs;
  const edgec_tensor_desc *outputs;
  size_t workspace_bytes;
  size_t weights_bytes;
  /* Weights compiled into the binary, or NULL when they ship as a separate .bin file. */
  const void *embedded_weights;
  int (*run)(const void *weights, void *workspace, const void *const *inputs, void *const *outputs);
} edgec_model;

/* Index of the descriptor named `name`, or -1. */
int32_t edgec_find_tensor(const edgec_tensor_desc *descs, int32_t count, const char *name);

/*
 * Called after kernel call site `site` by a model compiled for profiling (site -1: a run starts);
 * the host defines it (the harness built with EDGEC_HARNESS_PROFILE does).
 */
void edgec_profile_mark(int site);

/* ---- scalar helpers used by generated kernels (inlined) ---- */

/* Float min and max propagate NaN, as numpy's minimum and maximum do (fminf/fmaxf drop it). */
static inline float edgec_maxf(float a, float b) { return ((a > b) | (a != a)) ? a : b; }
static inline float edgec_minf(float a, float b) { return ((a < b) | (a != a)) ? a : b; }
static inline double edgec_max(double a, double b) { return ((a > b) | (a != a)) ? a : b; }
static inline double edgec_min(double a, double b) { return ((a < b) | (a != a)) ? a : b; }
/* The same against a bound k that is never NaN: one comparison, and x's NaN passes through. */
static inline float edgec_maxkf(float x, float k) { return x < k ? k : x; }
static inline float edgec_minkf(float x, float k) { return x > k ? k : x; }
static inline double edgec_maxk(double x, double k) { return x < k ? k : x; }
static inline double edgec_mink(double x, double k) { return x > k ? k : x; }
/* lo <= hi, never NaN: both selects test x, so neither depends on the other's outcome. */
static inline float edgec_clampkf(float x, float lo, float hi) { float y = x < lo ? lo : x; return x > hi ? hi : y; }
static inline double edgec_clampk(double x, double lo, double hi) { double y = x < lo ? lo : x; return x > hi ? hi : y; }
/* The sum of the products of a's and b's four bytes: both signed (dot4ss), or a's unsigned
 * (dot4us); one step of an int8 dot product (NEON SDOT and x86 VPDPBUSD do 4 or 16 at once). */
static inline int32_t edgec_dot4ss(int32_t a, int32_t b) {
  int32_t s = 0;
  int j;
  for (j = 0; j < 32; j += 8) s += (int32_t)(int8_t)(uint8_t)((uint32_t)a >> j) * (int32_t)(int8_t)(uint8_t)((uint32_t)b >> j);
  return s;
}
static inline int32_t edgec_dot4us(int32_t a, int32_t b) {
  int32_t s = 0;
  int j;
  for (j = 0; j < 32; j += 8) s += (int32_t)(uint8_t)((uint32_t)a >> j) * (int32_t)(int8_t)(uint8_t)((uint32_t)b >> j);
  return s;
}
/* Floor division and modulo (the sign of the divisor) with no undefined case: x / 0 is 0, and
 * INT_MIN / -1 wraps to INT_MIN instead of trapping. */
#define EDGEC_FLOOR_DIV(T, U, S) \
  static inline T edgec_floordiv##S(T a, T b) { \
    T q; \
    if (b == 0) return 0; \
    if (b == -1) return (T)((U)0 - (U)a); \
    q = a / b; \
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; \
  } \
  static inline T edgec_floormod##S(T a, T b) { \
    T r; \
    if (b == 0 || b == -1) return 0; \
    r = a % b; \
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r; \
  }
EDGEC_FLOOR_DIV(int32_t, uint32_t, )
EDGEC_FLOOR_DIV(int64_t, uint64_t, 64)
#undef EDGEC_FLOOR_DIV

#define EDGEC_MINMAX_INT(T, S) \
  static inline T edgec_max_##S(T a, T b) { return a > b ? a : b; } \
  static inline T edgec_min_##S(T a, T b) { return a < b ? a : b; }
EDGEC_MINMAX_INT(int8_t, i8)
EDGEC_MINMAX_INT(int16_t, i16)
EDGEC_MINMAX_INT(int32_t, i32)
EDGEC_MINMAX_INT(int64_t, i64)
EDGEC_MINMAX_INT(uint8_t, u8)
EDGEC_MINMAX_INT(uint16_t, u16)
EDGEC_MINMAX_INT(uint32_t, u32)
EDGEC_MINMAX_INT(uint64_t, u64)
#undef EDGEC_MINMAX_INT

/* Float to integer conversions that saturate (and map NaN to 0) instead of being undefined. */
#define EDGEC_SAT_CAST(T, S, LO, HI) \
  static inline T edgec_f2##S(double x) { \
    if (x != x) return 0; \
    if (x <= (double)(LO)) return (LO); \
    if (x >= (double)(HI)) return (HI); \
    return (T)x; \
  }
EDGEC_SAT_CAST(int8_t, i8, INT8_MIN, INT8_MAX)
EDGEC_SAT_CAST(int16_t, i16, INT16_MIN, INT16_MAX)
EDGEC_SAT_CAST(int32_t, i32, INT32_MIN, INT32_MAX)
EDGEC_SAT_CAST(uint8_t, u8, 0, UINT8_MAX)
EDGEC_SAT_CAST(uint16_t, u16, 0, UINT16_MAX)
EDGEC_SAT_CAST(uint32_t, u32, 0, UINT32_MAX)
#undef EDGEC_SAT_CAST
static inline int64_t edgec_f2i64(double x) {
  if (x != x) return 0;
  if (x <= -9223372036854775808.0) return INT64_MIN;
  if (x >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)x;
}
static inline uint64_t edgec_f2u64(double x) {
  if (x != x || x <= 0.0) return 0;
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}

static inline float edgec_sign(float x) { return (float)((x > 0.0f) - (x < 0.0f)); }
static inline double edgec_signd(double x) { return (double)((x > 0.0) - (x < 0.0)); }

/* IEEE half and bfloat16 are stored as raw 16-bit patterns. */
static inline float edgec_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, bits;
  union { uint32_t u; float f; } v;
  if (e == 0) {
    if (m == 0) { bits = sign; }
    else {
      e = 113;
      while ((m & 0x400u) == 0) { m <<= 1; e--; }
      bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
  } else if (e == 31) {
    bits = sign | 0x7f800000u | (m << 13);
  } else {
    bits = sign | ((e + 112) << 23) | (m << 13);
  }
  v.u = bits;
  return v.f;
}

static inline uint16_t edgec_f32_to_f16(float f) {
  union { float f; uint32_t u; } v;
  uint32_t x, sign, mant, rem, half;
  int32_t e;
  v.f = f;
  x = v.u;
  sign = (x >> 16) & 0x8000u;
  mant = x & 0x7fffffu;
  if (((x >> 23) & 0xffu) == 0xffu) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
  e = (int32_t)((x >> 23) & 0xffu) - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) {
    uint32_t shift;
    if (e < -10) return (uint16_t)sign;
    mant |= 0x800000u;
    shift = (uint32_t)(14 - e);
    half = mant >> shift;
    rem = mant & ((1u << shift) - 1u);
    if (rem > (1u << (shift - 1)) || (rem == (1u << (shift - 1)) && (half & 1u))) half++;
    return (uint16_t)(sign | half);
  }
  half = ((uint32_t)e << 10) | (mant >> 13);
  rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;
  return (uint16_t)(sign | half);
}

static inline float edgec_bf16_to_f32(uint16_t h) {
  union { uint32_t u; float f; } v;
  v.u = (uint32_t)h << 16;
  return v.f;
}

static inline uint16_t edgec_f32_to_bf16(float f) {
  union { float f; uint32_t u; } v;
  v.f = f;
  if (f != f) return (uint16_t)((v.u >> 16) | 0x40u);
  return (uint16_t)((v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16);
}

/*
 * 8-bit floats are stored as raw byte patterns. kind: 0 = e4m3fn (no Inf, NaN S.1111.111),
 * 1 = fnuz (one NaN 0x80, no -0), 2 = e5m2 (IEEE-like). Float to float8 rounds to nearest even
 * and does not saturate: out of range values become Inf (e5m2) or NaN; saturation clamps first.
 */
static inline float edgec_f8_to_f32(uint8_t b, int mbits, int bias, int kind) {
  uint32_t mag = b & 0x7fu, e = mag >> mbits, m = mag & ((1u << mbits) - 1u);
  float v;
  if (kind == 1 && b == 0x80u) return NAN;
  if (kind == 0 && mag == 0x7fu) return NAN;
  if (kind == 2 && e == 31u) return m ? NAN : ((b & 0x80u) ? -INFINITY : INFINITY);
  if (e == 0) v = ldexpf((float)m, 1 - bias - mbits);
  else v = ldexpf((float)((1u << mbits) | m), (int)e - bias - mbits);
  return (b & 0x80u) ? -v : v;
}

static inline uint8_t edgec_f32_to_f8(float f, int mbits, int bias, uint32_t max_code, int kind) {
  union { float f; uint32_t u; } v;
  uint32_t x, sign, exp, mant, q, rem, mid, shift, zero, nan, over;
  int32_t e;
  v.f = f;
  x = v.u;
  sign = (x >> 24) & 0x80u;
  zero = kind == 1 ? 0u : sign;
  nan = kind == 1 ? 0x80u : (sign | 0x7fu);
  over = kind == 2 ? (sign | 0x7cu) : nan;
  exp = (x >> 23) & 0xffu;
  mant = x & 0x7fffffu;
  if (exp == 0xffu) return (uint8_t)(mant ? nan : over);
  e = (int32_t)exp - 127 + bias;
  if (e <= 0) {
    if (exp == 0) return (uint8_t)zero;
    mant |= 0x800000u;
    if (24 - mbits - e > 24) return (uint8_t)zero;
    shift = (uint32_t)(24 - mbits - e);
    q = mant >> shift;
  } else {
    shift = (uint32_t)(23 - mbits);
    q = ((uint32_t)e << mbits) | (mant >> shift);
  }
  rem = mant & ((1u << shift) - 1u);
  mid = 1u << (shift - 1u);
  if (rem > mid || (rem == mid && (q & 1u))) q++;
  if (q > max_code) return (uint8_t)over;
  return (uint8_t)(q == 0 ? zero : (sign | q));
}

static inline float edgec_f8e4m3fn_to_f32(uint8_t b) { return edgec_f8_to_f32(b, 3, 7, 0); }
static inline float edgec_f8e4m3fnuz_to_f32(uint8_t b) { return edgec_f8_to_f32(b, 3, 8, 1); }
static inline float edgec_f8e5m2_to_f32(uint8_t b) { return edgec_f8_to_f32(b, 2, 15, 2); }
static inline float edgec_f8e5m2fnuz_to_f32(uint8_t b) { return edgec_f8_to_f32(b, 2, 16, 1); }
static inline uint8_t edgec_f32_to_f8e4m3fn(float f) { return edgec_f32_to_f8(f, 3, 7, 0x7eu, 0); }
static inline uint8_t edgec_f32_to_f8e4m3fnuz(float f) { return edgec_f32_to_f8(f, 3, 8, 0x7fu, 1); }
static inline uint8_t edgec_f32_to_f8e5m2(float f) { return edgec_f32_to_f8(f, 2, 15, 0x7bu, 2); }
static inline uint8_t edgec_f32_to_f8e5m2fnuz(float f) { return edgec_f32_to_f8(f, 2, 16, 0x7fu, 1); }

/* Bit casts between a float and the integer of its size; memcpy keeps them strict-aliasing safe. */
#define EDGEC_BITCAST(NAME, FROM, TO) \
  static inline TO edgec_bitcast_##NAME(FROM x) { TO y; memcpy(&y, &x, sizeof y); return y; }
EDGEC_BITCAST(f32_i32, float, int32_t)
EDGEC_BITCAST(f32_u32, float, uint32_t)
EDGEC_BITCAST(i32_f32, int32_t, float)
EDGEC_BITCAST(u32_f32, uint32_t, float)
EDGEC_BITCAST(f64_i64, double, int64_t)
EDGEC_BITCAST(f64_u64, double, uint64_t)
EDGEC_BITCAST(i64_f64, int64_t, double)
EDGEC_BITCAST(u64_f64, uint64_t, double)
#undef EDGEC_BITCAST

#ifdef __cplusplus
}
#endif

#endif /* EDGEC_RUNTIME_H */
