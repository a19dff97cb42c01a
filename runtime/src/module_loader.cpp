// libedict: loading a compiled policy with dlopen and checking its descriptor (edict_runtime.h).
// No exception leaves this file: allocation uses std::nothrow and errors are status codes.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "runtime_internal.h"

struct edict_library {
  void* dl = nullptr;
  const edict_module* module = nullptr;
  std::string path;  // as given
};

namespace edict::runtime {

int Fail(edict_error* err, int status, const char* format, ...) {
  if (err != nullptr) {
    err->status = status;
    va_list args;
    va_start(args, format);
    std::vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
  }
  return status;
}

namespace {

auto Ok(edict_error* err) -> int {
  if (err != nullptr) {
    err->status = EDICT_STATUS_OK;
    err->message[0] = '\0';
  }
  return EDICT_STATUS_OK;
}

// Copies `path` to a fresh file in $TMPDIR (or /tmp); returns its name, or "" with errno set.
auto PrivateCopy(const char* path) -> std::string {
  const char* dir = std::getenv("TMPDIR");
  std::string name = std::string(dir && *dir ? dir : "/tmp") + "/edict-module-XXXXXX.so";
  int out = ::mkstemps(name.data(), 3);
  if (out < 0) return "";
  int in = ::open(path, O_RDONLY | O_CLOEXEC);
  bool ok = in >= 0;
  char buf[1 << 16];
  while (ok) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    for (ssize_t done = 0; ok && done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      ok = w > 0;
      if (ok) done += w;
    }
  }
  int saved = errno;
  if (in >= 0) ::close(in);
  ::close(out);
  if (!ok) {
    ::unlink(name.c_str());
    errno = saved;
    return "";
  }
  return name;
}

}  // namespace
}  // namespace edict::runtime

using edict::runtime::Fail;

extern "C" {

const char* edict_status_name(int status) {
  switch (status) {
    case EDICT_STATUS_OK: return "ok";
    case EDICT_STATUS_INVALID_ARGUMENT: return "invalid_argument";
    case EDICT_STATUS_CANNOT_OPEN: return "cannot_open";
    case EDICT_STATUS_NO_ENTRY_POINT: return "no_entry_point";
    case EDICT_STATUS_ABI_MISMATCH: return "abi_mismatch";
    case EDICT_STATUS_INCOMPATIBLE: return "incompatible";
    case EDICT_STATUS_NO_MEMORY: return "no_memory";
    case EDICT_STATUS_IO: return "io";
    default: return "unknown";
  }
}

int edict_module_check(const edict_module* m, edict_error* err) {
  if (m == nullptr) return Fail(err, EDICT_STATUS_NO_ENTRY_POINT, "edict_module_v1() returned NULL");
  if (m->abi_version != EDICT_ABI_VERSION) {
    return Fail(err, EDICT_STATUS_ABI_MISMATCH,
                "the module has ABI version %u; this runtime reads version %d (rebuild the policy "
                "with a matching `edict build`)",
                m->abi_version, EDICT_ABI_VERSION);
  }
  if (m->struct_size < sizeof(edict_module)) {
    return Fail(err, EDICT_STATUS_ABI_MISMATCH,
                "the module's descriptor has %u bytes; ABI version %d needs at least %zu",
                m->struct_size, EDICT_ABI_VERSION, sizeof(edict_module));
  }
  if (m->eval == nullptr || m->eval_batch == nullptr || m->cap_slots == nullptr ||
      m->name == nullptr || (m->field_count != 0 && m->fields == nullptr)) {
    return Fail(err, EDICT_STATUS_ABI_MISMATCH, "the module's descriptor is incomplete");
  }
  return edict::runtime::Ok(err);
}

int edict_modules_compatible(const edict_module* a, const edict_module* b, edict_error* err) {
  if (a == nullptr || b == nullptr) return Fail(err, EDICT_STATUS_INVALID_ARGUMENT, "a module is NULL");
  auto differ = [&](const char* what) {
    return Fail(err, EDICT_STATUS_INCOMPATIBLE,
                "module `%s` cannot replace `%s`: %s differ (rebuild the callers against the new "
                "header, or load it in a new handle)",
                b->name, a->name, what);
  };
  if (a->input_size != b->input_size || a->field_count != b->field_count) return differ("the input fields");
  auto same_enum = [](const edict_module* x, int32_t i, const edict_module* y, int32_t j) {
    if (i < 0 || j < 0 || static_cast<uint32_t>(i) >= x->enum_count ||
        static_cast<uint32_t>(j) >= y->enum_count)
      return i == j;
    const edict_enum& e = x->enums[i];
    const edict_enum& f = y->enums[j];
    if (e.member_count != f.member_count) return false;
    for (uint32_t k = 0; k < e.member_count; ++k) {
      if (std::strcmp(e.members[k], f.members[k]) != 0) return false;
    }
    return true;
  };
  for (uint32_t i = 0; i < a->field_count; ++i) {
    const edict_field& f = a->fields[i];
    const edict_field& g = b->fields[i];
    if (std::strcmp(f.name, g.name) != 0 || f.type.kind != g.type.kind || f.offset != g.offset ||
        (f.type.kind == EDICT_TYPE_ENUM && !same_enum(a, f.type.enum_id, b, g.type.enum_id))) {
      char what[256];
      std::snprintf(what, sizeof what, "the input fields (`%s` / `%s`)", f.name, g.name);
      return differ(what);
    }
  }
  if (!same_enum(a, a->decision_enum, b, b->decision_enum)) return differ("the decision members");
  if (a->rule_count != b->rule_count || a->exemption_count != b->exemption_count ||
      a->cap_count != b->cap_count || a->output_count != b->output_count ||
      a->result_size != b->result_size)
    return differ("the rule, exemption, cap or output tables");
  return edict::runtime::Ok(err);
}

int edict_library_open(const char* path, edict_library** out, edict_error* err) {
  if (path == nullptr || out == nullptr) return Fail(err, EDICT_STATUS_INVALID_ARGUMENT, "NULL argument");
  *out = nullptr;
  std::string load = path;
  std::string copy;
  // dlopen returns the library already loaded under this name, even when the file changed
  // since: load a private copy instead (unlinked at once; the mapping stays valid).
  if (void* loaded = ::dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    ::dlclose(loaded);
    copy = edict::runtime::PrivateCopy(path);
    if (copy.empty())
      return Fail(err, EDICT_STATUS_IO, "cannot copy `%s` for a reload: %s", path, std::strerror(errno));
    load = copy;
  }
  ::dlerror();
  void* dl = ::dlopen(load.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!copy.empty()) ::unlink(copy.c_str());
  if (dl == nullptr) {
    const char* why = ::dlerror();
    return Fail(err, EDICT_STATUS_CANNOT_OPEN, "cannot load `%s`: %s", path, why ? why : "dlopen failed");
  }
  auto* entry = reinterpret_cast<edict_module_v1_fn>(::dlsym(dl, "edict_module_v1"));
  if (entry == nullptr) {
    ::dlclose(dl);
    return Fail(err, EDICT_STATUS_NO_ENTRY_POINT,
                "`%s` is not an Edict module: it has no edict_module_v1 (build it with `edict build`)",
                path);
  }
  const edict_module* m = entry();
  if (int status = edict_module_check(m, err); status != EDICT_STATUS_OK) {
    if (err != nullptr) {
      std::string msg = std::string("`") + path + "`: " + err->message;
      std::snprintf(err->message, sizeof err->message, "%s", msg.c_str());
    }
    ::dlclose(dl);
    return status;
  }
  auto* lib = new (std::nothrow) edict_library;
  if (lib == nullptr) {
    ::dlclose(dl);
    return Fail(err, EDICT_STATUS_NO_MEMORY, "out of memory");
  }
  lib->dl = dl;
  lib->module = m;
  lib->path = path;
  *out = lib;
  return edict::runtime::Ok(err);
}

const edict_module* edict_library_module(const edict_library* lib) {
  return lib != nullptr ? lib->module : nullptr;
}

const char* edict_library_path(const edict_library* lib) {
  return lib != nullptr ? lib->path.c_str() : nullptr;
}

void edict_library_close(edict_library* lib) {
  if (lib == nullptr) return;
  ::dlclose(lib->dl);
  delete lib;
}

}  // extern "C"
