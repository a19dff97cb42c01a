// Quoted name lists and articles for messages.
#include <algorithm>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "sema/sema_internal.h"

namespace edict::sema {

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
