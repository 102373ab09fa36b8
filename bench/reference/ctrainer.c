// Hand-written C + OpenBLAS trainer: the reference for ComputeBench (issue 4).
//   ctrainer steps IN WIDTH HIDDEN BATCH SECONDS  — B1/B2: steps/s of an MLP IN→W(×HIDDEN)→1,
//       ReLU, MSE, Adam lr 1e-3, 16 pre-made N(0,1) batches; and of its sgemm calls alone.
//   ctrainer trial — B4: manifold task d=4 in D=32, teacher 64 tanh units, student 32→256→256→1,
//       16,384 training points, 2,000 steps of batch 128 with replacement, test MSE on 4,096.
// Build: reference/build.sh (gcc -O3 -march=native -fno-math-errno so sqrtf vectorises;
// libopenblas, one thread).
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);
char *openblas_get_corename(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}
// Thread CPU seconds: the step benchmarks count these, as ComputeBench does, so that other
// processes on the shared machine do not inflate the figures.
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// xoshiro256** seeded by SplitMix64.
static uint64_t s[4];
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static void seed(uint64_t x) {
  for (int i = 0; i < 4; i++) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    s[i] = z ^ (z >> 31);
  }
}
static uint64_t next(void) {
  uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
  return r;
}
static double uniform(void) { return (next() >> 11) * 0x1.0p-53; }
static double normal(void) {
  double u = uniform();
  while (u <= 0) u = uniform();
  return sqrt(-2 * log(u)) * cos(2 * M_PI * uniform());
}
static float *alloc(long n) {
  float *p = aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
  memset(p, 0, n * 4);
  return p;
}

// An MLP with ReLU hidden layers; W[l] is in×out row-major, then b[l].
typedef struct {
  int layers, dims[8];
  float *w[8], *b[8], *gw[8], *gb[8], *act[9], *grad[9];
  float *params, *grads, *m, *v;
  long count;
  int t;
} Net;

static void net_init(Net *n, int in, int width, int hidden, int batch) {
  n->layers = hidden + 1;
  n->dims[0] = in;
  for (int l = 1; l <= hidden; l++) n->dims[l] = width;
  n->dims[hidden + 1] = 1;
  n->count = 0;
  for (int l = 0; l < n->layers; l++) n->count += (long)n->dims[l] * n->dims[l + 1] + n->dims[l + 1];
  n->params = alloc(n->count); n->grads = alloc(n->count);
  n->m = alloc(n->count); n->v = alloc(n->count);
  n->t = 0;
  long o = 0;
  for (int l = 0; l < n->layers; l++) {
    int a = n->dims[l], c = n->dims[l + 1];
    float bound = 1 / sqrtf(a);  // PyTorch's default init
    n->w[l] = n->params + o; n->gw[l] = n->grads + o; o += (long)a * c;
    n->b[l] = n->params + o; n->gb[l] = n->grads + o; o += c;
    for (long i = 0; i < (long)a * c; i++) n->w[l][i] = (2 * uniform() - 1) * bound;
    for (int i = 0; i < c; i++) n->b[l][i] = (2 * uniform() - 1) * bound;
    n->act[l + 1] = alloc((long)batch * c);
    n->grad[l + 1] = alloc((long)batch * c);
  }
}

static float *forward(Net *n, const float *x, int batch) {
  n->act[0] = (float *)x;
  for (int l = 0; l < n->layers; l++) {
    int a = n->dims[l], c = n->dims[l + 1];
    float *restrict y = n->act[l + 1];
    const float *restrict b = n->b[l];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, c, a, 1, n->act[l], a, n->w[l],
                c, 0, y, c);
    int relu = l < n->layers - 1;
    for (int r = 0; r < batch; r++)
      for (int j = 0; j < c; j++) {
        float z = y[r * c + j] + b[j];
        y[r * c + j] = relu && z < 0 ? 0 : z;
      }
  }
  return n->act[n->layers];
}

// MSE against y; backward; Adam (lr, β = 0.9, 0.999, ε = 1e-8). Returns the loss.
static double train_step(Net *n, const float *x, const float *y, int batch, float lr) {
  float *out = forward(n, x, batch), *g = n->grad[n->layers];
  double loss = 0;
  for (int r = 0; r < batch; r++) {
    float d = out[r] - y[r];
    loss += d * d;
    g[r] = 2 * d / batch;
  }
  for (int l = n->layers - 1; l >= 0; l--) {
    int a = n->dims[l], c = n->dims[l + 1];
    float *restrict gy = n->grad[l + 1], *restrict gb = n->gb[l];
    const float *restrict yv = n->act[l + 1];
    int relu = l < n->layers - 1;
    memset(gb, 0, c * 4);
    for (int r = 0; r < batch; r++) {
      if (relu)
        for (int j = 0; j < c; j++) gy[r * c + j] = yv[r * c + j] > 0 ? gy[r * c + j] : 0;
      for (int j = 0; j < c; j++) gb[j] += gy[r * c + j];
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, a, c, batch, 1, n->act[l], a, gy, c, 0,
                n->gw[l], c);
    if (l > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, a, c, 1, gy, c, n->w[l], c, 0,
                  n->grad[l], a);
  }
  n->t++;
  float c1 = 1 - powf(0.9f, n->t), c2 = sqrtf(1 - powf(0.999f, n->t)), step = lr / c1;
  float *restrict p = n->params, *restrict m = n->m, *restrict v = n->v;
  const float *restrict gr = n->grads;
  for (long i = 0; i < n->count; i++) {
    m[i] = 0.9f * m[i] + 0.1f * gr[i];
    v[i] = 0.999f * v[i] + 0.001f * gr[i] * gr[i];
    p[i] -= step * m[i] / (sqrtf(v[i]) / c2 + 1e-8f);
  }
  return loss / batch;
}

// The step's sgemm calls alone, on the same operands.
static void gemms_only(Net *n, int batch) {
  for (int l = 0; l < n->layers; l++) {
    int a = n->dims[l], c = n->dims[l + 1];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, c, a, 1, n->act[l], a, n->w[l],
                c, 0, n->act[l + 1], c);
  }
  for (int l = n->layers - 1; l >= 0; l--) {
    int a = n->dims[l], c = n->dims[l + 1];
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, a, c, batch, 1, n->act[l], a,
                n->grad[l + 1], c, 0, n->gw[l], c);
    if (l > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, a, c, 1, n->grad[l + 1], c,
                  n->w[l], c, 0, n->grad[l], a);
  }
}

static int steps_mode(int in, int width, int hidden, int batch, double seconds) {
  Net n;
  seed(1);
  net_init(&n, in, width, hidden, batch);
  float *x = alloc(16L * batch * in), *y = alloc(16L * batch);
  for (long i = 0; i < 16L * batch * in; i++) x[i] = normal();
  for (long i = 0; i < 16L * batch; i++) y[i] = normal();
  long calls = 0;
  for (int i = 0; i < 3; i++) train_step(&n, x + (i % 16) * batch * in, y + (i % 16) * batch, batch, 1e-3f);
  double start = cpu_now(), elapsed;
  do {
    int k = calls % 16;
    train_step(&n, x + (long)k * batch * in, y + (long)k * batch, batch, 1e-3f);
    calls++;
  } while ((elapsed = cpu_now() - start) < seconds);
  double rate = calls / elapsed;
  calls = 0;
  start = cpu_now();
  do {
    gemms_only(&n, batch);
    calls++;
  } while ((elapsed = cpu_now() - start) < seconds);
  printf("{\"steps_per_s\": %.3f, \"bound_steps_per_s\": %.3f, \"ratio\": %.3f, \"core\": \"%s\"}\n",
         rate, calls / elapsed, rate / (calls / elapsed), openblas_get_corename());
  return 0;
}

// Manifold data: z ~ U[-1,1]^4, x = E z (E 32×4 orthonormal), y = v·tanh(A z + c), standardised.
static void manifold(int count, const float *E, const float *A, const float *c, const float *v,
                     float *x, float *y) {
  for (int i = 0; i < count; i++) {
    float z[4];
    for (int k = 0; k < 4; k++) z[k] = 2 * uniform() - 1;
    for (int d = 0; d < 32; d++) {
      float sum = 0;
      for (int k = 0; k < 4; k++) sum += E[d * 4 + k] * z[k];
      x[i * 32 + d] = sum;
    }
    float out = 0;
    for (int h = 0; h < 64; h++) {
      float pre = c[h];
      for (int k = 0; k < 4; k++) pre += A[k * 64 + h] * z[k];
      out += v[h] * tanhf(pre);
    }
    y[i] = out;
  }
}

static int trial_mode(void) {
  double start = now();
  openblas_set_num_threads(1);
  seed(0);
  enum { D = 32, N = 16384, NTEST = 4096, STEPS = 2000, B = 128 };
  float E[D * 4], A[4 * 64], c[64], v[64];
  double cols[4][D];
  for (int k = 0; k < 4; k++) {  // Gram–Schmidt
    for (int d = 0; d < D; d++) cols[k][d] = normal();
    for (int j = 0; j < k; j++) {
      double dot = 0;
      for (int d = 0; d < D; d++) dot += cols[k][d] * cols[j][d];
      for (int d = 0; d < D; d++) cols[k][d] -= dot * cols[j][d];
    }
    double norm = 0;
    for (int d = 0; d < D; d++) norm += cols[k][d] * cols[k][d];
    for (int d = 0; d < D; d++) cols[k][d] /= sqrt(norm);
    for (int d = 0; d < D; d++) E[d * 4 + k] = cols[k][d];
  }
  for (int i = 0; i < 4 * 64; i++) A[i] = normal();
  for (int i = 0; i < 64; i++) c[i] = 0.5 * normal();
  for (int i = 0; i < 64; i++) v[i] = normal() / 8;
  float *x = alloc((long)N * D), *y = alloc(N), *xt = alloc((long)NTEST * D), *yt = alloc(NTEST);
  manifold(N, E, A, c, v, x, y);
  manifold(NTEST, E, A, c, v, xt, yt);
  double mean = 0, sq = 0;
  for (int i = 0; i < N; i++) mean += y[i], sq += (double)y[i] * y[i];
  mean /= N;
  float scale = 1 / sqrt(sq / N - mean * mean);
  for (int i = 0; i < N; i++) y[i] = (y[i] - mean) * scale;
  for (int i = 0; i < NTEST; i++) yt[i] = (yt[i] - mean) * scale;
  Net n;
  net_init(&n, D, 256, 2, NTEST);
  float *bx = alloc(B * D), *by = alloc(B);
  for (int step = 0; step < STEPS; step++) {
    for (int r = 0; r < B; r++) {
      long k = (long)(uniform() * N);
      memcpy(bx + r * D, x + k * D, D * 4);
      by[r] = y[k];
    }
    double l = train_step(&n, bx, by, B, 1e-3f);
    if (getenv("CTRAINER_VERBOSE") && step % 200 == 0) fprintf(stderr, "step %d loss %g\n", step, l);
  }
  float *out = forward(&n, xt, NTEST);
  double test = 0;
  for (int i = 0; i < NTEST; i++) test += (out[i] - yt[i]) * (out[i] - yt[i]);
  printf("{\"test_loss\": %.6f, \"wall_seconds\": %.4f, \"core\": \"%s\"}\n", test / NTEST,
         now() - start, openblas_get_corename());
  return 0;
}

int main(int argc, char **argv) {
  openblas_set_num_threads(1);
  if (argc == 7 && !strcmp(argv[1], "steps"))
    return steps_mode(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atof(argv[6]));
  if (argc == 2 && !strcmp(argv[1], "trial")) return trial_mode();
  fprintf(stderr, "usage: ctrainer steps IN WIDTH HIDDEN BATCH SECONDS | ctrainer trial\n");
  return 64;
}
