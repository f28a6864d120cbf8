#include "riskkernel.h"
#include <math.h>

#define BLOCK 8

static int force_portable = 0;
void rk_force_portable(int on) { force_portable = on; }

static inline float lin(rk_linear n, float x) {
    float u = n.a * x + n.b;
    u = u < 0 ? 0 : u;
    u = u > 1 ? 1 : u;
    return n.s * u + n.t;
}

static inline float curve1(const rk_ramps *r, float x) {
    if (r->mode == 0) {
        float d = r->y0;
        for (int q = 0; q < r->count && r->knots[q] < x; q++) d += r->coefs[q] * (x - r->knots[q]);
        return isnan(x) ? x : d;
    }
    float xc = x < r->lo ? r->lo : x;
    xc = xc > r->hi ? r->hi : xc;
    float y = r->intercepts[0] + r->coefs[0] * xc;
    for (int q = 1; q < r->count && r->knots[q] < x; q++) {
        float line = r->intercepts[q] + r->coefs[q] * xc;
        y = r->mode == 1 ? (line < y ? line : y) : (line > y ? line : y);
    }
    return y;
}

/* One cell at a time; the same formula as the vector version. */
static void portable(const rk_batch *b, int64_t start, int64_t end) {
    for (int64_t c = start; c < end; c++) {
        float exposed = 0;
        for (int k = 0; k < b->classes; k++) exposed += b->values[k][c];
        float expo = b->population_weight * lin(b->population_norm, b->population[c]) + b->value_weight * lin(b->value_norm, exposed);
        if (b->capacity) expo *= 1 - lin(b->capacity_norm, b->capacity[c]);
        float risk = 0, eal = 0, inverse = 1 / exposed;
        for (int h = 0; h < b->hazards; h++) {
            for (int band = 0; band < b->bands[h]; band++) {
                int fb = b->band_offset[h] + band;
                float x = b->intensities[fb][c];
                float loss = x * 0;
                for (int k = 0; k < b->classes; k++) loss += b->values[k][c] * curve1(&b->ramps[h * b->classes + k], x);
                if (b->probabilistic[h]) eal += b->eal_weights[fb] * loss;
                if (band == b->index_band[h]) {
                    float ratio = exposed > 0 ? loss * inverse : (isnan(loss) ? loss : 0);
                    risk += b->weights[h] * (lin(b->hazard_norm[h], x) * expo * lin(b->vulnerability_norm[h], ratio));
                }
            }
        }
        b->eal[c] = isnan(exposed) ? NAN : eal;
        b->index[c] = risk;
        uint8_t above = (risk > b->breaks[0]) + (risk > b->breaks[1]) + (risk > b->breaks[2]) + (risk > b->breaks[3]);
        b->level[c] = isnan(risk) ? 0 : (uint8_t)(5 - above);
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline __m256 vlin(rk_linear n, __m256 x) {
    __m256 u = _mm256_fmadd_ps(_mm256_set1_ps(n.a), x, _mm256_set1_ps(n.b));
    /* max/min with the operand order that keeps NaN from u (the second operand is returned when
     * either is NaN for maxps/minps, so u goes second). */
    u = _mm256_max_ps(_mm256_setzero_ps(), u);
    u = _mm256_min_ps(_mm256_set1_ps(1), u);
    if (n.s == 1 && n.t == 0) return u;   /* the common [0, 1] scale: no rescale needed */
    return _mm256_fmadd_ps(_mm256_set1_ps(n.s), u, _mm256_set1_ps(n.t));
}

/* NV vectors (8·NV cells) per step, so every broadcast curve coefficient serves all of them and
 * the independent chains keep the FMA units busy. */
#define NV 4
AVX2 static void vectorised(const rk_batch *batch, int64_t start, int64_t end) {
    /* A local copy, so stores to the outputs cannot alias the batch's fields and force reloads. */
    const rk_batch local = *batch, *const b = &local;
    float *restrict out_eal = b->eal, *restrict out_index = b->index;
    uint8_t *restrict out_level = b->level;
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1);
    int64_t c = start;
    for (; c + NV * BLOCK <= end; c += NV * BLOCK) {
        __m256 exposed[NV], inverse[NV], expo[NV], risk[NV], eal[NV];
        for (int v = 0; v < NV; v++) { exposed[v] = zero; risk[v] = zero; eal[v] = zero; }
        for (int k = 0; k < b->classes; k++)
            for (int v = 0; v < NV; v++) exposed[v] = _mm256_add_ps(exposed[v], _mm256_loadu_ps(b->values[k] + c + v * BLOCK));
        /* One division per vector: the loss ratio of every hazard multiplies by 1/exposed. */
        for (int v = 0; v < NV; v++) inverse[v] = _mm256_div_ps(one, exposed[v]);
        for (int v = 0; v < NV; v++) {
            expo[v] = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(b->population_weight), vlin(b->population_norm, _mm256_loadu_ps(b->population + c + v * BLOCK))),
                                    _mm256_mul_ps(_mm256_set1_ps(b->value_weight), vlin(b->value_norm, exposed[v])));
            if (b->capacity) expo[v] = _mm256_mul_ps(expo[v], _mm256_sub_ps(one, vlin(b->capacity_norm, _mm256_loadu_ps(b->capacity + c + v * BLOCK))));
        }
        for (int h = 0; h < b->hazards; h++) {
            const int bands = b->bands[h], index_band = b->index_band[h], offset = b->band_offset[h];
            const int probabilistic = b->probabilistic[h];
            for (int band = 0; band < bands; band++) {
                const float *in = b->intensities[offset + band] + c;
                __m256 x[NV], loss[NV];
                __m256 top = _mm256_set1_ps(-INFINITY);
                for (int v = 0; v < NV; v++) {
                    x[v] = _mm256_loadu_ps(in + v * BLOCK);
                    loss[v] = _mm256_mul_ps(x[v], zero);            /* 0, or NaN where x is NaN */
                    top = _mm256_max_ps(x[v], top);                 /* NaN lanes leave top as it is */
                }
                /* Knots are ascending and a term is inert below its knot, so knots at or above
                 * the largest intensity of these cells are skipped. */
                __m128 t4 = _mm_max_ps(_mm256_castps256_ps128(top), _mm256_extractf128_ps(top, 1));
                t4 = _mm_max_ps(t4, _mm_movehl_ps(t4, t4));
                t4 = _mm_max_ss(t4, _mm_shuffle_ps(t4, t4, 1));
                const float xmax = _mm_cvtss_f32(t4);
                for (int k = 0; k < b->classes; k++) {
                    const rk_ramps r = b->ramps[h * b->classes + k];
                    __m256 d[NV];
                    if (r.mode == 0) {
                        const __m256 y0 = _mm256_set1_ps(r.y0);
                        for (int v = 0; v < NV; v++) d[v] = y0;   /* NaN reaches the loss through its start */
                        for (int q = 0; q < r.count && r.knots[q] < xmax; q++) {
                            const __m256 knot = _mm256_set1_ps(r.knots[q]), coef = _mm256_set1_ps(r.coefs[q]);
                            for (int v = 0; v < NV; v++) d[v] = _mm256_fmadd_ps(coef, _mm256_max_ps(zero, _mm256_sub_ps(x[v], knot)), d[v]);
                        }
                    } else {
                        /* Clamp once, then the lower (concave) or upper (convex) envelope of the
                         * segment lines: two operations a segment instead of three. */
                        const __m256 lo = _mm256_set1_ps(r.lo), hi = _mm256_set1_ps(r.hi);
                        __m256 xc[NV];
                        const __m256 s0 = _mm256_set1_ps(r.coefs[0]), i0 = _mm256_set1_ps(r.intercepts[0]);
                        for (int v = 0; v < NV; v++) {
                            xc[v] = _mm256_min_ps(hi, _mm256_max_ps(lo, x[v]));
                            d[v] = _mm256_fmadd_ps(s0, xc[v], i0);
                        }
                        if (r.mode == 1) {
                            for (int q = 1; q < r.count && r.knots[q] < xmax; q++) {
                                const __m256 sq = _mm256_set1_ps(r.coefs[q]), iq = _mm256_set1_ps(r.intercepts[q]);
                                for (int v = 0; v < NV; v++) d[v] = _mm256_min_ps(_mm256_fmadd_ps(sq, xc[v], iq), d[v]);
                            }
                        } else {
                            for (int q = 1; q < r.count && r.knots[q] < xmax; q++) {
                                const __m256 sq = _mm256_set1_ps(r.coefs[q]), iq = _mm256_set1_ps(r.intercepts[q]);
                                for (int v = 0; v < NV; v++) d[v] = _mm256_max_ps(_mm256_fmadd_ps(sq, xc[v], iq), d[v]);
                            }
                        }
                    }
                    const float *val = b->values[k] + c;
                    for (int v = 0; v < NV; v++) loss[v] = _mm256_fmadd_ps(_mm256_loadu_ps(val + v * BLOCK), d[v], loss[v]);
                }
                if (probabilistic) {
                    const __m256 w = _mm256_set1_ps(b->eal_weights[offset + band]);
                    for (int v = 0; v < NV; v++) eal[v] = _mm256_fmadd_ps(w, loss[v], eal[v]);
                }
                if (band == index_band) {
                    /* The index term uses this band's intensity and loss ratio. */
                    const __m256 wh = _mm256_set1_ps(b->weights[h]);
                    const rk_linear hn = b->hazard_norm[h], vn = b->vulnerability_norm[h];
                    for (int v = 0; v < NV; v++) {
                        __m256 positive = _mm256_cmp_ps(exposed[v], zero, _CMP_GT_OQ);
                        __m256 ratio = _mm256_blendv_ps(_mm256_mul_ps(loss[v], zero), _mm256_mul_ps(loss[v], inverse[v]), positive);
                        __m256 term = _mm256_mul_ps(_mm256_mul_ps(vlin(hn, x[v]), expo[v]), vlin(vn, ratio));
                        risk[v] = _mm256_fmadd_ps(wh, term, risk[v]);
                    }
                }
            }
        }
        __m256i li[NV];
        for (int v = 0; v < NV; v++) {
            __m256 exposed_nan = _mm256_cmp_ps(exposed[v], exposed[v], _CMP_UNORD_Q);
            _mm256_storeu_ps(out_eal + c + v * BLOCK, _mm256_blendv_ps(eal[v], _mm256_set1_ps(NAN), exposed_nan));
            _mm256_storeu_ps(out_index + c + v * BLOCK, risk[v]);
            /* level = 5 − (number of breaks exceeded): compare masks are −1, summed as integers;
             * 0 for NaN. */
            __m256i lv = _mm256_set1_epi32(5);
            for (int q = 0; q < 4; q++)
                lv = _mm256_add_epi32(lv, _mm256_castps_si256(_mm256_cmp_ps(risk[v], _mm256_set1_ps(b->breaks[q]), _CMP_GT_OQ)));
            li[v] = _mm256_andnot_si256(_mm256_castps_si256(_mm256_cmp_ps(risk[v], risk[v], _CMP_UNORD_Q)), lv);
        }
        /* Levels to bytes, 16 at a time: packs work per 128-bit lane, so a permute restores order. */
        for (int v = 0; v < NV; v += 2) {
            __m256i p16 = _mm256_permute4x64_epi64(_mm256_packus_epi32(li[v], li[v + 1]), 0xD8);
            __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
            _mm_storeu_si128((__m128i *)(out_level + c + v * BLOCK), bytes);
        }
    }
    if (c < end) portable(batch, c, end);
}

int rk_has_avx2(void) {
    __builtin_cpu_init();
    return !force_portable && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int rk_fused_weighted_sum(const rk_batch *b, int64_t start, int64_t end) {
    if (rk_has_avx2()) { vectorised(b, start, end); return 1; }
    portable(b, start, end);
    return 0;
}
#else
int rk_has_avx2(void) { (void)force_portable; return 0; }
int rk_fused_weighted_sum(const rk_batch *b, int64_t start, int64_t end) { portable(b, start, end); return 0; }
#endif
