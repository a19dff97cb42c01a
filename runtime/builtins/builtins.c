/* Runtime helpers for compiled policies (see builtins.def). No libc beyond memcmp. */
#include "builtins.h"

#include <string.h>

static int compare_bytes(const char *a, size_t an, const char *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  int c = n ? memcmp(a, b, n) : 0;
  if (c != 0) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

int64_t edict_rt_str_find(const char *s, int64_t n, const edict_str *sorted, int64_t count) {
  int64_t lo = 0, hi = count;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int c = compare_bytes(sorted[mid].ptr, sorted[mid].len, s, (size_t)n);
    if (c == 0) return mid;
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return -1;
}

int64_t edict_rt_lower_bound_i64(int64_t x, const int64_t *lo, int64_t count) {
  int64_t a = 0, b = count; /* find the first bound > x */
  while (a < b) {
    int64_t mid = a + (b - a) / 2;
    if (lo[mid] <= x) {
      a = mid + 1;
    } else {
      b = mid;
    }
  }
  return a - 1;
}

int64_t edict_rt_lower_bound_f64(double x, const double *lo, int64_t count) {
  int64_t a = 0, b = count;
  while (a < b) {
    int64_t mid = a + (b - a) / 2;
    if (lo[mid] <= x) {
      a = mid + 1;
    } else {
      b = mid;
    }
  }
  return a - 1;
}
