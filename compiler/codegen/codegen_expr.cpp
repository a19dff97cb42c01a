// Expressions: one LLVM value (two for strings) per PIR instruction in scope.
#include <cmath>

#include "codegen/codegen_internal.h"
#include "codegen/runtime_decls.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/Support/ErrorHandling.h"

namespace edict::codegen::detail {

using pir::Op;
using pir::TypeKind;

// 2^63 as a double: the first value above the int64 range.
constexpr double kTwo63 = 9223372036854775808.0;

auto Codegen::Emit(pir::ValueId id) -> CgValue {
  if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  CgValue v = EmitInst(id);
  cache_.emplace(id, v);
  cache_log_.push_back({false, static_cast<uint64_t>(id)});
  return v;
}

auto Codegen::Phi(pir::Type t, llvm::ArrayRef<std::pair<CgValue, llvm::BasicBlock*>> in) -> CgValue {
  CgValue out;
  llvm::PHINode* v = b_.CreatePHI(ValueType(t), static_cast<unsigned>(in.size()));
  for (const auto& [val, bb] : in) v->addIncoming(val.v, bb);
  out.v = v;
  if (t.kind == TypeKind::String) {
    llvm::PHINode* len = b_.CreatePHI(I64(), static_cast<unsigned>(in.size()));
    for (const auto& [val, bb] : in) len->addIncoming(val.len, bb);
    out.len = len;
  }
  return out;
}

auto Codegen::CheckedIntOp(llvm::Intrinsic::ID id, llvm::Value* a, llvm::Value* b, pir::Location loc)
    -> llvm::Value* {
  llvm::Value* r = b_.CreateBinaryIntrinsic(id, a, b);
  Check(b_.CreateNot(b_.CreateExtractValue(r, 1)), pir::ErrorCode::IntOverflow, loc);
  return b_.CreateExtractValue(r, 0);
}

auto Codegen::CheckFinite(llvm::Value* f, pir::Location loc) -> llvm::Value* {
  llvm::Value* mag = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, f);
  Check(b_.CreateFCmpOLT(mag, llvm::ConstantFP::getInfinity(F64())), pir::ErrorCode::NonFinite, loc);
  return f;
}

auto Codegen::FloatToInt(llvm::Value* f, pir::Location loc) -> llvm::Value* {
  llvm::Value* ok = b_.CreateAnd(b_.CreateFCmpOGE(f, llvm::ConstantFP::get(F64(), -kTwo63)),
                                 b_.CreateFCmpOLT(f, llvm::ConstantFP::get(F64(), kTwo63)));
  Check(ok, pir::ErrorCode::IntOverflow, loc);
  return b_.CreateFPToSI(f, I64());
}

auto Codegen::EmitInst(pir::ValueId id) -> CgValue {
  const pir::Inst& in = m_.insts[id];
  auto arg = [&](size_t k) { return Emit(in.args[k]); };
  const pir::Type kBool{TypeKind::Bool};
  switch (in.op) {
    case Op::ConstBool: return {b_.getInt1(in.imm != 0)};
    case Op::ConstInt:
    case Op::ConstDate:
    case Op::ConstEnum: return {CI64(in.imm)};
    case Op::ConstFloat: return {llvm::ConstantFP::get(F64(), in.fimm)};
    case Op::ConstString: {
      const std::string& s = m_.strings[in.imm];
      return {CString(s), CI64(static_cast<int64_t>(s.size()))};
    }
    case Op::Input: {
      uint32_t off = layout_.input_offsets[in.imm];
      llvm::Value* p = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), input_, off);
      switch (m_.inputs[in.imm].type.kind) {
        case TypeKind::Bool:
          return {b_.CreateICmpNE(b_.CreateAlignedLoad(I64(), p, llvm::Align(8)), CI64(0))};
        case TypeKind::Float: return {b_.CreateAlignedLoad(F64(), p, llvm::Align(8))};
        case TypeKind::String: {
          llvm::Value* lp = b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), input_, off + 8);
          return {b_.CreateAlignedLoad(Ptr(), p, llvm::Align(8)),
                  b_.CreateAlignedLoad(I64(), lp, llvm::Align(8))};
        }
        default: return {b_.CreateAlignedLoad(I64(), p, llvm::Align(8))};
      }
    }
    case Op::Today: return {today_};
    case Op::Let: return Node(NodeKind::Let, static_cast<int32_t>(in.imm)).at(0);
    case Op::RuleApplies:
    case Op::ExemptApplies:
    case Op::CapApplies: {
      NodeKind k = in.op == Op::RuleApplies     ? NodeKind::RuleApplies
                   : in.op == Op::ExemptApplies ? NodeKind::ExemptApplies
                                                : NodeKind::CapApplies;
      return {Node1(k, static_cast<int32_t>(in.imm))};
    }
    case Op::CapUsage: return {UsageOf(static_cast<int32_t>(in.imm))};
    case Op::CapLimit: return {Node1(NodeKind::CapLimit, static_cast<int32_t>(in.imm))};
    case Op::CapRemaining: {
      auto c = static_cast<int32_t>(in.imm);
      llvm::Value* limit = Node1(NodeKind::CapLimit, c);
      // Cannot overflow for usage >= 0 (the ABI's contract); checked like the interpreter.
      llvm::Value* rest =
          CheckedIntOp(llvm::Intrinsic::ssub_with_overflow, limit, UsageOf(c), m_.caps[c].loc);
      return {b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, rest, CI64(0))};
    }
    case Op::CapExceeds: {
      // applies(C) and usage + amount > limit, the core (keys, limit, amount, overflow check)
      // only when C applies.
      auto c = static_cast<int32_t>(in.imm);
      llvm::Value* applies = Node1(NodeKind::CapApplies, c);
      llvm::BasicBlock* start = b_.GetInsertBlock();
      llvm::BasicBlock* core = NewBlock("exceeds.core");
      llvm::BasicBlock* merge = NewBlock("exceeds.merge");
      b_.CreateCondBr(applies, core, merge);
      b_.SetInsertPoint(core);
      llvm::Value* over = InRegion([&] {
        std::vector<CgValue> core = Node(NodeKind::CapCore, c);  // {usage + amount, limit, amount}
        return b_.CreateICmpSGT(core.at(0).v, core.at(1).v);
      });
      llvm::BasicBlock* core_end = b_.GetInsertBlock();
      b_.CreateBr(merge);
      b_.SetInsertPoint(merge);
      return Phi(kBool, {{{b_.getFalse()}, start}, {{over}, core_end}});
    }
    case Op::Outcome:
      // Properties only; never part of an evaluation.
      return {CI64(0)};
    case Op::And:
    case Op::Or:
    case Op::Select:
    case Op::Switch: return EmitLazy(in);
    case Op::Not: return {b_.CreateNot(arg(0).v)};
    case Op::AddInt: {
      llvm::Value* a = arg(0).v;
      return {CheckedIntOp(llvm::Intrinsic::sadd_with_overflow, a, arg(1).v, in.loc)};
    }
    case Op::SubInt: {
      llvm::Value* a = arg(0).v;
      return {CheckedIntOp(llvm::Intrinsic::ssub_with_overflow, a, arg(1).v, in.loc)};
    }
    case Op::MulInt: {
      llvm::Value* a = arg(0).v;
      return {CheckedIntOp(llvm::Intrinsic::smul_with_overflow, a, arg(1).v, in.loc)};
    }
    case Op::RemInt: {
      llvm::Value* a = arg(0).v;
      llvm::Value* d = arg(1).v;
      Check(b_.CreateICmpNE(d, CI64(0)), pir::ErrorCode::DivisionByZero, in.loc);
      // INT64_MIN % -1 is 0 (and would trap as srem): x % -1 == x % 1 == 0.
      llvm::Value* safe = b_.CreateSelect(b_.CreateICmpEQ(d, CI64(-1)), CI64(1), d);
      return {b_.CreateSRem(a, safe)};
    }
    case Op::NegInt:
      return {CheckedIntOp(llvm::Intrinsic::ssub_with_overflow, CI64(0), arg(0).v, in.loc)};
    case Op::AbsInt: {
      llvm::Value* a = arg(0).v;
      Check(b_.CreateICmpNE(a, CI64(INT64_MIN)), pir::ErrorCode::IntOverflow, in.loc);
      return {b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, a, b_.getFalse())};
    }
    case Op::AddFloat:
    case Op::SubFloat:
    case Op::MulFloat: {
      llvm::Value* a = arg(0).v;
      llvm::Value* b = arg(1).v;
      llvm::Value* r = in.op == Op::AddFloat   ? b_.CreateFAdd(a, b)
                       : in.op == Op::SubFloat ? b_.CreateFSub(a, b)
                                               : b_.CreateFMul(a, b);
      return {CheckFinite(r, in.loc)};
    }
    case Op::DivFloat: {
      llvm::Value* a = arg(0).v;
      llvm::Value* b = arg(1).v;
      Check(b_.CreateFCmpUNE(b, llvm::ConstantFP::get(F64(), 0.0)), pir::ErrorCode::DivisionByZero,
            in.loc);
      return {CheckFinite(b_.CreateFDiv(a, b), in.loc)};
    }
    case Op::NegFloat: return {b_.CreateFNeg(arg(0).v)};
    case Op::AbsFloat: return {b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, arg(0).v)};
    case Op::IntToFloat: return {b_.CreateSIToFP(arg(0).v, F64())};
    case Op::FloorToInt:
    case Op::CeilToInt:
    case Op::RoundToInt: {
      llvm::Intrinsic::ID id = in.op == Op::FloorToInt  ? llvm::Intrinsic::floor
                               : in.op == Op::CeilToInt ? llvm::Intrinsic::ceil
                                                        : llvm::Intrinsic::round;
      return {FloatToInt(b_.CreateUnaryIntrinsic(id, arg(0).v), in.loc)};
    }
    case Op::Min:
    case Op::Max: {
      // The first operand on a tie (interp/interpreter.h).
      llvm::Value* a = arg(0).v;
      llvm::Value* b = arg(1).v;
      bool is_min = in.op == Op::Min;
      llvm::Value* take_b;
      if (in.type.kind == TypeKind::Float) {
        take_b = is_min ? b_.CreateFCmpOLT(b, a) : b_.CreateFCmpOGT(b, a);
      } else if (in.type.kind == TypeKind::Bool) {
        take_b = is_min ? b_.CreateICmpULT(b, a) : b_.CreateICmpUGT(b, a);
      } else {
        take_b = is_min ? b_.CreateICmpSLT(b, a) : b_.CreateICmpSGT(b, a);
      }
      return {b_.CreateSelect(take_b, b, a)};
    }
    case Op::Year: return {CivilFromDays(arg(0).v)[0]};
    case Op::Month: return {CivilFromDays(arg(0).v)[1]};
    case Op::Day: return {CivilFromDays(arg(0).v)[2]};
    case Op::DaysBetween: {
      llvm::Value* a = arg(0).v;
      return {b_.CreateSub(arg(1).v, a)};
    }
    case Op::Compare: return EmitCompare(in);
    case Op::InSet: return EmitInSet(in);
    case Op::Classify: return EmitClassify(in);
  }
  llvm_unreachable("bad PIR op");
}

constexpr int kNoSpec = 1000;
constexpr int kMaxSpecCost = 12;

auto Codegen::SpecCost(pir::ValueId id) -> int {
  if (spec_cost_.empty()) spec_cost_.assign(m_.insts.size(), -1);
  if (spec_cost_[id] >= 0) return spec_cost_[id];
  const pir::Inst& in = m_.insts[id];
  int cost = kNoSpec;
  switch (in.op) {
    case Op::ConstBool:
    case Op::ConstInt:
    case Op::ConstFloat:
    case Op::ConstString:
    case Op::ConstDate:
    case Op::ConstEnum:
    case Op::Input:
    case Op::Today: cost = 0; break;
    case Op::Let: cost = SpecCost(m_.lets[in.imm].value); break;
    case Op::CapUsage: cost = 1; break;
    case Op::And:
    case Op::Or:
    case Op::Select:
    case Op::Not:
    case Op::NegFloat:
    case Op::AbsFloat:
    case Op::IntToFloat:
    case Op::Min:
    case Op::Max:
    case Op::DaysBetween:
    case Op::Year:
    case Op::Month:
    case Op::Day:
    case Op::Compare:
    case Op::InSet:
    case Op::Classify: {
      const pir::Inst& a0 = m_.insts[in.args.empty() ? id : in.args[0]];
      bool strings = a0.type.kind == TypeKind::String;
      if (in.op == Op::Classify && m_.tiers[in.imm].intervals.size() > 16) strings = true;
      if (strings) break;
      cost = in.op == Op::Year || in.op == Op::Month || in.op == Op::Day ? 8 : 1;
      for (pir::ValueId a : in.args) cost = std::min(kNoSpec, cost + SpecCost(a));
      break;
    }
    default: break;  // can fail, or calls out: stays lazy
  }
  spec_cost_[id] = cost;
  return cost;
}

auto Codegen::Speculatable(pir::ValueId id) -> bool { return SpecCost(id) <= kMaxSpecCost; }

auto Codegen::EmitLazy(const pir::Inst& in) -> CgValue {
  if ((in.op == Op::And || in.op == Op::Or) && Speculatable(in.args[1])) {
    llvm::Value* a = Emit(in.args[0]).v;
    llvm::Value* b = Emit(in.args[1]).v;
    return {in.op == Op::And ? b_.CreateAnd(a, b) : b_.CreateOr(a, b)};
  }
  if (in.op == Op::Select && in.type.kind != TypeKind::String && Speculatable(in.args[1]) &&
      Speculatable(in.args[2])) {
    llvm::Value* c = Emit(in.args[0]).v;
    llvm::Value* x = Emit(in.args[1]).v;
    llvm::Value* y = Emit(in.args[2]).v;
    return {b_.CreateSelect(c, x, y)};
  }
  if (in.op == Op::And || in.op == Op::Or) {
    bool is_and = in.op == Op::And;
    llvm::Value* a = Emit(in.args[0]).v;
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* rhs = NewBlock(is_and ? "and.rhs" : "or.rhs");
    llvm::BasicBlock* merge = NewBlock(is_and ? "and.merge" : "or.merge");
    if (is_and) {
      b_.CreateCondBr(a, rhs, merge);
    } else {
      b_.CreateCondBr(a, merge, rhs);
    }
    b_.SetInsertPoint(rhs);
    CgValue bv = InRegion([&] { return Emit(in.args[1]); });
    llvm::BasicBlock* rhs_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    b_.SetInsertPoint(merge);
    return Phi({TypeKind::Bool}, {{{b_.getInt1(!is_and)}, start}, {bv, rhs_end}});
  }
  if (in.op == Op::Select) {
    llvm::Value* c = Emit(in.args[0]).v;
    llvm::BasicBlock* then_bb = NewBlock("if.then");
    llvm::BasicBlock* else_bb = NewBlock("if.else");
    llvm::BasicBlock* merge = NewBlock("if.merge");
    b_.CreateCondBr(c, then_bb, else_bb);
    b_.SetInsertPoint(then_bb);
    CgValue x = InRegion([&] { return Emit(in.args[1]); });
    llvm::BasicBlock* then_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    b_.SetInsertPoint(else_bb);
    CgValue y = InRegion([&] { return Emit(in.args[2]); });
    llvm::BasicBlock* else_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    b_.SetInsertPoint(merge);
    return Phi(in.type, {{x, then_end}, {y, else_end}});
  }
  // Switch (match): jump to the arm of the scrutinee's member.
  llvm::Value* s = Emit(in.args[0]).v;
  if (s->getType() != I64()) s = b_.CreateZExt(s, I64());
  const pir::SwitchTable& table = m_.switches[in.imm];
  size_t arms = in.args.size() - 1;
  std::vector<llvm::BasicBlock*> arm_blocks(arms, nullptr);
  llvm::BasicBlock* impossible = NewBlock("match.none");
  llvm::BasicBlock* merge = NewBlock("match.merge");
  for (int32_t a : table.arm_of_member) {
    if (a >= 0 && arm_blocks[a] == nullptr) arm_blocks[a] = NewBlock("match.arm");
  }
  llvm::SwitchInst* sw =
      b_.CreateSwitch(s, impossible, static_cast<unsigned>(table.arm_of_member.size()));
  for (size_t member = 0; member < table.arm_of_member.size(); ++member) {
    int32_t a = table.arm_of_member[member];
    if (a >= 0) sw->addCase(CI64(static_cast<int64_t>(member)), arm_blocks[a]);
  }
  b_.SetInsertPoint(impossible);
  b_.CreateUnreachable();
  std::vector<std::pair<CgValue, llvm::BasicBlock*>> incoming;
  for (size_t a = 0; a < arms; ++a) {
    if (arm_blocks[a] == nullptr) continue;
    b_.SetInsertPoint(arm_blocks[a]);
    CgValue v = InRegion([&] { return Emit(in.args[1 + a]); });
    incoming.push_back({v, b_.GetInsertBlock()});
    b_.CreateBr(merge);
  }
  b_.SetInsertPoint(merge);
  return Phi(in.type, incoming);
}

auto Codegen::CompareIntFloat(llvm::Value* i, llvm::Value* f) -> llvm::Value* {
  return b_.CreateCall(cmp_if_fn_, {i, f});
}

auto Codegen::EmitStringEq(CgValue a, CgValue b) -> llvm::Value* {
  llvm::Value* len = llvm::isa<llvm::ConstantInt>(b.len) ? b.len : a.len;
  llvm::BasicBlock* start = b_.GetInsertBlock();
  llvm::BasicBlock* bytes = NewBlock("streq.bytes");
  llvm::BasicBlock* merge = NewBlock("streq.merge");
  b_.CreateCondBr(b_.CreateICmpEQ(a.len, b.len), bytes, merge);
  b_.SetInsertPoint(bytes);
  llvm::FunctionCallee memcmp = mod_->getOrInsertFunction(
      "memcmp", llvm::FunctionType::get(b_.getInt32Ty(), {Ptr(), Ptr(), I64()}, false));
  llvm::Value* same = b_.CreateICmpEQ(b_.CreateCall(memcmp, {a.v, b.v, len}), CI32(0));
  llvm::BasicBlock* bytes_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  b_.SetInsertPoint(merge);
  return Phi({TypeKind::Bool}, {{{b_.getFalse()}, start}, {{same}, bytes_end}}).v;
}

// Index of `s` in `sorted` (bytewise order), or -1: a builtin binary search.
auto Codegen::EmitStringFind(CgValue s, const std::vector<std::string>& sorted) -> llvm::Value* {
  auto* str_ty = llvm::StructType::get(ctx_, {Ptr(), I64()});
  std::vector<llvm::Constant*> elems;
  for (const std::string& x : sorted) {
    elems.push_back(llvm::ConstantStruct::get(str_ty, {CString(x), CI64(static_cast<int64_t>(x.size()))}));
  }
  auto* arr_ty = llvm::ArrayType::get(str_ty, elems.size());
  auto* table = new llvm::GlobalVariable(*mod_, arr_ty, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantArray::get(arr_ty, elems), prefix_ + ".strset");
  return b_.CreateCall(GetBuiltin(*mod_, Builtin::edict_rt_str_find),
                       {s.v, s.len, table, CI64(static_cast<int64_t>(sorted.size()))});
}

auto Codegen::EmitCompare(const pir::Inst& in) -> CgValue {
  CgValue a = Emit(in.args[0]);
  CgValue b = Emit(in.args[1]);
  TypeKind ka = m_.insts[in.args[0]].type.kind;
  TypeKind kb = m_.insts[in.args[1]].type.kind;
  using P = llvm::CmpInst::Predicate;
  static constexpr P kSigned[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT,
                                  P::ICMP_SLE, P::ICMP_SGT, P::ICMP_SGE};
  static constexpr P kUnsigned[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_ULT,
                                    P::ICMP_ULE, P::ICMP_UGT, P::ICMP_UGE};
  static constexpr P kFloat[] = {P::FCMP_OEQ, P::FCMP_UNE, P::FCMP_OLT,
                                 P::FCMP_OLE, P::FCMP_OGT, P::FCMP_OGE};
  auto c = static_cast<size_t>(in.cmp);
  if (ka == TypeKind::String) {
    llvm::Value* eq = EmitStringEq(a, b);
    return {in.cmp == pir::Cmp::Eq ? eq : b_.CreateNot(eq)};
  }
  if (ka == TypeKind::Float && kb == TypeKind::Float) return {b_.CreateFCmp(kFloat[c], a.v, b.v)};
  if (ka == TypeKind::Int && kb == TypeKind::Float) {
    return {b_.CreateICmp(kSigned[c], CompareIntFloat(a.v, b.v), CI32(0))};
  }
  if (ka == TypeKind::Float && kb == TypeKind::Int) {
    // a <op> b  ⟺  0 <op> -(b <=> a)  ⟺  (b <=> a) <swapped op> 0.
    llvm::Value* r = b_.CreateNeg(CompareIntFloat(b.v, a.v));
    return {b_.CreateICmp(kSigned[c], r, CI32(0))};
  }
  if (ka == TypeKind::Bool) return {b_.CreateICmp(kUnsigned[c], a.v, b.v)};
  return {b_.CreateICmp(kSigned[c], a.v, b.v)};
}

auto Codegen::EmitInSet(const pir::Inst& in) -> CgValue {
  const pir::ConstSet& set = m_.sets[in.imm];
  CgValue x = Emit(in.args[0]);
  switch (set.elem.kind) {
    case TypeKind::Float: {
      llvm::Value* r = b_.getFalse();
      for (double f : set.floats) {
        r = b_.CreateOr(r, b_.CreateFCmpOEQ(x.v, llvm::ConstantFP::get(F64(), f)));
      }
      return {r};
    }
    case TypeKind::String: {
      if (set.strings.size() <= 4) {
        llvm::Value* r = b_.getFalse();
        for (const std::string& s : set.strings) {
          r = b_.CreateOr(r, EmitStringEq(x, {CString(s), CI64(static_cast<int64_t>(s.size()))}));
        }
        return {r};
      }
      return {b_.CreateICmpSGE(EmitStringFind(x, set.strings), CI64(0))};
    }
    default: {
      // A switch: LLVM picks compares, bit tests or a table.
      llvm::Value* v = x.v->getType() == I64() ? x.v : b_.CreateZExt(x.v, I64());
      llvm::BasicBlock* start = b_.GetInsertBlock();
      llvm::BasicBlock* yes = NewBlock("in.yes");
      llvm::BasicBlock* merge = NewBlock("in.merge");
      llvm::SwitchInst* sw = b_.CreateSwitch(v, merge, static_cast<unsigned>(set.ints.size()));
      for (int64_t k : set.ints) sw->addCase(CI64(k), yes);
      b_.SetInsertPoint(yes);
      b_.CreateBr(merge);
      b_.SetInsertPoint(merge);
      return Phi({TypeKind::Bool}, {{{b_.getFalse()}, start}, {{b_.getTrue()}, yes}});
    }
  }
}

auto Codegen::EmitClassify(const pir::Inst& in) -> CgValue {
  const pir::Tiers& t = m_.tiers[in.imm];
  CgValue x = Emit(in.args[0]);
  int64_t otherwise = t.otherwise_tier >= 0 ? t.otherwise_tier : 0;
  auto int_table = [&](const std::vector<int64_t>& values, const char* name) -> llvm::GlobalVariable* {
    auto* arr_ty = llvm::ArrayType::get(I64(), values.size());
    std::vector<llvm::Constant*> elems;
    for (int64_t v : values) elems.push_back(CI64(v));
    return new llvm::GlobalVariable(*mod_, arr_ty, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arr_ty, elems), prefix_ + name);
  };
  // tier[idx] when idx >= 0, else `otherwise`.
  auto pick = [&](llvm::Value* idx, llvm::Value* found, llvm::GlobalVariable* tiers) -> llvm::Value* {
    llvm::Value* safe = b_.CreateSelect(found, idx, CI64(0));
    llvm::Value* tier = b_.CreateLoad(I64(), b_.CreateInBoundsGEP(I64(), tiers, safe));
    return b_.CreateSelect(found, tier, CI64(otherwise));
  };
  switch (t.of.kind) {
    case TypeKind::Enum:
      if (t.table.empty()) goto intervals;  // an enum classified by intervals over member order
      {
      // One table entry per member of the classified enum.
      auto* arr_ty = llvm::ArrayType::get(I8(), t.table.size());
      std::vector<llvm::Constant*> elems;
      bool fits = true;
      for (int32_t v : t.table) fits &= v >= 0 && v < 128;
      if (!fits) {
        std::vector<int64_t> wide(t.table.begin(), t.table.end());
        auto* g = int_table(wide, ".tier_table");
        return {b_.CreateLoad(I64(), b_.CreateInBoundsGEP(I64(), g, x.v))};
      }
      for (int32_t v : t.table) elems.push_back(b_.getInt8(static_cast<uint8_t>(v)));
      auto* g = new llvm::GlobalVariable(*mod_, arr_ty, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantArray::get(arr_ty, elems),
                                         prefix_ + ".tier_table." + t.name);
      llvm::Value* v = b_.CreateLoad(I8(), b_.CreateInBoundsGEP(I8(), g, x.v));
      return {b_.CreateZExt(v, I64())};
      }
    case TypeKind::Int:
    case TypeKind::Date:
    case TypeKind::Float:
    intervals: {
      bool is_float = t.of.kind == TypeKind::Float;
      size_t n = t.intervals.size();
      if (n <= 16) {
        // Branch-free: the intervals are disjoint, at most one matches.
        llvm::Value* r = CI64(otherwise);
        for (const pir::Tiers::Interval& iv : t.intervals) {
          llvm::Value* inside =
              is_float ? b_.CreateAnd(b_.CreateFCmpOGE(x.v, llvm::ConstantFP::get(F64(), iv.flo)),
                                      b_.CreateFCmpOLE(x.v, llvm::ConstantFP::get(F64(), iv.fhi)))
                       : b_.CreateAnd(b_.CreateICmpSGE(x.v, CI64(iv.lo)),
                                      b_.CreateICmpSLE(x.v, CI64(iv.hi)));
          r = b_.CreateSelect(inside, CI64(iv.tier), r);
        }
        return {r};
      }
      // Binary search over the lower bounds, then the upper bound of the interval found.
      std::vector<int64_t> tiers;
      for (const auto& iv : t.intervals) tiers.push_back(iv.tier);
      llvm::GlobalVariable* tier_g = int_table(tiers, ".tier_of_interval");
      llvm::Value* idx;
      llvm::Value* hi;
      llvm::Value* found;
      if (is_float) {
        auto* arr_ty = llvm::ArrayType::get(F64(), n);
        std::vector<llvm::Constant*> lo, hi_c;
        for (const auto& iv : t.intervals) {
          lo.push_back(llvm::ConstantFP::get(F64(), iv.flo));
          hi_c.push_back(llvm::ConstantFP::get(F64(), iv.fhi));
        }
        auto* lo_g = new llvm::GlobalVariable(*mod_, arr_ty, true, llvm::GlobalValue::PrivateLinkage,
                                              llvm::ConstantArray::get(arr_ty, lo), prefix_ + ".lo");
        auto* hi_g = new llvm::GlobalVariable(*mod_, arr_ty, true, llvm::GlobalValue::PrivateLinkage,
                                              llvm::ConstantArray::get(arr_ty, hi_c), prefix_ + ".hi");
        idx = b_.CreateCall(GetBuiltin(*mod_, Builtin::edict_rt_lower_bound_f64),
                            {x.v, lo_g, CI64(static_cast<int64_t>(n))});
        llvm::Value* safe = b_.CreateSelect(b_.CreateICmpSGE(idx, CI64(0)), idx, CI64(0));
        hi = b_.CreateLoad(F64(), b_.CreateInBoundsGEP(F64(), hi_g, safe));
        found = b_.CreateAnd(b_.CreateICmpSGE(idx, CI64(0)), b_.CreateFCmpOLE(x.v, hi));
      } else {
        std::vector<int64_t> lo, hi_v;
        for (const auto& iv : t.intervals) {
          lo.push_back(iv.lo);
          hi_v.push_back(iv.hi);
        }
        auto* lo_g = int_table(lo, ".lo");
        auto* hi_g = int_table(hi_v, ".hi");
        idx = b_.CreateCall(GetBuiltin(*mod_, Builtin::edict_rt_lower_bound_i64),
                            {x.v, lo_g, CI64(static_cast<int64_t>(n))});
        llvm::Value* safe = b_.CreateSelect(b_.CreateICmpSGE(idx, CI64(0)), idx, CI64(0));
        hi = b_.CreateLoad(I64(), b_.CreateInBoundsGEP(I64(), hi_g, safe));
        found = b_.CreateAnd(b_.CreateICmpSGE(idx, CI64(0)), b_.CreateICmpSLE(x.v, hi));
      }
      return {pick(idx, found, tier_g)};
    }
    case TypeKind::String: {
      std::vector<std::string> strings;
      std::vector<int64_t> tiers;
      for (const auto& [s, tier] : t.string_members) {
        strings.push_back(s);
        tiers.push_back(tier);
      }
      if (strings.size() <= 4) {
        llvm::Value* r = CI64(otherwise);
        for (size_t k = 0; k < strings.size(); ++k) {
          llvm::Value* eq =
              EmitStringEq(x, {CString(strings[k]), CI64(static_cast<int64_t>(strings[k].size()))});
          r = b_.CreateSelect(eq, CI64(tiers[k]), r);
        }
        return {r};
      }
      llvm::Value* idx = EmitStringFind(x, strings);
      return {pick(idx, b_.CreateICmpSGE(idx, CI64(0)), int_table(tiers, ".tier_of_string"))};
    }
    case TypeKind::Bool: break;
  }
  return {CI64(otherwise)};
}

// ---- Dates and exact int/float comparison: small internal functions, always inlined. -------

auto Codegen::CivilFromDays(llvm::Value* days) -> std::array<llvm::Value*, 3> {
  llvm::Value* r = b_.CreateCall(civil_fn_, {days});
  return {b_.CreateExtractValue(r, 0), b_.CreateExtractValue(r, 1), b_.CreateExtractValue(r, 2)};
}

auto Codegen::DaysFromCivil(llvm::Value* y, llvm::Value* m, llvm::Value* d) -> llvm::Value* {
  return b_.CreateCall(from_civil_fn_, {y, m, d});
}

void Codegen::EmitDateHelpers() {
  auto make = [&](const std::string& name, llvm::Type* ret, std::vector<llvm::Type*> params) {
    auto* f = llvm::Function::Create(llvm::FunctionType::get(ret, params, false),
                                     llvm::GlobalValue::InternalLinkage, prefix_ + "." + name, *mod_);
    f->addFnAttr(llvm::Attribute::AlwaysInline);
    f->setDoesNotThrow();
    f->setDoesNotAccessMemory();
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f));
    return f;
  };
  // Howard Hinnant's civil_from_days; valid dates (years 1..9999) make z non-negative.
  auto* ymd_ty = llvm::StructType::get(ctx_, {I64(), I64(), I64()});
  civil_fn_ = make("civil_from_days", ymd_ty, {I64()});
  {
    llvm::Value* z = b_.CreateAdd(civil_fn_->getArg(0), CI64(719468));
    llvm::Value* era = b_.CreateSDiv(z, CI64(146097));
    llvm::Value* doe = b_.CreateSub(z, b_.CreateMul(era, CI64(146097)));
    llvm::Value* yoe = b_.CreateUDiv(
        b_.CreateSub(b_.CreateAdd(b_.CreateSub(doe, b_.CreateUDiv(doe, CI64(1460))),
                                  b_.CreateUDiv(doe, CI64(36524))),
                     b_.CreateUDiv(doe, CI64(146096))),
        CI64(365));
    llvm::Value* y = b_.CreateAdd(yoe, b_.CreateMul(era, CI64(400)));
    llvm::Value* doy = b_.CreateSub(
        doe, b_.CreateSub(b_.CreateAdd(b_.CreateMul(yoe, CI64(365)), b_.CreateUDiv(yoe, CI64(4))),
                          b_.CreateUDiv(yoe, CI64(100))));
    llvm::Value* mp = b_.CreateUDiv(b_.CreateAdd(b_.CreateMul(doy, CI64(5)), CI64(2)), CI64(153));
    llvm::Value* d = b_.CreateAdd(
        b_.CreateSub(doy, b_.CreateUDiv(b_.CreateAdd(b_.CreateMul(mp, CI64(153)), CI64(2)), CI64(5))),
        CI64(1));
    llvm::Value* m = b_.CreateSelect(b_.CreateICmpULT(mp, CI64(10)), b_.CreateAdd(mp, CI64(3)),
                                     b_.CreateSub(mp, CI64(9)));
    y = b_.CreateAdd(y, b_.CreateZExt(b_.CreateICmpULE(m, CI64(2)), I64()));
    llvm::Value* r = llvm::UndefValue::get(ymd_ty);
    r = b_.CreateInsertValue(r, y, 0);
    r = b_.CreateInsertValue(r, m, 1);
    r = b_.CreateInsertValue(r, d, 2);
    b_.CreateRet(r);
  }
  from_civil_fn_ = make("days_from_civil", I64(), {I64(), I64(), I64()});
  {
    llvm::Value* m = from_civil_fn_->getArg(1);
    llvm::Value* y = b_.CreateSub(from_civil_fn_->getArg(0),
                                  b_.CreateZExt(b_.CreateICmpULE(m, CI64(2)), I64()));
    llvm::Value* era = b_.CreateSDiv(y, CI64(400));  // y >= 0 for years 1..9999
    llvm::Value* yoe = b_.CreateSub(y, b_.CreateMul(era, CI64(400)));
    llvm::Value* mm = b_.CreateSelect(b_.CreateICmpUGT(m, CI64(2)), b_.CreateSub(m, CI64(3)),
                                      b_.CreateAdd(m, CI64(9)));
    llvm::Value* doy = b_.CreateAdd(
        b_.CreateUDiv(b_.CreateAdd(b_.CreateMul(mm, CI64(153)), CI64(2)), CI64(5)),
        b_.CreateSub(from_civil_fn_->getArg(2), CI64(1)));
    llvm::Value* doe = b_.CreateAdd(
        b_.CreateSub(b_.CreateAdd(b_.CreateMul(yoe, CI64(365)), b_.CreateUDiv(yoe, CI64(4))),
                     b_.CreateUDiv(yoe, CI64(100))),
        doy);
    b_.CreateRet(b_.CreateSub(b_.CreateAdd(b_.CreateMul(era, CI64(146097)), doe), CI64(719468)));
  }
  // Exact three-way comparison of an int with a finite double (interp::CompareIntFloat).
  cmp_if_fn_ = make("cmp_int_float", I32(), {I64(), F64()});
  {
    llvm::Value* i = cmp_if_fn_->getArg(0);
    llvm::Value* f = cmp_if_fn_->getArg(1);
    llvm::Value* big = b_.CreateFCmpOGE(f, llvm::ConstantFP::get(F64(), kTwo63));
    llvm::Value* small = b_.CreateFCmpOLT(f, llvm::ConstantFP::get(F64(), -kTwo63));
    llvm::Value* fc = b_.CreateSelect(b_.CreateOr(big, small), llvm::ConstantFP::get(F64(), 0.0), f);
    llvm::Value* t = b_.CreateFPToSI(fc, I64());  // trunc(f), exact
    llvm::Value* tf = b_.CreateSIToFP(t, F64());
    llvm::Value* frac = b_.CreateSelect(b_.CreateFCmpOGT(fc, tf), CI32(-1),
                                        b_.CreateSelect(b_.CreateFCmpOLT(fc, tf), CI32(1), CI32(0)));
    llvm::Value* r = b_.CreateSelect(b_.CreateICmpSLT(i, t), CI32(-1),
                                     b_.CreateSelect(b_.CreateICmpSGT(i, t), CI32(1), frac));
    r = b_.CreateSelect(small, CI32(1), r);
    r = b_.CreateSelect(big, CI32(-1), r);
    b_.CreateRet(r);
  }
}

}  // namespace edict::codegen::detail
