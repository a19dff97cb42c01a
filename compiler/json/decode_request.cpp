// Decoding JSON requests against a module's input schema (see request_codec.h for the rules).
//
// simdjson's DOM parser does the parsing (it validates the whole document, UTF-8 included);
// everything it rejects goes to DiagnoseMalformed for a message with a byte offset. The DOM keeps
// repeated keys, so duplicates are found here, with a "seen" flag per field and per cap.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/suggest.h"
#include "json/json_internal.h"
#include "json/request_codec.h"
#include "llvm/ADT/StringRef.h"

namespace edict::json {
namespace {

static_assert(kPadding >= simdjson::SIMDJSON_PADDING, "kPadding must cover simdjson's padding");

using simdjson::dom::element;
using simdjson::dom::element_type;

// An open-addressing table from names to indexes (it keeps its own copy of the names).
class NameTable {
 public:
  void Build(std::vector<std::string> names) {
    names_ = std::move(names);
    size_t cap = 8;
    while (cap < names_.size() * 2) cap *= 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (size_t i = 0; i < names_.size(); ++i) {
      size_t h = Hash(names_[i]) & mask_;
      while (slots_[h].index >= 0) h = (h + 1) & mask_;
      slots_[h] = Slot{names_[i], static_cast<int32_t>(i)};
    }
  }
  auto Find(std::string_view name) const -> int32_t {
    if (slots_.empty()) return -1;
    size_t h = Hash(name) & mask_;
    while (true) {
      const Slot& s = slots_[h];
      if (s.index < 0) return -1;
      if (s.name.size() == name.size() && std::memcmp(s.name.data(), name.data(), name.size()) == 0)
        return s.index;
      h = (h + 1) & mask_;
    }
  }

 private:
  struct Slot {
    std::string_view name;
    int32_t index = -1;
  };
  static auto Hash(std::string_view s) -> size_t {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  std::vector<std::string> names_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

auto Quoted(std::string_view s) -> std::string { return "`" + std::string(s) + "`"; }

auto JsonTypeName(const element& v) -> std::string {
  switch (v.type()) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an int";
    case element_type::DOUBLE: return "a float";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a bool";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

}  // namespace

struct RequestDecoder::Impl {
  explicit Impl(const pir::Module& module) : m(module) {
    std::vector<std::string> field_names;
    for (const pir::InputField& f : m.inputs) field_names.push_back(f.name);
    fields.Build(field_names);
    std::vector<std::string> cap_names;
    for (const pir::Cap& c : m.caps) cap_names.push_back(c.name);
    caps.Build(cap_names);
    members.resize(m.enums.size());
    std::vector<bool> built(m.enums.size(), false);
    for (const pir::InputField& f : m.inputs) {
      if (f.type.kind != pir::TypeKind::Enum) continue;
      auto e = static_cast<size_t>(f.type.enum_id);
      if (!built[e]) members[e].Build(m.enums[e].members);
      built[e] = true;
    }
    defaults.resize(m.inputs.size());
    for (size_t i = 0; i < m.inputs.size(); ++i) {
      if (m.inputs[i].default_value) defaults[i] = Constant(*m.inputs[i].default_value);
    }
    seen_fields.resize(m.inputs.size());
    seen_caps.resize(m.caps.size());
  }

  auto Constant(pir::ValueId v) const -> pir::RtValue {
    const pir::Inst& inst = m.insts[static_cast<size_t>(v)];
    switch (inst.op) {
      case pir::Op::ConstFloat: return pir::RtValue::Float(inst.fimm);
      case pir::Op::ConstString:
        return pir::RtValue::Str(m.strings[static_cast<size_t>(inst.imm)]);
      case pir::Op::ConstInt:
        // A default written as an int for a float field is stored as its float value.
        if (inst.type.kind == pir::TypeKind::Float)
          return pir::RtValue::Float(static_cast<double>(inst.imm));
        return pir::RtValue::Int(inst.imm);
      default: return pir::RtValue::Int(inst.imm);  // bool, date, enum
    }
  }

  auto Fail(DecodeResult& out, pir::ErrorCode code, std::optional<std::string> field,
            std::string message) -> bool {
    if (!out.error) out.error.emplace();
    out.error->code = code;
    out.error->field = std::move(field);
    out.error->message = std::move(message);
    return false;
  }

  auto ExpectedType(pir::Type t) const -> std::string {
    switch (t.kind) {
      case pir::TypeKind::Bool: return "a bool";
      case pir::TypeKind::Int: return "an int";
      case pir::TypeKind::Float: return "a float";
      case pir::TypeKind::String: return "a string";
      case pir::TypeKind::Date: return "a date (a \"YYYY-MM-DD\" string)";
      case pir::TypeKind::Enum:
        return "a " + Quoted(m.enums[static_cast<size_t>(t.enum_id)].name) + " member (a string)";
    }
    return "a value";
  }

  auto WrongType(DecodeResult& out, size_t f, const element& v, std::string_view extra = "")
      -> bool {
    const pir::InputField& field = m.inputs[f];
    std::string msg = "field " + Quoted(field.name) + " expects " + ExpectedType(field.type) +
                      ", got " + JsonTypeName(v);
    msg += extra;
    return Fail(out, pir::ErrorCode::WrongType, field.name, std::move(msg));
  }

  auto OutsideInt64(DecodeResult& out, std::string field, uint64_t v) -> bool {
    std::string label = field.rfind("usage.", 0) == 0 ? "usage of " + Quoted(field.substr(6))
                                                      : "field " + Quoted(field);
    return Fail(out, pir::ErrorCode::BadRequest, std::move(field),
                label + ": " + std::to_string(v) + " is outside int64");
  }

  auto DecodeField(size_t f, const element& v, pir::RtValue& dst, DecodeResult& out) -> bool {
    const pir::InputField& field = m.inputs[f];
    element_type jt = v.type();
    switch (field.type.kind) {
      case pir::TypeKind::Int:
        if (jt == element_type::INT64) {
          dst.i = v.get_int64().value_unsafe();
          dst.f = 0;
          return true;
        }
        if (jt == element_type::UINT64)
          return OutsideInt64(out, field.name, v.get_uint64().value_unsafe());
        if (jt == element_type::DOUBLE)
          return WrongType(out, f, v, " (write ints without a fraction or exponent)");
        return WrongType(out, f, v);
      case pir::TypeKind::Float:
        if (jt == element_type::DOUBLE) {
          dst.f = v.get_double().value_unsafe();
          if (dst.f == 0) dst.f = 0.0;  // -0.0 == 0.0 (LANGUAGE.md §10)
          dst.i = 0;
          return true;
        }
        if (jt == element_type::INT64) {  // an int widens to a float
          dst.f = static_cast<double>(v.get_int64().value_unsafe());
          dst.i = 0;
          return true;
        }
        if (jt == element_type::UINT64)
          return OutsideInt64(out, field.name, v.get_uint64().value_unsafe());
        return WrongType(out, f, v);
      case pir::TypeKind::Bool:
        if (jt != element_type::BOOL) return WrongType(out, f, v);
        dst.i = v.get_bool().value_unsafe() ? 1 : 0;
        dst.f = 0;
        return true;
      case pir::TypeKind::String:
        if (jt != element_type::STRING) return WrongType(out, f, v);
        dst.s.assign(v.get_string().value_unsafe());
        dst.i = 0;
        dst.f = 0;
        return true;
      case pir::TypeKind::Date: {
        if (jt != element_type::STRING) return WrongType(out, f, v);
        std::string_view text = v.get_string().value_unsafe();
        std::optional<Date> d = ParseDate(text);
        if (!d)
          return Fail(out, pir::ErrorCode::InvalidDate, field.name,
                      "field " + Quoted(field.name) + ": \"" + std::string(text) +
                          "\" is not a valid date (YYYY-MM-DD, years 0001-9999)");
        dst.i = d->days;
        dst.f = 0;
        return true;
      }
      case pir::TypeKind::Enum: {
        if (jt != element_type::STRING) return WrongType(out, f, v);
        std::string_view text = v.get_string().value_unsafe();
        auto e = static_cast<size_t>(field.type.enum_id);
        int32_t member = members[e].Find(text);
        if (member < 0) return UnknownMember(out, field, text);
        dst.i = member;
        dst.f = 0;
        return true;
      }
    }
    return WrongType(out, f, v);
  }

  auto UnknownMember(DecodeResult& out, const pir::InputField& field, std::string_view text)
      -> bool {
    const pir::Enum& en = m.enums[static_cast<size_t>(field.type.enum_id)];
    std::string msg = "field " + Quoted(field.name) + ": no " + Quoted(en.name) + " member " +
                      Quoted(text);
    std::string guess = Suggest(text, en.members);
    if (!guess.empty()) msg += "; did you mean " + Quoted(guess) + "?";
    msg += " (members: ";
    size_t shown = std::min<size_t>(en.members.size(), 6);
    for (size_t i = 0; i < shown; ++i) {
      if (i > 0) msg += ", ";
      msg += Quoted(en.members[i]);
    }
    if (shown < en.members.size())
      msg += " and " + std::to_string(en.members.size() - shown) + " more";
    msg += ")";
    return Fail(out, pir::ErrorCode::UnknownMember, field.name, std::move(msg));
  }

  auto DecodeInput(const element& input, DecodeResult& out) -> bool {
    simdjson::dom::object obj;
    if (input.get_object().get(obj) != simdjson::SUCCESS)
      return Fail(out, pir::ErrorCode::BadRequest, "input",
                  "`input` must be an object of input fields, got " + JsonTypeName(input));
    std::fill(seen_fields.begin(), seen_fields.end(), 0);
    std::vector<pir::RtValue>& values = out.request.fields;
    size_t predicted = 0;  // requests usually list fields in schema order: try the next one first
    for (simdjson::dom::key_value_pair kv : obj) {
      int32_t f = predicted < m.inputs.size() && m.inputs[predicted].name == kv.key
                      ? static_cast<int32_t>(predicted)
                      : fields.Find(kv.key);
      predicted = static_cast<size_t>(f) + 1;
      if (f < 0) {
        std::vector<std::string> names;
        for (const pir::InputField& in : m.inputs) names.push_back(in.name);
        std::string msg = "no input field " + Quoted(kv.key);
        std::string guess = Suggest(kv.key, names);
        if (!guess.empty()) msg += "; did you mean " + Quoted(guess) + "?";
        return Fail(out, pir::ErrorCode::UnknownField, std::string(kv.key), std::move(msg));
      }
      auto fi = static_cast<size_t>(f);
      if (seen_fields[fi])
        return Fail(out, pir::ErrorCode::BadRequest, std::string(kv.key),
                    "field " + Quoted(kv.key) + " is given twice");
      seen_fields[fi] = 1;
      if (!DecodeField(fi, kv.value, values[fi], out)) return false;
    }
    for (size_t i = 0; i < m.inputs.size(); ++i) {
      if (seen_fields[i]) continue;
      if (!m.inputs[i].default_value)
        return Fail(out, pir::ErrorCode::MissingField, m.inputs[i].name,
                    "missing field " + Quoted(m.inputs[i].name) + ": expects " +
                        ExpectedType(m.inputs[i].type));
      const pir::RtValue& d = defaults[i];
      values[i].i = d.i;
      values[i].f = d.f;
      values[i].s.assign(d.s);
    }
    return true;
  }

  auto DecodeToday(const element& v, DecodeResult& out) -> bool {
    std::string_view text;
    if (v.get_string().get(text) != simdjson::SUCCESS)
      return Fail(out, pir::ErrorCode::BadRequest, "today",
                  "`today` must be a date string (\"YYYY-MM-DD\"), got " + JsonTypeName(v));
    std::optional<Date> d = ParseDate(text);
    if (!d)
      return Fail(out, pir::ErrorCode::InvalidDate, "today",
                  "`today`: \"" + std::string(text) +
                      "\" is not a valid date (YYYY-MM-DD, years 0001-9999)");
    out.request.today = *d;
    return true;
  }

  auto DecodeUsage(const element& v, DecodeResult& out) -> bool {
    simdjson::dom::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS)
      return Fail(out, pir::ErrorCode::BadRequest, "usage",
                  "`usage` must be an object from cap names to ints, got " + JsonTypeName(v));
    std::fill(seen_caps.begin(), seen_caps.end(), 0);
    for (simdjson::dom::key_value_pair kv : obj) {
      // The field name is built only on the error path (it is too long for SSO).
      auto field = [&kv] { return "usage." + std::string(kv.key); };
      int32_t c = caps.Find(kv.key);
      if (c < 0) {
        std::vector<std::string> names;
        for (const pir::Cap& cap : m.caps) names.push_back(cap.name);
        std::string msg = "`usage` names no cap of this policy: " + Quoted(kv.key);
        std::string guess = Suggest(kv.key, names);
        if (!guess.empty()) msg += "; did you mean " + Quoted(guess) + "?";
        return Fail(out, pir::ErrorCode::BadRequest, field(), std::move(msg));
      }
      auto ci = static_cast<size_t>(c);
      if (seen_caps[ci])
        return Fail(out, pir::ErrorCode::BadRequest, field(),
                    "usage of " + Quoted(kv.key) + " is given twice");
      seen_caps[ci] = 1;
      element_type jt = kv.value.type();
      if (jt == element_type::UINT64)
        return OutsideInt64(out, field(), kv.value.get_uint64().value_unsafe());
      if (jt != element_type::INT64)
        return Fail(out, pir::ErrorCode::BadRequest, field(),
                    "usage of " + Quoted(kv.key) + " must be a non-negative int, got " +
                        JsonTypeName(kv.value));
      int64_t n = kv.value.get_int64().value_unsafe();
      if (n < 0)
        return Fail(out, pir::ErrorCode::BadRequest, field(),
                    "usage of " + Quoted(kv.key) + " must be a non-negative int, got " +
                        std::to_string(n));
      out.request.usage[ci] = n;
    }
    return true;
  }

  auto Decode(const char* data, size_t len, Date default_today, DecodeResult& out) -> bool {
    out.error.reset();
    out.id.reset();
    element root;
    simdjson::error_code err = parser.parse(data, len, false).get(root);
    if (err != simdjson::SUCCESS) {
      out.error = DiagnoseMalformed(std::string_view(data, len), simdjson::error_message(err),
                                    out.id);
      return false;
    }
    simdjson::dom::object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS)
      return Fail(out, pir::ErrorCode::BadRequest, std::nullopt,
                  "a request must be a JSON object, got " + JsonTypeName(root));

    // The envelope: known keys, each once, and the id (so that errors can echo it).
    enum Key { kInput, kToday, kUsage, kId };
    element parts[4];
    bool present[4] = {false, false, false, false};
    Key order[4];
    int count = 0;
    for (simdjson::dom::key_value_pair kv : obj) {
      Key k;
      if (kv.key == "input") k = kInput;
      else if (kv.key == "today") k = kToday;
      else if (kv.key == "usage") k = kUsage;
      else if (kv.key == "id") k = kId;
      else {
        std::string msg = "unknown request key " + Quoted(kv.key) +
                          " (a request has `input`, `today`, `usage` and `id`)";
        std::string guess = Suggest(kv.key, {"input", "today", "usage", "id"});
        if (!guess.empty()) msg = "unknown request key " + Quoted(kv.key) + "; did you mean " +
                                  Quoted(guess) + "?";
        return Fail(out, pir::ErrorCode::BadRequest, std::string(kv.key), std::move(msg));
      }
      if (present[k])
        return Fail(out, pir::ErrorCode::BadRequest, std::string(kv.key),
                    "request key " + Quoted(kv.key) + " is given twice");
      present[k] = true;
      parts[k] = kv.value;
      order[count++] = k;
    }
    if (present[kId]) {
      std::string_view id;
      if (parts[kId].get_string().get(id) != simdjson::SUCCESS)
        return Fail(out, pir::ErrorCode::BadRequest, "id",
                    "`id` must be a string, got " + JsonTypeName(parts[kId]));
      out.id.emplace(id);
    }

    pir::Request& req = out.request;
    req.fields.resize(m.inputs.size());
    req.usage.assign(m.caps.size(), 0);
    req.today = default_today;
    for (int i = 0; i < count; ++i) {
      switch (order[i]) {
        case kInput:
          if (!DecodeInput(parts[kInput], out)) return false;
          break;
        case kToday:
          if (!DecodeToday(parts[kToday], out)) return false;
          break;
        case kUsage:
          if (!DecodeUsage(parts[kUsage], out)) return false;
          break;
        case kId: break;
      }
    }
    if (!present[kInput])
      return Fail(out, pir::ErrorCode::BadRequest, "input",
                  "a request needs `input`, the object of input fields");
    return true;
  }

  const pir::Module& m;
  simdjson::dom::parser parser;
  NameTable fields;
  NameTable caps;
  std::vector<NameTable> members;  // per enum (built for enums used by input fields)
  std::vector<pir::RtValue> defaults;
  std::vector<uint8_t> seen_fields;
  std::vector<uint8_t> seen_caps;
  std::string padded;  // scratch copy for Decode
};

RequestDecoder::RequestDecoder(const pir::Module& m) : m_(m), impl_(std::make_unique<Impl>(m)) {}
RequestDecoder::~RequestDecoder() = default;

auto RequestDecoder::Decode(std::string_view json, Date default_today, DecodeResult& out)
    -> bool {
  std::string& buf = impl_->padded;
  if (buf.size() < json.size() + kPadding) buf.resize(json.size() + kPadding);
  std::memcpy(buf.data(), json.data(), json.size());
  return impl_->Decode(buf.data(), json.size(), default_today, out);
}

auto RequestDecoder::DecodePadded(const char* data, size_t len, Date default_today,
                                  DecodeResult& out) -> bool {
  return impl_->Decode(data, len, default_today, out);
}

auto DecodeRequest(const pir::Module& m, std::string_view json, Date default_today)
    -> DecodeResult {
  RequestDecoder decoder(m);
  DecodeResult out;
  decoder.Decode(json, default_today, out);
  return out;
}

}  // namespace edict::json
