// Describing a request that simdjson rejected: where it stops being JSON, or which field holds a
// number outside the ranges a request may use. This runs only on the error path, so it favours
// clear messages over speed.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "json/json_internal.h"

namespace edict::json {
namespace {

constexpr int kMaxDepth = 1024;  // simdjson's default maximum depth

// Where a value sits in the request, for naming the field of a number out of range.
enum class Where { Root, TopLevelValue, Input, Usage, Nested };

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  // True when the document is valid JSON without out-of-range numbers; `error` otherwise.
  auto Run() -> bool {
    SkipSpace();
    if (pos_ >= s_.size()) return Fail("empty request: expected a JSON object");
    if (!Value(Where::Root, "", 0)) return false;
    SkipSpace();
    if (pos_ < s_.size()) return Fail("unexpected text after the JSON value");
    return true;
  }

  RequestError error;
  std::optional<std::string> id;  // a top-level string `id` seen before the error

 private:
  auto Fail(std::string what) -> bool {
    error.code = pir::ErrorCode::BadRequest;
    error.field.reset();
    error.message = "malformed JSON at byte offset " + std::to_string(pos_) + ": " + what;
    return false;
  }
  auto FailField(std::string field, std::string what) -> bool {
    error.code = pir::ErrorCode::BadRequest;
    error.field = std::move(field);
    error.message = std::move(what);
    return false;
  }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
      ++pos_;
  }

  auto Describe() const -> std::string {
    if (pos_ >= s_.size()) return "the end of the request";
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x20 && c < 0x7f) return std::string("`") + static_cast<char>(c) + "`";
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", c);
    return std::string("byte ") + buf;
  }

  auto Value(Where where, std::string_view key, int depth) -> bool {
    if (depth > kMaxDepth) return Fail("nesting deeper than 1024 levels");
    if (pos_ >= s_.size()) return Fail("expected a value, got the end of the request");
    char c = s_[pos_];
    switch (c) {
      case '{': return Object(where, depth);
      case '[': return Array(depth);
      case '"': {
        std::string ignored;
        return String(ignored);
      }
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return Number(where, key);
        return Fail("expected a value, got " + Describe());
    }
  }

  auto Literal(std::string_view word) -> bool {
    if (s_.substr(pos_, word.size()) != word) return Fail("expected a value, got " + Describe());
    pos_ += word.size();
    return true;
  }

  auto FieldName(Where where, std::string_view key) -> std::string {
    if (where == Where::Input) return std::string(key);
    if (where == Where::Usage) return "usage." + std::string(key);
    if (where == Where::TopLevelValue) return std::string(key);
    return "";
  }

  auto Number(Where where, std::string_view key) -> bool {
    size_t start = pos_;
    bool negative = s_[pos_] == '-';
    if (negative) ++pos_;
    if (pos_ >= s_.size() || !IsDigit(s_[pos_])) return Fail("expected a digit, got " + Describe());
    if (s_[pos_] == '0') {
      ++pos_;
      if (pos_ < s_.size() && IsDigit(s_[pos_])) return Fail("a number cannot start with `0`");
    } else {
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    bool integral = true;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_]))
        return Fail("expected a digit after `.`, got " + Describe());
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !IsDigit(s_[pos_]))
        return Fail("expected a digit in the exponent, got " + Describe());
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    std::string text(s_.substr(start, pos_ - start));
    std::string field = FieldName(where, key);
    std::string subject = where == Where::Usage ? "usage of `" + std::string(key) + "`:"
                          : where == Where::TopLevelValue ? "`" + field + "`:"
                                                          : "field `" + field + "`:";
    if (integral) {
      // Compare the digits with int64's bounds without converting.
      std::string_view digits = std::string_view(text).substr(negative ? 1 : 0);
      std::string_view bound = negative ? "9223372036854775808" : "9223372036854775807";
      if (digits.size() > bound.size() || (digits.size() == bound.size() && digits > bound)) {
        pos_ = start;
        if (field.empty()) return Fail(text + " is outside int64");
        return FailField(field, subject + " " + text + " is outside int64");
      }
      return true;
    }
    errno = 0;
    double v = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && (v > 1.0 || v < -1.0)) {
      pos_ = start;
      if (field.empty()) return Fail(text + " is outside the range of a float");
      return FailField(field, subject + " " + text + " is outside the range of a float");
    }
    return true;
  }

  static auto IsDigit(char c) -> bool { return c >= '0' && c <= '9'; }
  static auto HexValue(char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  auto Hex4(uint32_t& v) -> bool {
    v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = pos_ < s_.size() ? HexValue(s_[pos_]) : -1;
      if (h < 0) return Fail("expected four hex digits after `\\u`, got " + Describe());
      v = v * 16 + static_cast<uint32_t>(h);
      ++pos_;
    }
    return true;
  }

  // Validates one UTF-8 sequence starting at pos_ (a byte >= 0x80) and appends it.
  auto Utf8(std::string& out) -> bool {
    auto byte = [&](size_t i) -> unsigned {
      return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0u;
    };
    unsigned b0 = byte(pos_);
    int len = 0;
    uint32_t cp = 0, min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) { len = 2; cp = b0 & 0x1f; min = 0x80; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { len = 3; cp = b0 & 0x0f; min = 0x800; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { len = 4; cp = b0 & 0x07; min = 0x10000; }
    else return Fail("invalid UTF-8");
    for (int i = 1; i < len; ++i) {
      unsigned b = byte(pos_ + static_cast<size_t>(i));
      if ((b & 0xc0) != 0x80) return Fail("invalid UTF-8");
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return Fail("invalid UTF-8");
    out.append(s_.substr(pos_, static_cast<size_t>(len)));
    pos_ += static_cast<size_t>(len);
    return true;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  // A string literal starting at pos_ ('"'); its decoded value in `out`.
  auto String(std::string& out) -> bool {
    size_t start = pos_;
    ++pos_;
    while (true) {
      if (pos_ >= s_.size()) {
        pos_ = start;
        return Fail("unterminated string");
      }
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string (escape it)");
      if (c >= 0x80) {
        if (!Utf8(out)) return false;
        continue;
      }
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) {
        pos_ = start;
        return Fail("unterminated string");
      }
      char e = s_[pos_];
      switch (e) {
        case '"': case '\\': case '/': out.push_back(e); ++pos_; break;
        case 'b': out.push_back('\b'); ++pos_; break;
        case 'f': out.push_back('\f'); ++pos_; break;
        case 'n': out.push_back('\n'); ++pos_; break;
        case 'r': out.push_back('\r'); ++pos_; break;
        case 't': out.push_back('\t'); ++pos_; break;
        case 'u': {
          size_t at = pos_ - 1;
          ++pos_;
          uint32_t v = 0;
          if (!Hex4(v)) return false;
          if (v >= 0xdc00 && v <= 0xdfff) {
            pos_ = at;
            return Fail("unpaired UTF-16 surrogate in `\\u` escape");
          }
          if (v >= 0xd800 && v <= 0xdbff) {
            if (s_.substr(pos_, 2) != "\\u") {
              pos_ = at;
              return Fail("unpaired UTF-16 surrogate in `\\u` escape");
            }
            pos_ += 2;
            uint32_t lo = 0;
            if (!Hex4(lo)) return false;
            if (lo < 0xdc00 || lo > 0xdfff) {
              pos_ = at;
              return Fail("unpaired UTF-16 surrogate in `\\u` escape");
            }
            v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
          }
          AppendUtf8(out, v);
          break;
        }
        default:
          --pos_;
          return Fail("invalid escape in a string");
      }
    }
  }

  auto Object(Where where, int depth) -> bool {
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"')
        return Fail("expected a key (a string), got " + Describe());
      std::string key;
      if (!String(key)) return false;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("expected `:`, got " + Describe());
      ++pos_;
      SkipSpace();
      Where inner = Where::Nested;
      if (where == Where::Root) {
        inner = key == "input" ? Where::Input : key == "usage" ? Where::Usage
                                                               : Where::TopLevelValue;
      } else if (where == Where::Input || where == Where::Usage) {
        inner = where;  // the key names the field or the cap
      }
      // Only the direct values of `input` and `usage` entries are named after their key.
      if (where == Where::Root && key == "id" && pos_ < s_.size() && s_[pos_] == '"') {
        std::string value;
        if (!String(value)) return false;
        id = std::move(value);  // echoed in the error result when the error comes later
      } else if (!ValueIn(where, inner, key, depth + 1)) {
        return false;
      }
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected `,` or `}`, got " + Describe());
    }
  }

  // The value of key `key` in an object at `outer`.
  auto ValueIn(Where outer, Where inner, std::string_view key, int depth) -> bool {
    if (outer == Where::Root && (inner == Where::Input || inner == Where::Usage)) {
      // `input`/`usage` themselves: an object whose entries are named; anything else is
      // reported (if at all) without a field.
      if (pos_ < s_.size() && s_[pos_] == '{') return Object(inner, depth);
      return Value(Where::Nested, key, depth);
    }
    if (outer == Where::Input || outer == Where::Usage) {
      // A field's (or cap's) value: a number here is named; containers below are not.
      if (pos_ < s_.size() && (s_[pos_] == '{' || s_[pos_] == '['))
        return Value(Where::Nested, key, depth);
      return Value(outer, key, depth);
    }
    if (outer == Where::Root) return Value(Where::TopLevelValue, key, depth);
    return Value(Where::Nested, key, depth);
  }

  auto Array(int depth) -> bool {
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (!Value(Where::Nested, "", depth + 1)) return false;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected `,` or `]`, got " + Describe());
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

auto DiagnoseMalformed(std::string_view json, std::string_view fallback,
                       std::optional<std::string>& id) -> RequestError {
  Scanner scanner(json);
  bool ok = scanner.Run();
  id = std::move(scanner.id);
  if (!ok) return scanner.error;
  RequestError e;
  e.code = pir::ErrorCode::BadRequest;
  e.message = "malformed JSON: " + std::string(fallback);
  return e;
}

}  // namespace edict::json
