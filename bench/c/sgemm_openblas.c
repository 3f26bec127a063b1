/* The OpenBLAS reference for bench/linalg.bench.ts: cblas_sgemm (row-major, no transposes,
 * alpha 1, beta 0) on the same shapes and data pattern as gradguard's SGEMM rows, timed the same
 * way (a warm-up call, then calls until `seconds` have passed, at least 5; the median reported).
 * Threads come from OPENBLAS_NUM_THREADS, set by the bench. Prints one JSON line per shape.
 * The CBLAS prototypes are declared here, so only the library (-lopenblas) is needed, not the
 * header's distribution-specific path.
 * Usage: sgemm_openblas SECONDS M N K [M N K ...] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kRowMajor = 101, kNoTrans = 111 };
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha,
                 const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
char* openblas_get_config(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* The bench's fill(): an LCG mapped to [-0.5, 0.5). */
static void fill(float* a, size_t n, unsigned seed) {
  unsigned s = seed;
  for (size_t i = 0; i < n; i++) {
    s = s * 1103515245u + 12345u;
    a[i] = (float)((double)s / 4294967296.0 - 0.5);
  }
}

int main(int argc, char** argv) {
  if (argc < 5 || (argc - 2) % 3 != 0) {
    fprintf(stderr, "usage: sgemm_openblas SECONDS M N K [M N K ...]\n");
    return 2;
  }
  const double seconds = atof(argv[1]);
  for (int a = 2; a + 2 < argc; a += 3) {
    const int m = atoi(argv[a]), n = atoi(argv[a + 1]), k = atoi(argv[a + 2]);
    float* A = malloc(sizeof(float) * (size_t)m * k);
    float* B = malloc(sizeof(float) * (size_t)k * n);
    float* C = malloc(sizeof(float) * (size_t)m * n);
    if (!A || !B || !C) return 1;
    fill(A, (size_t)m * k, 1);
    fill(B, (size_t)k * n, 2);
    cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.f, A, k, B, n, 0.f, C, n);
    size_t cap = 1 << 16, count = 0;
    double* t = malloc(sizeof(double) * cap);
    const double start = now();
    while ((count < 5 || now() - start < seconds) && count < cap) {
      const double t0 = now();
      cblas_sgemm(kRowMajor, kNoTrans, kNoTrans, m, n, k, 1.f, A, k, B, n, 0.f, C, n);
      t[count++] = now() - t0;
    }
    qsort(t, count, sizeof(double), cmp);
    printf("{\"m\":%d,\"n\":%d,\"k\":%d,\"threads\":%d,\"median\":%.9g,\"samples\":%zu,"
           "\"core\":\"%s\",\"config\":\"%s\",\"check\":%g}\n",
           m, n, k, openblas_get_num_threads(), t[count / 2], count, openblas_get_corename(),
           openblas_get_config(), (double)C[0]);
    free(t);
    free(A);
    free(B);
    free(C);
  }
  return 0;
}
