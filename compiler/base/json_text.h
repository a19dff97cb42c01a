// JSON string text: the one escaper behind every JSON the compiler writes (results, diagnostics,
// diff and verify reports, ledger keys). Control characters become \uXXXX (or \n, \t, \r, \b,
// \f); everything else, UTF-8 included, is copied as is.
#pragma once

#include <string>
#include <string_view>

namespace edict {

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view s);

// `s` as a quoted JSON string.
auto JsonQuote(std::string_view s) -> std::string;

// `s` escaped for use between quotes (without them).
auto JsonEscape(std::string_view s) -> std::string;

}  // namespace edict
