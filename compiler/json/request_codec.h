// The JSON form of requests and results (DESIGN.md "Requests and results", LANGUAGE.md §9–§10).
//
// Request: {"input": {…fields…}, "today": "2025-06-01", "usage": {"cap": 12000}, "id": "…"};
// only `input` is required. Decoding checks the request against the module's input schema and
// either yields a type-checked pir::Request or one error naming the field at fault:
//
//   bad_request     not JSON (the message gives the byte offset), not an object, an unknown or
//                   repeated top-level key, `input` missing or not an object, a repeated key in
//                   `input` or `usage`, `today`/`id` not a string, `usage` not an object or a
//                   figure for an unknown cap, negative or not an integer, an int outside int64
//   unknown_field   a key of `input` that is no input field (with a did-you-mean when one is close)
//   missing_field   an input field without default left out
//   wrong_type      a field value of the wrong JSON type, `null` included ("field `tpp` expects
//                   an int, got a string"); ints are integral JSON numbers without fraction or
//                   exponent (`1.0` and `1e3` are not ints); an int widens to a float field
//   unknown_member  a string that is no member of the field's enum (a few members are listed)
//   invalid_date    a date field or `today` that is not a valid `YYYY-MM-DD` (years 0001–9999)
//
// Precedence when several things are wrong: a document that is not JSON is reported as such;
// then the envelope (top-level keys in document order: unknown or repeated keys, the type of
// `id`); then the values of `input`, `today` and `usage` in document order, each checked key by
// key in document order; fields left out come last, reported in schema (declaration) order.
// The first problem found is the one reported.
//
// The decoder is built once per module and reused: it keeps the simdjson parser, a name → field
// table and a name → member table per enum, and decodes into a caller-owned DecodeResult whose
// storage it reuses, so a steady stream of requests allocates nothing per request.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "pir/eval.h"
#include "pir/pir.h"

namespace edict::json {

// Bytes that must be readable (any content) after a buffer given to DecodePadded.
inline constexpr size_t kPadding = 64;

struct RequestError {
  pir::ErrorCode code = pir::ErrorCode::None;
  std::string message;
  // The key at fault: "tpp", "today", "usage.lpp", "input", … (possibly "", for an empty key);
  // absent for a problem of the whole document (not JSON, not an object).
  std::optional<std::string> field;
};

struct DecodeResult {
  pir::Request request;             // valid when ok()
  // The request's `id` when it has a string one; also on error, and for malformed JSON when the
  // `id` comes before the problem (so that a batch can still match the error to its request).
  std::optional<std::string> id;
  std::optional<RequestError> error;

  auto ok() const -> bool { return !error.has_value(); }
};

class RequestDecoder {
 public:
  // `m` must outlive the decoder.
  explicit RequestDecoder(const pir::Module& m);
  ~RequestDecoder();
  RequestDecoder(const RequestDecoder&) = delete;
  auto operator=(const RequestDecoder&) -> RequestDecoder& = delete;

  // Decodes one request into `out` (reusing its storage); returns out.ok(). `default_today` is
  // used when the request has no `today`.
  auto Decode(std::string_view json, Date default_today, DecodeResult& out) -> bool;
  // Same, without copying: `data[len .. len + kPadding)` must be readable.
  auto DecodePadded(const char* data, size_t len, Date default_today, DecodeResult& out) -> bool;

  auto module() const -> const pir::Module& { return m_; }

 private:
  struct Impl;
  const pir::Module& m_;
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience: builds a decoder and decodes `json`.
auto DecodeRequest(const pir::Module& m, std::string_view json, Date default_today)
    -> DecodeResult;

struct EncodeOptions {
  std::optional<std::string_view> id;  // echoed as "id"
  // Adds "explain": every rule, exemption and cap with its status and formatted because/cite.
  // Needs `request`.
  bool explain = false;
  // The request the result is for: needed by `explain` and for the not_in_force message.
  const pir::Request* request = nullptr;
};

// {"outcome": …, "deciding": […], "applied": {"rules": […], "exemptions": […], "caps": […]},
//  "outputs": {…}, "recorded": {"cap": amount}, "policy": …, "version": …, "id"?: …,
//  "explain"?: {…}} on one line; for an evaluation error
// {"error": {"code", "message", "location"?: {"file", "line", "col"}}, "policy", "version", "id"?}.
auto EncodeResult(const pir::Module& m, const pir::Result& r, const EncodeOptions& o)
    -> std::string;
// Appends to `out` (no newline).
void AppendResult(const pir::Module& m, const pir::Result& r, const EncodeOptions& o,
                  std::string& out);

// The same encoding with every name and fixed piece of `m` quoted once up front: for batches.
class ResultEncoder {
 public:
  // `m` must outlive the encoder.
  explicit ResultEncoder(const pir::Module& m);
  // Appends the result to `out` (no newline); identical to AppendResult.
  void Append(const pir::Result& r, const EncodeOptions& o, std::string& out) const;

 private:
  const pir::Module& m_;
  std::vector<std::string> outcomes_;       // {"outcome": "member"
  std::vector<std::string> rules_, exemptions_, caps_;  // "name"
  std::vector<std::string> output_keys_;    // [, ]"name":
  std::vector<pir::Type> output_types_;
  std::vector<std::string> recorded_keys_;  // "cap":
  std::string trailer_;                     // , "policy": …, "version": …
};

// {"error": {"code", "message", "field"?}, "policy", "version", "id"?} for a request that could
// not be decoded.
auto EncodeRequestError(const pir::Module& m, const RequestError& e,
                        std::optional<std::string_view> id) -> std::string;
void AppendRequestError(const pir::Module& m, const RequestError& e,
                        std::optional<std::string_view> id, std::string& out);

// A readable message for an evaluation error of `r` (e.g. "int overflow"); `request` adds the
// date to a not_in_force message.
auto EvaluationErrorMessage(const pir::Module& m, pir::ErrorCode code,
                            const pir::Request* request) -> std::string;

}  // namespace edict::json
