#include <arm_neon.h>
/* max/min that propagate NaN from either operand and order equal zeros as edgec_maxf/edgec_minf. */
static inline float32x4_t edgec_neon_max_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcgtq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }
static inline float32x4_t edgec_neon_min_f32(float32x4_t a, float32x4_t b) { return vbslq_f32(vorrq_u32(vcltq_f32(a, b), vmvnq_u32(vceqq_f32(a, a))), a, b); }

static EDGEC_REGISTER_TILE void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t jb46 = 0; jb46 < 2; ++jb46) {
    for (int32_t vb45 = 0; vb45 < 2; ++vb45) {
      float32x4_t acc47 = vdupq_n_f32(0.0f);
      float32x4_t acc48 = vdupq_n_f32(0.0f);
      float32x4_t acc49 = vdupq_n_f32(0.0f);
      float32x4_t acc50 = vdupq_n_f32(0.0f);
      float32x4_t acc51 = vdupq_n_f32(0.0f);
      float32x4_t acc52 = vdupq_n_f32(0.0f);
      float32x4_t acc53 = vdupq_n_f32(0.0f);
      float32x4_t acc54 = vdupq_n_f32(0.0f);
      float32x4_t acc55 = vdupq_n_f32(0.0f);
      float32x4_t acc56 = vdupq_n_f32(0.0f);
      float32x4_t acc57 = vdupq_n_f32(0.0f);
      float32x4_t acc58 = vdupq_n_f32(0.0f);
      float32x4_t acc59 = vdupq_n_f32(0.0f);
      float32x4_t acc60 = vdupq_n_f32(0.0f);
      float32x4_t acc61 = vdupq_n_f32(0.0f);
      float32x4_t acc62 = vdupq_n_f32(0.0f);
      for (int32_t r0_41 = 0; r0_41 < 8; ++r0_41) {
        acc47 = vfmaq_f32(acc47, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[((jb46 * 64) + r0_41)]));
        acc48 = vfmaq_f32(acc48, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[((jb46 * 64) + r0_41)]));
        acc49 = vfmaq_f32(acc49, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 8)]));
        acc50 = vfmaq_f32(acc50, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 8)]));
        acc51 = vfmaq_f32(acc51, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 16)]));
        acc52 = vfmaq_f32(acc52, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 16)]));
        acc53 = vfmaq_f32(acc53, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 24)]));
        acc54 = vfmaq_f32(acc54, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 24)]));
        acc55 = vfmaq_f32(acc55, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 32)]));
        acc56 = vfmaq_f32(acc56, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 32)]));
        acc57 = vfmaq_f32(acc57, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 40)]));
        acc58 = vfmaq_f32(acc58, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 40)]));
        acc59 = vfmaq_f32(acc59, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 48)]));
        acc60 = vfmaq_f32(acc60, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 48)]));
        acc61 = vfmaq_f32(acc61, vld1q_f32(&in0[((vb45 * 8) + (r0_41 * 16))]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 56)]));
        acc62 = vfmaq_f32(acc62, vld1q_f32(&in0[(((vb45 * 8) + (r0_41 * 16)) + 4)]), vdupq_n_f32(in1[(((jb46 * 64) + r0_41) + 56)]));
      }
      vst1q_f32(&out0[((jb46 * 128) + (vb45 * 8))], vminq_f32(vmaxq_f32(vaddq_f32(acc47, vdupq_n_f32(in2[(jb46 * 8)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 4)], vminq_f32(vmaxq_f32(vaddq_f32(acc48, vdupq_n_f32(in2[(jb46 * 8)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 16)], vminq_f32(vmaxq_f32(vaddq_f32(acc49, vdupq_n_f32(in2[((jb46 * 8) + 1)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 20)], vminq_f32(vmaxq_f32(vaddq_f32(acc50, vdupq_n_f32(in2[((jb46 * 8) + 1)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 32)], vminq_f32(vmaxq_f32(vaddq_f32(acc51, vdupq_n_f32(in2[((jb46 * 8) + 2)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 36)], vminq_f32(vmaxq_f32(vaddq_f32(acc52, vdupq_n_f32(in2[((jb46 * 8) + 2)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 48)], vminq_f32(vmaxq_f32(vaddq_f32(acc53, vdupq_n_f32(in2[((jb46 * 8) + 3)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 52)], vminq_f32(vmaxq_f32(vaddq_f32(acc54, vdupq_n_f32(in2[((jb46 * 8) + 3)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 64)], vminq_f32(vmaxq_f32(vaddq_f32(acc55, vdupq_n_f32(in2[((jb46 * 8) + 4)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 68)], vminq_f32(vmaxq_f32(vaddq_f32(acc56, vdupq_n_f32(in2[((jb46 * 8) + 4)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 80)], vminq_f32(vmaxq_f32(vaddq_f32(acc57, vdupq_n_f32(in2[((jb46 * 8) + 5)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 84)], vminq_f32(vmaxq_f32(vaddq_f32(acc58, vdupq_n_f32(in2[((jb46 * 8) + 5)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 96)], vminq_f32(vmaxq_f32(vaddq_f32(acc59, vdupq_n_f32(in2[((jb46 * 8) + 6)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 100)], vminq_f32(vmaxq_f32(vaddq_f32(acc60, vdupq_n_f32(in2[((jb46 * 8) + 6)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 112)], vminq_f32(vmaxq_f32(vaddq_f32(acc61, vdupq_n_f32(in2[((jb46 * 8) + 7)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
      vst1q_f32(&out0[(((jb46 * 128) + (vb45 * 8)) + 116)], vminq_f32(vmaxq_f32(vaddq_f32(acc62, vdupq_n_f32(in2[((jb46 * 8) + 7)])), vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f)));
    }
  }
}
