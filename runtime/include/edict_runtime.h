/* edict_runtime.h — the host API of libedict: loading compiled Edict policies (lib<policy>.so
 * built by `edict build`) and swapping them while they serve (C99; no C++ types, no exceptions
 * cross it). The module ABI itself is edict.h; this header only adds the loader.
 *
 * Errors: every fallible function returns an edict_status (EDICT_STATUS_OK = 0) and, when `err`
 * is not NULL, fills it with the status and a one-line message naming the file and the reason.
 *
 * Threads: an edict_library is immutable once opened and may be used from any thread. An
 * edict_handle may be evaluated through (edict_handle_eval, edict_handle_acquire) from any
 * number of threads while another thread swaps it (edict_handle_swap); see that function.
 *
 *   edict_handle *h;
 *   edict_error err;
 *   if (edict_handle_open("out/libai_diffusion.so", &h, &err) != EDICT_STATUS_OK) {
 *     fprintf(stderr, "%s\n", err.message);
 *     return 1;
 *   }
 *   int code = edict_handle_eval(h, &input, usage, today, &result.header, sizeof result);
 *   ...
 *   edict_handle_swap(h, "out-v2/libai_diffusion.so", &err);   (from any thread)
 *   ...
 *   edict_handle_close(h);
 */
#ifndef EDICT_RUNTIME_H_
#define EDICT_RUNTIME_H_

#include <stddef.h>
#include <stdint.h>

#include "edict.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define EDICT_RUNTIME_API __attribute__((visibility("default")))
#else
#define EDICT_RUNTIME_API
#endif

typedef enum edict_status {
  EDICT_STATUS_OK = 0,
  EDICT_STATUS_INVALID_ARGUMENT = 1, /* a NULL argument, or a result buffer that is too small */
  EDICT_STATUS_CANNOT_OPEN = 2,      /* dlopen failed: no such file, not a shared library, … */
  EDICT_STATUS_NO_ENTRY_POINT = 3,   /* no edict_module_v1, or it returned NULL */
  EDICT_STATUS_ABI_MISMATCH = 4,     /* another EDICT_ABI_VERSION, or a truncated descriptor */
  EDICT_STATUS_INCOMPATIBLE = 5,     /* swap: the new module has another input or result layout */
  EDICT_STATUS_NO_MEMORY = 6,
  EDICT_STATUS_IO = 7                /* copying a module for a reload failed */
} edict_status;

typedef struct edict_error {
  int32_t status; /* edict_status */
  char message[480];
} edict_error;

/* "ok", "invalid_argument", "cannot_open", … */
EDICT_RUNTIME_API const char *edict_status_name(int status);

/* Checks a descriptor against this edict.h: abi_version and struct_size. */
EDICT_RUNTIME_API int edict_module_check(const edict_module *m, edict_error *err);

/* Whether a caller that fills inputs and reads results for module `a` may use module `b`
 * instead: the same input fields (names, types, offsets, enum members, in order), the same
 * decision members, rule/exemption/cap/output counts and result size. Returns EDICT_STATUS_OK
 * or EDICT_STATUS_INCOMPATIBLE (the message names the first difference). */
EDICT_RUNTIME_API int edict_modules_compatible(const edict_module *a, const edict_module *b,
                                               edict_error *err);

/* ---- A loaded module ------------------------------------------------------------------------ */

typedef struct edict_library edict_library;

/* dlopens `path` (RTLD_NOW | RTLD_LOCAL), calls its edict_module_v1() and checks the ABI. When a
 * library of that name is already loaded in the process (a module rebuilt in place), a private
 * copy of the file is loaded instead, so that the new code is really used. */
EDICT_RUNTIME_API int edict_library_open(const char *path, edict_library **out, edict_error *err);
EDICT_RUNTIME_API const edict_module *edict_library_module(const edict_library *lib);
EDICT_RUNTIME_API const char *edict_library_path(const edict_library *lib);
/* Unloads the library; nothing may use its module afterwards. NULL is ignored. */
EDICT_RUNTIME_API void edict_library_close(edict_library *lib);

/* ---- A hot-swappable handle ------------------------------------------------------------------ */

typedef struct edict_handle edict_handle;

EDICT_RUNTIME_API int edict_handle_open(const char *path, edict_handle **out, edict_error *err);

/* Loads `new_module_path` and makes it the module of every evaluation that starts from now on.
 * Evaluations already running finish on the previous module; this call waits for them, then
 * unloads it, so when it returns the old code is gone. Refused (EDICT_STATUS_INCOMPATIBLE, the
 * handle unchanged) when the new module's layout differs (edict_modules_compatible). Swaps of one
 * handle are serialised. Must not be called by a thread that holds a lease on the same handle
 * (it would wait for itself). */
EDICT_RUNTIME_API int edict_handle_swap(edict_handle *h, const char *new_module_path,
                                        edict_error *err);

/* Evaluates one request on the current module (edict_eval_fn). `result_capacity` is the size of
 * the buffer at `result` (at least edict_module::result_size). Returns the evaluation's
 * edict_error_code, or -1 (nothing evaluated) when an argument is NULL or the buffer too small.
 * Wait-free with respect to swaps: a few atomic operations on a per-thread counter. */
EDICT_RUNTIME_API int edict_handle_eval(edict_handle *h, const void *input, const int64_t *usage,
                                        int32_t today, edict_result *result,
                                        size_t result_capacity);

/* Pins the current module for several calls (cap_slots, then eval, on the same version). Keep
 * leases short: a swap waits until every lease on the old module is released. */
typedef struct edict_lease {
  const edict_module *module;
  void *reserved0;
  uint32_t reserved1;
} edict_lease;
EDICT_RUNTIME_API const edict_module *edict_handle_acquire(edict_handle *h, edict_lease *lease);
EDICT_RUNTIME_API void edict_handle_release(edict_handle *h, edict_lease *lease);

/* How many swaps have succeeded on this handle. */
EDICT_RUNTIME_API uint64_t edict_handle_generation(const edict_handle *h);

/* Unloads the current module and frees the handle. No evaluation or swap may be running. */
EDICT_RUNTIME_API void edict_handle_close(edict_handle *h);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EDICT_RUNTIME_H_ */
