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

static void model_k0_softmax(const float *EDGEC_RESTRICT in0, float *EDGEC_RESTRICT out0, float *EDGEC_RESTRICT tmp0, float *EDGEC_RESTRICT tmp1) {
  for (int32_t i0_0 = 0; i0_0 < 3; ++i0_0) {
    float acc1 = (-INFINITY);
    __m512 acc31_v2 = _mm512_set1_ps((-INFINITY));
    for (int32_t r0_30_v3 = 0; r0_30_v3 < 2; ++r0_30_v3) {
      acc31_v2 = edgec_v4_max_ps(acc31_v2, _mm512_loadu_ps(&in0[((i0_0 * 40) + (r0_30_v3 * 16))]));
    }
    acc1 = edgec_maxf(acc1, edgec_x8664v4_lanes0(acc31_v2));
    for (int32_t r0_4 = 0; r0_4 < 8; ++r0_4) {
      acc1 = edgec_maxf(acc1, in0[(((i0_0 * 40) + r0_4) + 32)]);
    }
    tmp0[i0_0] = acc1;
  }
  for (int32_t i0_5 = 0; i0_5 < 3; ++i0_5) {
    float part6 = 0.0f;
    float part7 = 0.0f;
    float part8 = 0.0f;
    float part9 = 0.0f;
    float part10 = 0.0f;
    float part11 = 0.0f;
    float part12 = 0.0f;
    float part13 = 0.0f;
    for (int32_t rb14 = 0; rb14 < 5; ++rb14) {
      part6 = (part6 + expf((in0[((i0_5 * 40) + (rb14 * 8))] - tmp0[i0_5])));
      part7 = (part7 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 1)] - tmp0[i0_5])));
      part8 = (part8 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 2)] - tmp0[i0_5])));
      part9 = (part9 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 3)] - tmp0[i0_5])));
      part10 = (part10 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 4)] - tmp0[i0_5])));
      part11 = (part11 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 5)] - tmp0[i0_5])));
      part12 = (part12 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 6)] - tmp0[i0_5])));
      part13 = (part13 + expf((in0[(((i0_5 * 40) + (rb14 * 8)) + 7)] - tmp0[i0_5])));
    }
    float acc15 = ((((((((0.0f + part6) + part7) + part8) + part9) + part10) + part11) + part12) + part13);
    tmp1[i0_5] = acc15;
  }
  for (int32_t i0_16 = 0; i0_16 < 3; ++i0_16) {
    for (int32_t i1_52_v17 = 0; i1_52_v17 < 2; ++i1_52_v17) {
      __m512 expx18 = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps((-105.0f)), _mm512_sub_ps(_mm512_loadu_ps(&in0[((i0_16 * 40) + (i1_52_v17 * 16))]), _mm512_set1_ps(tmp0[i0_16]))));
      __m512 expn19 = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(expx18, _mm512_set1_ps(1.44269502f)), _mm512_set1_ps(12582912.0f)), _mm512_set1_ps(12582912.0f));
      __m512 expr20 = _mm512_fmadd_ps(expn19, _mm512_set1_ps(0.000212194442f), _mm512_fmadd_ps(expn19, _mm512_set1_ps((-0.693359375f)), expx18));
      __m512 expn21 = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(expn19, _mm512_set1_ps(0.5f)), _mm512_set1_ps(12582912.0f)), _mm512_set1_ps(12582912.0f));
      __m512 exp22 = _mm512_mul_ps(_mm512_mul_ps(_mm512_fmadd_ps(_mm512_mul_ps(expr20, expr20), _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0.00138145161f), expr20, _mm512_set1_ps(0.00836868491f)), expr20, _mm512_set1_ps(0.0416683853f)), expr20, _mm512_set1_ps(0.166665211f)), expr20, _mm512_set1_ps(0.49999994f)), _mm512_add_ps(expr20, _mm512_set1_ps(1.0f))), _mm512_castsi512_ps(_mm512_mullo_epi32(_mm512_castps_si512(_mm512_add_ps(expn21, _mm512_set1_ps(12583039.0f))), _mm512_set1_epi32((int32_t)(8388608u))))), _mm512_castsi512_ps(_mm512_mullo_epi32(_mm512_castps_si512(_mm512_add_ps(_mm512_sub_ps(expn19, expn21), _mm512_set1_ps(12583039.0f))), _mm512_set1_epi32((int32_t)(8388608u)))));
      _mm512_storeu_ps(&out0[((i0_16 * 40) + (i1_52_v17 * 16))], _mm512_div_ps(exp22, _mm512_set1_ps(tmp1[i0_16])));
    }
    __m512 expx23 = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps((-105.0f)), _mm512_sub_ps(_mm512_loadu_ps(&in0[((i0_16 * 40) + 24)]), _mm512_set1_ps(tmp0[i0_16]))));
    __m512 expn24 = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(expx23, _mm512_set1_ps(1.44269502f)), _mm512_set1_ps(12582912.0f)), _mm512_set1_ps(12582912.0f));
    __m512 expr25 = _mm512_fmadd_ps(expn24, _mm512_set1_ps(0.000212194442f), _mm512_fmadd_ps(expn24, _mm512_set1_ps((-0.693359375f)), expx23));
    __m512 expn26 = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(expn24, _mm512_set1_ps(0.5f)), _mm512_set1_ps(12582912.0f)), _mm512_set1_ps(12582912.0f));
    __m512 exp27 = _mm512_mul_ps(_mm512_mul_ps(_mm512_fmadd_ps(_mm512_mul_ps(expr25, expr25), _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0.00138145161f), expr25, _mm512_set1_ps(0.00836868491f)), expr25, _mm512_set1_ps(0.0416683853f)), expr25, _mm512_set1_ps(0.166665211f)), expr25, _mm512_set1_ps(0.49999994f)), _mm512_add_ps(expr25, _mm512_set1_ps(1.0f))), _mm512_castsi512_ps(_mm512_mullo_epi32(_mm512_castps_si512(_mm512_add_ps(expn26, _mm512_set1_ps(12583039.0f))), _mm512_set1_epi32((int32_t)(8388608u))))), _mm512_castsi512_ps(_mm512_mullo_epi32(_mm512_castps_si512(_mm512_add_ps(_mm512_sub_ps(expn24, expn26), _mm512_set1_ps(12583039.0f))), _mm512_set1_epi32((int32_t)(8388608u)))));
    _mm512_storeu_ps(&out0[((i0_16 * 40) + 24)], _mm512_div_ps(exp27, _mm512_set1_ps(tmp1[i0_16])));
  }
}
