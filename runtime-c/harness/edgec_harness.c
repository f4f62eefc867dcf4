/*
 * edgec_harness.c - a host program that runs any compiled model on raw tensor files.
 *   harness [-n RUNS] [-k RUNS] [-c] [-m] WEIGHTS.bin|- IN_0.raw ... OUT_0.raw ...
 * Inputs and outputs are the model's tensors as raw little-endian bytes, in model order.
 * With -n, prints the median wall time of RUNS runs in microseconds on stdout.
 * With -k, runs the model RUNS more times, untimed and silent: instruction counts under an
 * emulator then depend on RUNS only (timing code would add clock- and value-dependent work).
 * With -c (and -n), then prints "cpu_us_mean X": process CPU time per run, which machine load
 * inflates far less than wall time.
 * With -m, prints "peak_rss_kb N" (the process's peak resident set in KiB) on stdout last.
 * Build with -DEDGEC_HARNESS_MODEL=<name>_model next to the generated sources.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "edgec_runtime.h"
#if defined(__unix__) || defined(__APPLE__)
#include <sys/resource.h>
#define EDGEC_HARNESS_RUSAGE 1
#endif

extern const edgec_model EDGEC_HARNESS_MODEL;

static void *aligned_block(size_t bytes, void **base) {
  unsigned char *p = (unsigned char *)malloc(bytes + EDGEC_ALIGNMENT);
  size_t pad;
  *base = p;
  if (!p) return NULL;
  pad = (EDGEC_ALIGNMENT - ((size_t)p % EDGEC_ALIGNMENT)) % EDGEC_ALIGNMENT;
  return p + pad;
}

static int read_file(const char *path, void *dst, size_t bytes) {
  FILE *f = fopen(path, "rb");
  size_t got;
  if (!f) { fprintf(stderr, "harness: cannot open %s\n", path); return 1; }
  got = fread(dst, 1, bytes, f);
  if (got != bytes || fgetc(f) != EOF) {
    fprintf(stderr, "harness: %s must hold exactly %lu bytes\n", path, (unsigned long)bytes);
    fclose(f);
    return 1;
  }
  fclose(f);
  return 0;
}

static double clock_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double now_us(void) { return clock_us(CLOCK_MONOTONIC); }

/*
 * Peak resident set in KiB, or -1 if unknown. Linux: VmHWM of /proc/self/status, because
 * getrusage's ru_maxrss survives exec and would count the parent's pages touched before it.
 */
static long peak_rss_kb(void) {
  long kb = -1;
#ifdef __linux__
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  if (f) {
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "VmHWM:", 6) == 0 && sscanf(line + 6, "%ld", &kb) == 1) break;
    fclose(f);
  }
  if (kb >= 0) return kb;
#endif
#ifdef EDGEC_HARNESS_RUSAGE
  {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
      kb = (long)ru.ru_maxrss;
#ifdef __APPLE__
      kb /= 1024; /* macOS reports bytes */
#endif
    }
  }
#endif
  return kb;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const edgec_model *m = &EDGEC_HARNESS_MODEL;
  void *bases[2 + 2 * 64];
  const void *ins[64];
  void *outs[64];
  const void *weights = m->embedded_weights;
  void *ws;
  int argi = 1, runs = 0, extra = 0, i, status = 0, nb = 0, report_rss = 0, report_cpu = 0;
  double *times = NULL, cpu0;
  for (;;) {
    if (argc > argi + 1 && strcmp(argv[argi], "-n") == 0) { runs = atoi(argv[argi + 1]); argi += 2; }
    else if (argc > argi + 1 && strcmp(argv[argi], "-k") == 0) { extra = atoi(argv[argi + 1]); argi += 2; }
    else if (argc > argi && strcmp(argv[argi], "-m") == 0) { report_rss = 1; argi++; }
    else if (argc > argi && strcmp(argv[argi], "-c") == 0) { report_cpu = 1; argi++; }
    else break;
  }
  if (m->num_inputs > 64 || m->num_outputs > 64) { fprintf(stderr, "harness: too many tensors\n"); return 2; }
  if (argc - argi != 1 + m->num_inputs + m->num_outputs) {
    fprintf(stderr, "usage: %s [-n RUNS] [-k RUNS] [-c] [-m] WEIGHTS|- %d inputs %d outputs\n", argv[0], m->num_inputs, m->num_outputs);
    return 2;
  }
  if (strcmp(argv[argi], "-") != 0) {
    void *w = aligned_block(m->weights_bytes, &bases[nb++]);
    if (!w || read_file(argv[argi], w, m->weights_bytes)) return 1;
    weights = w;
  }
  argi++;
  ws = aligned_block(m->workspace_bytes, &bases[nb++]);
  if (!ws) return 1;
  for (i = 0; i < m->num_inputs; i++) {
    void *p = aligned_block(m->inputs[i].bytes, &bases[nb++]);
    if (!p || read_file(argv[argi++], p, m->inputs[i].bytes)) return 1;
    ins[i] = p;
  }
  for (i = 0; i < m->num_outputs; i++) {
    outs[i] = aligned_block(m->outputs[i].bytes, &bases[nb++]);
    if (!outs[i]) return 1;
  }
  status = m->run(weights, ws, ins, outs);
  if (status != EDGEC_OK) { fprintf(stderr, "harness: run failed: %s\n", edgec_status_str(status)); return 1; }
  for (i = 0; i < extra; i++) m->run(weights, ws, ins, outs);
  if (runs > 0) {
    times = (double *)malloc(sizeof(double) * (size_t)runs);
    if (!times) { fprintf(stderr, "harness: out of memory for %d timings\n", runs); return 1; }
    cpu0 = clock_us(CLOCK_PROCESS_CPUTIME_ID);
    for (i = 0; i < runs; i++) {
      double t0 = now_us();
      m->run(weights, ws, ins, outs);
      times[i] = now_us() - t0;
    }
    qsort(times, (size_t)runs, sizeof(double), cmp_double);
    printf("%.3f\n", times[runs / 2]);
    if (report_cpu) printf("cpu_us_mean %.3f\n", (clock_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / runs);
    free(times);
  }
  for (i = 0; i < m->num_outputs; i++) {
    FILE *f = fopen(argv[argi + i], "wb");
    if (!f || fwrite(outs[i], 1, m->outputs[i].bytes, f) != m->outputs[i].bytes) {
      fprintf(stderr, "harness: cannot write %s\n", argv[argi + i]);
      return 1;
    }
    fclose(f);
  }
  if (report_rss) printf("peak_rss_kb %ld\n", peak_rss_kb());
  for (i = 0; i < nb; i++) free(bases[i]);
  return 0;
}
