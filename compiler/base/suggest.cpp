#include "base/suggest.h"

#include <algorithm>

#include "llvm/ADT/StringRef.h"

namespace edict {

auto Suggest(std::string_view name, const std::vector<std::string>& candidates) -> std::string {
  if (name.empty()) return "";
  llvm::StringRef target(name.data(), name.size());
  // Allow about one edit per three characters: one for short names, two from four characters.
  unsigned max_distance =
      name.size() <= 3 ? 1 : std::max<unsigned>(2, static_cast<unsigned>(name.size()) / 3);
  std::string best;
  unsigned best_distance = max_distance + 1;
  for (const std::string& c : candidates) {
    if (c == name) continue;
    unsigned d = target.edit_distance(c, /*AllowReplacements=*/true, max_distance);
    // A case-only difference is the most likely typo.
    if (target.equals_insensitive(c)) d = 0;
    if (d < best_distance || (d == best_distance && !best.empty() && c < best)) {
      best_distance = d;
      best = c;
    }
  }
  return best_distance <= max_distance ? best : std::string();
}

}  // namespace edict
