// Shared state of the PIR → LLVM lowering (codegen.cpp, codegen_expr.cpp, module_table.cpp).
//
// How evaluation is compiled:
//
//   - Each entry point (eval, cap_slots) is one LLVM function; there are no per-node functions
//     and no evaluation frame in memory. The request (input pointer, usage pointer, today) is in
//     registers; the first error (code, line, col) lives in a 3-field alloca that SROA turns
//     into phis at the failure exit.
//   - Memoisation is by dominance, at compile time: every named node of pir.h (lets, rule and
//     exemption conditions and `applies`, cap `applies`, keys, limit, amount and core) and every
//     instruction is emitted where it is first needed and cached; a later use that the first
//     computation dominates reuses its SSA value. A value computed inside a lazy region (the
//     right operand of and/or, a branch of if/match, a defeater after the first, a cap's core)
//     is forgotten when the region closes, and a later use outside emits it again. Evaluation is
//     pure and the first error ends the request, so evaluating a node again on another path is
//     indistinguishable from memoising it — and LLVM's GVN/jump threading merge what they can.
//     Cap cores, which `exceeds` needs in several regions (defeaters, lets, the cap root), also
//     have a run-time memo (EmitMemoised): the values in allocas plus an i1 "computed" flag set
//     after the core succeeded. Each emission point checks the flag and computes the core only
//     when it is clear, so the core runs at most once per request, at the point (and in the
//     order) it would run without the memo; SROA turns the slots into phis.
//   - Errors: a checked operation branches (marked unlikely) to a block that records the code
//     and source location and jumps to the function's failure exit, which writes the error
//     result and returns; nothing after the first error runs.
//   - Roots follow pir.h's order; `applies` of rules and exemptions is computed after the roots
//     from the conditions already in registers (false when not in force), so it adds no new
//     error paths.
#pragma once

#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/abi_layout.h"
#include "codegen/codegen.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "pir/pir.h"

namespace edict::codegen::detail {

// A value in registers: `v` (i1 bool, i64 int/date/enum, double float, ptr string) and, for
// strings, `len` (i64).
struct CgValue {
  llvm::Value* v = nullptr;
  llvm::Value* len = nullptr;
};

enum class NodeKind {
  Let,
  RuleCond,
  RuleApplies,
  ExemptCond,
  ExemptApplies,
  CapApplies,
  CapLimit,
  CapAmount,
  CapKeys,
  CapCore,  // keys, limit, amount, then the usage + amount overflow check; {sum, limit, amount}
};

class Codegen {
 public:
  Codegen(const pir::Module& m, llvm::LLVMContext& ctx);
  auto Run() -> std::unique_ptr<llvm::Module>;

 private:
  static auto NodeKey(NodeKind k, int32_t index) -> uint64_t {
    return (static_cast<uint64_t>(k) << 32) | static_cast<uint32_t>(index);
  }

  // ---- Types and constants (codegen.cpp).
  auto ValueType(pir::Type t) -> llvm::Type*;
  auto I1() -> llvm::IntegerType* { return b_.getInt1Ty(); }
  auto I8() -> llvm::IntegerType* { return b_.getInt8Ty(); }
  auto I32() -> llvm::IntegerType* { return b_.getInt32Ty(); }
  auto I64() -> llvm::IntegerType* { return b_.getInt64Ty(); }
  auto F64() -> llvm::Type* { return b_.getDoubleTy(); }
  auto Ptr() -> llvm::PointerType* { return b_.getPtrTy(); }
  auto CI64(int64_t v) -> llvm::ConstantInt* { return b_.getInt64(static_cast<uint64_t>(v)); }
  auto CI32(int64_t v) -> llvm::ConstantInt* { return b_.getInt32(static_cast<uint32_t>(v)); }
  // A private constant NUL-terminated string; shared by content.
  auto CString(const std::string& s) -> llvm::Constant*;

  // ---- Nodes (codegen.cpp).
  // The value(s) of a node, emitted here unless a dominating computation is cached. CapKeys
  // has one value per key; CapCore's value is usage + amount.
  auto Node(NodeKind k, int32_t index) -> std::vector<CgValue>;
  auto Node1(NodeKind k, int32_t index) -> llvm::Value* { return Node(k, index).at(0).v; }
  auto EmitNode(NodeKind k, int32_t index) -> std::vector<CgValue>;
  // EmitNode behind a run-time memo (flag + slots), for nodes that may be needed again after
  // the region computing them closed: cap cores. (Memoising non-speculatable lets too was
  // measured on ai_diffusion: the flags cost more instructions than the recomputation saved.)
  auto EmitMemoised(NodeKind k, int32_t index) -> std::vector<CgValue>;
  auto InForce(const pir::Validity& v) -> llvm::Value*;
  // Ends the current block with a branch to a new block when `ok`, else to an error exit that
  // records (code, loc) and goes to `fail_`.
  void Check(llvm::Value* ok, pir::ErrorCode code, pir::Location loc);
  void StoreError(pir::ErrorCode code, pir::Location loc);
  auto NewBlock(const char* name) -> llvm::BasicBlock*;
  // `not any(applies(d) for d in defeaters)`, lazily left to right.
  auto NotDefeated(const std::vector<int32_t>& defeaters) -> llvm::Value*;
  // `cond and not defeated`, the defeaters only when cond holds.
  auto AndNotDefeated(llvm::Value* cond, const std::vector<int32_t>& defeaters) -> llvm::Value*;
  auto UsageOf(int32_t cap) -> llvm::Value*;

  // ---- Entry points (codegen.cpp).
  void EmitEval();
  void EmitEvalBatch();
  void EmitCapSlots();
  auto WindowStart(pir::Window w, llvm::Value* today) -> llvm::Value*;
  // Starts emitting `fn`: clears the caches, creates the error alloca in `entry`.
  void BeginFunction(llvm::Function* fn, llvm::BasicBlock* entry, llvm::Value* input,
                     llvm::Value* usage, llvm::Value* today);

  // ---- Expressions (codegen_expr.cpp).
  auto Emit(pir::ValueId id) -> CgValue;
  auto EmitInst(pir::ValueId id) -> CgValue;
  auto EmitLazy(const pir::Inst& in) -> CgValue;
  // Whether `id` may be evaluated eagerly instead of lazily: it cannot fail, calls nothing
  // (no string comparison, no builtin, no cap node) and is small. Evaluating it early is then
  // unobservable, and an `and`/`or`/`if` over such operands becomes branch-free.
  auto Speculatable(pir::ValueId id) -> bool;
  auto SpecCost(pir::ValueId id) -> int;  // tree size, capped; kNoSpec when not speculatable
  auto EmitCompare(const pir::Inst& in) -> CgValue;
  auto EmitInSet(const pir::Inst& in) -> CgValue;
  auto EmitClassify(const pir::Inst& in) -> CgValue;
  auto EmitStringEq(CgValue a, CgValue b) -> llvm::Value*;
  auto EmitStringFind(CgValue s, const std::vector<std::string>& sorted) -> llvm::Value*;
  auto CompareIntFloat(llvm::Value* i, llvm::Value* f) -> llvm::Value*;  // i32 -1/0/1
  auto CheckedIntOp(llvm::Intrinsic::ID id, llvm::Value* a, llvm::Value* b, pir::Location loc)
      -> llvm::Value*;
  auto CheckFinite(llvm::Value* f, pir::Location loc) -> llvm::Value*;
  auto FloatToInt(llvm::Value* f, pir::Location loc) -> llvm::Value*;
  // Runs `body` in a lazy region: values it computes are forgotten afterwards.
  template <typename F>
  auto InRegion(F&& body) {
    size_t mark = cache_log_.size();
    auto v = body();
    PopTo(mark);
    return v;
  }
  void PopTo(size_t mark);
  auto Phi(pir::Type t, llvm::ArrayRef<std::pair<CgValue, llvm::BasicBlock*>> in) -> CgValue;
  // Dates: {year, month, day} of a day number, and the inverse.
  auto CivilFromDays(llvm::Value* days) -> std::array<llvm::Value*, 3>;
  auto DaysFromCivil(llvm::Value* y, llvm::Value* m, llvm::Value* d) -> llvm::Value*;
  void EmitDateHelpers();

  // ---- The descriptor (module_table.cpp).
  void EmitDescriptor();

  const pir::Module& m_;
  llvm::LLVMContext& ctx_;
  std::unique_ptr<llvm::Module> mod_;
  llvm::IRBuilder<> b_;
  AbiLayout layout_;
  std::string prefix_;  // "edict_<policy>"

  llvm::Function* eval_ = nullptr;
  llvm::Function* eval_batch_ = nullptr;
  llvm::Function* cap_slots_ = nullptr;
  llvm::Function* civil_fn_ = nullptr;      // {i64,i64,i64} (i64 days)
  llvm::Function* from_civil_fn_ = nullptr; // i64 (i64 y, i64 m, i64 d)
  llvm::Function* cmp_if_fn_ = nullptr;     // i32 (i64, double)
  llvm::Constant* zero_usage_ = nullptr;
  std::map<std::string, llvm::Constant*> strings_;

  // Per-function emission state.
  llvm::Function* fn_ = nullptr;
  llvm::Value* input_ = nullptr;
  llvm::Value* usage_ = nullptr;  // never null: zero_usage_ stands for a null argument
  llvm::Value* today_ = nullptr;  // i64
  llvm::Value* err_ = nullptr;    // alloca {i32 code, i32 line, i32 col}
  llvm::StructType* err_ty_ = nullptr;
  llvm::BasicBlock* fail_ = nullptr;
  // Caches: instructions by ValueId, nodes by NodeKey; the log undoes lazy regions.
  std::unordered_map<pir::ValueId, CgValue> cache_;
  std::unordered_map<uint64_t, std::vector<CgValue>> node_cache_;
  std::vector<std::pair<bool, uint64_t>> cache_log_;  // (is_node, key)
  // Rule / exemption conditions computed as roots: the condition when in force, else false.
  std::vector<llvm::Value*> rule_guarded_, exempt_guarded_;
  // Run-time memos (EmitMemoised) by NodeKey: the "computed" flag and the value slots
  // ({value, length or null} per component), allocas in the entry block.
  struct Memo {
    llvm::AllocaInst* flag = nullptr;
    std::vector<std::pair<llvm::AllocaInst*, llvm::AllocaInst*>> slots;
  };
  std::unordered_map<uint64_t, Memo> memos_;
  std::vector<int> spec_cost_;  // per ValueId: -1 unknown
};

}  // namespace edict::codegen::detail
