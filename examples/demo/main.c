/*
 * main.c - a minimal host program for a model compiled by edgec (model.h, model.c,
 * model_weights.c and the runtime files in the same folder):
 *   cc -std=c99 -O2 -I OUT OUT/model.c OUT/model_weights.c OUT/edgec_runtime.c main.c -o demo -lm
 *   ./demo INPUT.raw      (the input as raw little-endian float32; prints one output per line)
 * No malloc: the workspace, input and output are static arrays sized by model.h's constants.
 */
#include <stdio.h>
#include "model.h"

/* The scratch memory model_run works in, aligned as the header asks. */
static EDGEC_ALIGNED(EDGEC_ALIGNMENT) unsigned char workspace[MODEL_WORKSPACE_BYTES > 0 ? MODEL_WORKSPACE_BYTES : 1];
static float input[MODEL_INPUT0_BYTES / sizeof(float)];
static float output[MODEL_OUTPUT0_BYTES / sizeof(float)];

int main(int argc, char **argv) {
  FILE *f;
  size_t got, i;
  int status;
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUT.raw (%u bytes of float32)\n", argv[0], (unsigned)MODEL_INPUT0_BYTES);
    return 2;
  }
  f = fopen(argv[1], "rb");
  if (!f) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
  got = fread(input, 1, sizeof input, f);
  fclose(f);
  if (got != sizeof input) { fprintf(stderr, "%s: expected %u bytes\n", argv[1], (unsigned)sizeof input); return 1; }

  /* The weights are compiled in (model_weights.c); a model compiled with its weights in
   * model_weights.bin would load that file into aligned memory and pass it here instead. */
  status = model_run(model_weights, workspace, input, output);
  if (status != EDGEC_OK) {
    fprintf(stderr, "model_run failed: %s\n", edgec_status_str(status));
    return 1;
  }
  for (i = 0; i < sizeof output / sizeof output[0]; i++) printf("%.9g\n", output[i]);
  return 0;
}
