// Encoding results as one-line JSON (see request_codec.h for the shapes). Appends to a caller's
// buffer so that batch evaluation writes every result into one string without reallocating.
#include <charconv>
#include <cstring>
#include <string>

#include "interp/interpreter.h"
#include "json/json_internal.h"
#include "json/request_codec.h"

namespace edict::json {
namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Shortest round-trip form; always with a `.` or an exponent so that it reads back as a float.
void AppendFloat(std::string& out, double v) {
  if (v == 0) v = 0.0;  // no "-0.0"
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
  bool has_mark = false;
  for (char* p = buf; p != r.ptr; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'n' || *p == 'i') has_mark = true;
  }
  if (!has_mark) out.append(".0");
}

void AppendDate(std::string& out, Date d) {
  CivilDate c = ToCivil(d);
  char buf[16];
  buf[0] = '"';
  buf[1] = static_cast<char>('0' + c.year / 1000 % 10);
  buf[2] = static_cast<char>('0' + c.year / 100 % 10);
  buf[3] = static_cast<char>('0' + c.year / 10 % 10);
  buf[4] = static_cast<char>('0' + c.year % 10);
  buf[5] = '-';
  buf[6] = static_cast<char>('0' + c.month / 10);
  buf[7] = static_cast<char>('0' + c.month % 10);
  buf[8] = '-';
  buf[9] = static_cast<char>('0' + c.day / 10);
  buf[10] = static_cast<char>('0' + c.day % 10);
  buf[11] = '"';
  out.append(buf, 12);
}

// Names of declarations are identifiers: no escaping needed.
void AppendName(std::string& out, std::string_view name) {
  out.push_back('"');
  out.append(name);
  out.push_back('"');
}

void AppendValue(std::string& out, const pir::Module& m, pir::Type t, const pir::RtValue& v) {
  switch (t.kind) {
    case pir::TypeKind::Bool: out.append(v.i ? "true" : "false"); return;
    case pir::TypeKind::Int: AppendInt(out, v.i); return;
    case pir::TypeKind::Float: AppendFloat(out, v.f); return;
    case pir::TypeKind::String: AppendJsonString(out, v.s); return;
    case pir::TypeKind::Date: AppendDate(out, Date{static_cast<int32_t>(v.i)}); return;
    case pir::TypeKind::Enum: {
      const auto& members = m.enums[static_cast<size_t>(t.enum_id)].members;
      if (v.i >= 0 && static_cast<size_t>(v.i) < members.size())
        AppendName(out, members[static_cast<size_t>(v.i)]);
      else
        AppendInt(out, v.i);
      return;
    }
  }
}

// The "policy", "version" and "id" members that close every result.
void AppendTrailer(std::string& out, const pir::Module& m, std::optional<std::string_view> id) {
  out.append(", \"policy\": ");
  AppendJsonString(out, m.name);
  out.append(", \"version\": ");
  AppendJsonString(out, m.version);
  if (id) {
    out.append(", \"id\": ");
    AppendJsonString(out, *id);
  }
}

auto InForce(const pir::Validity& v, Date today) -> bool {
  return (!v.effective || *v.effective <= today) && (!v.until || today < *v.until);
}

// "applied", "not in force", "defeated by a, b" (the condition holds but applying exemptions
// defeat it) or "not applied". Returns whether the condition held (applied or defeated).
auto AppendStatus(std::string& out, const pir::Module& m, const pir::Request& req,
                  const pir::Result& r, bool applied, const pir::Validity* validity,
                  pir::ValueId cond, const std::vector<int32_t>& defeated_by) -> bool {
  out.append("\"status\": ");
  if (applied) {
    out.append("\"applied\"");
    return true;
  }
  if (validity && !InForce(*validity, req.today)) {
    out.append("\"not in force\"");
    return false;
  }
  std::string defeaters;
  for (int32_t e : defeated_by) {
    if (!r.exemptions_applied[static_cast<size_t>(e)]) continue;
    if (!defeaters.empty()) defeaters += ", ";
    defeaters += m.exemptions[static_cast<size_t>(e)].name;
  }
  if (!defeaters.empty()) {
    auto [code, value] = interp::EvaluateValue(m, req, cond, &r);
    if (code == pir::ErrorCode::None && value.i != 0) {
      AppendJsonString(out, "defeated by " + defeaters);
      return true;
    }
  }
  out.append("\"not applied\"");
  return false;
}

// The `because` text is shown only when the condition held: for a rule that did not apply it
// would state facts that are not so.
void AppendExplanation(std::string& out, const pir::Module& m, const pir::Request& req,
                       const pir::Explanation& e, bool held) {
  if (held && !e.because.empty()) {
    out.append(", \"because\": ");
    AppendJsonString(out, interp::FormatBecause(m, e, req));
  }
  if (e.cite) {
    out.append(", \"cite\": ");
    AppendJsonString(out, *e.cite);
  }
}

void AppendExplain(std::string& out, const pir::Module& m, const pir::Result& r,
                   const pir::Request& req) {
  const auto& outcomes = m.enums[static_cast<size_t>(m.decision_enum)].members;
  out.append(", \"explain\": {\"rules\": [");
  for (size_t i = 0; i < m.rules.size(); ++i) {
    const pir::Rule& rule = m.rules[i];
    if (i > 0) out.append(", ");
    out.append("{\"name\": ");
    AppendName(out, rule.name);
    out.append(", \"outcome\": ");
    AppendName(out, outcomes[static_cast<size_t>(rule.outcome)]);
    out.append(", ");
    bool held = AppendStatus(out, m, req, r, r.rules_applied[i], &rule.validity, rule.cond,
                             rule.defeated_by);
    if (r.deciding[i]) out.append(", \"deciding\": true");
    AppendExplanation(out, m, req, rule.explanation, held);
    out.push_back('}');
  }
  out.append("], \"exemptions\": [");
  for (size_t i = 0; i < m.exemptions.size(); ++i) {
    const pir::Exemption& ex = m.exemptions[i];
    if (i > 0) out.append(", ");
    out.append("{\"name\": ");
    AppendName(out, ex.name);
    out.append(", ");
    bool held = AppendStatus(out, m, req, r, r.exemptions_applied[i], &ex.validity, ex.cond,
                             ex.defeated_by);
    out.append(", \"defeats\": [");
    bool first = true;
    auto target = [&](const std::string& name) {
      if (!first) out.append(", ");
      first = false;
      AppendName(out, name);
    };
    for (int32_t t : ex.target_rules) target(m.rules[static_cast<size_t>(t)].name);
    for (int32_t t : ex.target_exemptions) target(m.exemptions[static_cast<size_t>(t)].name);
    for (int32_t t : ex.target_caps) target(m.caps[static_cast<size_t>(t)].name);
    out.push_back(']');
    AppendExplanation(out, m, req, ex.explanation, held);
    out.push_back('}');
  }
  out.append("], \"caps\": [");
  for (size_t i = 0; i < m.caps.size(); ++i) {
    const pir::Cap& cap = m.caps[i];
    if (i > 0) out.append(", ");
    out.append("{\"name\": ");
    AppendName(out, cap.name);
    out.append(", ");
    (void)AppendStatus(out, m, req, r, r.caps_applied[i], nullptr, cap.applies,
                       cap.defeated_by);
    out.append(", \"usage\": ");
    AppendInt(out, req.usage[i]);
    // limit and amount are evaluated for an applying cap, so they cannot fail here.
    if (r.caps_applied[i]) {
      auto [lcode, limit] = interp::EvaluateValue(m, req, cap.limit, &r);
      if (lcode == pir::ErrorCode::None) {
        out.append(", \"limit\": ");
        AppendInt(out, limit.i);
      }
      auto [acode, amount] = interp::EvaluateValue(m, req, cap.amount, &r);
      if (acode == pir::ErrorCode::None) {
        out.append(", \"amount\": ");
        AppendInt(out, amount.i);
      }
    }
    out.append(", \"window\": ");
    AppendName(out, pir::Spelling(cap.window));
    out.push_back('}');
  }
  out.append("]}");
}

}  // namespace

auto EvaluationErrorMessage(const pir::Module& m, pir::ErrorCode code,
                            const pir::Request* request) -> std::string {
  switch (code) {
    case pir::ErrorCode::IntOverflow: return "int overflow";
    case pir::ErrorCode::DivisionByZero: return "division by zero";
    case pir::ErrorCode::NonFinite: return "float result is not finite";
    case pir::ErrorCode::NegativeAmount: return "cap amount is negative";
    case pir::ErrorCode::NegativeLimit: return "cap limit is negative";
    case pir::ErrorCode::NotInForce: {
      std::string msg = "policy `" + m.name + "` is not in force";
      if (request) msg += " on " + FormatDate(request->today);
      if (m.validity.effective && m.validity.until)
        msg += " (in force from " + FormatDate(*m.validity.effective) + " until " +
               FormatDate(*m.validity.until) + ")";
      else if (m.validity.effective)
        msg += " (in force from " + FormatDate(*m.validity.effective) + ")";
      else if (m.validity.until)
        msg += " (in force until " + FormatDate(*m.validity.until) + ")";
      return msg;
    }
    case pir::ErrorCode::None: return "no error";
    default: return std::string("evaluation error ") + pir::Spelling(code);
  }
}

namespace {

void AppendEvaluationError(const pir::Module& m, const pir::Result& r, const EncodeOptions& o,
                           std::string& out) {
  out.append("{\"error\": {\"code\": \"");
  out.append(pir::Spelling(r.error));
  out.append("\", \"message\": ");
  AppendJsonString(out, EvaluationErrorMessage(m, r.error, o.request));
  if (r.error_loc.line != 0) {
    out.append(", \"location\": {\"file\": ");
    AppendJsonString(out, m.source_path);
    out.append(", \"line\": ");
    AppendInt(out, r.error_loc.line);
    out.append(", \"col\": ");
    AppendInt(out, r.error_loc.col);
    out.push_back('}');
  }
  out.push_back('}');
  AppendTrailer(out, m, o.id);
  out.push_back('}');
}

auto Quote(std::string_view name) -> std::string {
  std::string q;
  AppendJsonString(q, name);
  return q;
}

}  // namespace

ResultEncoder::ResultEncoder(const pir::Module& m) : m_(m) {
  for (const pir::Rule& r : m.rules) rules_.push_back(Quote(r.name));
  for (const pir::Exemption& e : m.exemptions) exemptions_.push_back(Quote(e.name));
  for (const pir::Cap& c : m.caps) {
    caps_.push_back(Quote(c.name));
    recorded_keys_.push_back(Quote(c.name) + ": ");
  }
  for (const std::string& member : m.enums[static_cast<size_t>(m.decision_enum)].members)
    outcomes_.push_back("{\"outcome\": " + Quote(member));
  bool first = true;
  for (const pir::Let& let : m.lets) {
    if (!let.is_output) continue;
    output_keys_.push_back((first ? "" : ", ") + Quote(let.name) + ": ");
    output_types_.push_back(let.type);
    first = false;
  }
  trailer_ = ", \"policy\": " + Quote(m.name) + ", \"version\": " + Quote(m.version);
}

void ResultEncoder::Append(const pir::Result& r, const EncodeOptions& o, std::string& out) const {
  if (r.error != pir::ErrorCode::None) {
    AppendEvaluationError(m_, r, o, out);
    return;
  }
  out.append(outcomes_[static_cast<size_t>(r.outcome)]);
  auto list = [&out](std::string_view key, const std::vector<bool>& flags,
                     const std::vector<std::string>& names) {
    out.append(key);
    bool first = true;
    for (size_t i = 0; i < flags.size(); ++i) {
      if (!flags[i]) continue;
      if (!first) out.append(", ");
      first = false;
      out.append(names[i]);
    }
    out.push_back(']');
  };
  list(", \"deciding\": [", r.deciding, rules_);
  list(", \"applied\": {\"rules\": [", r.rules_applied, rules_);
  list(", \"exemptions\": [", r.exemptions_applied, exemptions_);
  list(", \"caps\": [", r.caps_applied, caps_);
  out.append("}, \"outputs\": {");
  for (size_t k = 0; k < output_keys_.size(); ++k) {
    out.append(output_keys_[k]);
    if (k < r.outputs.size()) AppendValue(out, m_, output_types_[k], r.outputs[k]);
    else out.append("null");
  }
  out.append("}, \"recorded\": {");
  bool first = true;
  for (size_t c = 0; c < r.record.size() && c < caps_.size(); ++c) {
    if (r.record[c] < 0) continue;
    if (!first) out.append(", ");
    first = false;
    out.append(recorded_keys_[c]);
    AppendInt(out, r.record[c]);
  }
  out.push_back('}');
  out.append(trailer_);
  if (o.id) {
    out.append(", \"id\": ");
    AppendJsonString(out, *o.id);
  }
  if (o.explain && o.request) AppendExplain(out, m_, r, *o.request);
  out.push_back('}');
}

void AppendResult(const pir::Module& m, const pir::Result& r, const EncodeOptions& o,
                  std::string& out) {
  if (r.error != pir::ErrorCode::None) {
    AppendEvaluationError(m, r, o, out);
    return;
  }
  ResultEncoder(m).Append(r, o, out);
}

auto EncodeResult(const pir::Module& m, const pir::Result& r, const EncodeOptions& o)
    -> std::string {
  std::string out;
  AppendResult(m, r, o, out);
  return out;
}

void AppendRequestError(const pir::Module& m, const RequestError& e,
                        std::optional<std::string_view> id, std::string& out) {
  out.append("{\"error\": {\"code\": \"");
  out.append(pir::Spelling(e.code));
  out.append("\", \"message\": ");
  AppendJsonString(out, e.message);
  if (e.field) {
    out.append(", \"field\": ");
    AppendJsonString(out, *e.field);
  }
  out.push_back('}');
  AppendTrailer(out, m, id);
  out.push_back('}');
}

auto EncodeRequestError(const pir::Module& m, const RequestError& e,
                        std::optional<std::string_view> id) -> std::string {
  std::string out;
  AppendRequestError(m, e, id, out);
  return out;
}

}  // namespace edict::json
