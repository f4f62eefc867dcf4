/*
 * test_runtime.c - checks the portable runtime on its own: dtype sizes, tensor lookup, status
 * strings, f16/bf16 conversions, saturating casts and floor division.
 *   cc -std=c99 -Wall -Wextra -Werror -Iruntime-c/include runtime-c/test/test_runtime.c \
 *      runtime-c/src/edgec_runtime.c -lm && ./a.out
 * Prints one line per failed check and a final "N checks, N failed"; exits non-zero on failure.
 */
#include <stdio.h>
#include <string.h>
#include "edgec_runtime.h"

static int checks = 0, failures = 0;

#define CHECK(cond) check_((cond) ? 1 : 0, #cond, __LINE__)
#define CHECK_EQ_U(a, b) check_u_((unsigned long long)(a), (unsigned long long)(b), #a, __LINE__)
#define CHECK_EQ_I(a, b) check_i_((long long)(a), (long long)(b), #a, __LINE__)

static void check_(int ok, const char *what, int line) {
  checks++;
  if (!ok) { failures++; printf("FAIL line %d: %s\n", line, what); }
}
static void check_u_(unsigned long long got, unsigned long long want, const char *what, int line) {
  checks++;
  if (got != want) { failures++; printf("FAIL line %d: %s = 0x%llx, expected 0x%llx\n", line, what, got, want); }
}
static void check_i_(long long got, long long want, const char *what, int line) {
  checks++;
  if (got != want) { failures++; printf("FAIL line %d: %s = %lld, expected %lld\n", line, what, got, want); }
}

static uint32_t f32_bits(float f) {
  union { float f; uint32_t u; } v;
  v.f = f;
  return v.u;
}
static float f32_from_bits(uint32_t u) {
  union { uint32_t u; float f; } v;
  v.u = u;
  return v.f;
}
static int is_nan(float f) { return f != f; }

static void test_dtype_size(void) {
  CHECK_EQ_U(edgec_dtype_size(EDGEC_F32), 4);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_F64), 8);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_F16), 2);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_BF16), 2);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_F8E4M3FN), 1);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_F8E5M2FNUZ), 1);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_I8), 1);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_U8), 1);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_BOOL), 1);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_I16), 2);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_U16), 2);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_I32), 4);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_U32), 4);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_I64), 8);
  CHECK_EQ_U(edgec_dtype_size(EDGEC_U64), 8);
  /* ONNX's string type (8) has no fixed size. */
  CHECK_EQ_U(edgec_dtype_size((edgec_dtype)8), 0);
}

static void test_find_tensor(void) {
  static const edgec_tensor_desc descs[3] = {
    { "input", EDGEC_F32, 2, { 1, 4 }, 16u },
    { "mask", EDGEC_BOOL, 1, { 4 }, 4u },
    { "in\"put", EDGEC_I64, 0, { 0 }, 8u },
  };
  CHECK_EQ_I(edgec_find_tensor(descs, 3, "input"), 0);
  CHECK_EQ_I(edgec_find_tensor(descs, 3, "mask"), 1);
  CHECK_EQ_I(edgec_find_tensor(descs, 3, "in\"put"), 2);
  CHECK_EQ_I(edgec_find_tensor(descs, 3, "inpu"), -1);
  CHECK_EQ_I(edgec_find_tensor(descs, 3, ""), -1);
  CHECK_EQ_I(edgec_find_tensor(descs, 2, "in\"put"), -1); /* count bounds the search */
  CHECK_EQ_I(edgec_find_tensor(descs, 0, "input"), -1);
  CHECK_EQ_I(edgec_find_tensor(NULL, 3, "input"), -1);
  CHECK_EQ_I(edgec_find_tensor(descs, 3, NULL), -1);
}

static void test_status_str(void) {
  CHECK(strcmp(edgec_status_str(EDGEC_OK), "ok") == 0);
  CHECK(strstr(edgec_status_str(EDGEC_ERR_NULL_ARGUMENT), "NULL") != NULL);
  CHECK(strstr(edgec_status_str(EDGEC_ERR_MISALIGNED), "EDGEC_ALIGNMENT") != NULL);
  CHECK(strcmp(edgec_status_str(12345), "unknown status") == 0);
  CHECK(strcmp(edgec_status_str(-1), "unknown status") == 0);
}

static void test_f16(void) {
  uint32_t h;
  int exact = 1;
  /* Every non-NaN half survives half -> float -> half unchanged. */
  for (h = 0; h < 0x10000u; h++) {
    uint16_t x = (uint16_t)h;
    float f = edgec_f16_to_f32(x);
    if ((x & 0x7c00u) == 0x7c00u && (x & 0x3ffu) != 0) {
      if (!is_nan(f)) { exact = 0; printf("FAIL: f16 0x%04x should decode to NaN\n", (unsigned)x); }
      if (!is_nan(edgec_f16_to_f32(edgec_f32_to_f16(f)))) exact = 0;
      continue;
    }
    if (edgec_f32_to_f16(f) != x) { exact = 0; printf("FAIL: f16 0x%04x round trip gave 0x%04x\n", (unsigned)x, (unsigned)edgec_f32_to_f16(f)); }
  }
  CHECK(exact);
  CHECK(edgec_f16_to_f32(0x3c00u) == 1.0f);
  CHECK(edgec_f16_to_f32(0x7bffu) == 65504.0f);
  CHECK(edgec_f16_to_f32(0x0001u) == f32_from_bits(0x33800000u)); /* 2^-24, smallest subnormal */
  CHECK(edgec_f16_to_f32(0x03ffu) == 1023.0f * f32_from_bits(0x33800000u)); /* largest subnormal */
  CHECK_EQ_U(f32_bits(edgec_f16_to_f32(0x8000u)), 0x80000000u); /* -0 */
  CHECK(edgec_f16_to_f32(0x7c00u) > 3.4e38f);
  CHECK(edgec_f16_to_f32(0xfc00u) < -3.4e38f);
  CHECK_EQ_U(edgec_f32_to_f16(1.0f + f32_from_bits(0x3a000000u)), 0x3c00u); /* 1 + 2^-11: tie to even */
  CHECK_EQ_U(edgec_f32_to_f16(1.0f + 3.0f * f32_from_bits(0x3a000000u)), 0x3c02u);
  CHECK_EQ_U(edgec_f32_to_f16(65519.0f), 0x7bffu);
  CHECK_EQ_U(edgec_f32_to_f16(65520.0f), 0x7c00u); /* overflow to inf */
  CHECK_EQ_U(edgec_f32_to_f16(-1e10f), 0xfc00u);
  CHECK_EQ_U(edgec_f32_to_f16(f32_from_bits(0x33000000u)), 0x0000u); /* 2^-25: tie to even zero */
  CHECK_EQ_U(edgec_f32_to_f16(f32_from_bits(0x33400000u)), 0x0001u); /* 1.5 * 2^-25 rounds up */
  CHECK_EQ_U(edgec_f32_to_f16(f32_from_bits(0x33c00000u)), 0x0002u); /* 1.5 * 2^-24: tie to even */
  CHECK_EQ_U(edgec_f32_to_f16(-f32_from_bits(0x30000000u)), 0x8000u); /* tiny negative: -0 */
  CHECK_EQ_U(edgec_f32_to_f16(f32_from_bits(0x7f800000u)), 0x7c00u);
  CHECK_EQ_U(edgec_f32_to_f16(f32_from_bits(0x00000001u)), 0x0000u); /* f32 subnormal */
  {
    uint16_t n = edgec_f32_to_f16(f32_from_bits(0x7fc00000u));
    CHECK((n & 0x7c00u) == 0x7c00u && (n & 0x3ffu) != 0);
    n = edgec_f32_to_f16(f32_from_bits(0x7f800001u)); /* signalling NaN with a low payload stays NaN */
    CHECK((n & 0x7c00u) == 0x7c00u && (n & 0x3ffu) != 0);
  }
}

static void test_bf16(void) {
  uint32_t h;
  int exact = 1;
  for (h = 0; h < 0x10000u; h++) {
    uint16_t x = (uint16_t)h;
    float f = edgec_bf16_to_f32(x);
    if ((x & 0x7f80u) == 0x7f80u && (x & 0x7fu) != 0) {
      if (!is_nan(f) || !is_nan(edgec_bf16_to_f32(edgec_f32_to_bf16(f)))) exact = 0;
      continue;
    }
    if (edgec_f32_to_bf16(f) != x) { exact = 0; printf("FAIL: bf16 0x%04x round trip gave 0x%04x\n", (unsigned)x, (unsigned)edgec_f32_to_bf16(f)); }
  }
  CHECK(exact);
  CHECK(edgec_bf16_to_f32(0x3f80u) == 1.0f);
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x3f808000u)), 0x3f80u); /* tie to even */
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x3f818000u)), 0x3f82u);
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x3f808001u)), 0x3f81u);
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x7f7fffffu)), 0x7f80u); /* FLT_MAX rounds to inf */
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0xff800000u)), 0xff80u);
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x00010000u)), 0x0001u); /* subnormal */
  CHECK_EQ_U(edgec_f32_to_bf16(f32_from_bits(0x80000000u)), 0x8000u);
  {
    uint16_t n = edgec_f32_to_bf16(f32_from_bits(0x7f800001u)); /* NaN whose payload rounding would give inf */
    CHECK((n & 0x7f80u) == 0x7f80u && (n & 0x7fu) != 0);
  }
}

static void test_saturating_casts(void) {
  double nan = 0.0 / 0.0;
  double inf = 1.0 / 0.0;
  CHECK_EQ_I(edgec_f2i8(127.9), 127);
  CHECK_EQ_I(edgec_f2i8(300.0), 127);
  CHECK_EQ_I(edgec_f2i8(-300.0), -128);
  CHECK_EQ_I(edgec_f2i8(-2.7), -2); /* truncates toward zero */
  CHECK_EQ_I(edgec_f2i8(nan), 0);
  CHECK_EQ_I(edgec_f2u8(-1.0), 0);
  CHECK_EQ_I(edgec_f2u8(255.9), 255);
  CHECK_EQ_I(edgec_f2u8(1e9), 255);
  CHECK_EQ_I(edgec_f2i16(-1e9), -32768);
  CHECK_EQ_I(edgec_f2u16(70000.0), 65535);
  CHECK_EQ_I(edgec_f2i32(3e9), 2147483647);
  CHECK_EQ_I(edgec_f2i32(-3e9), -2147483647 - 1);
  CHECK_EQ_I(edgec_f2i32(-inf), -2147483647 - 1);
  CHECK_EQ_I(edgec_f2i32(nan), 0);
  CHECK_EQ_U(edgec_f2u32(5e9), 4294967295u);
  CHECK_EQ_U(edgec_f2u32(-0.5), 0);
  CHECK_EQ_I(edgec_f2i64(1e19), INT64_MAX);
  CHECK_EQ_I(edgec_f2i64(-1e19), INT64_MIN);
  CHECK_EQ_I(edgec_f2i64(inf), INT64_MAX);
  CHECK_EQ_I(edgec_f2i64(-123456789012.9), -123456789012LL);
  CHECK_EQ_I(edgec_f2i64(nan), 0);
  CHECK_EQ_U(edgec_f2u64(2e19), UINT64_MAX);
  CHECK_EQ_U(edgec_f2u64(-5.0), 0);
  CHECK_EQ_U(edgec_f2u64(nan), 0);
  CHECK_EQ_U(edgec_f2u64(9007199254740993.0), 9007199254740992ULL);
}

static void test_floordiv(void) {
  static const int32_t cases[][4] = {
    /* a, b, floor(a/b), a - b*floor(a/b) */
    { 7, 2, 3, 1 }, { -7, 2, -4, 1 }, { 7, -2, -4, -1 }, { -7, -2, 3, -1 },
    { 6, 3, 2, 0 }, { -6, 3, -2, 0 }, { 6, -3, -2, 0 }, { 0, 5, 0, 0 }, { 0, -5, 0, 0 },
    { -1, 5, -1, 4 }, { 1, -5, -1, -4 }, { 2147483647, 2, 1073741823, 1 },
    { -2147483647 - 1, 2, -1073741824, 0 }, { -2147483647 - 1, 3, -715827883, 1 },
    { -2147483647 - 1, 2147483647, -2, 2147483646 }, { 2147483647, -2147483647 - 1, -1, -1 },
    { 5, -1, -5, 0 }, { -2147483647 - 1, -1, -2147483647 - 1, 0 }, /* the one overflowing quotient wraps */
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int32_t a = cases[i][0], b = cases[i][1];
    if (edgec_floordiv(a, b) != cases[i][2] || edgec_floormod(a, b) != cases[i][3]) {
      failures++;
      printf("FAIL: floordiv/floormod(%ld, %ld) = %ld, %ld; expected %ld, %ld\n", (long)a, (long)b,
        (long)edgec_floordiv(a, b), (long)edgec_floormod(a, b), (long)cases[i][2], (long)cases[i][3]);
    }
    checks++;
  }
}

static void test_minmax(void) {
  CHECK(edgec_maxf(-1.0f, 2.0f) == 2.0f);
  CHECK(edgec_minf(-1.0f, 2.0f) == -1.0f);
  /* NaN on either side propagates, as numpy's maximum and minimum. */
  CHECK(isnan(edgec_maxf(NAN, 1.0f)) && isnan(edgec_maxf(1.0f, NAN)));
  CHECK(isnan(edgec_minf(NAN, 1.0f)) && isnan(edgec_minf(1.0f, NAN)));
  CHECK(isnan(edgec_max(NAN, 1.0)) && isnan(edgec_min(1.0, NAN)));
  CHECK(isnan(edgec_maxkf(NAN, 0.0f)) && edgec_maxkf(-1.0f, 0.0f) == 0.0f && edgec_minkf(7.0f, 6.0f) == 6.0f);
  CHECK(isnan(edgec_mink(NAN, 6.0)) && edgec_maxk(2.0, 0.0) == 2.0);
  CHECK(isnan(edgec_clampkf(NAN, 0.0f, 6.0f)) && edgec_clampkf(-1.0f, 0.0f, 6.0f) == 0.0f);
  CHECK(edgec_clampkf(7.0f, 0.0f, 6.0f) == 6.0f && edgec_clampkf(2.5f, 0.0f, 6.0f) == 2.5f);
  CHECK(isnan(edgec_clampk(NAN, -1.0, 1.0)) && edgec_clampk(-INFINITY, -1.0, 1.0) == -1.0 && edgec_clampk(1.0, 1.0, 1.0) == 1.0);
  CHECK_EQ_I(edgec_max_i8(-128, 127), 127);
  CHECK_EQ_U(edgec_min_u64(UINT64_MAX, 3u), 3u);
  CHECK(edgec_sign(-0.5f) == -1.0f && edgec_sign(0.0f) == 0.0f && edgec_sign(3.0f) == 1.0f);
  CHECK(edgec_signd(-2.0) == -1.0);
}

int main(void) {
  test_dtype_size();
  test_find_tensor();
  test_status_str();
  test_f16();
  test_bf16();
  test_saturating_casts();
  test_floordiv();
  test_minmax();
  printf("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
