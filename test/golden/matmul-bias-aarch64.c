#include <arm_neon.h>
/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */
static inline float32x4_t edgec_neon_max_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcgtq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }
static inline float32x4_t edgec_neon_min_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcltq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }

static EDGEC_REGISTER_TILE void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t vb21 = 0; vb21 < 6; ++vb21) {
    float32x4_t acc23 = vdupq_n_f32(0.0f);
    float32x4_t acc24 = vdupq_n_f32(0.0f);
    float32x4_t acc25 = vdupq_n_f32(0.0f);
    float32x4_t acc26 = vdupq_n_f32(0.0f);
    float32x4_t acc27 = vdupq_n_f32(0.0f);
    float32x4_t acc28 = vdupq_n_f32(0.0f);
    float32x4_t acc29 = vdupq_n_f32(0.0f);
    float32x4_t acc30 = vdupq_n_f32(0.0f);
    float32x4_t acc31 = vdupq_n_f32(0.0f);
    float32x4_t acc32 = vdupq_n_f32(0.0f);
    float32x4_t acc33 = vdupq_n_f32(0.0f);
    float32x4_t acc34 = vdupq_n_f32(0.0f);
    float32x4_t acc35 = vdupq_n_f32(0.0f);
    float32x4_t acc36 = vdupq_n_f32(0.0f);
    float32x4_t acc37 = vdupq_n_f32(0.0f);
    float32x4_t acc38 = vdupq_n_f32(0.0f);
    for (int32_t r0_19 = 0; r0_19 < 32; ++r0_19) {
      acc23 = vfmaq_f32(acc23, vdupq_n_f32(in0[r0_19]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc24 = vfmaq_f32(acc24, vdupq_n_f32(in0[r0_19]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc25 = vfmaq_f32(acc25, vdupq_n_f32(in0[(r0_19 + 32)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc26 = vfmaq_f32(acc26, vdupq_n_f32(in0[(r0_19 + 32)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc27 = vfmaq_f32(acc27, vdupq_n_f32(in0[(r0_19 + 64)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc28 = vfmaq_f32(acc28, vdupq_n_f32(in0[(r0_19 + 64)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc29 = vfmaq_f32(acc29, vdupq_n_f32(in0[(r0_19 + 96)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc30 = vfmaq_f32(acc30, vdupq_n_f32(in0[(r0_19 + 96)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc31 = vfmaq_f32(acc31, vdupq_n_f32(in0[(r0_19 + 128)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc32 = vfmaq_f32(acc32, vdupq_n_f32(in0[(r0_19 + 128)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc33 = vfmaq_f32(acc33, vdupq_n_f32(in0[(r0_19 + 160)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc34 = vfmaq_f32(acc34, vdupq_n_f32(in0[(r0_19 + 160)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc35 = vfmaq_f32(acc35, vdupq_n_f32(in0[(r0_19 + 192)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc36 = vfmaq_f32(acc36, vdupq_n_f32(in0[(r0_19 + 192)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
      acc37 = vfmaq_f32(acc37, vdupq_n_f32(in0[(r0_19 + 224)]), vld1q_f32(&in1[((vb21 * 8) + (r0_19 * 48))]));
      acc38 = vfmaq_f32(acc38, vdupq_n_f32(in0[(r0_19 + 224)]), vld1q_f32(&in1[(((vb21 * 8) + (r0_19 * 48)) + 4)]));
    }
    vst1q_f32(&out0[(vb21 * 8)], vaddq_f32(acc23, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 4)], vaddq_f32(acc24, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 48)], vaddq_f32(acc25, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 52)], vaddq_f32(acc26, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 96)], vaddq_f32(acc27, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 100)], vaddq_f32(acc28, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 144)], vaddq_f32(acc29, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 148)], vaddq_f32(acc30, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 192)], vaddq_f32(acc31, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 196)], vaddq_f32(acc32, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 240)], vaddq_f32(acc33, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 244)], vaddq_f32(acc34, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 288)], vaddq_f32(acc35, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 292)], vaddq_f32(acc36, vld1q_f32(&in2[((vb21 * 8) + 4)])));
    vst1q_f32(&out0[((vb21 * 8) + 336)], vaddq_f32(acc37, vld1q_f32(&in2[(vb21 * 8)])));
    vst1q_f32(&out0[((vb21 * 8) + 340)], vaddq_f32(acc38, vld1q_f32(&in2[((vb21 * 8) + 4)])));
  }
}
