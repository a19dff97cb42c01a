// What `edict diff` reports (docs/review.md) and its three renderings: text for a terminal,
// markdown to paste into a code review, and JSON with stable keys for tools.
//
// JSON shape (keys always present unless marked `?`):
//   {"old": {"path", "policy", "version"}, "new": {…},
//    "decides_differently": bool,
//    "structural": {"header": [{"what", "before", "after"}],
//                   "declarations": [{"status", "kind", "name", "before", "after",
//                                     "parts": [{"what", "before", "after"}],
//                                     "tier_moves": [{"member", "from", "to"}]}]},
//    "semantic": {"available": bool, "reason"?, "transitions": [{"from", "to", "region": [[…]],
//                 "region_truncated", "witnesses": [{"request": {…}, "old_result": {…},
//                 "new_result": {…}}]}], "rule_changes": […same…], "notes": [...]},
//    "replay"?: {"path", "requests", "unchanged", "changed",
//                "transitions": [{"from", "to", "count", "examples": [{"line", "request"}]}]}}
// "" in before/after (and from/to of a tier move) means "absent on that side".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "review/structural_diff.h"
#include "smt/semantic_diff.h"

namespace edict::review {

struct VersionInfo {
  std::string path;     // as given on the command line (REV:PATH for git)
  std::string policy;   // the policy's name
  std::string version;  // its version string, "" when it has none
};

// A witness after it was re-evaluated on both versions: the results as `edict eval` prints them.
struct CheckedWitness {
  std::string request;     // the request JSON
  std::string old_result;  // result JSON of the old version
  std::string new_result;  // result JSON of the new version
};

struct CheckedTransition {
  std::string from, to;  // smt::Side::text
  std::vector<smt::Cube> region;
  bool region_truncated = false;
  std::vector<CheckedWitness> witnesses;
};

struct ReplayTransition {
  std::string from, to;  // outcome names, "error(code)", or "undecodable(code)"
  int64_t count = 0;
  struct Example {
    int64_t line = 0;     // 1-based line of the JSONL file
    std::string request;  // the line as written
  };
  std::vector<Example> examples;  // the first few
};

struct ReplayReport {
  std::string path;
  int64_t requests = 0;   // non-blank lines
  int64_t unchanged = 0;  // decided the same way by both versions
  int64_t changed = 0;
  std::vector<ReplayTransition> transitions;  // changed ones only, by count descending
};

struct Report {
  VersionInfo old_info, new_info;
  StructuralDiff structural;
  bool semantic_available = false;
  std::string semantic_reason;  // when not available: why
  std::vector<CheckedTransition> transitions;
  std::vector<CheckedTransition> rule_changes;
  std::vector<std::string> notes;
  std::optional<ReplayReport> replay;

  // Some request is decided differently: a semantic transition or a changed replayed request.
  auto decides_differently() const -> bool {
    return !transitions.empty() || (replay && replay->changed > 0);
  }
};

auto RenderText(const Report& r) -> std::string;
auto RenderMarkdown(const Report& r) -> std::string;
auto RenderJson(const Report& r) -> std::string;

}  // namespace edict::review
