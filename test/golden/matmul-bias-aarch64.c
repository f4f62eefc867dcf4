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
    for (int32_t r0_19l17 = 0; r0_19l17 < 8; ++r0_19l17) {
      float32x4_t lanes18 = vld1q_f32(&in0[(r0_19l17 * 4)]);
      float32x4_t lanes19 = vld1q_f32(&in0[((r0_19l17 * 4) + 32)]);
      float32x4_t lanes20 = vld1q_f32(&in0[((r0_19l17 * 4) + 64)]);
      float32x4_t lanes21 = vld1q_f32(&in0[((r0_19l17 * 4) + 96)]);
      float32x4_t lanes22 = vld1q_f32(&in0[((r0_19l17 * 4) + 128)]);
      float32x4_t lanes23 = vld1q_f32(&in0[((r0_19l17 * 4) + 160)]);
      float32x4_t lanes24 = vld1q_f32(&in0[((r0_19l17 * 4) + 192)]);
      float32x4_t lanes25 = vld1q_f32(&in0[((r0_19l17 * 4) + 224)]);
      acc1 = vfmaq_laneq_f32(acc1, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes18, 0);
      acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes18, 0);
      acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes19, 0);
      acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes19, 0);
      acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes20, 0);
      acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes20, 0);
      acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes21, 0);
      acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes21, 0);
      acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes22, 0);
      acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes22, 0);
      acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes23, 0);
      acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes23, 0);
      acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes24, 0);
      acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes24, 0);
      acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in1[((vb0 * 8) + (r0_19l17 * 192))]), lanes25, 0);
      acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 4)]), lanes25, 0);
      acc1 = vfmaq_laneq_f32(acc1, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes18, 1);
      acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes18, 1);
      acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes19, 1);
      acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes19, 1);
      acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes20, 1);
      acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes20, 1);
      acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes21, 1);
      acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes21, 1);
      acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes22, 1);
      acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes22, 1);
      acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes23, 1);
      acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes23, 1);
      acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes24, 1);
      acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes24, 1);
      acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 48)]), lanes25, 1);
      acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 52)]), lanes25, 1);
      acc1 = vfmaq_laneq_f32(acc1, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes18, 2);
      acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes18, 2);
      acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes19, 2);
      acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes19, 2);
      acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes20, 2);
      acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes20, 2);
      acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes21, 2);
      acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes21, 2);
      acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes22, 2);
      acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes22, 2);
      acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes23, 2);
      acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes23, 2);
      acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes24, 2);
      acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes24, 2);
      acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 96)]), lanes25, 2);
      acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 100)]), lanes25, 2);
      acc1 = vfmaq_laneq_f32(acc1, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes18, 3);
      acc2 = vfmaq_laneq_f32(acc2, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes18, 3);
      acc3 = vfmaq_laneq_f32(acc3, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes19, 3);
      acc4 = vfmaq_laneq_f32(acc4, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes19, 3);
      acc5 = vfmaq_laneq_f32(acc5, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes20, 3);
      acc6 = vfmaq_laneq_f32(acc6, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes20, 3);
      acc7 = vfmaq_laneq_f32(acc7, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes21, 3);
      acc8 = vfmaq_laneq_f32(acc8, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes21, 3);
      acc9 = vfmaq_laneq_f32(acc9, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes22, 3);
      acc10 = vfmaq_laneq_f32(acc10, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes22, 3);
      acc11 = vfmaq_laneq_f32(acc11, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes23, 3);
      acc12 = vfmaq_laneq_f32(acc12, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes23, 3);
      acc13 = vfmaq_laneq_f32(acc13, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes24, 3);
      acc14 = vfmaq_laneq_f32(acc14, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes24, 3);
      acc15 = vfmaq_laneq_f32(acc15, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 144)]), lanes25, 3);
      acc16 = vfmaq_laneq_f32(acc16, vld1q_f32(&in1[(((vb0 * 8) + (r0_19l17 * 192)) + 148)]), lanes25, 3);
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
