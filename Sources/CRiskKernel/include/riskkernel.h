#ifndef RISKCENSUS_RISKKERNEL_H
#define RISKCENSUS_RISKKERNEL_H
/* The fused census kernel's inner loop (weighted-sum rule), in C so that it can be compiled for
 * AVX2/FMA and chosen at run time, with a portable version for other CPUs. RiskCore's
 * FusedKernel fills the batch and calls it; see Sources/RiskCore/Census/FusedKernel.swift. */
#include <stdint.h>

/* A piecewise-linear curve, in one of three exact forms:
 * mode 0, ramps:   y(x) = y0 + sum_k coefs[k] * max(0, x - knots[k]);
 * mode 1, concave: y(x) = min_k (intercepts[k] + coefs[k] * clamp(x, lo, hi));
 * mode 2, convex:  y(x) = max_k (intercepts[k] + coefs[k] * clamp(x, lo, hi)).
 * In every form knots are ascending and a term whose knot is at or above every x of a block
 * cannot change the result, which lets the kernel stop early. */
typedef struct {
    int32_t mode;
    float y0, lo, hi;
    int32_t count;
    const float *knots;
    const float *coefs;
    const float *intercepts;
} rk_ramps;

/* min-max as u = clamp(a*x + b, 0, 1), then s*u + t (NaN stays NaN). */
typedef struct { float a, b, s, t; } rk_linear;

typedef struct {
    int64_t count;
    const float *population;
    int32_t classes;
    const float *const *values;          /* [classes] */
    int32_t hazards;
    const int32_t *bands;                /* [hazards] */
    const int32_t *band_offset;          /* [hazards]: first band of each hazard in the flat arrays */
    const float *const *intensities;     /* [total bands] */
    const float *eal_weights;            /* [total bands] */
    const int32_t *index_band;           /* [hazards] */
    const uint8_t *probabilistic;        /* [hazards] */
    const rk_ramps *ramps;               /* [hazards * classes] */
    const rk_linear *hazard_norm;        /* [hazards] */
    const rk_linear *vulnerability_norm; /* [hazards] */
    const float *weights;                /* [hazards] */
    rk_linear population_norm, value_norm, capacity_norm;
    const float *capacity;               /* may be NULL */
    float population_weight, value_weight;
    float breaks[4];
    float *eal;
    float *index;
    uint8_t *level;
} rk_batch;

/* Computes cells [start, end). Returns 1 when the AVX2 version ran, 0 for the portable one. */
int rk_fused_weighted_sum(const rk_batch *b, int64_t start, int64_t end);

/* 1 when this CPU runs the AVX2/FMA version (and it is not switched off). */
int rk_has_avx2(void);

/* Switches the AVX2 version off (1) or back on (0), so tests can check the portable version. */
void rk_force_portable(int on);

#endif
