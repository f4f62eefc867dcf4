#include <arm_neon.h>
/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */
static inline float32x4_t edgec_neon_max_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcgtq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }
static inline float32x4_t edgec_neon_min_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcltq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }

static EDGEC_REGISTER_TILE void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t vb0 = 0; vb0 < 6; ++vb0) {
    float32x4_t acc1 = vdupq_n_f32(0.0f);
    float32x4_t acc2 = vdupq_n_f32(0.0f);
    float32x4_t acc3 = vdupq_n_f32(0.0f);
    float32x4_t acc4 = vdupq_n_f32(0.0f);
    float32x4_t acc5 = vdupq_n_f32(0.0f);
    float32x4_t acc6 = vdupq_n_f32(0.0f);
    float32x4_t acc7 = vdupq_n_f32(0.0f);
    float32x4_t acc8 = vdupq_n_f32(0.0f);
    float32x4_t acc9 = vdupq_n_f32(0.0f);
    float32x4_t acc10 = vdupq_n_f32(0.0f);
    float32x4_t acc11 = vdupq_n_f32(0.0f);
    float32x4_t acc12 = vdupq_n_f32(0.0f);
    float32x4_t acc13 = vdupq_n_f32(0.0f);
    float32x4_t acc14 = vdupq_n_f32(0.0f);
    float32x4_t acc15 = vdupq_n_f32(0.0f);
    float32x4_t acc16 = vdupq_n_f32(0.0f);
    for (int32_t r0_17 = 0; r0_17 < 32; ++r0_17) {
      acc1 = vfmaq_f32(acc1, vdupq_n_f32(in0[r0_17]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc2 = vfmaq_f32(acc2, vdupq_n_f32(in0[r0_17]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc3 = vfmaq_f32(acc3, vdupq_n_f32(in0[(r0_17 + 32)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc4 = vfmaq_f32(acc4, vdupq_n_f32(in0[(r0_17 + 32)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc5 = vfmaq_f32(acc5, vdupq_n_f32(in0[(r0_17 + 64)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc6 = vfmaq_f32(acc6, vdupq_n_f32(in0[(r0_17 + 64)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc7 = vfmaq_f32(acc7, vdupq_n_f32(in0[(r0_17 + 96)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc8 = vfmaq_f32(acc8, vdupq_n_f32(in0[(r0_17 + 96)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc9 = vfmaq_f32(acc9, vdupq_n_f32(in0[(r0_17 + 128)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc10 = vfmaq_f32(acc10, vdupq_n_f32(in0[(r0_17 + 128)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc11 = vfmaq_f32(acc11, vdupq_n_f32(in0[(r0_17 + 160)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc12 = vfmaq_f32(acc12, vdupq_n_f32(in0[(r0_17 + 160)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc13 = vfmaq_f32(acc13, vdupq_n_f32(in0[(r0_17 + 192)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc14 = vfmaq_f32(acc14, vdupq_n_f32(in0[(r0_17 + 192)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
      acc15 = vfmaq_f32(acc15, vdupq_n_f32(in0[(r0_17 + 224)]), vld1q_f32(&in1[((vb0 * 8) + (r0_17 * 48))]));
      acc16 = vfmaq_f32(acc16, vdupq_n_f32(in0[(r0_17 + 224)]), vld1q_f32(&in1[(((vb0 * 8) + (r0_17 * 48)) + 4)]));
    }
    vst1q_f32(&out0[(vb0 * 8)], vaddq_f32(acc1, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 4)], vaddq_f32(acc2, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 48)], vaddq_f32(acc3, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 52)], vaddq_f32(acc4, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 96)], vaddq_f32(acc5, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 100)], vaddq_f32(acc6, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 144)], vaddq_f32(acc7, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 148)], vaddq_f32(acc8, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 192)], vaddq_f32(acc9, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 196)], vaddq_f32(acc10, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 240)], vaddq_f32(acc11, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 244)], vaddq_f32(acc12, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 288)], vaddq_f32(acc13, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 292)], vaddq_f32(acc14, vld1q_f32(&in2[((vb0 * 8) + 4)])));
    vst1q_f32(&out0[((vb0 * 8) + 336)], vaddq_f32(acc15, vld1q_f32(&in2[(vb0 * 8)])));
    vst1q_f32(&out0[((vb0 * 8) + 340)], vaddq_f32(acc16, vld1q_f32(&in2[((vb0 * 8) + 4)])));
  }
}
