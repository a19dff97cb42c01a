// `edict eval POLICY [REQUEST.json|-] [--batch IN.jsonl] [--explain] [--engine auto|interp|jit]
//  [--stdlib DIR] [--today DATE]`: evaluates JSON requests (LANGUAGE.md §9–§10, DESIGN.md
// "Requests and results") and prints one JSON result per request on stdout.
//
// Stateless: each request's `usage` figures stand for the ledger (a missing figure is 0) and
// nothing is recorded. With REQUEST (a file, or `-` for stdin; stdin when neither REQUEST nor
// --batch is given) the whole input is one request. With --batch every non-blank line is one
// request and gets one result line, in input order, with its `id`; a line that cannot be decoded
// gets an error result and the batch goes on. `today` defaults to --today, else the current UTC
// date. Exit status: 0 every result is an outcome, 1 some result is an error, 2 usage or I/O
// error or a policy that does not compile (its diagnostics go to stderr).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/engine.h"
#include "driver/render.h"
#include "json/request_codec.h"
#include "pir/build_pir.h"

namespace edict::driver {
namespace {

struct EvalArgs {
  std::string policy;
  std::string request;
  std::string batch;
  bool explain = false;
  std::string engine = "auto";
  std::string stdlib;
  std::string today;
};

auto CurrentUtcDate() -> Date {
  auto now = static_cast<int64_t>(std::time(nullptr));
  int64_t days = now >= 0 ? now / 86400 : (now - 86399) / 86400;
  return Date{static_cast<int32_t>(days)};
}

// Reads a whole file (or stdin for "-") into `out` and sets `size` to its length; `out` holds
// json::kPadding more bytes after it, so that simdjson can parse in place.
auto ReadInput(const std::string& path, std::string& out, size_t& size, std::string& error)
    -> bool {
  // Reads straight into `out` (no stream copies: a batch may be hundreds of megabytes).
  int fd = STDIN_FILENO;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      error = std::strerror(errno);
      return false;
    }
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (fd != STDIN_FILENO) ::close(fd);
    error = "is a directory";
    return false;
  }
  size_t capacity = S_ISREG(st.st_mode) && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1
                                                         : size_t{1} << 16;
  out.resize(capacity + json::kPadding);
  size = 0;
  while (true) {
    if (size == capacity) {
      capacity *= 2;
      out.resize(capacity + json::kPadding);
    }
    ssize_t n = ::read(fd, out.data() + size, capacity - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      if (fd != STDIN_FILENO) ::close(fd);
      return false;
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  if (fd != STDIN_FILENO) ::close(fd);
  out.resize(size + json::kPadding);
  std::memset(out.data() + size, 0, json::kPadding);
  return true;
}

auto WriteAll(const std::string& s) -> bool {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(STDOUT_FILENO, s.data() + done, s.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Evaluates one request text and appends its result line. Returns false when the result is an
// error.
class Evaluator {
 public:
  // `module` (a built .so) also writes the explanation, from its descriptor.
  Evaluator(const pir::Module& m, Engine& engine, Date today, bool explain,
            const ModuleEngine* module = nullptr)
      : m_(m), engine_(engine), today_(today), explain_(explain), module_(module), decoder_(m),
        encoder_(m) {}

  auto Run(const char* data, size_t len, std::string& out) -> bool {
    bool ok = decoder_.DecodePadded(data, len, today_, decoded_);
    std::optional<std::string_view> id;
    if (decoded_.id) id = *decoded_.id;
    if (!ok) {
      json::AppendRequestError(m_, *decoded_.error, id, out);
      out.push_back('\n');
      return false;
    }
    pir::Result& result = result_;  // reused across requests: its vectors keep their storage
    engine_.EvaluateInto(decoded_.request, result);
    json::EncodeOptions o;
    o.id = id;
    o.explain = explain_ && module_ == nullptr;
    o.request = &decoded_.request;
    encoder_.Append(result, o, out);
    if (explain_ && module_ != nullptr && result.error == pir::ErrorCode::None) {
      out.pop_back();  // the result's closing brace
      module_->AppendExplain(result, decoded_.request, out);
      out.push_back('}');
    }
    out.push_back('\n');
    return result.error == pir::ErrorCode::None;
  }

 private:
  const pir::Module& m_;
  Engine& engine_;
  Date today_;
  bool explain_;
  const ModuleEngine* module_;
  json::RequestDecoder decoder_;
  json::ResultEncoder encoder_;
  json::DecodeResult decoded_;
  pir::Result result_;
};

auto IsBlank(const char* p, size_t n) -> bool {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  }
  return true;
}

constexpr size_t kOutputChunk = size_t{1} << 20;

// Reads a batch (a file, or stdin for "-") a few megabytes at a time into one reused buffer,
// rather than the whole input at once: a batch may be hundreds of megabytes, and touching every
// page of it once costs more than the copies. The unread rest of the buffer (a line not yet
// complete) moves to its front before the next read; the buffer grows only for a line longer
// than it. The valid bytes are always followed by json::kPadding readable ones, so that simdjson
// can parse any line in place.
class BatchReader {
 public:
  ~BatchReader() {
    if (fd_ > STDIN_FILENO) ::close(fd_);
  }

  auto Open(const std::string& path, std::string& error) -> bool {
    if (path != "-") {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) {
        error = std::strerror(errno);
        return false;
      }
    } else {
      fd_ = STDIN_FILENO;
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      error = "is a directory";
      return false;
    }
    buf_.resize(kChunk + json::kPadding);
    return true;
  }

  // Reads until the buffer is full or the input ends (sets `eof`).
  auto Fill(bool& eof, std::string& error) -> bool {
    size_t capacity = buf_.size() - json::kPadding;
    if (size_ == capacity) {  // one line fills the buffer: make room for more of it
      capacity *= 2;
      buf_.resize(capacity + json::kPadding);
    }
    eof = false;
    while (size_ < capacity) {
      ssize_t n = ::read(fd_, buf_.data() + size_, capacity - size_);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = std::strerror(errno);
        return false;
      }
      if (n == 0) {
        eof = true;
        break;
      }
      size_ += static_cast<size_t>(n);
    }
    std::memset(buf_.data() + size_, 0, json::kPadding);
    return true;
  }

  auto begin() const -> const char* { return buf_.data(); }
  auto end() const -> const char* { return buf_.data() + size_; }

  // Drops the bytes before `p` (a position in [begin(), end()]).
  void Consume(const char* p) {
    auto done = static_cast<size_t>(p - buf_.data());
    std::memmove(buf_.data(), p, size_ - done);
    size_ -= done;
  }

 private:
  static constexpr size_t kChunk = size_t{4} << 20;
  int fd_ = -1;
  std::string buf_;
  size_t size_ = 0;
};

auto RunEval(const EvalArgs& a) -> int {
  if (!a.request.empty() && !a.batch.empty()) {
    std::cerr << "edict: error: give either a REQUEST or --batch, not both\n";
    return 2;
  }
  Date today = CurrentUtcDate();
  if (!a.today.empty()) {
    std::optional<Date> d = ParseDate(a.today);
    if (!d) {
      std::cerr << "edict: error: --today `" << a.today << "` is not a date (YYYY-MM-DD)\n";
      return 2;
    }
    today = *d;
  }

  CompileOptions options;
  options.stdlib_dir = a.stdlib;
  Compilation compilation(options);

  // A built module: its schema comes from its descriptor, evaluation from its code.
  std::unique_ptr<ModuleEngine> module_engine;
  if (IsModulePath(a.policy)) {
    if (a.engine != "auto") {
      std::cerr << "edict: error: --engine does not apply to a built module (`" << a.policy << "`)\n";
      return 2;
    }
    std::string error;
    module_engine = LoadModuleEngine(a.policy, error);
    if (!module_engine) {
      compilation.diags().Build(SourceRange{}, diag::CannotLoadModule, a.policy, error).Emit();
      RenderOptions r;
      r.color = isatty(STDERR_FILENO);
      RenderText(compilation.diags(), r, std::cerr);
      return 2;
    }
  }
  pir::Module compiled;
  if (!module_engine) {
    Compilation::Unit& unit = compilation.CompileFile(a.policy);
    if (unit.io_error || !unit.checked || compilation.diags().has_errors()) {
      RenderOptions r;
      r.color = isatty(STDERR_FILENO);
      RenderText(compilation.diags(), r, std::cerr);
      if (!unit.io_error) std::cerr << "edict: error: `" << a.policy << "` does not compile\n";
      return 2;
    }
    if (!unit.checked->is_policy) {
      std::cerr << "edict: error: `" << a.policy << "` is a module, not a policy\n";
      return 2;
    }
    compiled = pir::BuildPir(*unit.checked, compilation.sources());
    if (std::string problem = pir::Verify(compiled); !problem.empty()) {
      std::cerr << "edict: internal error: invalid Policy IR: " << problem << "\n";
      return 2;
    }
  }
  const pir::Module& m = module_engine ? module_engine->schema() : compiled;

  // `auto` is the JIT when this build has one and it compiles the policy, else the interpreter.
  std::unique_ptr<Engine> engine;
  if (module_engine) {
    // evaluated by the module
  } else if (a.engine == "jit" || (a.engine == "auto" && HaveJit())) {
    std::string error;
    engine = MakeJitEngine(m, error);
    if (!engine && a.engine == "jit") {
      std::cerr << "edict: error: " << error << "\n";
      return 2;
    }
    if (!engine) std::cerr << "edict: warning: " << error << "; using the interpreter\n";
  }
  if (!engine && !module_engine) engine = MakeInterpreterEngine(m);

  Evaluator evaluator(m, module_engine ? *module_engine : *engine, today, a.explain,
                      module_engine.get());
  std::string input, error, out;
  size_t size = 0;
  if (a.batch.empty()) {
    const std::string& path = a.request.empty() ? std::string("-") : a.request;
    if (!ReadInput(path, input, size, error)) {
      std::cerr << "edict: error: cannot read `" << path << "`: " << error << "\n";
      return 2;
    }
    bool ok = evaluator.Run(input.data(), size, out);
    if (!WriteAll(out)) return 2;
    return ok ? 0 : 1;
  }

  BatchReader reader;
  if (!reader.Open(a.batch, error)) {
    std::cerr << "edict: error: cannot read `" << a.batch << "`: " << error << "\n";
    return 2;
  }
  bool all_ok = true;
  out.reserve(kOutputChunk);
  while (true) {
    bool eof = false;
    if (!reader.Fill(eof, error)) {
      WriteAll(out);
      std::cerr << "edict: error: cannot read `" << a.batch << "`: " << error << "\n";
      return 2;
    }
    const char* p = reader.begin();
    const char* end = reader.end();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr && !eof) break;  // an incomplete line: the next Fill completes it
      const char* line_end = nl ? nl : end;
      auto len = static_cast<size_t>(line_end - p);
      // Each line is parsed in place: what follows it in the buffer (the next lines, then the
      // padding) is readable, as simdjson requires.
      if (!IsBlank(p, len)) all_ok &= evaluator.Run(p, len, out);
      if (out.size() >= kOutputChunk - 4096) {
        if (!WriteAll(out)) return 2;
        out.clear();
      }
      p = nl ? nl + 1 : end;
    }
    if (eof) break;
    reader.Consume(p);
  }
  if (!WriteAll(out)) return 2;
  return all_ok ? 0 : 1;
}

}  // namespace

auto AddEvalCommand(CLI::App& app) -> std::pair<CLI::App*, CommandRunner> {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate JSON requests against a policy");
  cmd->add_option("policy", args->policy,
                  "The policy: a source file (.edict) or a module built by `edict build` (.so)")
      ->required();
  cmd->add_option("request", args->request,
                  "A file holding one JSON request, or - for stdin (the default)");
  cmd->add_option("--batch", args->batch,
                  "A JSON Lines file (or -): one request per line, one result per line");
  cmd->add_flag("--explain", args->explain,
                "Add every rule, exemption and cap with its status and because/cite text");
  cmd->add_option("--engine", args->engine,
                  "auto (the JIT when this build has one, else the interpreter), interp or jit")
      ->check(CLI::IsMember({"auto", "interp", "jit"}));
  cmd->add_option("--stdlib", args->stdlib, "Standard library directory (holds std/)");
  cmd->add_option("--today", args->today,
                  "The date of requests without `today` (default: the current UTC date)");
  return {cmd, [args] { return RunEval(*args); }};
}

}  // namespace edict::driver
