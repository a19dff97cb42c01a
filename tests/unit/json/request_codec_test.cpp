// Unit tests for the JSON request/result codec (json/request_codec.h): every error code with the
// field it names, defaults, int → float widening, duplicate keys, int64 bounds, dates, `usage`
// validation, error precedence, decoder reuse, and the exact shapes of encoded results
// (outcomes, errors with and without location, --explain).
#include "json/request_codec.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "interp/interpreter.h"
#include "testing/compile_helpers.h"

namespace edict::json {
namespace {

using pir::ErrorCode;

constexpr const char* kPolicy = R"(policy shop version "1.2" effective 2024-01-01;
decision Outcome { allow, notify, deny }
default allow;
enum Color { red, green, blue }
input {
  n: int;
  x: float;
  b: bool = false;
  s: string = "anon";
  d: date = 2024-06-01;
  c: Color;
  w: float = 2;
}
cap quota {
  limit: 100;
  key: s;
  window: year;
  amount: n;
  applies: n >= 0;
  record: allow, notify;
}
output out_n: int = n * n;
output out_x: float = x + w;
output out_d: date = d;
output out_c: Color = c;
output out_s: string = s;
output out_b: bool = b;
rule big: n > 10 => deny because "{n} is more than 10 for {s}" cite "rule 1";
rule over: exceeds(quota) => notify;
exempt green_ok from big when c == green because "{c} orders are fine";
)";

class CodecTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    compiled_ = new testing::EvalCompilation(testing::CompileForEval(kPolicy, "shop.edict"));
  }
  static void TearDownTestSuite() {
    delete compiled_;
    compiled_ = nullptr;
  }
  static auto M() -> const pir::Module& { return *compiled_->pir; }

  void SetUp() override {
    ASSERT_TRUE(compiled_->result.success) << compiled_->result.ToString();
    ASSERT_EQ(compiled_->verify_error, "");
  }

  auto Decode(std::string_view json) -> DecodeResult {
    return DecodeRequest(M(), json, *ParseDate("2024-03-01"));
  }
  // Decodes `json` expecting an error; returns it.
  auto Error(std::string_view json) -> RequestError {
    DecodeResult r = Decode(json);
    EXPECT_FALSE(r.ok()) << json;
    return r.error.value_or(RequestError{});
  }
  auto Run(std::string_view json, bool explain = false) -> std::string {
    DecodeResult d = Decode(json);
    if (!d.ok()) return EncodeRequestError(M(), *d.error, d.id);
    pir::Result r = interp::Evaluate(M(), d.request);
    EncodeOptions o;
    if (d.id) o.id = *d.id;
    o.explain = explain;
    o.request = &d.request;
    return EncodeResult(M(), r, o);
  }

  static testing::EvalCompilation* compiled_;
};

testing::EvalCompilation* CodecTest::compiled_ = nullptr;

// Fields in schema order: n x b s d c w.
TEST_F(CodecTest, DecodesEveryTypeAndFillsDefaults) {
  DecodeResult r = Decode(R"({"input": {"c": "blue", "x": 1.5, "n": -7}, "id": "a1"})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  const auto& f = r.request.fields;
  ASSERT_EQ(f.size(), 7u);
  EXPECT_EQ(f[0].i, -7);
  EXPECT_EQ(f[1].f, 1.5);
  EXPECT_EQ(f[2].i, 0);  // default false
  EXPECT_EQ(f[3].s, "anon");
  EXPECT_EQ(f[4].i, ParseDate("2024-06-01")->days);
  EXPECT_EQ(f[5].i, 2);  // blue
  EXPECT_EQ(f[6].f, 2.0);  // an int default of a float field is a float
  EXPECT_EQ(r.request.today, *ParseDate("2024-03-01"));  // the default date
  EXPECT_EQ(r.request.usage, std::vector<int64_t>{0});
  EXPECT_EQ(r.id, "a1");
}

TEST_F(CodecTest, DecodesGivenValues) {
  DecodeResult r = Decode(R"({"today": "2025-02-28", "usage": {"quota": 40},
      "input": {"n": 3, "x": -0.0, "b": true, "s": "caf\u00e9 \"x\"", "d": "2000-02-29",
                "c": "red", "w": 1e300}})");
  ASSERT_TRUE(r.ok()) << r.error->message;
  const auto& f = r.request.fields;
  EXPECT_EQ(f[1].f, 0.0);
  EXPECT_FALSE(std::signbit(f[1].f));  // -0.0 is 0.0
  EXPECT_EQ(f[2].i, 1);
  EXPECT_EQ(f[3].s, "caf\xc3\xa9 \"x\"");
  EXPECT_EQ(f[4].i, ParseDate("2000-02-29")->days);
  EXPECT_EQ(f[5].i, 0);
  EXPECT_EQ(f[6].f, 1e300);
  EXPECT_EQ(r.request.today, *ParseDate("2025-02-28"));
  EXPECT_EQ(r.request.usage, std::vector<int64_t>{40});
  EXPECT_FALSE(r.id.has_value());
}

TEST_F(CodecTest, IntWidensToFloat) {
  DecodeResult r = Decode(R"({"input": {"n": 1, "x": 3, "c": "red", "w": -9007199254740993}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.fields[1].f, 3.0);
  EXPECT_EQ(r.request.fields[6].f, -9007199254740992.0);  // rounded to the nearest double
}

TEST_F(CodecTest, FloatNeverNarrowsToInt) {
  for (const char* v : {"1.0", "1e3", "1E3", "-0.0", "2.5"}) {
    RequestError e =
        Error(std::string(R"({"input": {"n": )") + v + R"(, "x": 1, "c": "red"}})");
    EXPECT_EQ(e.code, ErrorCode::WrongType) << v;
    EXPECT_EQ(e.field, "n");
    EXPECT_EQ(e.message,
              "field `n` expects an int, got a float (write ints without a fraction or exponent)");
  }
}

TEST_F(CodecTest, WrongTypeNamesFieldAndExpectedType) {
  struct Case {
    const char* input;
    const char* field;
    const char* message;
  } cases[] = {
      {R"("n": "3", "x": 1, "c": "red")", "n", "field `n` expects an int, got a string"},
      {R"("n": 3, "x": "1", "c": "red")", "x", "field `x` expects a float, got a string"},
      {R"("n": 3, "x": 1, "c": "red", "b": 1)", "b", "field `b` expects a bool, got an int"},
      {R"("n": 3, "x": 1, "c": "red", "s": ["a"])", "s", "field `s` expects a string, got an array"},
      {R"("n": 3, "x": 1, "c": "red", "d": 20240101)", "d",
       "field `d` expects a date (a \"YYYY-MM-DD\" string), got an int"},
      {R"("n": 3, "x": 1, "c": 0)", "c", "field `c` expects a `Color` member (a string), got an int"},
      {R"("n": 3, "x": {}, "c": "red")", "x", "field `x` expects a float, got an object"},
      {R"("n": true, "x": 1, "c": "red")", "n", "field `n` expects an int, got a bool"},
  };
  for (const Case& c : cases) {
    RequestError e = Error(std::string(R"({"input": {)") + c.input + "}}");
    EXPECT_EQ(e.code, ErrorCode::WrongType) << c.input;
    EXPECT_EQ(e.field, c.field) << c.input;
    EXPECT_EQ(e.message, c.message) << c.input;
  }
}

TEST_F(CodecTest, NullIsWrongTypeInInputAndBadRequestInTheEnvelope) {
  RequestError e = Error(R"({"input": {"n": null, "x": 1, "c": "red"}})");
  EXPECT_EQ(e.code, ErrorCode::WrongType);
  EXPECT_EQ(e.field, "n");
  EXPECT_EQ(e.message, "field `n` expects an int, got null");
  // A field with a default cannot be "reset" with null either.
  EXPECT_EQ(Error(R"({"input": {"n": 1, "x": 1, "c": "red", "b": null}})").code,
            ErrorCode::WrongType);
  for (const char* key : {"input", "today", "usage", "id"}) {
    RequestError env =
        Error(std::string(R"({"input": {"n": 1, "x": 1, "c": "red"}, ")") + key + R"(": null})");
    if (std::string(key) == "input") env = Error(R"({"input": null})");
    EXPECT_EQ(env.code, ErrorCode::BadRequest) << key;
    EXPECT_EQ(env.field, key);
    EXPECT_NE(env.message.find("got null"), std::string::npos) << env.message;
  }
}

TEST_F(CodecTest, UnknownFieldSuggests) {
  RequestError e = Error(R"({"input": {"n": 1, "x": 1, "c": "red", "bb": true}})");
  EXPECT_EQ(e.code, ErrorCode::UnknownField);
  EXPECT_EQ(e.field, "bb");
  EXPECT_EQ(e.message, "no input field `bb`; did you mean `b`?");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red", "quantity": 3}})");
  EXPECT_EQ(e.message, "no input field `quantity`");
}

TEST_F(CodecTest, MissingFieldInSchemaOrder) {
  RequestError e = Error(R"({"input": {"c": "red"}})");
  EXPECT_EQ(e.code, ErrorCode::MissingField);
  EXPECT_EQ(e.field, "n");
  EXPECT_EQ(e.message, "missing field `n`: expects an int");
  e = Error(R"({"input": {"n": 1}})");
  EXPECT_EQ(e.field, "x");
  e = Error(R"({"input": {"n": 1, "x": 2}})");
  EXPECT_EQ(e.message, "missing field `c`: expects a `Color` member (a string)");
}

TEST_F(CodecTest, UnknownMemberListsMembers) {
  RequestError e = Error(R"({"input": {"n": 1, "x": 1, "c": "gren"}})");
  EXPECT_EQ(e.code, ErrorCode::UnknownMember);
  EXPECT_EQ(e.field, "c");
  EXPECT_EQ(e.message,
            "field `c`: no `Color` member `gren`; did you mean `green`? (members: `red`, "
            "`green`, `blue`)");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "purple"}})");
  EXPECT_EQ(e.message, "field `c`: no `Color` member `purple` (members: `red`, `green`, `blue`)");
  // Members are case-sensitive.
  EXPECT_EQ(Error(R"({"input": {"n": 1, "x": 1, "c": "RED"}})").code, ErrorCode::UnknownMember);
}

TEST_F(CodecTest, Int64Bounds) {
  auto with_n = [](const std::string& n) {
    return R"({"input": {"x": 1, "c": "red", "n": )" + n + "}}";
  };
  DecodeResult ok = Decode(with_n("9223372036854775807"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.request.fields[0].i, INT64_MAX);
  ok = Decode(with_n("-9223372036854775808"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.request.fields[0].i, INT64_MIN);
  for (const char* big : {"9223372036854775808", "18446744073709551615", "18446744073709551616",
                          "-9223372036854775809", "123456789012345678901234567890"}) {
    RequestError e = Error(with_n(big));
    EXPECT_EQ(e.code, ErrorCode::BadRequest) << big;
    EXPECT_EQ(e.field, "n") << big;
    EXPECT_EQ(e.message, std::string("field `n`: ") + big + " is outside int64");
  }
  // Also for a float field: a JSON int outside int64 is malformed, not widened.
  RequestError e = Error(R"({"input": {"n": 1, "c": "red", "x": 9223372036854775808}})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "x");
  e = Error(R"({"input": {"n": 1, "c": "red", "x": 1e400}})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "x");
  EXPECT_EQ(e.message, "field `x`: 1e400 is outside the range of a float");
}

TEST_F(CodecTest, Dates) {
  RequestError e = Error(R"({"input": {"n": 1, "x": 1, "c": "red", "d": "2023-02-29"}})");
  EXPECT_EQ(e.code, ErrorCode::InvalidDate);
  EXPECT_EQ(e.field, "d");
  EXPECT_EQ(e.message,
            "field `d`: \"2023-02-29\" is not a valid date (YYYY-MM-DD, years 0001-9999)");
  for (const char* bad : {"2024-1-01", "0000-01-01", "2024-13-01", "2024-06-01T00:00:00Z", "",
                          " 2024-06-01"}) {
    EXPECT_EQ(Error(std::string(R"({"input": {"n": 1, "x": 1, "c": "red", "d": ")") + bad +
                    "\"}}")
                  .code,
              ErrorCode::InvalidDate)
        << bad;
  }
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "today": "2024-04-31"})");
  EXPECT_EQ(e.code, ErrorCode::InvalidDate);
  EXPECT_EQ(e.field, "today");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "today": 20240401})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "today");
  DecodeResult r = Decode(R"({"input": {"n": 1, "x": 1, "c": "red", "d": "9999-12-31"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.fields[4].i, kMaxDate.days);
}

TEST_F(CodecTest, DuplicateKeysAtEveryLevel) {
  RequestError e = Error(R"({"input": {"n": 1, "x": 1, "c": "red", "n": 2}})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "n");
  EXPECT_EQ(e.message, "field `n` is given twice");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "id": "a", "id": "b"})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "id");
  EXPECT_EQ(e.message, "request key `id` is given twice");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "input": {"n": 1, "x": 1, "c": "red"}})");
  EXPECT_EQ(e.field, "input");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "usage": {"quota": 1, "quota": 1}})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "usage.quota");
  EXPECT_EQ(e.message, "usage of `quota` is given twice");
}

TEST_F(CodecTest, Envelope) {
  RequestError e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "todya": "2024-01-01"})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "todya");
  EXPECT_EQ(e.message, "unknown request key `todya`; did you mean `today`?");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "ledger": 1})");
  EXPECT_EQ(e.message,
            "unknown request key `ledger` (a request has `input`, `today`, `usage` and `id`)");
  e = Error(R"({"today": "2024-01-01"})");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_EQ(e.field, "input");
  EXPECT_EQ(e.message, "a request needs `input`, the object of input fields");
  e = Error(R"({"input": [1]})");
  EXPECT_EQ(e.field, "input");
  EXPECT_EQ(e.message, "`input` must be an object of input fields, got an array");
  e = Error(R"({"input": {"n": 1, "x": 1, "c": "red"}, "id": 7})");
  EXPECT_EQ(e.field, "id");
  EXPECT_EQ(e.message, "`id` must be a string, got an int");
  e = Error(R"([{"input": {}}])");
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_FALSE(e.field.has_value());
  EXPECT_EQ(e.message, "a request must be a JSON object, got an array");
}

TEST_F(CodecTest, Usage) {
  auto with_usage = [](const std::string& u) {
    return R"({"input": {"n": 1, "x": 1, "c": "red"}, "usage": )" + u + "}";
  };
  DecodeResult r = Decode(with_usage(R"({"quota": 0})"));
  ASSERT_TRUE(r.ok());
  r = Decode(with_usage(R"({})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.request.usage, std::vector<int64_t>{0});
  struct Case {
    const char* usage;
    const char* field;
    const char* message;
  } cases[] = {
      {R"({"qouta": 5})", "usage.qouta",
       "`usage` names no cap of this policy: `qouta`; did you mean `quota`?"},
      {R"({"quota": -1})", "usage.quota", "usage of `quota` must be a non-negative int, got -1"},
      {R"({"quota": 1.5})", "usage.quota",
       "usage of `quota` must be a non-negative int, got a float"},
      {R"({"quota": 1.0})", "usage.quota",
       "usage of `quota` must be a non-negative int, got a float"},
      {R"({"quota": "5"})", "usage.quota",
       "usage of `quota` must be a non-negative int, got a string"},
      {R"({"quota": 9223372036854775808})", "usage.quota",
       "usage of `quota`: 9223372036854775808 is outside int64"},
      {R"({"quota": 99999999999999999999})", "usage.quota",
       "usage of `quota`: 99999999999999999999 is outside int64"},
      {R"([5])", "usage", "`usage` must be an object from cap names to ints, got an array"},
  };
  for (const Case& c : cases) {
    RequestError e = Error(with_usage(c.usage));
    EXPECT_EQ(e.code, ErrorCode::BadRequest) << c.usage;
    EXPECT_EQ(e.field, c.field) << c.usage;
    EXPECT_EQ(e.message, c.message) << c.usage;
  }
}

TEST_F(CodecTest, MalformedJsonGivesTheByteOffset) {
  struct Case {
    std::string json;
    const char* message;
  } cases[] = {
      {"", "malformed JSON at byte offset 0: empty request: expected a JSON object"},
      {"  \n", "malformed JSON at byte offset 3: empty request: expected a JSON object"},
      {R"({"input": {"n": 1,}})", "malformed JSON at byte offset 18: expected a key (a string), got `}`"},
      {R"({"input": {"n": 1})", "malformed JSON at byte offset 18: expected `,` or `}`, got the end of the request"},
      {R"({"input": {}} {})", "malformed JSON at byte offset 14: unexpected text after the JSON value"},
      {R"({"input": {"n": 01}})", "malformed JSON at byte offset 17: a number cannot start with `0`"},
      {R"({"input": {"s": "a\qb"}})", "malformed JSON at byte offset 18: invalid escape in a string"},
      {"{\"input\": {\"s\": \"a\xff\"}}", "malformed JSON at byte offset 18: invalid UTF-8"},
      {R"({"input": {"s": "\ud800"}})", "malformed JSON at byte offset 17: unpaired UTF-16 surrogate in `\\u` escape"},
      {"{\"input\": {\"s\": \"a\nb\"}}", "malformed JSON at byte offset 18: control character in a string (escape it)"},
      {R"({'input': {}})", "malformed JSON at byte offset 1: expected a key (a string), got `'`"},
      {R"({"input": {"b": tru}})", "malformed JSON at byte offset 16: expected a value, got `t`"},
      {R"({"input": NaN})", "malformed JSON at byte offset 10: expected a value, got `N`"},
  };
  for (const Case& c : cases) {
    RequestError e = Error(c.json);
    EXPECT_EQ(e.code, ErrorCode::BadRequest) << c.json;
    EXPECT_FALSE(e.field.has_value()) << c.json;
    EXPECT_EQ(e.message, c.message) << c.json;
  }
  // Deep nesting is refused without recursion trouble.
  std::string deep = R"({"input": )" + std::string(5000, '[') + std::string(5000, ']') + "}";
  RequestError e = Error(deep);
  EXPECT_EQ(e.code, ErrorCode::BadRequest);
  EXPECT_NE(e.message.find("malformed JSON at byte offset"), std::string::npos) << e.message;
}

TEST_F(CodecTest, FirstProblemInDocumentOrderWins) {
  // Two wrong fields: the first one written is reported.
  EXPECT_EQ(Error(R"({"input": {"x": "1", "n": "2", "c": "red"}})").field, "x");
  EXPECT_EQ(Error(R"({"input": {"n": "2", "x": "1", "c": "red"}})").field, "n");
  // A present field's problem comes before a missing field.
  EXPECT_EQ(Error(R"({"input": {"c": "pink"}})").code, ErrorCode::UnknownMember);
  // `today` before `input` in the document: its problem is found first.
  EXPECT_EQ(Error(R"({"today": "x", "input": {"n": "2"}})").field, "today");
  EXPECT_EQ(Error(R"({"input": {"n": "2"}, "today": "x"})").field, "n");
  // The envelope (unknown top-level keys, the id) is checked before any value.
  EXPECT_EQ(Error(R"({"input": {"n": "2"}, "extra": 1})").field, "extra");
  // Not being JSON beats everything.
  EXPECT_FALSE(Error(R"({"input": {"n": "2"}, "extra": 1,})").field.has_value());
  // An empty key is still named (as "").
  RequestError empty = Error(R"({"input": {"n": 1, "": 2}})");
  EXPECT_EQ(empty.code, ErrorCode::UnknownField);
  EXPECT_EQ(empty.field, "");
  EXPECT_EQ(EncodeRequestError(M(), empty, std::nullopt),
            R"({"error": {"code": "unknown_field", "message": "no input field ``", "field": ""}, "policy": "shop", "version": "1.2"})");
}

TEST_F(CodecTest, IdIsKeptOnErrors) {
  DecodeResult r = Decode(R"({"id": "req-9", "input": {"n": "2"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.id, "req-9");
  EXPECT_EQ(EncodeRequestError(M(), *r.error, r.id),
            R"({"error": {"code": "wrong_type", "message": "field `n` expects an int, got a string", "field": "n"}, "policy": "shop", "version": "1.2", "id": "req-9"})");
}

TEST_F(CodecTest, IdIsKeptForMalformedJsonWhenItComesFirst) {
  DecodeResult r = Decode(R"({"id": "a\u00e9\n", "input": {"n": 1,}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->message, "malformed JSON at byte offset 37: expected a key (a string), got `}`");
  EXPECT_EQ(r.id, "a\xc3\xa9\n");
  r = Decode(R"({"input": {"n": 1,}, "id": "late"})");
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.id.has_value());
  r = Decode(R"({"id": "x", "input": {"s": "abc)");
  EXPECT_EQ(r.error->message, "malformed JSON at byte offset 27: unterminated string");
}

TEST_F(CodecTest, DecoderIsReusable) {
  RequestDecoder decoder(M());
  DecodeResult out;
  Date today = *ParseDate("2024-03-01");
  ASSERT_TRUE(decoder.Decode(R"({"input": {"n": 1, "x": 1, "c": "red", "s": "long string value here"}, "usage": {"quota": 9}, "id": "1"})", today, out));
  EXPECT_EQ(out.request.fields[3].s, "long string value here");
  EXPECT_FALSE(decoder.Decode(R"({"input": {"n": "bad"}})", today, out));
  EXPECT_FALSE(out.id.has_value());
  ASSERT_TRUE(decoder.Decode(R"({"input": {"n": 2, "x": 1, "c": "red"}})", today, out));
  EXPECT_EQ(out.request.fields[0].i, 2);
  EXPECT_EQ(out.request.fields[3].s, "anon");  // the default again, not the previous value
  EXPECT_EQ(out.request.usage, std::vector<int64_t>{0});
  EXPECT_FALSE(out.error.has_value());
  // DecodePadded parses in place.
  std::string buf = R"({"input": {"n": 3, "x": 1, "c": "red"}})";
  size_t len = buf.size();
  buf.append(kPadding, ' ');
  ASSERT_TRUE(decoder.DecodePadded(buf.data(), len, today, out));
  EXPECT_EQ(out.request.fields[0].i, 3);
}

TEST_F(CodecTest, EncodesOutcome) {
  EXPECT_EQ(
      Run(R"({"input": {"n": 12, "x": 0.1, "c": "red", "s": "q\"t"}, "today": "2024-05-01", "usage": {"quota": 95}, "id": "r1"})"),
      R"({"outcome": "deny", "deciding": ["big"], "applied": {"rules": ["big", "over"], "exemptions": [], "caps": ["quota"]}, "outputs": {"out_n": 144, "out_x": 2.1, "out_d": "2024-06-01", "out_c": "red", "out_s": "q\"t", "out_b": false}, "recorded": {}, "policy": "shop", "version": "1.2", "id": "r1"})");
  // Floats keep a fraction mark; `recorded` lists what a decide records.
  EXPECT_EQ(
      Run(R"({"input": {"n": 1, "x": 1, "c": "green", "b": true, "d": "0001-01-01"}, "today": "2024-05-01"})"),
      R"({"outcome": "allow", "deciding": [], "applied": {"rules": [], "exemptions": ["green_ok"], "caps": ["quota"]}, "outputs": {"out_n": 1, "out_x": 3.0, "out_d": "0001-01-01", "out_c": "green", "out_s": "anon", "out_b": true}, "recorded": {"quota": 1}, "policy": "shop", "version": "1.2"})");
}

TEST_F(CodecTest, EncodesEvaluationErrors) {
  // n * n overflows: the error points at the policy source.
  std::string overflow = Run(R"({"input": {"n": 4000000000, "x": 1, "c": "red"}, "today": "2024-05-01", "id": "o"})");
  EXPECT_EQ(overflow.rfind(R"({"error": {"code": "int_overflow", "message": "int overflow", "location": {"file": ")", 0), 0u)
      << overflow;
  EXPECT_NE(overflow.find(R"(shop.edict", "line": 22, "col": )"), std::string::npos) << overflow;
  EXPECT_NE(overflow.find(R"(}}, "policy": "shop", "version": "1.2", "id": "o"})"), std::string::npos)
      << overflow;
  EXPECT_EQ(Run(R"({"input": {"n": 1, "x": 1, "c": "red"}, "today": "2023-12-31"})"),
            R"j({"error": {"code": "not_in_force", "message": "policy `shop` is not in force on 2023-12-31 (in force from 2024-01-01)"}, "policy": "shop", "version": "1.2"})j");
}

TEST_F(CodecTest, EncodesExplanations) {
  std::string out = Run(
      R"({"input": {"n": 50, "x": 1, "c": "green"}, "today": "2024-05-01", "usage": {"quota": 60}})",
      /*explain=*/true);
  EXPECT_NE(out.find(R"("version": "1.2", "explain": {"rules": [)"), std::string::npos) << out;
  // Defeated: the condition holds, an applying exemption defeats it; its because is formatted.
  EXPECT_NE(out.find(R"({"name": "big", "outcome": "deny", "status": "defeated by green_ok", "because": "50 is more than 10 for anon", "cite": "rule 1"})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"({"name": "over", "outcome": "notify", "status": "applied", "deciding": true})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("exemptions": [{"name": "green_ok", "status": "applied", "defeats": ["big"], "because": "green orders are fine"}])"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("caps": [{"name": "quota", "status": "applied", "usage": 60, "limit": 100, "amount": 50, "window": "year"}]}})"),
            std::string::npos)
      << out;
  // Not applied: no because (it would state what is not so), but the cite stays.
  out = Run(R"({"input": {"n": 1, "x": 1, "c": "red"}, "today": "2024-05-01"})", true);
  EXPECT_NE(out.find(R"({"name": "big", "outcome": "deny", "status": "not applied", "cite": "rule 1"})"),
            std::string::npos)
      << out;
}

TEST(CodecAiDiffusion, DecodesAndEvaluatesTheRealPolicy) {
  std::string source;
  std::string error;
  std::FILE* f = std::fopen(EDICT_SOURCE_DIR "/policies/ai_diffusion/2025-01-15.edict", "rb");
  ASSERT_NE(f, nullptr);
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) source.append(buf, n);
  std::fclose(f);
  testing::EvalCompilation c = testing::CompileForEval(source, "2025-01-15.edict");
  ASSERT_TRUE(c.result.success) << c.result.ToString();
  const pir::Module& m = *c.pir;
  DecodeResult d = DecodeRequest(
      m,
      R"({"input": {"destination": "CN", "headquarters": "US", "consignee": "x", "item": "gpu",
          "tpp": 1000, "end_user": "none", "training_ops": 0}, "today": "2025-06-01"})",
      *ParseDate("2025-01-01"));
  ASSERT_TRUE(d.ok()) << d.error->message;
  pir::Result r = interp::Evaluate(m, d.request);
  EncodeOptions o;
  std::string out = EncodeResult(m, r, o);
  EXPECT_EQ(out.rfind(R"({"outcome": "deny", "deciding": ["tier3_destination"])", 0), 0u) << out;
  RequestError e =
      DecodeRequest(m, R"({"input": {"destination": "XX"}})", *ParseDate("2025-01-01")).error.value();
  EXPECT_EQ(e.code, ErrorCode::UnknownMember);
  EXPECT_NE(e.message.find("no `Country` member `XX`"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("more)"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace edict::json
