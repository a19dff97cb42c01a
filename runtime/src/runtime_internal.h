// Shared between the loader and the hot-swap handle of libedict.
#pragma once

#include <cstdarg>
#include <string>

#include "edict_runtime.h"

namespace edict::runtime {

// Fills `err` (when not null) with `status` and a printf-style message; returns `status`.
int Fail(edict_error* err, int status, const char* format, ...) __attribute__((format(printf, 3, 4)));

}  // namespace edict::runtime
