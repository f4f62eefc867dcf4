static void model_k0_edgec_fused(const float *EDGEC_RESTRICT in0, const float *EDGEC_RESTRICT in1, const float *EDGEC_RESTRICT in2, float *EDGEC_RESTRICT out0) {
  for (int32_t i0_0 = 0; i0_0 < 4; ++i0_0) {
    for (int32_t i1_1 = 0; i1_1 < 24; ++i1_1) {
      float part2 = 0.0f;
      float part3 = 0.0f;
      float part4 = 0.0f;
      float part5 = 0.0f;
      float part6 = 0.0f;
      float part7 = 0.0f;
      float part8 = 0.0f;
      float part9 = 0.0f;
      for (int32_t rb10 = 0; rb10 < 4; ++rb10) {
        part2 = (part2 + (in0[((i0_0 * 32) + (rb10 * 8))] * in1[((i1_1 * 32) + (rb10 * 8))]));
        part3 = (part3 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 1)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 1)]));
        part4 = (part4 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 2)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 2)]));
        part5 = (part5 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 3)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 3)]));
        part6 = (part6 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 4)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 4)]));
        part7 = (part7 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 5)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 5)]));
        part8 = (part8 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 6)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 6)]));
        part9 = (part9 + (in0[(((i0_0 * 32) + (rb10 * 8)) + 7)] * in1[(((i1_1 * 32) + (rb10 * 8)) + 7)]));
      }
      float acc11 = ((((((((0.0f + part2) + part3) + part4) + part5) + part6) + part7) + part8) + part9);
      out0[((i0_0 * 24) + i1_1)] = edgec_maxkf((acc11 + in2[i1_1]), 0.0f);
    }
  }
}
