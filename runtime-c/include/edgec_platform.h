/*
 * edgec_platform.h - the few things that differ between toolchains and boards.
 * Override any macro by defining it before including edgec_runtime.h.
 */
#ifndef EDGEC_PLATFORM_H
#define EDGEC_PLATFORM_H

/* Alignment of weights and of the workspace the caller provides. */
#ifndef EDGEC_ALIGNMENT
#define EDGEC_ALIGNMENT 64
#endif

#ifndef EDGEC_ALIGNED
#if defined(__GNUC__) || defined(__clang__)
#define EDGEC_ALIGNED(n) __attribute__((aligned(n)))
#else
#define EDGEC_ALIGNED(n)
#endif
#endif

#ifndef EDGEC_RESTRICT
#if defined(__GNUC__) || defined(__clang__) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define EDGEC_RESTRICT restrict
#else
#define EDGEC_RESTRICT
#endif
#endif

/*
 * Marks kernels that keep a tile of scalar accumulators across a reduction loop. GCC's loop
 * vectoriser would vectorise that loop with in-order (scalar) float reductions; its SLP
 * vectoriser instead packs the accumulators into vector registers.
 */
#ifndef EDGEC_REGISTER_TILE
#if defined(__GNUC__) && !defined(__clang__)
#define EDGEC_REGISTER_TILE __attribute__((optimize("no-tree-loop-vectorize", "fp-contract=fast")))
#else
#define EDGEC_REGISTER_TILE
#endif
#endif

/* Weights are stored little-endian. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edgec weights are little-endian; this target is big-endian"
#endif

#endif /* EDGEC_PLATFORM_H */
