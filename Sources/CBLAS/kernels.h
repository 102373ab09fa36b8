// OrbitCompute's elementwise kernels, in C so that each can be compiled for AVX-512, AVX2+FMA
// and baseline x86-64 from one body: Swift compiles for baseline x86-64 (SSE2) and has no
// per-function target attribute. A body is a static inline function; each `ORBIT_VARIANTS`
// wrapper carries a target attribute, the body is inlined into it and vectorised for that target.
// Swift picks the variant once, from the CPU's flags (OrbitCompute/Kernels.swift).
#ifndef ORBIT_KERNELS_H
#define ORBIT_KERNELS_H

#include <stddef.h>

#define ORBIT_BODY static inline __attribute__((always_inline))
#define ORBIT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define ORBIT_AVX2 __attribute__((target("avx2,fma")))

#define ORBIT_VARIANTS(name, params, args)                                                       \
  static inline ORBIT_AVX512 void name##_avx512 params { name##_body args; }                     \
  static inline ORBIT_AVX2 void name##_avx2 params { name##_body args; }                         \
  static inline void name##_generic params { name##_body args; }

// y[r][c] = max(y[r][c] + b[c], 0) (relu != 0) or y[r][c] + b[c].
ORBIT_BODY void orbit_bias_activation_body(float *restrict y, const float *restrict b, long rows,
                                           long cols, int relu) {
  for (long r = 0; r < rows; r++) {
    float *restrict line = y + r * cols;
    if (relu) {
      for (long c = 0; c < cols; c++) {
        float v = line[c] + b[c];
        line[c] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (long c = 0; c < cols; c++) line[c] += b[c];
    }
  }
}
ORBIT_VARIANTS(orbit_bias_activation,
               (float *restrict y, const float *restrict b, long rows, long cols, int relu),
               (y, b, rows, cols, relu))

// g[r][c] = y[r][c] > 0 ? g[r][c] : 0 (relu != 0); db[c] = Σ_r g[r][c] (db may be NULL).
ORBIT_BODY void orbit_activation_backward_body(float *restrict g, const float *restrict y,
                                               float *restrict db, long rows, long cols,
                                               int relu) {
  if (db)
    for (long c = 0; c < cols; c++) db[c] = 0.0f;
  for (long r = 0; r < rows; r++) {
    float *restrict line = g + r * cols;
    const float *restrict out = y + r * cols;
    if (relu)
      for (long c = 0; c < cols; c++) line[c] = out[c] > 0.0f ? line[c] : 0.0f;
    if (db)
      for (long c = 0; c < cols; c++) db[c] += line[c];
  }
}
ORBIT_VARIANTS(orbit_activation_backward,
               (float *restrict g, const float *restrict y, float *restrict db, long rows,
                long cols, int relu),
               (g, y, db, rows, cols, relu))

// One Adam/AdamW step (PyTorch's formulas; l2 is Adam's L2 decay, shrink AdamW's 1 − lr·λ).
ORBIT_BODY void orbit_adam_body(float *restrict p, const float *restrict g, float *restrict m,
                                float *restrict v, long n, float b1, float b2, float step_size,
                                float inverse_root2, float eps, float l2, float shrink) {
  for (long i = 0; i < n; i++) {
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
ORBIT_VARIANTS(orbit_adam,
               (float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                long n, float b1, float b2, float step_size, float inverse_root2, float eps,
                float l2, float shrink),
               (p, g, m, v, n, b1, b2, step_size, inverse_root2, eps, l2, shrink))

// out[r][c] += x[r] · w[c]: one tap of a one-input-channel convolution.
ORBIT_BODY void orbit_rank1_rows_body(float *restrict out, const float *restrict x,
                                      const float *restrict w, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    float value = x[r];
    float *restrict line = out + r * cols;
    for (long c = 0; c < cols; c++) line[c] += value * w[c];
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
    for (long c = 0; c < cols; c++) dw[c] += value * line[c];
  }
}
ORBIT_VARIANTS(orbit_rank1_gradient,
               (float *restrict dw, const float *restrict x, const float *restrict g, long rows,
                long cols),
               (dw, x, g, rows, cols))

// y[i] += x[i] for n elements.
ORBIT_BODY void orbit_accumulate_body(float *restrict y, const float *restrict x, long n) {
  for (long i = 0; i < n; i++) y[i] += x[i];
}
ORBIT_VARIANTS(orbit_accumulate, (float *restrict y, const float *restrict x, long n), (y, x, n))

// y[i] = x[i] · s (y may be x).
ORBIT_BODY void orbit_scale_body(float *y, const float *x, float s, long n) {
  for (long i = 0; i < n; i++) y[i] = x[i] * s;
}
ORBIT_VARIANTS(orbit_scale, (float *y, const float *x, float s, long n), (y, x, s, n))

// 16 floats as one vector (one zmm with AVX-512, split by the compiler otherwise); aligned(4) so
// loads and stores through it may be unaligned.
typedef float orbit_v16 __attribute__((vector_size(64), aligned(4)));

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

#endif
