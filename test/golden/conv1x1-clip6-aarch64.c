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
      for (int32_t r0_41l18 = 0; r0_41l18 < 2; ++r0_41l18) {
        float32x4_t lanes19 = vld1q_f32(&in1[((jb0 * 64) + (r0_41l18 * 4))]);
        float32x4_t lanes20 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 8)]);
        float32x4_t lanes21 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 16)]);
        float32x4_t lanes22 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 24)]);
        float32x4_t lanes23 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 32)]);
        float32x4_t lanes24 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 40)]);
        float32x4_t lanes25 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 48)]);
        float32x4_t lanes26 = vld1q_f32(&in1[(((jb0 * 64) + (r0_41l18 * 4)) + 56)]);
        acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes19, 0);
        acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes19, 0);
        acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes20, 0);
        acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes20, 0);
        acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes21, 0);
        acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes21, 0);
        acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes22, 0);
        acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes22, 0);
        acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes23, 0);
        acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes23, 0);
        acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes24, 0);
        acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes24, 0);
        acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes25, 0);
        acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes25, 0);
        acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in0[((vb1 * 8) + (r0_41l18 * 64))]), lanes26, 0);
        acc17 = vfmaq_laneq_f32(acc17, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 4)]), lanes26, 0);
        acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes19, 1);
        acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes19, 1);
        acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes20, 1);
        acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes20, 1);
        acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes21, 1);
        acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes21, 1);
        acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes22, 1);
        acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes22, 1);
        acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes23, 1);
        acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes23, 1);
        acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes24, 1);
        acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes24, 1);
        acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes25, 1);
        acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes25, 1);
        acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 16)]), lanes26, 1);
        acc17 = vfmaq_laneq_f32(acc17, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 20)]), lanes26, 1);
        acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes19, 2);
        acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes19, 2);
        acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes20, 2);
        acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes20, 2);
        acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes21, 2);
        acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes21, 2);
        acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes22, 2);
        acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes22, 2);
        acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes23, 2);
        acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes23, 2);
        acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes24, 2);
        acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes24, 2);
        acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes25, 2);
        acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes25, 2);
        acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 32)]), lanes26, 2);
        acc17 = vfmaq_laneq_f32(acc17, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 36)]), lanes26, 2);
        acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes19, 3);
        acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes19, 3);
        acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes20, 3);
        acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes20, 3);
        acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes21, 3);
        acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes21, 3);
        acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes22, 3);
        acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes22, 3);
        acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes23, 3);
        acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes23, 3);
        acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes24, 3);
        acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes24, 3);
        acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes25, 3);
        acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes25, 3);
        acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 48)]), lanes26, 3);
        acc17 = vfmaq_laneq_f32(acc17, vld1q_f32(&in0[(((vb1 * 8) + (r0_41l18 * 64)) + 52)]), lanes26, 3);
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
