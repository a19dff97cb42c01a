// The structural diff of two policy versions (compiler/review/structural_diff.h).
#include "review/structural_diff.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "diagnostics/diagnostic.h"
#include "parse/parser.h"
#include "pir/build_pir.h"
#include "review/report.h"
#include "sema/sema.h"

namespace edict::review {
namespace {

// One compiled version; everything the diff points into stays alive with it.
struct Compiled {
  SourceManager sources;
  std::unique_ptr<DiagnosticEngine> diags;
  std::unique_ptr<sema::ModuleLoader> loader;
  std::optional<ast::Module> module;
  std::optional<sema::CheckedModule> checked;
  std::optional<pir::Module> pir;

  auto version() const -> Version { return {&*module, &sources, &*pir}; }
};

auto Compile(const std::string& text) -> std::unique_ptr<Compiled> {
  auto c = std::make_unique<Compiled>();
  FileId file = c->sources.AddFile("test.edict", text);
  c->diags = std::make_unique<DiagnosticEngine>(c->sources, DiagnosticOptions{.error_limit = 0});
  c->loader = std::make_unique<sema::ModuleLoader>(c->sources, *c->diags,
                                                   sema::SemaOptions{EDICT_STDLIB_DIR});
  c->module = parse::Parse(file, c->sources, *c->diags);
  EXPECT_TRUE(c->module.has_value());
  c->checked = sema::Check(*c->module, *c->loader, *c->diags);
  EXPECT_TRUE(c->checked.has_value() && !c->diags->has_errors()) << text;
  if (c->checked) c->pir = pir::BuildPir(*c->checked, c->sources);
  return c;
}

constexpr const char* kBase = R"(policy p version "1" effective 2025-01-01;
enum Country { US, DE, IL, PT, FR, CN }
enum Item { gpu, cpu }
decision Outcome { allow, notify, license_required, deny }
default allow;
input { destination: Country; item: Item; quantity: int; }
const LIMIT = 1_700;
tiers Tier of Country { tier1: { US, DE }; tier2: otherwise; tier3: { CN }; }
tiers Size of int { small: < 1_000; large: otherwise; }
let dest_tier = Tier(destination);
cap allocation {
  limit: 50_000;
  key: destination;
  window: year;
  amount: quantity;
  applies: item == gpu and dest_tier == tier2 and quantity >= 0;
  record: allow, notify;
}
rule embargo: dest_tier == tier3 => deny because "embargoed" cite "A";
rule over: exceeds(allocation) => license_required;
rule notice: item == gpu and Size(quantity) == small and quantity <= LIMIT => notify;
exempt small_cpu from notice when item == cpu;
)";

// kBase with `from` replaced by `to` (which must occur exactly once).
auto Edit(std::string text, const std::string& from, const std::string& to) -> std::string {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

auto Diff(const std::string& before, const std::string& after) -> StructuralDiff {
  auto o = Compile(before);
  auto n = Compile(after);
  if (!o->pir || !n->pir) return {};
  return DiffStructure(o->version(), n->version());
}

auto Find(const StructuralDiff& d, const std::string& kind, const std::string& name)
    -> const DeclChange* {
  for (const auto& c : d.decls) {
    if (c.kind == kind && c.name == name) return &c;
  }
  return nullptr;
}

auto Part(const DeclChange& c, const std::string& what) -> const PartChange* {
  for (const auto& p : c.parts) {
    if (p.what == what) return &p;
  }
  return nullptr;
}

TEST(StructuralDiff, IdenticalVersionsHaveNoChange) {
  EXPECT_TRUE(Diff(kBase, kBase).empty());
}

TEST(StructuralDiff, LayoutAndCommentsAreNoChange) {
  std::string relaid = Edit(kBase, "rule over: exceeds(allocation) => license_required;",
                            "// over the allocation\nrule over:\n  exceeds(allocation)\n"
                            "  => license_required;");
  EXPECT_TRUE(Diff(kBase, relaid).empty());
}

TEST(StructuralDiff, HeaderChanges) {
  auto d = Diff(kBase, Edit(kBase, R"(version "1" effective 2025-01-01;)",
                            R"(version "2" effective 2025-02-01 expires 2026-01-01;)"));
  ASSERT_EQ(d.header.size(), 3u);
  EXPECT_EQ(d.header[0].what, "version");
  EXPECT_EQ(d.header[0].before, "\"1\"");
  EXPECT_EQ(d.header[0].after, "\"2\"");
  EXPECT_EQ(d.header[1].what, "effective");
  EXPECT_EQ(d.header[1].after, "2025-02-01");
  EXPECT_EQ(d.header[2].what, "expires");
  EXPECT_EQ(d.header[2].before, "");
  EXPECT_EQ(d.header[2].after, "2026-01-01");
  EXPECT_TRUE(d.decls.empty());
}

TEST(StructuralDiff, TierMovesPerMember) {
  auto d = Diff(kBase, Edit(kBase, "tier1: { US, DE }; tier2: otherwise; tier3: { CN };",
                            "tier1: { US, DE, IL }; tier2: otherwise; tier3: { CN, PT };"));
  const DeclChange* t = Find(d, "tiers", "Tier");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->status, Status::Changed);
  ASSERT_EQ(t->moves.size(), 2u);
  EXPECT_EQ(t->moves[0].member, "IL");
  EXPECT_EQ(t->moves[0].from, "tier2");
  EXPECT_EQ(t->moves[0].to, "tier1");
  EXPECT_EQ(t->moves[1].member, "PT");
  EXPECT_EQ(t->moves[1].to, "tier3");
  const PartChange* p = Part(*t, "tier tier1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->before, "{ US, DE }");
  EXPECT_EQ(p->after, "{ US, DE, IL }");
  EXPECT_EQ(d.decls.size(), 1u);
}

TEST(StructuralDiff, RenamedTierShowsEveryMemberMoving) {
  auto d = Diff(kBase, Edit(Edit(kBase, "tier3: { CN };", "embargoed: { CN };"),
                            "dest_tier == tier3", "dest_tier == embargoed"));
  const DeclChange* t = Find(d, "tiers", "Tier");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->moves.size(), 1u);
  EXPECT_EQ(t->moves[0].member, "CN");
  EXPECT_EQ(t->moves[0].from, "tier3");
  EXPECT_EQ(t->moves[0].to, "embargoed");
  const PartChange* removed = Part(*t, "tier tier3");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->after, "");
  ASSERT_NE(Find(d, "rule", "embargo"), nullptr);
}

TEST(StructuralDiff, NumericTierIntervalChange) {
  auto d = Diff(kBase, Edit(kBase, "small: < 1_000;", "small: < 2_000;"));
  const DeclChange* t = Find(d, "tiers", "Size");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->moves.empty());  // ints are not members
  const PartChange* p = Part(*t, "tier small");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->before, "< 1_000");
  EXPECT_EQ(p->after, "< 2_000");
}

TEST(StructuralDiff, CapEntries) {
  std::string after = Edit(Edit(Edit(Edit(kBase, "limit: 50_000;", "limit: 60_000;"),
                                     "window: year;", "window: quarter;"),
                                "key: destination;", "key: destination, item;"),
                           "record: allow, notify;", "record: allow;");
  auto d = Diff(kBase, after);
  const DeclChange* c = Find(d, "cap", "allocation");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->parts.size(), 4u);
  EXPECT_EQ(c->parts[0].what, "limit");
  EXPECT_EQ(c->parts[0].before, "50_000");
  EXPECT_EQ(c->parts[0].after, "60_000");
  EXPECT_EQ(c->parts[1].what, "key");
  EXPECT_EQ(c->parts[1].after, "destination, item");
  EXPECT_EQ(c->parts[2].what, "window");
  EXPECT_EQ(c->parts[2].after, "quarter");
  EXPECT_EQ(c->parts[3].what, "record");
  EXPECT_EQ(c->parts[3].before, "allow, notify");
}

TEST(StructuralDiff, RuleParts) {
  auto d = Diff(kBase, Edit(kBase, R"(rule embargo: dest_tier == tier3 => deny because "embargoed" cite "A";)",
                            R"(rule embargo effective 2025-03-01: dest_tier == tier3 and item == gpu => license_required because "still embargoed" cite "A";)"));
  const DeclChange* r = Find(d, "rule", "embargo");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->before, R"(rule embargo: dest_tier == tier3 => deny because "embargoed" cite "A";)");
  ASSERT_NE(Part(*r, "condition"), nullptr);
  EXPECT_EQ(Part(*r, "condition")->after, "dest_tier == tier3 and item == gpu");
  EXPECT_EQ(Part(*r, "outcome")->before, "deny");
  EXPECT_EQ(Part(*r, "outcome")->after, "license_required");
  EXPECT_EQ(Part(*r, "effective")->after, "2025-03-01");
  EXPECT_EQ(Part(*r, "because")->after, "\"still embargoed\"");
  EXPECT_EQ(Part(*r, "cite"), nullptr);  // unchanged
}

TEST(StructuralDiff, AddedAndRemovedDeclarations) {
  std::string after = Edit(Edit(kBase, "exempt small_cpu from notice when item == cpu;\n", ""),
                           "rule over:", "output left: int = remaining(allocation);\nrule over:");
  auto d = Diff(kBase, after);
  const DeclChange* added = Find(d, "output", "left");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->status, Status::Added);
  EXPECT_EQ(added->before, "");
  EXPECT_EQ(added->after, "output left: int = remaining(allocation);");
  const DeclChange* removed = Find(d, "exempt", "small_cpu");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->status, Status::Removed);
  EXPECT_EQ(removed->after, "");
  EXPECT_EQ(d.decls.back().name, "small_cpu");  // removed ones come last
}

TEST(StructuralDiff, InputFieldsAndEnums) {
  std::string after = Edit(Edit(kBase, "quantity: int; }", "quantity: int; priority: int = 0; }"),
                           "enum Item { gpu, cpu }", "enum Item { gpu, cpu, tpu }");
  auto d = Diff(kBase, after);
  const DeclChange* in = Find(d, "input", "");
  ASSERT_NE(in, nullptr);
  ASSERT_EQ(in->parts.size(), 1u);
  EXPECT_EQ(in->parts[0].what, "field priority");
  EXPECT_EQ(in->parts[0].before, "");
  EXPECT_EQ(in->parts[0].after, "int = 0");
  const DeclChange* e = Find(d, "enum", "Item");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(Part(*e, "members")->after, "gpu, cpu, tpu");
}

TEST(StructuralDiff, ConstChange) {
  auto d = Diff(kBase, Edit(kBase, "const LIMIT = 1_700;", "const LIMIT = 2_000;"));
  ASSERT_EQ(d.decls.size(), 1u);
  EXPECT_EQ(d.decls[0].kind, "const");
  EXPECT_EQ(d.decls[0].parts[0].before, "1_700");
  EXPECT_EQ(d.decls[0].parts[0].after, "2_000");
}

TEST(Render, TextAndJsonNameTheChanges) {
  Report r;
  r.old_info = {"old.edict", "p", "1"};
  r.new_info = {"new.edict", "p", "2"};
  r.structural = Diff(kBase, Edit(kBase, "tier1: { US, DE };", "tier1: { US, DE, IL };"));
  r.semantic_available = true;
  CheckedTransition t;
  t.from = "allow";
  t.to = "license_required";
  t.region = {{"destination = IL", "item = gpu"}};
  t.witnesses.push_back({R"({"input": {"destination": "IL"}})", R"({"outcome": "allow"})",
                         R"({"outcome": "license_required"})"});
  r.transitions.push_back(t);
  std::string text = RenderText(r);
  EXPECT_NE(text.find("    tier2 → tier1: IL\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  allow → license_required\n    where destination = IL, item = gpu\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("Result: some requests are decided differently"), std::string::npos);
  std::string md = RenderMarkdown(r);
  EXPECT_NE(md.find("| tier2 | tier1 | IL |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `allow` | `license_required` | `destination = IL, item = gpu` |"),
            std::string::npos) << md;
  std::string json = RenderJson(r);
  EXPECT_NE(json.find(R"("tier_moves": [{"member": "IL", "from": "tier2", "to": "tier1"}])"),
            std::string::npos) << json;
  EXPECT_NE(json.find(R"("decides_differently": true)"), std::string::npos);
  r.transitions.clear();
  EXPECT_NE(RenderText(r).find("Result: no change"), std::string::npos);
  EXPECT_NE(RenderJson(r).find(R"("decides_differently": false)"), std::string::npos);
}

TEST(Render, JsonEscapes) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
}

}  // namespace
}  // namespace edict::review
