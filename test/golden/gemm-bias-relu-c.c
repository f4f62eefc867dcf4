static void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t i0_21 = 0; i0_21 < 4; ++i0_21) {
    for (int32_t i1_22 = 0; i1_22 < 24; ++i1_22) {
      float part27 = 0.0f;
      float part28 = 0.0f;
      float part29 = 0.0f;
      float part30 = 0.0f;
      float part31 = 0.0f;
      float part32 = 0.0f;
      float part33 = 0.0f;
      float part34 = 0.0f;
      for (int32_t rb35 = 0; rb35 < 4; ++rb35) {
        part27 = (part27 + (in0[((i0_21 * 32) + (rb35 * 8))] * in1[((i1_22 * 32) + (rb35 * 8))]));
        part28 = (part28 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 1)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 1)]));
        part29 = (part29 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 2)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 2)]));
        part30 = (part30 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 3)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 3)]));
        part31 = (part31 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 4)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 4)]));
        part32 = (part32 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 5)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 5)]));
        part33 = (part33 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 6)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 6)]));
        part34 = (part34 + (in0[(((i0_21 * 32) + (rb35 * 8)) + 7)] * in1[(((i1_22 * 32) + (rb35 * 8)) + 7)]));
      }
      float acc26 = ((((((((0.0f + part27) + part28) + part29) + part30) + part31) + part32) + part33) + part34);
      out0[((i0_21 * 24) + i1_22)] = edgec_maxkf((acc26 + in2[i1_22]), 0.0f);
    }
  }
}
