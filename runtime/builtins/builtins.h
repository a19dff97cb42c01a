/* C declarations of the runtime helpers listed in builtins.def. Freestanding C99; linked into
 * every built module (edict_builtins) and registered with the JIT. */
#ifndef EDICT_BUILTINS_H_
#define EDICT_BUILTINS_H_

#include <stdint.h>

#include "edict.h"

#ifdef __cplusplus
extern "C" {
#endif

int64_t edict_rt_str_find(const char *s, int64_t n, const edict_str *sorted, int64_t count);
int64_t edict_rt_lower_bound_i64(int64_t x, const int64_t *lo, int64_t count);
int64_t edict_rt_lower_bound_f64(double x, const double *lo, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* EDICT_BUILTINS_H_ */
