/* edgec_runtime.c - the runtime's few out-of-line functions. */
#include <string.h>
#include "edgec_runtime.h"

const char *edgec_status_str(int status) {
  switch (status) {
    case EDGEC_OK: return "ok";
    case EDGEC_ERR_NULL_ARGUMENT: return "a required pointer argument is NULL";
    case EDGEC_ERR_MISALIGNED: return "the workspace or weights pointer is not aligned to EDGEC_ALIGNMENT";
    default: return "unknown status";
  }
}

size_t edgec_dtype_size(edgec_dtype t) {
  switch (t) {
    case EDGEC_U8: case EDGEC_I8: case EDGEC_BOOL: return 1;
    case EDGEC_F8E4M3FN: case EDGEC_F8E4M3FNUZ: case EDGEC_F8E5M2: case EDGEC_F8E5M2FNUZ: return 1;
    /* One element a byte in memory; only ONNX files pack these. */
    case EDGEC_U4: case EDGEC_I4: case EDGEC_F4E2M1: case EDGEC_F8E8M0: case EDGEC_U2: case EDGEC_I2: return 1;
    case EDGEC_U16: case EDGEC_I16: case EDGEC_F16: case EDGEC_BF16: return 2;
    case EDGEC_F32: case EDGEC_I32: case EDGEC_U32: return 4;
    case EDGEC_F64: case EDGEC_I64: case EDGEC_U64: return 8;
  }
  return 0;
}

int32_t edgec_find_tensor(const edgec_tensor_desc *descs, int32_t count, const char *name) {
  int32_t i;
  if (!descs || !name) return -1;
  for (i = 0; i < count; i++)
    if (strcmp(descs[i].name, name) == 0) return i;
  return -1;
}
