// Internals of the JSON codec shared by its source files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/json_text.h"
#include "json/request_codec.h"

namespace edict::json {

// Called only after simdjson rejected `json`: scans it with a strict, position-tracking JSON
// validator and describes the first problem (with its byte offset, or the field at fault for a
// number out of range). `fallback` (simdjson's own message) is used when the scan finds nothing.
// Sets `id` to the request's top-level string `id` when one comes before the problem.
auto DiagnoseMalformed(std::string_view json, std::string_view fallback,
                       std::optional<std::string>& id) -> RequestError;


}  // namespace edict::json
