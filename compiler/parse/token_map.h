// Maps ANTLR token positions (code-point indices into the decoded input) back to byte ranges in
// the source file. Private to compiler/parse/.
#pragma once

#include <string_view>
#include <vector>

#include "antlr4-runtime.h"
#include "source/source_manager.h"

namespace edict::parse {

class TokenMap {
 public:
  // `text` is the file text after the skipped byte-order mark, which starts at byte `base`.
  TokenMap(FileId file, std::string_view text, uint32_t base) : file_(file), base_(base) {
    bool ascii = true;
    for (unsigned char c : text) ascii &= c < 0x80;
    if (!ascii) {
      for (uint32_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets_.push_back(i);
      }
      offsets_.push_back(static_cast<uint32_t>(text.size()));
    }
    size_ = static_cast<uint32_t>(text.size());
  }

  auto file() const -> FileId { return file_; }
  // Byte offset of code point `cp`.
  auto Offset(size_t cp) const -> uint32_t {
    if (offsets_.empty()) return base_ + static_cast<uint32_t>(std::min<size_t>(cp, size_));
    return base_ + offsets_[std::min(cp, offsets_.size() - 1)];
  }
  auto Range(const antlr4::Token* t) const -> SourceRange {
    if (t == nullptr) return {};
    if (t->getType() == antlr4::Token::EOF) {
      uint32_t end = base_ + size_;
      return {file_, end, end};
    }
    return {file_, Offset(t->getStartIndex()), Offset(t->getStopIndex() + 1)};
  }
  auto Range(antlr4::ParserRuleContext* ctx) const -> SourceRange {
    if (ctx == nullptr || ctx->getStart() == nullptr) return {};
    SourceRange a = Range(ctx->getStart());
    const antlr4::Token* stop = ctx->getStop();
    // A rule that matched nothing has its stop token before its start.
    if (stop == nullptr || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) return a;
    return SourceRange::Join(a, Range(stop));
  }

 private:
  FileId file_;
  uint32_t base_;
  uint32_t size_ = 0;
  std::vector<uint32_t> offsets_;  // empty for pure-ASCII text
};

}  // namespace edict::parse
