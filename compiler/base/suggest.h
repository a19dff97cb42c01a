// "Did you mean" suggestions: the closest candidate to a misspelt name by edit distance. Shared by
// the compiler's diagnostics and the request decoder's error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace edict {

// The candidate closest to `name` (about one edit per three characters; a case-only difference
// counts as none), or "" when none is close enough. Ties go to the alphabetically first.
auto Suggest(std::string_view name, const std::vector<std::string>& candidates) -> std::string;

}  // namespace edict
