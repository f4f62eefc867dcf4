/*
 * icount.c - a qemu-user TCG plugin that counts the guest instructions a program executes.
 *   qemu-aarch64 -plugin ./libicount.so[,out=FILE] PROGRAM ...
 * Prints "icount N" at exit to FILE (default stderr). Each translated block adds its instruction
 * count to one 64-bit counter every time it runs (an inline add: no call into the plugin).
 * A vector instruction counts as 1 whatever the vector length. A block left early (a fault)
 * still counts whole, and the add is not atomic: meant for single-threaded, non-faulting programs.
 *
 * Debian's qemu-user ships no qemu-plugin.h, so the few parts of the QEMU 7.2 plugin API used
 * here (plugin API version 1, docs/devel/tcg-plugins.rst) are declared below.
 * Build: cc -shared -fPIC -O2 -o libicount.so icount.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

typedef uint64_t plugin_id;
struct qemu_plugin_tb;
/* enum qemu_plugin_op: its first (and in 7.2 only) member adds a constant to a uint64_t. */
enum { INLINE_ADD_U64 = 0 };

extern void qemu_plugin_register_vcpu_tb_trans_cb(plugin_id id, void (*cb)(plugin_id, struct qemu_plugin_tb *));
extern void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr, uint64_t imm);
extern size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
extern void qemu_plugin_register_atexit_cb(plugin_id id, void (*cb)(plugin_id, void *), void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t executed;
static char out_path[4096];

static void on_translate(plugin_id id, struct qemu_plugin_tb *tb) {
  (void)id;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64, &executed, qemu_plugin_tb_n_insns(tb));
}

static void report(plugin_id id, void *userdata) {
  FILE *f = out_path[0] ? fopen(out_path, "w") : stderr;
  (void)id;
  (void)userdata;
  if (!f) { fprintf(stderr, "icount: cannot write %s\n", out_path); f = stderr; }
  fprintf(f, "icount %llu\n", (unsigned long long)executed);
  if (f != stderr) fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(plugin_id id, const void *info, int argc, char **argv) {
  int i;
  (void)info;
  for (i = 0; i < argc; i++) {
    if (strncmp(argv[i], "out=", 4) == 0 && strlen(argv[i] + 4) < sizeof out_path) strcpy(out_path, argv[i] + 4);
    else { fprintf(stderr, "icount: unknown argument %s (only out=FILE)\n", argv[i]); return -1; }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, report, NULL);
  return 0;
}
