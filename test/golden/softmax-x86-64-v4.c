#include <immintrin.h>
/* max/min that propagate NaN from either operand, as edgec_maxf/edgec_minf. */
static inline __m512 edgec_v4_max_ps(__m512 a, __m512 b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_max_ps(a, b), a); }
static inline __m512 edgec_v4_min_ps(__m512 a, __m512 b) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_min_ps(a, b), a); }
static inline float edgec_x8664v4_lanes0(__m512 a0) {
  float x0[16];
  _mm512_storeu_ps(x0, a0);
  float r = (float)x0[0];
  for (int l = 1; l < 16; ++l) r = edgec_maxf(r, x0[l]);
  return r;
}
static inline __m512 edgec_x8664v4_lanes1(__m512 a0) {
  float x0[16]; _mm512_storeu_ps(x0, a0);
  float r[16];
  for (int l = 0; l < 16; ++l) r[l] = expf(x0[l]);
  return _mm512_loadu_ps(r);
}

static void model_k0_softmax(const float *EDGEC_RESTRICT in0, float *EDGEC_RESTRICT out0, float *EDGEC_RESTRICT tmp0, float *EDGEC_RESTRICT tmp1) {
  for (int32_t i0_28 = 0; i0_28 < 3; ++i0_28) {
    float acc31 = (-INFINITY);
    __m512 acc31_v = _mm512_set1_ps((-INFINITY));
    for (int32_t r0_30_v = 0; r0_30_v < 2; ++r0_30_v) {
      acc31_v = edgec_v4_max_ps(acc31_v, _mm512_loadu_ps(&in0[((i0_28 * 40) + (r0_30_v * 16))]));
    }
    acc31 = edgec_maxf(acc31, edgec_x8664v4_lanes0(acc31_v));
    for (int32_t r0_30 = 0; r0_30 < 8; ++r0_30) {
      acc31 = edgec_maxf(acc31, in0[(((i0_28 * 40) + r0_30) + 32)]);
    }
    tmp0[i0_28] = acc31;
  }
  for (int32_t i0_36 = 0; i0_36 < 3; ++i0_36) {
    float part40 = 0.0f;
    float part41 = 0.0f;
    float part42 = 0.0f;
    float part43 = 0.0f;
    float part44 = 0.0f;
    float part45 = 0.0f;
    float part46 = 0.0f;
    float part47 = 0.0f;
    for (int32_t rb48 = 0; rb48 < 5; ++rb48) {
      part40 = (part40 + expf((in0[((i0_36 * 40) + (rb48 * 8))] - tmp0[i0_36])));
      part41 = (part41 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 1)] - tmp0[i0_36])));
      part42 = (part42 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 2)] - tmp0[i0_36])));
      part43 = (part43 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 3)] - tmp0[i0_36])));
      part44 = (part44 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 4)] - tmp0[i0_36])));
      part45 = (part45 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 5)] - tmp0[i0_36])));
      part46 = (part46 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 6)] - tmp0[i0_36])));
      part47 = (part47 + expf((in0[(((i0_36 * 40) + (rb48 * 8)) + 7)] - tmp0[i0_36])));
    }
    float acc39 = ((((((((0.0f + part40) + part41) + part42) + part43) + part44) + part45) + part46) + part47);
    tmp1[i0_36] = acc39;
  }
  for (int32_t i0_51 = 0; i0_51 < 3; ++i0_51) {
    for (int32_t i1_52_v = 0; i1_52_v < 2; ++i1_52_v) {
      _mm512_storeu_ps(&out0[((i0_51 * 40) + (i1_52_v * 16))], _mm512_div_ps(edgec_x8664v4_lanes1(_mm512_sub_ps(_mm512_loadu_ps(&in0[((i0_51 * 40) + (i1_52_v * 16))]), _mm512_set1_ps(tmp0[i0_51]))), _mm512_set1_ps(tmp1[i0_51])));
    }
    for (int32_t i1_52 = 0; i1_52 < 8; ++i1_52) {
      out0[(((i0_51 * 40) + i1_52) + 32)] = (expf((in0[(((i0_51 * 40) + i1_52) + 32)] - tmp0[i0_51])) / tmp1[i0_51]);
    }
  }
}
