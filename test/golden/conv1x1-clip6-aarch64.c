#include <arm_neon.h>
/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */
static inline float32x4_t edgec_neon_max_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcgtq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }
static inline float32x4_t edgec_neon_min_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcltq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }

static EDGEC_REGISTER_TILE void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t jb0 = 0; jb0 < 2; ++jb0) {
    for (int32_t vb1 = 0; vb1 < 2; ++vb1) {
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
      float32x4_t acc17 = vdupq_n_f32(0.0f);
      for (int32_t r0_18 = 0; r0_18 < 8; ++r0_18) {
        acc2 = vfmaq_f32(acc2, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[((jb0 * 64) + r0_18)]));
        acc3 = vfmaq_f32(acc3, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[((jb0 * 64) + r0_18)]));
        acc4 = vfmaq_f32(acc4, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 8)]));
        acc5 = vfmaq_f32(acc5, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 8)]));
        acc6 = vfmaq_f32(acc6, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 16)]));
        acc7 = vfmaq_f32(acc7, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 16)]));
        acc8 = vfmaq_f32(acc8, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 24)]));
        acc9 = vfmaq_f32(acc9, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 24)]));
        acc10 = vfmaq_f32(acc10, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 32)]));
        acc11 = vfmaq_f32(acc11, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 32)]));
        acc12 = vfmaq_f32(acc12, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 40)]));
        acc13 = vfmaq_f32(acc13, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 40)]));
        acc14 = vfmaq_f32(acc14, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 48)]));
        acc15 = vfmaq_f32(acc15, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 48)]));
        acc16 = vfmaq_f32(acc16, vld1q_f32(&in0[((vb1 * 8) + (r0_18 * 16))]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 56)]));
        acc17 = vfmaq_f32(acc17, vld1q_f32(&in0[(((vb1 * 8) + (r0_18 * 16)) + 4)]), vdupq_n_f32(in1[(((jb0 * 64) + r0_18) + 56)]));
      }
      vst1q_f32(&out0[((jb0 * 128) + (vb1 * 8))], vminq_f32(vmaxq_f32(vaddq_f32(acc2, vdupq_n_f32(in2[(jb0 * 8)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 4)], vminq_f32(vmaxq_f32(vaddq_f32(acc3, vdupq_n_f32(in2[(jb0 * 8)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 16)], vminq_f32(vmaxq_f32(vaddq_f32(acc4, vdupq_n_f32(in2[((jb0 * 8) + 1)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 20)], vminq_f32(vmaxq_f32(vaddq_f32(acc5, vdupq_n_f32(in2[((jb0 * 8) + 1)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 32)], vminq_f32(vmaxq_f32(vaddq_f32(acc6, vdupq_n_f32(in2[((jb0 * 8) + 2)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 36)], vminq_f32(vmaxq_f32(vaddq_f32(acc7, vdupq_n_f32(in2[((jb0 * 8) + 2)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 48)], vminq_f32(vmaxq_f32(vaddq_f32(acc8, vdupq_n_f32(in2[((jb0 * 8) + 3)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 52)], vminq_f32(vmaxq_f32(vaddq_f32(acc9, vdupq_n_f32(in2[((jb0 * 8) + 3)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 64)], vminq_f32(vmaxq_f32(vaddq_f32(acc10, vdupq_n_f32(in2[((jb0 * 8) + 4)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 68)], vminq_f32(vmaxq_f32(vaddq_f32(acc11, vdupq_n_f32(in2[((jb0 * 8) + 4)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 80)], vminq_f32(vmaxq_f32(vaddq_f32(acc12, vdupq_n_f32(in2[((jb0 * 8) + 5)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 84)], vminq_f32(vmaxq_f32(vaddq_f32(acc13, vdupq_n_f32(in2[((jb0 * 8) + 5)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 96)], vminq_f32(vmaxq_f32(vaddq_f32(acc14, vdupq_n_f32(in2[((jb0 * 8) + 6)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 100)], vminq_f32(vmaxq_f32(vaddq_f32(acc15, vdupq_n_f32(in2[((jb0 * 8) + 6)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 112)], vminq_f32(vmaxq_f32(vaddq_f32(acc16, vdupq_n_f32(in2[((jb0 * 8) + 7)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb0 * 128) + (vb1 * 8)) + 116)], vminq_f32(vmaxq_f32(vaddq_f32(acc17, vdupq_n_f32(in2[((jb0 * 8) + 7)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
    }
  }
}
