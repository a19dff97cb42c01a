// "Did you mean" suggestions by edit distance, and quoted name lists for messages.
#include <algorithm>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "sema/sema_internal.h"

namespace edict::sema {

auto Suggest(std::string_view name, const std::vector<std::string>& candidates) -> std::string {
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

auto QuoteList(const std::vector<std::string>& names, size_t limit) -> std::string {
  std::string out;
  size_t shown = names.size() > limit ? limit : names.size();
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && shown == names.size()) ? " and " : ", ";
    out += "`" + names[i] + "`";
  }
  if (shown < names.size()) out += " and " + std::to_string(names.size() - shown) + " more";
  return out;
}

auto WithArticle(std::string_view noun) -> std::string {
  bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(noun);
}

}  // namespace edict::sema
