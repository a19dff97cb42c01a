#include "codegen/codegen.h"

#include "codegen/codegen_internal.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/ErrorHandling.h"

namespace edict::codegen {

auto EvalSymbol(const pir::Module& module) -> std::string { return "edict_" + module.name + "_eval"; }
auto EvalBatchSymbol(const pir::Module& module) -> std::string {
  return "edict_" + module.name + "_eval_batch";
}
auto CapSlotsSymbol(const pir::Module& module) -> std::string {
  return "edict_" + module.name + "_cap_slots";
}

auto Codegen(const pir::Module& module, llvm::LLVMContext& context) -> std::unique_ptr<llvm::Module> {
  return detail::Codegen(module, context).Run();
}

namespace detail {

Codegen::Codegen(const pir::Module& m, llvm::LLVMContext& ctx)
    : m_(m),
      ctx_(ctx),
      mod_(std::make_unique<llvm::Module>("edict_" + m.name, ctx)),
      b_(ctx),
      layout_(ComputeAbiLayout(m)),
      prefix_("edict_" + m.name) {}

auto Codegen::Run() -> std::unique_ptr<llvm::Module> {
  mod_->setSourceFileName(m_.source_path);
  err_ty_ = llvm::StructType::get(ctx_, {I32(), I32(), I32()});
  // The all-zero usage table used when the caller passes NULL.
  auto* usage_ty = llvm::ArrayType::get(I64(), std::max<size_t>(1, m_.caps.size()));
  zero_usage_ = new llvm::GlobalVariable(*mod_, usage_ty, true, llvm::GlobalValue::PrivateLinkage,
                                         llvm::ConstantAggregateZero::get(usage_ty),
                                         prefix_ + ".zero_usage");
  EmitDateHelpers();
  EmitEval();
  EmitEvalBatch();
  EmitCapSlots();
  EmitDescriptor();
  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(*mod_, &os)) {
    llvm::report_fatal_error(llvm::Twine("edict codegen produced invalid LLVM IR: ") + os.str());
  }
  return std::move(mod_);
}

// ---- Types and constants ------------------------------------------------------------------

auto Codegen::ValueType(pir::Type t) -> llvm::Type* {
  switch (t.kind) {
    case pir::TypeKind::Bool: return I1();
    case pir::TypeKind::Int:
    case pir::TypeKind::Date:
    case pir::TypeKind::Enum: return I64();
    case pir::TypeKind::Float: return F64();
    case pir::TypeKind::String: return Ptr();
  }
  llvm_unreachable("bad type");
}

auto Codegen::CString(const std::string& s) -> llvm::Constant* {
  if (auto it = strings_.find(s); it != strings_.end()) return it->second;
  auto* init = llvm::ConstantDataArray::getString(ctx_, s, /*AddNull=*/true);
  auto* gv = new llvm::GlobalVariable(*mod_, init->getType(), true,
                                      llvm::GlobalValue::PrivateLinkage, init, ".str");
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  gv->setAlignment(llvm::Align(1));
  strings_[s] = gv;
  return gv;
}

// ---- Function state, errors -----------------------------------------------------------------

void Codegen::BeginFunction(llvm::Function* fn, llvm::BasicBlock* entry, llvm::Value* input,
                            llvm::Value* usage, llvm::Value* today) {
  fn_ = fn;
  cache_.clear();
  node_cache_.clear();
  cache_log_.clear();
  memos_.clear();
  rule_guarded_.assign(m_.rules.size(), nullptr);
  exempt_guarded_.assign(m_.exemptions.size(), nullptr);
  b_.SetInsertPoint(entry);
  err_ = b_.CreateAlloca(err_ty_, nullptr, "err");
  for (unsigned f = 0; f < 3; ++f) b_.CreateStore(CI32(0), b_.CreateStructGEP(err_ty_, err_, f));
  input_ = input;
  if (usage != nullptr) {
    llvm::Value* is_null = b_.CreateICmpEQ(usage, llvm::ConstantPointerNull::get(Ptr()));
    usage_ = b_.CreateSelect(is_null, zero_usage_, usage, "usage");
  }
  today_ = b_.CreateSExt(today, I64(), "today");
}

void Codegen::PopTo(size_t mark) {
  while (cache_log_.size() > mark) {
    auto [is_node, key] = cache_log_.back();
    if (is_node) {
      node_cache_.erase(key);
    } else {
      cache_.erase(static_cast<pir::ValueId>(key));
    }
    cache_log_.pop_back();
  }
}

auto Codegen::NewBlock(const char* name) -> llvm::BasicBlock* {
  return llvm::BasicBlock::Create(ctx_, name, fn_);
}

void Codegen::StoreError(pir::ErrorCode code, pir::Location loc) {
  b_.CreateStore(CI32(static_cast<int32_t>(code)), b_.CreateStructGEP(err_ty_, err_, 0));
  b_.CreateStore(CI32(loc.line), b_.CreateStructGEP(err_ty_, err_, 1));
  b_.CreateStore(CI32(loc.col), b_.CreateStructGEP(err_ty_, err_, 2));
}

void Codegen::Check(llvm::Value* ok, pir::ErrorCode code, pir::Location loc) {
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(ok); c && c->isOne()) return;
  llvm::BasicBlock* cont = NewBlock("check.ok");
  llvm::BasicBlock* err = NewBlock("check.err");
  llvm::MDBuilder md(ctx_);
  b_.CreateCondBr(ok, cont, err, md.createLikelyBranchWeights());
  b_.SetInsertPoint(err);
  StoreError(code, loc);
  b_.CreateBr(fail_);
  b_.SetInsertPoint(cont);
}

auto Codegen::InForce(const pir::Validity& v) -> llvm::Value* {
  llvm::Value* ok = b_.getTrue();
  if (v.effective) ok = b_.CreateAnd(ok, b_.CreateICmpSGE(today_, CI64(v.effective->days)));
  if (v.until) ok = b_.CreateAnd(ok, b_.CreateICmpSLT(today_, CI64(v.until->days)));
  return ok;
}

auto Codegen::UsageOf(int32_t cap) -> llvm::Value* {
  return b_.CreateAlignedLoad(I64(), b_.CreateConstInBoundsGEP1_64(I64(), usage_, cap),
                              llvm::Align(8));
}

// ---- Nodes ------------------------------------------------------------------------------------

auto Codegen::Node(NodeKind k, int32_t index) -> std::vector<CgValue> {
  uint64_t key = NodeKey(k, index);
  if (auto it = node_cache_.find(key); it != node_cache_.end()) return it->second;
  // Lets are not memoised: on ai_diffusion their flags cost more than the recomputation saved.
  bool memo = k == NodeKind::CapCore;
  std::vector<CgValue> v = memo ? EmitMemoised(k, index) : EmitNode(k, index);
  node_cache_.emplace(key, v);
  cache_log_.push_back({true, key});
  return v;
}

auto Codegen::EmitMemoised(NodeKind k, int32_t index) -> std::vector<CgValue> {
  // A run-time memo: the node's value(s) in stack slots and an i1 "computed" flag, set only
  // after the computation succeeded. The node is computed at the same point (and so in the same
  // order) as without the memo, but only the first time that point is reached at run time; a
  // later use, after control flow merged, reuses the stored value. SROA turns the slots into
  // phis and folds the flag where it is known.
  llvm::BasicBlock* entry = &fn_->getEntryBlock();
  llvm::IRBuilder<> eb(entry, entry->getFirstInsertionPt());
  Memo& memo = memos_[NodeKey(k, index)];
  if (memo.flag == nullptr) {
    memo.flag = eb.CreateAlloca(I1(), nullptr, "memo.done");
    eb.CreateStore(b_.getFalse(), memo.flag);
  }
  llvm::AllocaInst* flag = memo.flag;
  llvm::BasicBlock* hit = NewBlock("memo.hit");
  llvm::BasicBlock* miss = NewBlock("memo.miss");
  llvm::BasicBlock* merge = NewBlock("memo.merge");
  b_.CreateCondBr(b_.CreateLoad(I1(), flag), hit, miss);
  b_.SetInsertPoint(miss);
  size_t mark = cache_log_.size();
  std::vector<CgValue> v = EmitNode(k, index);
  PopTo(mark);
  std::vector<std::pair<llvm::AllocaInst*, llvm::AllocaInst*>>& slots = memo.slots;
  if (slots.empty()) {
    for (const CgValue& c : v) {
      llvm::AllocaInst* sv = eb.CreateAlloca(c.v->getType(), nullptr, "memo.v");
      llvm::AllocaInst* sl =
          c.len != nullptr ? eb.CreateAlloca(c.len->getType(), nullptr, "memo.len") : nullptr;
      slots.push_back({sv, sl});
    }
  }
  for (size_t j = 0; j < v.size(); ++j) {
    b_.CreateStore(v[j].v, slots[j].first);
    if (slots[j].second != nullptr) b_.CreateStore(v[j].len, slots[j].second);
  }
  b_.CreateStore(b_.getTrue(), flag);
  b_.CreateBr(merge);
  b_.SetInsertPoint(hit);
  b_.CreateBr(merge);
  b_.SetInsertPoint(merge);
  std::vector<CgValue> out;
  for (auto [sv, sl] : slots) {
    CgValue c;
    c.v = b_.CreateLoad(sv->getAllocatedType(), sv);
    if (sl != nullptr) c.len = b_.CreateLoad(sl->getAllocatedType(), sl);
    out.push_back(c);
  }
  return out;
}

auto Codegen::NotDefeated(const std::vector<int32_t>& defeaters) -> llvm::Value* {
  if (defeaters.empty()) return b_.getTrue();
  // not (applies(d1) or applies(d2) or …): stop at the first defeater that applies. Only the
  // first defeater is evaluated unconditionally; the others form a lazy region.
  llvm::BasicBlock* done = NewBlock("defeat.done");
  std::vector<std::pair<llvm::Value*, llvm::BasicBlock*>> incoming;
  size_t mark = 0;
  for (size_t k = 0; k < defeaters.size(); ++k) {
    llvm::Value* applies = Node1(NodeKind::ExemptApplies, defeaters[k]);
    if (k == 0) mark = cache_log_.size();
    llvm::BasicBlock* next = NewBlock("defeat.next");
    incoming.push_back({b_.getFalse(), b_.GetInsertBlock()});
    b_.CreateCondBr(applies, done, next);
    b_.SetInsertPoint(next);
  }
  PopTo(mark);
  incoming.push_back({b_.getTrue(), b_.GetInsertBlock()});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  llvm::PHINode* phi = b_.CreatePHI(I1(), static_cast<unsigned>(incoming.size()));
  for (auto [v, bb] : incoming) phi->addIncoming(v, bb);
  return phi;
}

auto Codegen::AndNotDefeated(llvm::Value* cond, const std::vector<int32_t>& defeaters)
    -> llvm::Value* {
  if (defeaters.empty()) return cond;
  llvm::BasicBlock* start = b_.GetInsertBlock();
  llvm::BasicBlock* defeat = NewBlock("applies.defeat");
  llvm::BasicBlock* merge = NewBlock("applies.merge");
  b_.CreateCondBr(cond, defeat, merge);
  b_.SetInsertPoint(defeat);
  llvm::Value* not_defeated = InRegion([&] { return NotDefeated(defeaters); });
  llvm::BasicBlock* defeat_end = b_.GetInsertBlock();
  b_.CreateBr(merge);
  b_.SetInsertPoint(merge);
  llvm::PHINode* phi = b_.CreatePHI(I1(), 2);
  phi->addIncoming(b_.getFalse(), start);
  phi->addIncoming(not_defeated, defeat_end);
  return phi;
}

auto Codegen::EmitNode(NodeKind k, int32_t i) -> std::vector<CgValue> {
  const pir::Type kInt{pir::TypeKind::Int};
  // in_force(x) and cond(x) and not defeated(x); `guarded` is cond(x) computed as a root
  // (false when not in force), when available.
  auto applies = [&](const pir::Validity& validity, NodeKind cond_node, llvm::Value* guarded,
                     const std::vector<int32_t>& defeaters) -> llvm::Value* {
    if (guarded != nullptr) return AndNotDefeated(guarded, defeaters);
    llvm::Value* in_force = InForce(validity);
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(in_force); c && c->isOne()) {
      return AndNotDefeated(Node1(cond_node, i), defeaters);
    }
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* run = NewBlock("applies.in_force");
    llvm::BasicBlock* merge = NewBlock("applies.merge");
    b_.CreateCondBr(in_force, run, merge);
    b_.SetInsertPoint(run);
    llvm::Value* v = InRegion([&] { return AndNotDefeated(Node1(cond_node, i), defeaters); });
    llvm::BasicBlock* run_end = b_.GetInsertBlock();
    b_.CreateBr(merge);
    b_.SetInsertPoint(merge);
    llvm::PHINode* phi = b_.CreatePHI(I1(), 2);
    phi->addIncoming(b_.getFalse(), start);
    phi->addIncoming(v, run_end);
    return phi;
  };
  switch (k) {
    case NodeKind::Let: return {Emit(m_.lets[i].value)};
    case NodeKind::RuleCond: return {Emit(m_.rules[i].cond)};
    case NodeKind::ExemptCond: return {Emit(m_.exemptions[i].cond)};
    case NodeKind::RuleApplies: {
      const pir::Rule& r = m_.rules[i];
      return {{applies(r.validity, NodeKind::RuleCond, rule_guarded_[i], r.defeated_by)}};
    }
    case NodeKind::ExemptApplies: {
      const pir::Exemption& e = m_.exemptions[i];
      return {{applies(e.validity, NodeKind::ExemptCond, exempt_guarded_[i], e.defeated_by)}};
    }
    case NodeKind::CapApplies:
      return {{AndNotDefeated(Emit(m_.caps[i].applies).v, m_.caps[i].defeated_by)}};
    case NodeKind::CapLimit: {
      llvm::Value* v = Emit(m_.caps[i].limit).v;
      Check(b_.CreateICmpSGE(v, CI64(0)), pir::ErrorCode::NegativeLimit, m_.caps[i].loc);
      return {{v}};
    }
    case NodeKind::CapAmount: {
      llvm::Value* v = Emit(m_.caps[i].amount).v;
      Check(b_.CreateICmpSGE(v, CI64(0)), pir::ErrorCode::NegativeAmount, m_.caps[i].loc);
      return {{v}};
    }
    case NodeKind::CapKeys: {
      std::vector<CgValue> keys;
      for (pir::ValueId key : m_.caps[i].keys) keys.push_back(Emit(key));
      return keys;
    }
    case NodeKind::CapCore: {
      Node(NodeKind::CapKeys, i);
      Node(NodeKind::CapLimit, i);
      llvm::Value* amount = Node1(NodeKind::CapAmount, i);
      llvm::Value* sum =
          b_.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_with_overflow, UsageOf(i), amount);
      Check(b_.CreateNot(b_.CreateExtractValue(sum, 1)), pir::ErrorCode::IntOverflow,
            m_.caps[i].loc);
      (void)kInt;
      return {{b_.CreateExtractValue(sum, 0)}, {Node1(NodeKind::CapLimit, i)}, {amount}};
    }
  }
  llvm_unreachable("bad node kind");
}

// ---- eval ---------------------------------------------------------------------------------

void Codegen::EmitEval() {
  // i32 eval(ptr input, ptr usage, i32 today, ptr result)
  auto* fty = llvm::FunctionType::get(I32(), {Ptr(), Ptr(), I32(), Ptr()}, false);
  eval_ = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, EvalSymbol(m_), *mod_);
  llvm::Function* fn = eval_;
  fn->setDoesNotThrow();
  fn->addParamAttr(0, llvm::Attribute::NoCapture);
  fn->addParamAttr(0, llvm::Attribute::ReadOnly);
  fn->addParamAttr(1, llvm::Attribute::NoCapture);
  fn->addParamAttr(1, llvm::Attribute::ReadOnly);
  fn->addParamAttr(3, llvm::Attribute::NoCapture);
  fn->addParamAttr(3, llvm::Attribute::NoAlias);
  llvm::Value* result = fn->getArg(3);
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
  fail_ = llvm::BasicBlock::Create(ctx_, "fail", fn);
  BeginFunction(fn, entry, fn->getArg(0), fn->getArg(1), fn->getArg(2));

  // 1. The policy must be in force.
  Check(InForce(m_.validity), pir::ErrorCode::NotInForce, {});
  // 2. Roots, in pir.h order: outputs; conditions of rules, then of exemptions, in force; caps.
  for (size_t k = 0; k < m_.lets.size(); ++k) {
    if (m_.lets[k].is_output) Node(NodeKind::Let, static_cast<int32_t>(k));
  }
  auto guarded_root = [&](const pir::Validity& v, NodeKind node, int32_t i) -> llvm::Value* {
    llvm::Value* in_force = InForce(v);
    if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(in_force); c && c->isOne()) {
      return Node1(node, i);
    }
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* run = NewBlock("root.in_force");
    llvm::BasicBlock* next = NewBlock("root.next");
    b_.CreateCondBr(in_force, run, next);
    b_.SetInsertPoint(run);
    llvm::Value* cond = InRegion([&] { return Node1(node, i); });
    llvm::BasicBlock* run_end = b_.GetInsertBlock();
    b_.CreateBr(next);
    b_.SetInsertPoint(next);
    llvm::PHINode* phi = b_.CreatePHI(I1(), 2);
    phi->addIncoming(b_.getFalse(), start);
    phi->addIncoming(cond, run_end);
    return phi;
  };
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    rule_guarded_[r] = guarded_root(m_.rules[r].validity, NodeKind::RuleCond, static_cast<int32_t>(r));
  }
  for (size_t e = 0; e < m_.exemptions.size(); ++e) {
    exempt_guarded_[e] =
        guarded_root(m_.exemptions[e].validity, NodeKind::ExemptCond, static_cast<int32_t>(e));
  }
  std::vector<llvm::Value*> cap_applies, cap_amount;
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    auto ci = static_cast<int32_t>(c);
    llvm::Value* applies = Node1(NodeKind::CapApplies, ci);
    llvm::BasicBlock* start = b_.GetInsertBlock();
    llvm::BasicBlock* core = NewBlock("cap.core");
    llvm::BasicBlock* next = NewBlock("cap.next");
    b_.CreateCondBr(applies, core, next);
    b_.SetInsertPoint(core);
    llvm::Value* amount = InRegion([&] {
      return Node(NodeKind::CapCore, ci).at(2).v;
    });
    llvm::BasicBlock* core_end = b_.GetInsertBlock();
    b_.CreateBr(next);
    b_.SetInsertPoint(next);
    llvm::PHINode* phi = b_.CreatePHI(I64(), 2);
    phi->addIncoming(CI64(-1), start);
    phi->addIncoming(amount, core_end);
    cap_applies.push_back(applies);
    cap_amount.push_back(phi);
  }

  // 3. Applies (no new errors: the conditions are computed), the outcome and the result.
  std::vector<llvm::Value*> rule_applies, exempt_applies;
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    rule_applies.push_back(Node1(NodeKind::RuleApplies, static_cast<int32_t>(r)));
  }
  for (size_t e = 0; e < m_.exemptions.size(); ++e) {
    exempt_applies.push_back(Node1(NodeKind::ExemptApplies, static_cast<int32_t>(e)));
  }
  // The most restrictive outcome proposed by an applying rule; the default when none applies
  // (even when the default is more restrictive than what the rules propose).
  llvm::Value* outcome = CI64(-1);
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    llvm::Value* proposed = CI64(m_.rules[r].outcome);
    llvm::Value* more = b_.CreateAnd(rule_applies[r], b_.CreateICmpSGT(proposed, outcome));
    outcome = b_.CreateSelect(more, proposed, outcome);
  }
  outcome = b_.CreateSelect(b_.CreateICmpSLT(outcome, CI64(0)), CI64(m_.default_outcome), outcome);
  auto at = [&](uint32_t offset) {
    return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), result, offset);
  };
  auto store_bits = [&](uint32_t offset, const std::vector<llvm::Value*>& bits) {
    for (size_t w = 0; w * 64 < bits.size(); ++w) {
      llvm::Value* word = CI64(0);
      for (size_t k = w * 64; k < bits.size() && k < (w + 1) * 64; ++k) {
        word = b_.CreateOr(word, b_.CreateShl(b_.CreateZExt(bits[k], I64()), CI64(k % 64)));
      }
      b_.CreateAlignedStore(word, at(offset + static_cast<uint32_t>(8 * w)), llvm::Align(8));
    }
  };
  std::vector<llvm::Value*> deciding;
  for (size_t r = 0; r < m_.rules.size(); ++r) {
    deciding.push_back(
        b_.CreateAnd(rule_applies[r], b_.CreateICmpEQ(outcome, CI64(m_.rules[r].outcome))));
  }
  b_.CreateAlignedStore(CI64(0), at(0), llvm::Align(8));  // error, error_line
  b_.CreateAlignedStore(CI32(0), at(8), llvm::Align(8));  // error_col
  b_.CreateAlignedStore(b_.CreateTrunc(outcome, I32()), at(12), llvm::Align(4));
  store_bits(layout_.rules_applied_offset, rule_applies);
  store_bits(layout_.deciding_offset, deciding);
  store_bits(layout_.exemptions_applied_offset, exempt_applies);
  store_bits(layout_.caps_applied_offset, cap_applies);
  size_t decision_size = m_.enums[m_.decision_enum].members.size();
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    const pir::Cap& cap = m_.caps[c];
    llvm::Value* records = b_.getFalse();
    if (decision_size <= 64) {
      uint64_t mask = 0;
      for (size_t o = 0; o < cap.record.size(); ++o) {
        if (cap.record[o]) mask |= uint64_t{1} << o;
      }
      records = b_.CreateTrunc(b_.CreateLShr(CI64(static_cast<int64_t>(mask)), outcome), I1());
    } else {
      for (size_t o = 0; o < cap.record.size(); ++o) {
        if (cap.record[o]) records = b_.CreateOr(records, b_.CreateICmpEQ(outcome, CI64(o)));
      }
    }
    // cap_amount is -1 when the cap does not apply.
    llvm::Value* rec = b_.CreateSelect(records, cap_amount[c], CI64(-1));
    b_.CreateAlignedStore(rec, at(layout_.record_offset + static_cast<uint32_t>(8 * c)),
                          llvm::Align(8));
  }
  for (size_t o = 0; o < layout_.outputs.size(); ++o) {
    int32_t let = layout_.outputs[o];
    pir::Type t = m_.lets[let].type;
    CgValue v = Node(NodeKind::Let, let).at(0);
    llvm::Value* slot = at(layout_.output_offsets[o]);
    switch (t.kind) {
      case pir::TypeKind::Bool:
        b_.CreateAlignedStore(b_.CreateZExt(v.v, I64()), slot, llvm::Align(8));
        break;
      case pir::TypeKind::String:
        b_.CreateAlignedStore(v.v, slot, llvm::Align(8));
        b_.CreateAlignedStore(v.len, at(layout_.output_offsets[o] + 8), llvm::Align(8));
        break;
      default: b_.CreateAlignedStore(v.v, slot, llvm::Align(8)); break;
    }
  }
  b_.CreateRet(CI32(0));

  // The failure exit: the error header, a zeroed tail, and -1 records.
  b_.SetInsertPoint(fail_);
  llvm::Value* code = b_.CreateLoad(I32(), b_.CreateStructGEP(err_ty_, err_, 0));
  b_.CreateAlignedStore(code, at(0), llvm::Align(8));
  b_.CreateAlignedStore(b_.CreateLoad(I32(), b_.CreateStructGEP(err_ty_, err_, 1)), at(4),
                        llvm::Align(4));
  b_.CreateAlignedStore(b_.CreateLoad(I32(), b_.CreateStructGEP(err_ty_, err_, 2)), at(8),
                        llvm::Align(8));
  b_.CreateAlignedStore(CI32(-1), at(12), llvm::Align(4));
  if (layout_.result_size > kResultHeaderSize) {
    b_.CreateMemSet(at(kResultHeaderSize), b_.getInt8(0), layout_.result_size - kResultHeaderSize,
                    llvm::Align(8));
  }
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    b_.CreateAlignedStore(CI64(-1), at(layout_.record_offset + static_cast<uint32_t>(8 * c)),
                          llvm::Align(8));
  }
  b_.CreateRet(code);
}

void Codegen::EmitEvalBatch() {
  // size_t eval_batch(size_t n, ptr inputs, ptr usage, ptr today, ptr results)
  auto* fty = llvm::FunctionType::get(I64(), {I64(), Ptr(), Ptr(), Ptr(), Ptr()}, false);
  eval_batch_ = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage,
                                       EvalBatchSymbol(m_), *mod_);
  eval_batch_->setDoesNotThrow();
  llvm::Function* fn = eval_batch_;
  fn_ = fn;
  llvm::Value* n = fn->getArg(0);
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
  llvm::BasicBlock* loop = llvm::BasicBlock::Create(ctx_, "loop", fn);
  llvm::BasicBlock* exit = llvm::BasicBlock::Create(ctx_, "exit", fn);
  b_.SetInsertPoint(entry);
  llvm::Value* has_usage = b_.CreateICmpNE(fn->getArg(2), llvm::ConstantPointerNull::get(Ptr()));
  b_.CreateCondBr(b_.CreateICmpEQ(n, CI64(0)), exit, loop);
  b_.SetInsertPoint(loop);
  llvm::PHINode* i = b_.CreatePHI(I64(), 2, "i");
  llvm::PHINode* errors = b_.CreatePHI(I64(), 2, "errors");
  i->addIncoming(CI64(0), entry);
  errors->addIncoming(CI64(0), entry);
  llvm::Value* input = b_.CreateInBoundsGEP(b_.getInt8Ty(), fn->getArg(1),
                                            b_.CreateMul(i, CI64(layout_.input_size)));
  llvm::Value* usage = b_.CreateSelect(
      has_usage,
      b_.CreateGEP(I64(), fn->getArg(2), b_.CreateMul(i, CI64(static_cast<int64_t>(m_.caps.size())))),
      llvm::ConstantPointerNull::get(Ptr()));
  llvm::Value* today = b_.CreateLoad(I32(), b_.CreateInBoundsGEP(I32(), fn->getArg(3), i));
  llvm::Value* result = b_.CreateInBoundsGEP(b_.getInt8Ty(), fn->getArg(4),
                                             b_.CreateMul(i, CI64(layout_.result_size)));
  llvm::CallInst* rc = b_.CreateCall(eval_, {input, usage, today, result});
  // Inline eval into the loop (at every optimisation level: O0 runs the always-inliner).
  rc->addFnAttr(llvm::Attribute::AlwaysInline);
  llvm::Value* errors_next =
      b_.CreateAdd(errors, b_.CreateZExt(b_.CreateICmpNE(rc, CI32(0)), I64()));
  llvm::Value* i_next = b_.CreateAdd(i, CI64(1));
  i->addIncoming(i_next, loop);
  errors->addIncoming(errors_next, loop);
  b_.CreateCondBr(b_.CreateICmpULT(i_next, n), loop, exit);
  b_.SetInsertPoint(exit);
  llvm::PHINode* total = b_.CreatePHI(I64(), 2);
  total->addIncoming(CI64(0), entry);
  total->addIncoming(errors_next, loop);
  b_.CreateRet(total);
}

// ---- cap_slots ----------------------------------------------------------------------------

auto Codegen::WindowStart(pir::Window w, llvm::Value* today) -> llvm::Value* {
  switch (w) {
    case pir::Window::Day: return today;
    case pir::Window::Forever: return CI64(kMinDate.days);
    case pir::Window::Month: {
      auto ymd = CivilFromDays(today);
      return b_.CreateAdd(b_.CreateSub(today, ymd[2]), CI64(1));
    }
    case pir::Window::Quarter: {
      auto ymd = CivilFromDays(today);
      llvm::Value* qm = b_.CreateAdd(
          b_.CreateMul(b_.CreateUDiv(b_.CreateSub(ymd[1], CI64(1)), CI64(3)), CI64(3)), CI64(1));
      return DaysFromCivil(ymd[0], qm, CI64(1));
    }
    case pir::Window::Year: {
      auto ymd = CivilFromDays(today);
      return DaysFromCivil(ymd[0], CI64(1), CI64(1));
    }
  }
  llvm_unreachable("bad window");
}

void Codegen::EmitCapSlots() {
  // void cap_slots(ptr input, ptr usage, i32 today, ptr slots, ptr keys)
  auto* fty = llvm::FunctionType::get(b_.getVoidTy(), {Ptr(), Ptr(), I32(), Ptr(), Ptr()}, false);
  cap_slots_ = llvm::Function::Create(fty, llvm::GlobalValue::ExternalLinkage, CapSlotsSymbol(m_),
                                      *mod_);
  llvm::Function* fn = cap_slots_;
  fn->setDoesNotThrow();
  llvm::Value* slots = fn->getArg(3);
  llvm::Value* keys = fn->getArg(4);
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
  BeginFunction(fn, entry, fn->getArg(0), fn->getArg(1), fn->getArg(2));
  // edict_cap_slot {i32 applies; i32 has_key; i32 window_start; i32 reserved}
  auto slot_field = [&](size_t c, unsigned field) {
    return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), slots, 16 * c + 4 * field);
  };
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    b_.CreateStore(CI32(0), slot_field(c, 0));
    b_.CreateStore(CI32(0), slot_field(c, 1));
    b_.CreateStore(b_.CreateTrunc(WindowStart(m_.caps[c].window, today_), I32()), slot_field(c, 2));
    b_.CreateStore(CI32(0), slot_field(c, 3));
  }
  llvm::BasicBlock* body = NewBlock("in_force");
  llvm::BasicBlock* exit = NewBlock("exit");
  b_.CreateCondBr(InForce(m_.validity), body, exit);
  b_.SetInsertPoint(body);
  for (size_t c = 0; c < m_.caps.size(); ++c) {
    auto ci = static_cast<int32_t>(c);
    llvm::BasicBlock* next = NewBlock("slot.next");
    fail_ = next;  // an error leaves the rest of this slot at 0
    // Whatever this cap computes does not dominate `next` (the error paths join there).
    InRegion([&] {
      // The keys first (interp::ComputeCapSlots), then `applies`.
      std::vector<CgValue> values = Node(NodeKind::CapKeys, ci);
      for (size_t k = 0; k < values.size(); ++k) {
        pir::Type t = m_.insts[m_.caps[c].keys[k]].type;
        CgValue v = values[k];
        // edict_value {i64 i; double f; {ptr, i64} s} — 32 bytes.
        uint64_t base = 32 * (layout_.cap_first_key[c] + k);
        auto field = [&](uint64_t off) {
          return b_.CreateConstInBoundsGEP1_64(b_.getInt8Ty(), keys, base + off);
        };
        llvm::Value* i = CI64(0);
        llvm::Value* p = llvm::ConstantPointerNull::get(Ptr());
        llvm::Value* len = CI64(0);
        if (t.kind == pir::TypeKind::String) {
          p = v.v;
          len = v.len;
        } else if (t.kind == pir::TypeKind::Bool) {
          i = b_.CreateZExt(v.v, I64());
        } else if (t.kind != pir::TypeKind::Float) {
          i = v.v;
        }
        b_.CreateStore(i, field(0));
        b_.CreateStore(t.kind == pir::TypeKind::Float ? v.v : llvm::ConstantFP::get(F64(), 0.0),
                       field(8));
        b_.CreateStore(p, field(16));
        b_.CreateStore(len, field(24));
      }
      b_.CreateStore(CI32(1), slot_field(c, 1));
      llvm::Value* applies = Node1(NodeKind::CapApplies, ci);
      b_.CreateStore(b_.CreateZExt(applies, I32()), slot_field(c, 0));
      return 0;
    });
    b_.CreateBr(next);
    b_.SetInsertPoint(next);
  }
  b_.CreateBr(exit);
  b_.SetInsertPoint(exit);
  b_.CreateRetVoid();
}

}  // namespace detail
}  // namespace edict::codegen
