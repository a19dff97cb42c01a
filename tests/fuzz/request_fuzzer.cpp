// libFuzzer target for the JSON request decoder (json/request_codec.h), against the Policy IR of
// the AI diffusion policy, compiled once at startup through the front end. Any bytes must decode
// to a request or to an error, never crash, hang or leak; every error must name a field or a
// byte offset; decoded requests are evaluated by the interpreter, and every result (outcome or
// error) must encode to valid JSON. Decoding in place (DecodePadded) and from a copy must agree.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "diagnostics/diagnostic.h"
#include "interp/interpreter.h"
#include "json/request_codec.h"
#include "parse/parser.h"
#include "pir/build_pir.h"
#include "sema/sema.h"
#include "source/source_manager.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& input, const std::string& detail) {
  std::fprintf(stderr, "request fuzz: %s\n--- input ---\n%s\n--- detail ---\n%s\n", what,
               input.c_str(), detail.c_str());
  std::abort();
}

// The policy and its decoder live for the whole run.
struct Policy {
  edict::pir::Module module;
  std::optional<edict::json::RequestDecoder> decoder;  // DecodePadded
  std::optional<edict::json::RequestDecoder> copier;   // Decode
};

auto LoadPolicy() -> Policy* {
  std::string path = EDICT_SOURCE_DIR "/policies/ai_diffusion/2025-01-15.edict";
  std::string text;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  } else {
    std::fprintf(stderr, "request fuzz: cannot read %s\n", path.c_str());
    std::abort();
  }
  edict::SourceManager sources;
  edict::DiagnosticEngine diags(sources);
  edict::sema::SemaOptions options;
  options.stdlib_dir = EDICT_STDLIB_DIR;
  edict::sema::ModuleLoader loader(sources, diags, options);
  edict::FileId file = sources.AddFile(path, text);
  auto module = edict::parse::Parse(file, sources, diags);
  std::optional<edict::sema::CheckedModule> checked;
  if (module) checked = edict::sema::Check(*module, loader, diags);
  if (!checked || diags.has_errors()) {
    std::fprintf(stderr, "request fuzz: %s does not compile\n", path.c_str());
    std::abort();
  }
  auto* policy = new Policy;  // intentionally kept for the process lifetime
  policy->module = edict::pir::BuildPir(*checked, sources);
  policy->decoder.emplace(policy->module);
  policy->copier.emplace(policy->module);
  return policy;
}

Policy* g_policy = nullptr;
simdjson::dom::parser* g_checker = nullptr;

void CheckJson(const std::string& json, const std::string& input) {
  simdjson::padded_string padded(json);
  simdjson::dom::element e;
  if (g_checker->parse(padded).get(e) != simdjson::SUCCESS) Fail("invalid JSON output", input, json);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_policy = LoadPolicy();
  g_checker = new simdjson::dom::parser;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  std::string input(reinterpret_cast<const char*>(data), size);
  const edict::pir::Module& m = g_policy->module;
  edict::Date today{20000};

  edict::json::DecodeResult copied;
  g_policy->copier->Decode(input, today, copied);
  std::string padded = input;
  padded.append(edict::json::kPadding, '\0');
  edict::json::DecodeResult in_place;
  g_policy->decoder->DecodePadded(padded.data(), size, today, in_place);

  if (copied.ok() != in_place.ok()) Fail("Decode and DecodePadded disagree", input, "");
  if (copied.id != in_place.id) Fail("Decode and DecodePadded disagree on the id", input, "");
  std::optional<std::string_view> id;
  if (copied.id) id = *copied.id;

  if (!copied.ok()) {
    const edict::json::RequestError& e = *copied.error;
    if (e.message != in_place.error->message || e.field != in_place.error->field)
      Fail("Decode and DecodePadded report different errors", input,
           e.message + "\n" + in_place.error->message);
    if (e.code == edict::pir::ErrorCode::None) Fail("error without a code", input, e.message);
    bool located = e.field.has_value() || e.message.find("at byte offset ") != std::string::npos ||
                   e.message.rfind("a request must be a JSON object", 0) == 0;
    if (!located) Fail("error names neither a field nor a position", input, e.message);
    CheckJson(edict::json::EncodeRequestError(m, e, id), input);
    return 0;
  }

  const edict::pir::Request& req = copied.request;
  if (req.fields.size() != m.inputs.size() || req.usage.size() != m.caps.size())
    Fail("decoded request has the wrong shape", input, "");
  for (int64_t u : req.usage) {
    if (u < 0) Fail("negative usage decoded", input, std::to_string(u));
  }
  edict::pir::Result r = edict::interp::Evaluate(m, req);
  edict::json::EncodeOptions o;
  o.id = id;
  o.request = &req;
  o.explain = (size & 1) != 0;  // explanations on about half the inputs
  CheckJson(edict::json::EncodeResult(m, r, o), input);
  return 0;
}
