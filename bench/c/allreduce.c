/* The reference for bench/dist.bench.ts: plain C MPI_Allreduce (in place, float, sum) on the same
 * message sizes, timed the same way: after a warm-up, `iters` calls each between barriers, each
 * call's time taken as the slowest rank's, median reported. Prints one JSON line per size (rank 0).
 * Usage: mpirun -np N allreduce MB:ITERS [MB:ITERS...] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int a = 1; a < argc; a++) {
    char* rest = NULL;
    const double mb = strtod(argv[a], &rest);
    const int iters = *rest == ':' ? atoi(rest + 1) : 10;
    double* times = malloc(sizeof(double) * (size_t)iters);
    const size_t n = (size_t)(mb * 1024 * 1024 / 4);
    float* buf = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) buf[i] = 1.0f / (float)(i % 97 + 1); /* touched: no first-write faults */
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
    for (int k = 0; k < iters; k++) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      double t = MPI_Wtime() - t0;
      MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      times[k] = t;
    }
    qsort(times, (size_t)iters, sizeof(double), cmp);
    if (rank == 0) printf("{\"impl\":\"c\",\"ranks\":%d,\"mb\":%g,\"median\":%.9f,\"iters\":%d}\n", size, mb, times[iters / 2], iters);
    fflush(stdout);
    free(buf);
    free(times);
  }
  MPI_Finalize();
  return 0;
}
