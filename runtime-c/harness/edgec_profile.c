/*
 * edgec_profile.c - times every kernel call of one or two models compiled for profiling.
 *   profile -n RUNS A_WEIGHTS.bin [B_WEIGHTS.bin] IN_0.raw ... OUT_0.raw ...
 * Build with -DEDGEC_PROFILE_A=<name> (and -DEDGEC_PROFILE_B=<name>) next to the generated
 * sources of models compiled with the profile option. Runs alternate A, B, A, B, ... so both see
 * the same machine load; prints "A SITE MEDIAN_US KERNEL NODE" for every call site of A (then B),
 * the median over RUNS runs of the site's time in one run. The outputs written are the last
 * model's (B when given).
 */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgec_runtime.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)

extern const edgec_model CAT(EDGEC_PROFILE_A, _model);
extern const char *const CAT(EDGEC_PROFILE_A, _profile_sites)[];
#ifdef EDGEC_PROFILE_B
extern const edgec_model CAT(EDGEC_PROFILE_B, _model);
extern const char *const CAT(EDGEC_PROFILE_B, _profile_sites)[];
#define MODELS 2
#else
#define MODELS 1
#endif

typedef struct {
  const edgec_model *m;
  const char *const *names;
  int sites;
  const void *weights;
  void *ws;
  double *times; /* runs x sites */
} profiled;

static double *site_us, mark_us;
static int sites_now;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Time since the previous mark goes to `site` (summed: a site inside a loop runs often). */
void edgec_profile_mark(int site) {
  double t = now_us();
  if (site >= 0 && site < sites_now && site_us) site_us[site] += t - mark_us;
  mark_us = now_us();
}

static void *aligned_block(size_t bytes) {
  void *p = NULL;
  size_t n = (bytes + EDGEC_ALIGNMENT - 1) / EDGEC_ALIGNMENT * EDGEC_ALIGNMENT;
  if (posix_memalign(&p, EDGEC_ALIGNMENT < sizeof(void *) ? sizeof(void *) : EDGEC_ALIGNMENT, n ? n : EDGEC_ALIGNMENT) != 0) return NULL;
  return p;
}

static int read_file(const char *path, void *dst, size_t bytes) {
  FILE *f = fopen(path, "rb");
  size_t got;
  if (!f) { fprintf(stderr, "profile: cannot open %s\n", path); return 1; }
  got = fread(dst, 1, bytes, f);
  if (got != bytes || fgetc(f) != EOF) {
    fprintf(stderr, "profile: %s must hold exactly %lu bytes\n", path, (unsigned long)bytes);
    fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  profiled p[MODELS];
  const void *ins[64];
  void *outs[64];
  const edgec_model *last;
  double *col;
  int argi = 1, runs = 0, i, r, k;
  p[0].m = &CAT(EDGEC_PROFILE_A, _model);
  p[0].names = CAT(EDGEC_PROFILE_A, _profile_sites);
#ifdef EDGEC_PROFILE_B
  p[1].m = &CAT(EDGEC_PROFILE_B, _model);
  p[1].names = CAT(EDGEC_PROFILE_B, _profile_sites);
#endif
  last = p[MODELS - 1].m;
  if (argc > 2 && strcmp(argv[1], "-n") == 0) { runs = atoi(argv[2]); argi = 3; }
  if (runs < 1 || last->num_inputs > 64 || last->num_outputs > 64 || argc - argi != MODELS + last->num_inputs + last->num_outputs) {
    fprintf(stderr, "usage: %s -n RUNS %d weights, %d inputs, %d outputs\n", argv[0], MODELS, last->num_inputs, last->num_outputs);
    return 2;
  }
  for (k = 0; k < MODELS; k++) {
    void *w = aligned_block(p[k].m->weights_bytes);
    if (!w || read_file(argv[argi++], w, p[k].m->weights_bytes)) return 1;
    p[k].weights = w;
    p[k].ws = aligned_block(p[k].m->workspace_bytes);
    for (p[k].sites = 0; p[k].names[p[k].sites]; p[k].sites++) {}
    p[k].times = (double *)calloc((size_t)runs * (size_t)p[k].sites + 1, sizeof(double));
    if (!p[k].ws || !p[k].times) { fprintf(stderr, "profile: out of memory\n"); return 1; }
  }
  for (i = 0; i < last->num_inputs; i++) {
    void *b = aligned_block(last->inputs[i].bytes);
    if (!b || read_file(argv[argi++], b, last->inputs[i].bytes)) return 1;
    ins[i] = b;
  }
  for (i = 0; i < last->num_outputs; i++)
    if (!(outs[i] = aligned_block(last->outputs[i].bytes))) return 1;
  /* One untimed run each warms the caches. */
  for (k = 0; k < MODELS; k++)
    if (p[k].m->run(p[k].weights, p[k].ws, ins, outs) != EDGEC_OK) { fprintf(stderr, "profile: run failed\n"); return 1; }
  for (r = 0; r < runs; r++)
    for (k = 0; k < MODELS; k++) {
      sites_now = p[k].sites;
      site_us = p[k].times + (size_t)r * (size_t)p[k].sites;
      p[k].m->run(p[k].weights, p[k].ws, ins, outs);
      site_us = NULL;
    }
  col = (double *)malloc(sizeof(double) * (size_t)runs);
  if (!col) return 1;
  for (k = 0; k < MODELS; k++)
    for (i = 0; i < p[k].sites; i++) {
      for (r = 0; r < runs; r++) col[r] = p[k].times[(size_t)r * (size_t)p[k].sites + (size_t)i];
      qsort(col, (size_t)runs, sizeof(double), cmp_double);
      printf("%c %d %.3f %s\n", 'A' + k, i, col[runs / 2], p[k].names[i]);
    }
  for (i = 0; i < last->num_outputs; i++) {
    FILE *f = fopen(argv[argi + i], "wb");
    if (!f || fwrite(outs[i], 1, last->outputs[i].bytes, f) != last->outputs[i].bytes) {
      fprintf(stderr, "profile: cannot write %s\n", argv[argi + i]);
      return 1;
    }
    fclose(f);
  }
  return 0;
}
