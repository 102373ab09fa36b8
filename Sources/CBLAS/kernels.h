// OrbitCompute's elementwise kernels, in C so that each can be compiled for AVX-512, AVX2+FMA
// and baseline x86-64 from one body: Swift compiles for baseline x86-64 (SSE2) and has no
// per-function target attribute. A body is a static inline function; each `ORBIT_VARIANTS`
// wrapper carries a target attribute, the body is inlined into it and vectorised for that target.
// Swift picks the variant once, from the CPU's flags (OrbitCompute/Kernels.swift).
#ifndef ORBIT_KERNELS_H
#define ORBIT_KERNELS_H

#include <immintrin.h>
#include <stddef.h>

#define ORBIT_BODY static inline __attribute__((always_inline))
#define ORBIT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define ORBIT_AVX2 __attribute__((target("avx2,fma")))

// 16 floats as one vector (one zmm with AVX-512, split by the compiler otherwise); aligned(4) so
// loads and stores through it may be unaligned. Loops over whole vectors avoid the masked,
// tail-folded loops LLVM otherwise emits for short rows.
typedef float orbit_v16 __attribute__((vector_size(64), aligned(4)));
typedef int orbit_i16 __attribute__((vector_size(64), aligned(4)));
#define ORBIT_LOAD(p) (*(const orbit_v16 *)(p))
#define ORBIT_STORE(p, v) (*(orbit_v16 *)(p) = (v))

// Swift's Clang importer compiles these header bodies with -Os, and at -Os LLVM's loop vectoriser
// may not emit a scalar epilogue: it folds the tail into the loop, so that every load and store
// of a plain loop becomes a masked one. With AVX-512 a masked access costs what a plain one does;
// with AVX2 it is vmaskmovps, which AMD's Zen cores run as microcode (a store takes ~10× a plain
// one) — Adam alone was 15 % of a B1 W = 1024 step on OpenBLAS's Zen kernels (perf, issue 29).
// So every hot loop is written over whole orbit_v16 vectors, and the few elements left over run
// through an ORBIT_SCALAR loop, which the vectoriser leaves alone.
#define ORBIT_SCALAR _Pragma("clang loop vectorize(disable) interleave(disable)")

#define ORBIT_VARIANTS(name, params, args)                                                       \
  static inline ORBIT_AVX512 void name##_avx512 params { name##_body args; }                     \
  static inline ORBIT_AVX2 void name##_avx2 params { name##_body args; }                         \
  static inline void name##_generic params { name##_body args; }

// tanh by Eigen's rational approximation (odd 13/6; max error 3.4e-7 relative against float64
// tanh over [−12, 12], measured), without libm calls so that it vectorises: on 16 lanes, the
// clamp as min/max, the small-argument case through the comparison's mask.
ORBIT_BODY orbit_v16 orbit_tanh16(orbit_v16 x) {
  const float limit = 7.90531110763549805f;
  const orbit_v16 zero = {0};
  orbit_v16 c = __builtin_elementwise_min(__builtin_elementwise_max(x, zero - limit), zero + limit);
  orbit_v16 x2 = c * c;
  orbit_v16 p = zero - 2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * c;
  orbit_v16 q = zero + 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  orbit_i16 small = __builtin_elementwise_abs(x) < 0.0004f;
  return (orbit_v16)((small & (orbit_i16)x) | (~small & (orbit_i16)(p / q)));
}

// One value through the same operations (a row's scalar tail): the same bits as a lane.
ORBIT_BODY float orbit_tanh1(float x) {
  orbit_v16 lanes = {0};
  lanes[0] = x;
  return orbit_tanh16(lanes)[0];
}

// y[r][c] = act(y[r][c] + b[c]) with act = identity (0), relu (1) or tanh (2).
ORBIT_BODY void orbit_bias_activation_body(float *restrict y, const float *restrict b, long rows,
                                           long cols, int kind) {
  const orbit_v16 zero = {0};
  for (long r = 0; r < rows; r++) {
    float *restrict line = y + r * cols;
    long c = 0;
    for (; c + 16 <= cols; c += 16) {
      orbit_v16 v = ORBIT_LOAD(line + c) + ORBIT_LOAD(b + c);
      if (kind == 1) v = __builtin_elementwise_max(v, zero);
      else if (kind == 2) v = orbit_tanh16(v);
      ORBIT_STORE(line + c, v);
    }
    ORBIT_SCALAR
    for (; c < cols; c++) {
      float v = line[c] + b[c];
      if (kind == 1) v = v > 0.0f ? v : 0.0f;
      else if (kind == 2) v = orbit_tanh1(v);
      line[c] = v;
    }
  }
}
ORBIT_VARIANTS(orbit_bias_activation,
               (float *restrict y, const float *restrict b, long rows, long cols, int kind),
               (y, b, rows, cols, kind))

// Columns c0 … c0 + 16·nv of orbit_activation_backward: rows swept in order (sequential memory,
// which the prefetcher follows), the nv bias-gradient sums in registers (nv is a constant at
// every call, so the inner loop unrolls). Each column's sum still adds rows 0, 1, … in order.
ORBIT_BODY void orbit_activation_backward_columns(float *restrict g, const float *restrict y,
                                                  float *restrict db, long rows, long cols,
                                                  long c0, const int nv, int kind) {
  const orbit_v16 zero = {0};
  const orbit_v16 one = zero + 1.0f;
  orbit_v16 sum[8];
  for (int j = 0; j < nv; j++) sum[j] = zero;
  for (long r = 0; r < rows; r++) {
    float *line = g + r * cols + c0;
    const float *out = y + r * cols + c0;
    for (int j = 0; j < nv; j++) {
      orbit_v16 v = ORBIT_LOAD(line + 16 * j);
      orbit_v16 value = ORBIT_LOAD(out + 16 * j);
      if (kind == 1) v = (orbit_v16)((orbit_i16)v & (value > zero));
      else if (kind == 2) v *= one - value * value;
      if (kind != 0) ORBIT_STORE(line + 16 * j, v);
      sum[j] += v;
    }
  }
  if (db)
    for (int j = 0; j < nv; j++) ORBIT_STORE(db + c0 + 16 * j, sum[j]);
}

// g[r][c] *= act'(y[r][c]) for act = identity (0), relu (1: y > 0) or tanh (2: 1 − y²);
// db[c] = Σ_r g[r][c] (db may be NULL).
ORBIT_BODY void orbit_activation_backward_body(float *restrict g, const float *restrict y,
                                               float *restrict db, long rows, long cols,
                                               int kind) {
  if ((cols & 15) == 0 && cols <= 128) {
    // Blocks of up to 128 columns: a row of 64 or 128 columns is read front to back, where the
    // earlier column-block-outer order strode across rows (3× slower at 256 columns, measured).
    long c0 = 0;
    for (; c0 + 128 <= cols; c0 += 128)
      orbit_activation_backward_columns(g, y, db, rows, cols, c0, 8, kind);
    if (c0 + 64 <= cols) {
      orbit_activation_backward_columns(g, y, db, rows, cols, c0, 4, kind);
      c0 += 64;
    }
    if (c0 + 32 <= cols) {
      orbit_activation_backward_columns(g, y, db, rows, cols, c0, 2, kind);
      c0 += 32;
    }
    if (c0 < cols) orbit_activation_backward_columns(g, y, db, rows, cols, c0, 1, kind);
    return;
  }
  // Wider rows, and other widths (a one-output layer's single column): whole vectors, then a
  // scalar tail, row after row, with the bias-gradient row in memory (L1: 4 KiB at 1,024
  // columns). Each column still sums rows 0, 1, … in order, so the bits are the register
  // version's; but the buffer is read front to back once, where 128-column blocks strode
  // across rows of 4 KiB, each block a pass over a 4 MiB buffer at B2's 1,024 × 1,024. ReLU′
  // at 1,024 × 1,024 (a C micro-benchmark, clang -Os as Swift's importer, thread CPU time):
  // 155 → 73–101 µs with AVX-512, 126–164 → 74–95 µs with AVX2; 128 × 256: 2.2 → 1.4 µs.
  const orbit_v16 zero = {0};
  const orbit_v16 one = zero + 1.0f;
  if (db) {
    ORBIT_SCALAR
    for (long c = 0; c < cols; c++) db[c] = 0.0f;
  }
  for (long r = 0; r < rows; r++) {
    float *restrict line = g + r * cols;
    const float *restrict out = y + r * cols;
    long c = 0;
    for (; c + 16 <= cols; c += 16) {
      orbit_v16 v = ORBIT_LOAD(line + c);
      orbit_v16 value = ORBIT_LOAD(out + c);
      if (kind == 1) v = (orbit_v16)((orbit_i16)v & (value > zero));
      else if (kind == 2) v *= one - value * value;
      if (kind != 0) ORBIT_STORE(line + c, v);
      if (db) ORBIT_STORE(db + c, ORBIT_LOAD(db + c) + v);
    }
    ORBIT_SCALAR
    for (; c < cols; c++) {
      float v = line[c];
      if (kind == 1) v = out[c] > 0.0f ? v : 0.0f;
      else if (kind == 2) v *= 1.0f - out[c] * out[c];
      line[c] = v;
      if (db) db[c] += v;
    }
  }
}
ORBIT_VARIANTS(orbit_activation_backward,
               (float *restrict g, const float *restrict y, float *restrict db, long rows,
                long cols, int kind),
               (g, y, db, rows, cols, kind))

// One Adam/AdamW step (PyTorch's formulas; l2 is Adam's L2 decay, shrink AdamW's 1 − lr·λ).
ORBIT_BODY void orbit_adam_body(float *restrict p, const float *restrict g, float *restrict m,
                                float *restrict v, long n, float b1, float b2, float step_size,
                                float inverse_root2, float eps, float l2, float shrink) {
  // The same expressions on whole vectors and on the scalar tail: each element gets the same
  // operations (and the same contractions into FMAs) wherever it falls.
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    orbit_v16 parameter = ORBIT_LOAD(p + i) * shrink;
    orbit_v16 grad = ORBIT_LOAD(g + i) + l2 * parameter;
    orbit_v16 mean0 = ORBIT_LOAD(m + i);
    orbit_v16 mean = mean0 + (1.0f - b1) * (grad - mean0);
    orbit_v16 square = b2 * ORBIT_LOAD(v + i) + (1.0f - b2) * grad * grad;
    ORBIT_STORE(m + i, mean);
    ORBIT_STORE(v + i, square);
    orbit_v16 denominator = __builtin_elementwise_sqrt(square) * inverse_root2 + eps;
    ORBIT_STORE(p + i, parameter - step_size * (mean / denominator));
  }
  ORBIT_SCALAR
  for (; i < n; i++) {
    float parameter = p[i] * shrink;
    float grad = g[i] + l2 * parameter;
    float mean = m[i] + (1.0f - b1) * (grad - m[i]);
    float square = b2 * v[i] + (1.0f - b2) * grad * grad;
    m[i] = mean;
    v[i] = square;
    float denominator = __builtin_elementwise_sqrt(square) * inverse_root2 + eps;
    p[i] = parameter - step_size * (mean / denominator);
  }
}
// Adam with the square root exact on the divider and the quotient as `reciprocal` (an estimate)
// refined by one Newton step on the FMA pipes: a few ulp from the exact quotient. Zen runs
// vsqrtps and vdivps on one divider, and its 512-bit FMA pipes are double-pumped, so the update
// is compute-bound: the square root on the divider beside the reciprocal on the FMA pipes is the
// balance (AVX-512, Zen 4: 2.6 µs for 10.5 k parameters, against 3.2 µs with both as
// vrsqrt14/vrcp14 + Newton and 3.0 µs with both exact; AVX2, Zen 5, 65,536 parameters: 13.2 µs
// against 15.7 µs exact; measured). `decay` is a constant at each call: plain Adam skips the two
// decay terms. The expressions are orbit_adam_body's, written so that they contract into the
// same FMAs.
ORBIT_BODY void orbit_adam_estimated_body(float *restrict p, const float *restrict g,
                                          float *restrict m, float *restrict v, long n, float b1,
                                          float b2, float step_size, float inverse_root2,
                                          float eps, float l2, float shrink, const int decay,
                                          orbit_v16 (*reciprocal)(orbit_v16)) {
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    orbit_v16 parameter = ORBIT_LOAD(p + i);
    orbit_v16 grad = ORBIT_LOAD(g + i);
    if (decay) {
      parameter = parameter * shrink;
      grad = l2 * parameter + grad;
    }
    orbit_v16 mean0 = ORBIT_LOAD(m + i);
    orbit_v16 mean = (1.0f - b1) * (grad - mean0) + mean0;
    orbit_v16 square = (1.0f - b2) * grad * grad + b2 * ORBIT_LOAD(v + i);
    ORBIT_STORE(m + i, mean);
    ORBIT_STORE(v + i, square);
    orbit_v16 denominator = __builtin_elementwise_sqrt(square) * inverse_root2 + eps;
    orbit_v16 r = reciprocal(denominator);
    r = r * (2.0f - denominator * r);
    ORBIT_STORE(p + i, parameter - step_size * (mean * r));
  }
  if (i < n)
    orbit_adam_body(p + i, g + i, m + i, v + i, n - i, b1, b2, step_size, inverse_root2, eps, l2,
                    shrink);
}
// The loop with `decay` a constant, so that plain Adam's loop has no decay terms.
ORBIT_BODY void orbit_adam_estimated(float *restrict p, const float *restrict g, float *restrict m,
                                     float *restrict v, long n, float b1, float b2,
                                     float step_size, float inverse_root2, float eps, float l2,
                                     float shrink, orbit_v16 (*reciprocal)(orbit_v16)) {
  if (l2 == 0.0f && shrink == 1.0f)
    orbit_adam_estimated_body(p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink, 0,
                              reciprocal);
  else
    orbit_adam_estimated_body(p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink, 1,
                              reciprocal);
}
// vrcpps: 12 bits, ~2⁻²² after the Newton step.
ORBIT_BODY ORBIT_AVX2 orbit_v16 orbit_reciprocal_avx2(orbit_v16 x) {
  typedef float v8 __attribute__((vector_size(32)));
  v8 low = __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7);
  v8 high = __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15);
  low = (v8)_mm256_rcp_ps((__m256)low);
  high = (v8)_mm256_rcp_ps((__m256)high);
  return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}
static inline ORBIT_AVX2 void orbit_adam_avx2(float *restrict p, const float *restrict g,
                                               float *restrict m, float *restrict v, long n,
                                               float b1, float b2, float step_size,
                                               float inverse_root2, float eps, float l2,
                                               float shrink) {
  orbit_adam_estimated(p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink,
                       orbit_reciprocal_avx2);
}
static inline void orbit_adam_generic(float *restrict p, const float *restrict g,
                                      float *restrict m, float *restrict v, long n, float b1,
                                      float b2, float step_size, float inverse_root2, float eps,
                                      float l2, float shrink) {
  orbit_adam_body(p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink);
}
// vrcp14ps: 14 bits, ~2⁻²⁸ after the Newton step.
ORBIT_BODY ORBIT_AVX512 orbit_v16 orbit_reciprocal_avx512(orbit_v16 x) {
  return (orbit_v16)_mm512_rcp14_ps((__m512)x);
}
static inline ORBIT_AVX512 void orbit_adam_avx512(float *restrict p, const float *restrict g,
                                                  float *restrict m, float *restrict v, long n,
                                                  float b1, float b2, float step_size,
                                                  float inverse_root2, float eps, float l2,
                                                  float shrink) {
  orbit_adam_estimated(p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink,
                       orbit_reciprocal_avx512);
}

// out[r][c] += x[r] · w[c]: one tap of a one-input-channel convolution.
ORBIT_BODY void orbit_rank1_rows_body(float *restrict out, const float *restrict x,
                                      const float *restrict w, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    float value = x[r];
    float *restrict line = out + r * cols;
    long c = 0;
    for (; c + 16 <= cols; c += 16) ORBIT_STORE(line + c, ORBIT_LOAD(line + c) + value * ORBIT_LOAD(w + c));
    ORBIT_SCALAR
    for (; c < cols; c++) line[c] += value * w[c];
  }
}
ORBIT_VARIANTS(orbit_rank1_rows,
               (float *restrict out, const float *restrict x, const float *restrict w, long rows,
                long cols),
               (out, x, w, rows, cols))

// dw[c] += Σ_r x[r] · g[r][c]: the weight gradient of one tap of a one-input-channel convolution.
ORBIT_BODY void orbit_rank1_gradient_body(float *restrict dw, const float *restrict x,
                                          const float *restrict g, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    float value = x[r];
    const float *restrict line = g + r * cols;
    long c = 0;
    for (; c + 16 <= cols; c += 16) ORBIT_STORE(dw + c, ORBIT_LOAD(dw + c) + value * ORBIT_LOAD(line + c));
    ORBIT_SCALAR
    for (; c < cols; c++) dw[c] += value * line[c];
  }
}
ORBIT_VARIANTS(orbit_rank1_gradient,
               (float *restrict dw, const float *restrict x, const float *restrict g, long rows,
                long cols),
               (dw, x, g, rows, cols))

// y[i] += x[i] for n elements.
ORBIT_BODY void orbit_accumulate_body(float *restrict y, const float *restrict x, long n) {
  long i = 0;
  for (; i + 16 <= n; i += 16) ORBIT_STORE(y + i, ORBIT_LOAD(y + i) + ORBIT_LOAD(x + i));
  ORBIT_SCALAR
  for (; i < n; i++) y[i] += x[i];
}
ORBIT_VARIANTS(orbit_accumulate, (float *restrict y, const float *restrict x, long n), (y, x, n))

// y[i] = x[i] · s; y is x (in place) or does not overlap it. Written with whole vectors: as a
// plain loop, the possible aliasing kept it scalar (vmulss), and the average pool's backward
// pass (64 such rows per step in B3) was then 2–4 % of the step, bound by scalar stores.
ORBIT_BODY void orbit_scale_body(float *y, const float *x, float s, long n) {
  long i = 0;
  for (; i + 16 <= n; i += 16) ORBIT_STORE(y + i, ORBIT_LOAD(x + i) * s);
  ORBIT_SCALAR
  for (; i < n; i++) y[i] = x[i] * s;
}
ORBIT_VARIANTS(orbit_scale, (float *y, const float *x, float s, long n), (y, x, s, n))

// out[o][e] (+)= Σ_i coefficients[o·n_in + i] · in[i][e] for e < length: a small matrix (n_in ≤
// 16) applied to n_in vectors (Winograd transforms). Each block of 16 floats of every input is
// loaded once and every output written once.
ORBIT_BODY void orbit_transform_body(float *const *out, const float *const *in,
                                     const float *coefficients, long n_out, long n_in,
                                     long length, int accumulate) {
  long e = 0;
  for (; e + 16 <= length; e += 16) {
    orbit_v16 x[16];
    for (long i = 0; i < n_in; i++) x[i] = *(const orbit_v16 *)(in[i] + e);
    for (long o = 0; o < n_out; o++) {
      orbit_v16 sum = accumulate ? *(const orbit_v16 *)(out[o] + e) : (orbit_v16){0};
      const float *row = coefficients + o * n_in;
      for (long i = 0; i < n_in; i++)
        if (row[i] != 0.0f) sum += row[i] * x[i];
      *(orbit_v16 *)(out[o] + e) = sum;
    }
  }
  for (; e < length; e++) {
    for (long o = 0; o < n_out; o++) {
      float sum = accumulate ? out[o][e] : 0.0f;
      for (long i = 0; i < n_in; i++) sum += coefficients[o * n_in + i] * in[i][e];
      out[o][e] = sum;
    }
  }
}
ORBIT_VARIANTS(orbit_transform,
               (float *const *out, const float *const *in, const float *coefficients, long n_out,
                long n_in, long length, int accumulate),
               (out, in, coefficients, n_out, n_in, length, accumulate))

// x[r][i] = Σ_k z[r][k]·et[k][i] for `rows` rows (d latents → D inputs): the manifold task's
// x = E·z, with a fixed summation order (k ascending) whatever the number of rows.
ORBIT_BODY void orbit_expand_body(float *restrict x, const float *restrict z,
                                  const float *restrict et, long rows, long d, long D) {
  for (long r = 0; r < rows; r++) {
    float *restrict line = x + r * D;
    const float *restrict latent = z + r * d;
    long i = 0;
    // Each block of 16 outputs summed in a register, k ascending as in the scalar tail.
    for (; i + 16 <= D; i += 16) {
      orbit_v16 sum = latent[0] * ORBIT_LOAD(et + i);
      for (long k = 1; k < d; k++) sum += latent[k] * ORBIT_LOAD(et + k * D + i);
      ORBIT_STORE(line + i, sum);
    }
    ORBIT_SCALAR
    for (; i < D; i++) {
      float sum = latent[0] * et[i];
      for (long k = 1; k < d; k++) sum += latent[k] * et[k * D + i];
      line[i] = sum;
    }
  }
}
ORBIT_VARIANTS(orbit_expand,
               (float *restrict x, const float *restrict z, const float *restrict et, long rows,
                long d, long D),
               (x, z, et, rows, d, D))

// dst (cols×rows, row-major) = srcᵀ, src being rows×cols with leading dimension lds. 8×8 blocks
// through AVX registers (unpack, shuffle, lane permute), scalar edges. At 64×64 this is 0.23 µs
// against a 2.6 µs gap between OpenBLAS 0.3.21's small-matrix nt and nn kernels (MatrixProduct).
static inline ORBIT_AVX2 void orbit_transpose_avx2(float *restrict dst, const float *restrict src,
                                                   long rows, long cols, long lds) {
  long r8 = rows & ~7L, c8 = cols & ~7L;
  for (long r = 0; r < r8; r += 8) {
    for (long c = 0; c < c8; c += 8) {
      const float *s = src + r * lds + c;
      __m256 a0 = _mm256_loadu_ps(s), a1 = _mm256_loadu_ps(s + lds);
      __m256 a2 = _mm256_loadu_ps(s + 2 * lds), a3 = _mm256_loadu_ps(s + 3 * lds);
      __m256 a4 = _mm256_loadu_ps(s + 4 * lds), a5 = _mm256_loadu_ps(s + 5 * lds);
      __m256 a6 = _mm256_loadu_ps(s + 6 * lds), a7 = _mm256_loadu_ps(s + 7 * lds);
      __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
      __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
      __m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
      __m256 t6 = _mm256_unpacklo_ps(a6, a7), t7 = _mm256_unpackhi_ps(a6, a7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float *d = dst + c * rows + r;
      _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + rows, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * rows, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * rows, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * rows, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * rows, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * rows, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * rows, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  }
  for (long r = 0; r < rows; r++)
    for (long c = r < r8 ? c8 : 0; c < cols; c++) dst[c * rows + r] = src[r * lds + c];
}
static inline void orbit_transpose_generic(float *restrict dst, const float *restrict src,
                                           long rows, long cols, long lds) {
  for (long r = 0; r < rows; r++)
    for (long c = 0; c < cols; c++) dst[c * rows + r] = src[r * lds + c];
}

// out[r·ldc + c] = x[r] · w[c]: an outer product (a K = 1 matrix product, the input gradient of a
// one-output layer), without OpenBLAS's call and packing overhead (~0.9 µs at 128×64).
ORBIT_BODY void orbit_outer_body(float *restrict out, const float *restrict x,
                                 const float *restrict w, long rows, long cols, long ldc) {
  for (long r = 0; r < rows; r++) {
    float value = x[r];
    float *restrict line = out + r * ldc;
    long c = 0;
    for (; c + 16 <= cols; c += 16) ORBIT_STORE(line + c, value * ORBIT_LOAD(w + c));
    ORBIT_SCALAR
    for (; c < cols; c++) line[c] = value * w[c];
  }
}
ORBIT_VARIANTS(orbit_outer,
               (float *restrict out, const float *restrict x, const float *restrict w, long rows,
                long cols, long ldc),
               (out, x, w, rows, cols, ldc))

#endif
