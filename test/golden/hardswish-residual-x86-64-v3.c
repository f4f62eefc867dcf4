#include <immintrin.h>
/* max/min that propagate NaN from either operand, as edgec_maxf/edgec_minf. */
static inline __m256 edgec_v3_max_ps(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_max_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }
static inline __m256 edgec_v3_min_ps(__m256 a, __m256 b) { return _mm256_blendv_ps(_mm256_min_ps(a, b), a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)); }

static void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, float *EDGEC_RESTRICT out0) {
  for (int32_t i0_0 = 0; i0_0 < 2; ++i0_0) {
    for (int32_t i1_17_v1 = 0; i1_17_v1 < 2; ++i1_17_v1) {
      _mm256_storeu_ps(&out0[((i0_0 * 20) + (i1_17_v1 * 8))], _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(&in0[((i0_0 * 20) + (i1_17_v1 * 8))]), _mm256_max_ps(_mm256_set1_ps(0.0f), _mm256_min_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(0.166666672f), _mm256_loadu_ps(&in0[((i0_0 * 20) + (i1_17_v1 * 8))])), _mm256_set1_ps(0.5f))))), _mm256_loadu_ps(&in0[((i0_0 * 20) + (i1_17_v1 * 8))])));
    }
    _mm256_storeu_ps(&out0[((i0_0 * 20) + 12)], _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(&in0[((i0_0 * 20) + 12)]), _mm256_max_ps(_mm256_set1_ps(0.0f), _mm256_min_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(0.166666672f), _mm256_loadu_ps(&in0[((i0_0 * 20) + 12)])), _mm256_set1_ps(0.5f))))), _mm256_loadu_ps(&in0[((i0_0 * 20) + 12)])));
  }
}
