// `edict eval POLICY [REQUEST.json|-] [--batch IN.jsonl] [--explain] [--engine auto|interp|jit]
//  [--stdlib DIR] [--today DATE] [--ledger URL [--check]]`: evaluates JSON requests (LANGUAGE.md
// §9–§10, DESIGN.md "Requests and results") and prints one JSON result per request on stdout.
//
// Without --ledger: stateless; each request's `usage` figures stand for the ledger (a missing
// figure is 0) and nothing is recorded. With --ledger URL (docs/caps.md): every request is an
// atomic `decide` through the ledger (ledger_evaluation.h): usage comes from the ledger, a request
// giving `usage` is a bad_request naming the field, the amounts in the result's `recorded` are
// recorded (durably) before the result is printed, an evaluation error records nothing, and a
// request `id` seen before prints its first answer again (with other content: an
// idempotency_conflict error result). Each result is written as soon as it is decided, so a
// reader of a pipe sees every answer whose usage is recorded. --check reads the ledger and
// records nothing. --jobs N (with --ledger and --batch) decides up to N requests at once on N
// threads, so that a back end can commit them together (SQLite's group commit); answers still
// come out in input order, but requests competing for the last units of a cap are then
// decided in whichever order the threads reach the ledger. A ledger that cannot be opened, or that knows a cap with another key shape
// or window, is exit status 2. With REQUEST (a file, or `-` for stdin; stdin when neither REQUEST nor
// --batch is given) the whole input is one request. With --batch every non-blank line is one
// request and gets one result line, in input order, with its `id`; a line that cannot be decoded
// gets an error result and the batch goes on. `today` defaults to --today, else the current UTC
// date. Exit status: 0 every result is an outcome, 1 some result is an error, 2 usage or I/O
// error or a policy that does not compile (its diagnostics go to stderr).
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/commands.h"
#include "driver/compilation.h"
#include "driver/engine.h"
#include "driver/ledger_evaluation.h"
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
  std::string ledger;
  bool check = false;
  int jobs = 1;
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

  // Decides every request through `ledger` (or checks it, when `check`).
  void UseLedger(ledger::Ledger* ledger, bool check) {
    ledger_ = ledger;
    check_ = check;
    info_ = LedgerPolicyInfo(m_);
    evaluation_ = std::make_unique<LedgerEvaluation>(
        m_, engine_, [this](const pir::Request& req, const pir::Result& r, std::string& text) {
          AppendResult(req, r, text);
        });
  }

  // A ledger failure that is not about one request (the ledger could not answer): the caller
  // prints it and stops with exit status 2.
  auto ledger_failure() const -> const std::string& { return ledger_failure_; }

  auto Run(const char* data, size_t len, std::string& out) -> bool {
    bool ok = decoder_.DecodePadded(data, len, today_, decoded_);
    std::optional<std::string_view> id;
    if (decoded_.id) id = *decoded_.id;
    if (!ok) {
      json::AppendRequestError(m_, *decoded_.error, id, out);
      out.push_back('\n');
      return false;
    }
    if (ledger_ != nullptr) return RunLedger(data, len, id, out);
    pir::Result& result = result_;  // reused across requests: its vectors keep their storage
    engine_.EvaluateInto(decoded_.request, result);
    AppendResult(decoded_.request, result, out);
    out.push_back('\n');
    return result.error == pir::ErrorCode::None;
  }

 private:
  // The result JSON of `r` for `req` (no newline), with the explanation when asked for.
  void AppendResult(const pir::Request& req, const pir::Result& r, std::string& out) {
    json::EncodeOptions o;
    if (decoded_.id) o.id = *decoded_.id;
    o.explain = explain_ && module_ == nullptr;
    o.request = &req;
    encoder_.Append(r, o, out);
    if (explain_ && module_ != nullptr && r.error == pir::ErrorCode::None) {
      out.pop_back();  // the result's closing brace
      module_->AppendExplain(r, req, out);
      out.push_back('}');
    }
  }

  auto RunLedger(const char* data, size_t len, std::optional<std::string_view> id,
                 std::string& out) -> bool {
    if (probe_.HasUsage(data, len)) {
      json::RequestError e{pir::ErrorCode::BadRequest, LedgerUsageGivenMessage(), "usage"};
      json::AppendRequestError(m_, e, id, out);
      out.push_back('\n');
      return false;
    }
    evaluation_->Reset(decoded_.request);
    std::string answer;
    if (check_) {
      ledger::Status st = ledger_->Check(*evaluation_, answer);
      if (!st.ok) {
        ledger_failure_ = st.message;
        return false;
      }
    } else {
      ledger::DecideResult decided;
      std::string digest = LedgerRequestDigest(m_, decoded_.request);
      ledger::Status st = ledger_->Decide(info_, id.value_or(std::string_view()), digest,
                                          *evaluation_, decided);
      if (!st.ok) {
        static constexpr std::string_view kConflict = "idempotency_conflict:";
        if (st.message.compare(0, kConflict.size(), kConflict) != 0) {
          ledger_failure_ = st.message;
          return false;
        }
        std::string message = st.message.substr(kConflict.size());
        while (!message.empty() && message.front() == ' ') message.erase(0, 1);
        if (message.empty()) message = "request `id` was decided before with other content";
        json::RequestError e{pir::ErrorCode::IdempotencyConflict, message, "id"};
        json::AppendRequestError(m_, e, id, out);
        out.push_back('\n');
        return false;
      }
      answer = std::move(decided.answer);
    }
    out += answer;
    out.push_back('\n');
    // A replayed answer was not evaluated now: its text says whether it is an error.
    return answer.compare(0, 9, "{\"error\":") != 0;
  }

  const pir::Module& m_;
  Engine& engine_;
  Date today_;
  bool explain_;
  const ModuleEngine* module_;
  json::RequestDecoder decoder_;
  json::ResultEncoder encoder_;
  json::DecodeResult decoded_;
  pir::Result result_;
  ledger::Ledger* ledger_ = nullptr;
  bool check_ = false;
  ledger::PolicyInfo info_;
  std::unique_ptr<LedgerEvaluation> evaluation_;
  UsageKeyProbe probe_;
  std::string ledger_failure_;
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

  // Returns from Fill after any read that brings bytes, rather than only with a full buffer:
  // for a pipe whose writer waits for each answer before sending more.
  void set_eager(bool eager) { eager_ = eager; }

  // Reads until the buffer is full or the input ends (sets `eof`); when eager, until some bytes
  // came.
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
      if (eager_) break;
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
  bool eager_ = false;
};

// `--batch` under a ledger with --jobs N: the reading thread hands lines to N workers (each
// with its own Evaluator over the shared engine and ledger) and a writing thread prints the
// answers in input order as soon as each one and all before it are decided.
class ParallelBatch {
 public:
  ParallelBatch(std::vector<std::unique_ptr<Evaluator>> evaluators)
      : evaluators_(std::move(evaluators)) {}

  // Runs the batch from `reader`; returns the exit status. `failed_ledger` receives a ledger
  // failure message (exit 2).
  auto Run(BatchReader& reader, const std::string& input_name, std::string& failure) -> int {
    std::vector<std::thread> workers;
    for (auto& e : evaluators_) workers.emplace_back([this, ev = e.get()] { Work(*ev); });
    std::thread writer([this] { Write(); });
    std::string error;
    bool read_failed = false;
    while (true) {
      bool eof = false;
      if (!reader.Fill(eof, error)) {
        read_failed = true;
        break;
      }
      const char* p = reader.begin();
      const char* end = reader.end();
      bool stop = false;
      while (p < end) {
        const char* nl =
            static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (nl == nullptr && !eof) break;
        const char* line_end = nl ? nl : end;
        auto len = static_cast<size_t>(line_end - p);
        if (!IsBlank(p, len) && !Submit(p, len)) {
          stop = true;
          break;
        }
        p = nl ? nl + 1 : end;
      }
      if (eof || stop) break;
      reader.Consume(p);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    work_cv_.notify_all();
    done_cv_.notify_all();
    for (auto& w : workers) w.join();
    writer.join();
    if (read_failed) {
      failure = "cannot read `" + input_name + "`: " + error;
      return 2;
    }
    if (!failure_.empty()) {
      failure = failure_;
      return 2;
    }
    return all_ok_ ? 0 : 1;
  }

 private:
  struct Done {
    std::string text;
    bool ok = true;
  };

  // Queues one line (copied, with the padding simdjson needs); false once the batch failed.
  auto Submit(const char* p, size_t len) -> bool {
    std::string line(p, len);
    line.append(json::kPadding, '\0');
    std::unique_lock<std::mutex> lock(mu_);
    space_cv_.wait(lock, [&] { return failed_ || submitted_ - written_ < kInFlight; });
    if (failed_) return false;
    work_.emplace_back(submitted_++, std::move(line));
    lock.unlock();
    work_cv_.notify_one();
    return true;
  }

  void Work(Evaluator& ev) {
    while (true) {
      std::pair<uint64_t, std::string> item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return failed_ || closed_ || !work_.empty(); });
        if (failed_ || work_.empty()) return;
        item = std::move(work_.front());
        work_.pop_front();
      }
      Done d;
      d.ok = ev.Run(item.second.data(), item.second.size() - json::kPadding, d.text);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!ev.ledger_failure().empty()) {
          Fail(ev.ledger_failure());
        } else {
          done_.emplace(item.first, std::move(d));
        }
      }
      done_cv_.notify_all();
    }
  }

  void Write() {
    while (true) {
      Done d;
      {
        std::unique_lock<std::mutex> lock(mu_);
        done_cv_.wait(lock, [&] {
          return failed_ || done_.count(written_) != 0 || (closed_ && written_ == submitted_);
        });
        auto it = done_.find(written_);
        if (failed_ || it == done_.end()) return;  // failed, or all written
        d = std::move(it->second);
        done_.erase(it);
      }
      if (!WriteAll(d.text)) {
        std::lock_guard<std::mutex> lock(mu_);
        Fail(std::string("cannot write the results: ") + std::strerror(errno));
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        all_ok_ &= d.ok;
        ++written_;
      }
      space_cv_.notify_all();
    }
  }

  // With mu_ held.
  void Fail(std::string message) {
    if (failed_) return;
    failed_ = true;
    failure_ = std::move(message);
    work_cv_.notify_all();
    space_cv_.notify_all();
    done_cv_.notify_all();
  }

  static constexpr uint64_t kInFlight = 4096;  // lines read but not yet written
  std::vector<std::unique_ptr<Evaluator>> evaluators_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_, space_cv_;
  std::deque<std::pair<uint64_t, std::string>> work_;
  std::map<uint64_t, Done> done_;
  uint64_t submitted_ = 0, written_ = 0;
  bool closed_ = false, failed_ = false, all_ok_ = true;
  std::string failure_;
};

auto RunEval(const EvalArgs& a) -> int {
  if (!a.request.empty() && !a.batch.empty()) {
    std::cerr << "edict: error: give either a REQUEST or --batch, not both\n";
    return 2;
  }
  if (a.check && a.ledger.empty()) {
    std::cerr << "edict: error: --check reads a ledger: give --ledger URL too\n";
    return 2;
  }
  if (a.jobs != 1 && (a.ledger.empty() || a.batch.empty())) {
    std::cerr << "edict: error: --jobs decides the lines of a --batch through a --ledger at "
                 "once: give --ledger URL and --batch too\n";
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
  std::unique_ptr<ledger::Ledger> ledger;
  if (!a.ledger.empty()) {
    std::string error;
    ledger = ledger::Ledger::Open(a.ledger, error);
    if (!ledger) {
      std::cerr << "edict: error: cannot open the ledger `" << a.ledger << "`: " << error << "\n";
      return 2;
    }
    ledger::Status st = ledger->Register(LedgerPolicyInfo(m));
    if (!st.ok) {
      std::cerr << "edict: error: ledger `" << a.ledger << "`: " << st.message << "\n";
      return 2;
    }
    evaluator.UseLedger(ledger.get(), a.check);
  }
  auto ledger_failed = [&] {
    if (evaluator.ledger_failure().empty()) return false;
    std::cerr << "edict: error: ledger `" << a.ledger << "`: " << evaluator.ledger_failure()
              << "\n";
    return true;
  };
  std::string input, error, out;
  size_t size = 0;
  if (a.batch.empty()) {
    const std::string& path = a.request.empty() ? std::string("-") : a.request;
    if (!ReadInput(path, input, size, error)) {
      std::cerr << "edict: error: cannot read `" << path << "`: " << error << "\n";
      return 2;
    }
    bool ok = evaluator.Run(input.data(), size, out);
    if (ledger_failed()) return 2;
    if (!WriteAll(out)) return 2;
    return ok ? 0 : 1;
  }

  BatchReader reader;
  if (!reader.Open(a.batch, error)) {
    std::cerr << "edict: error: cannot read `" << a.batch << "`: " << error << "\n";
    return 2;
  }
  // Under a ledger every answer is written as soon as it is decided (and so durable).
  const bool flush_each = ledger != nullptr;
  reader.set_eager(flush_each);
  if (ledger && a.jobs > 1) {
    std::vector<std::unique_ptr<Evaluator>> evaluators;
    for (int k = 0; k < a.jobs; ++k) {
      evaluators.push_back(std::make_unique<Evaluator>(
          m, module_engine ? *module_engine : *engine, today, a.explain, module_engine.get()));
      evaluators.back()->UseLedger(ledger.get(), a.check);
    }
    ParallelBatch batch(std::move(evaluators));
    std::string failure;
    int status = batch.Run(reader, a.batch, failure);
    if (status == 2) {
      std::cerr << "edict: error: "
                << (failure.rfind("cannot ", 0) == 0 ? failure
                                                     : "ledger `" + a.ledger + "`: " + failure)
                << "\n";
    }
    return status;
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
      if (flush_each) {
        if (ledger_failed()) {
          WriteAll(out);
          return 2;
        }
        if (!WriteAll(out)) return 2;
        out.clear();
      } else if (out.size() >= kOutputChunk - 4096) {
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
  cmd->add_option("--ledger", args->ledger,
                  "Decide each request through this cap ledger: memory:, sqlite:PATH or "
                  "postgresql://… (docs/caps.md)");
  cmd->add_flag("--check", args->check,
                "With --ledger: read usage from the ledger but record nothing");
  cmd->add_option("--jobs", args->jobs,
                  "With --ledger and --batch: decide up to N lines at once (answers stay in "
                  "input order; competing requests are decided in no fixed order)")
      ->check(CLI::Range(1, 256));
  return {cmd, [args] { return RunEval(*args); }};
}

}  // namespace edict::driver
