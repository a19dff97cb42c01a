#include "source/source_manager.h"

#include <algorithm>

namespace edict {

auto SourceManager::AddFile(std::string path, std::string contents) -> FileId {
  File f{std::move(path), std::move(contents), {0}};
  for (uint32_t i = 0; i < f.text.size(); ++i) {
    if (f.text[i] == '\n') f.line_starts.push_back(i + 1);
  }
  files_.push_back(std::move(f));
  return FileId{static_cast<int32_t>(files_.size() - 1)};
}

auto SourceManager::GetLineCol(FileId id, uint32_t offset) const -> LineCol {
  const File& f = files_[id.index];
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(f.text.size()));
  auto it = std::upper_bound(f.line_starts.begin(), f.line_starts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - f.line_starts.begin());
  uint32_t start = f.line_starts[line - 1];
  std::string_view prefix(f.text.data() + start, offset - start);
  return {line, CountCodePoints(prefix) + 1};
}

auto SourceManager::GetLineText(FileId id, uint32_t line) const -> std::string_view {
  const File& f = files_[id.index];
  if (line == 0 || line > f.line_starts.size()) return {};
  uint32_t start = f.line_starts[line - 1];
  uint32_t end = line < f.line_starts.size() ? f.line_starts[line] : f.text.size();
  std::string_view s(f.text.data() + start, end - start);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

auto SourceManager::GetLineStart(FileId id, uint32_t line) const -> uint32_t {
  const File& f = files_[id.index];
  if (line == 0) return 0;
  if (line > f.line_starts.size()) return static_cast<uint32_t>(f.text.size());
  return f.line_starts[line - 1];
}

auto SourceManager::GetOffset(FileId id, uint32_t line, uint32_t col) const -> uint32_t {
  uint32_t offset = GetLineStart(id, line);
  std::string_view text = GetLineText(id, line);
  uint32_t i = 0;
  for (uint32_t c = 1; c < col && i < text.size(); ++c) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return offset + i;
}

auto FindInvalidUtf8(std::string_view text) -> std::optional<uint32_t> {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return static_cast<uint32_t>(i);
    }
    if (i + len > n) return static_cast<uint32_t>(i);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return static_cast<uint32_t>(i);
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values above U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return static_cast<uint32_t>(i);
    }
    i += len;
  }
  return std::nullopt;
}

auto CountCodePoints(std::string_view text) -> uint32_t {
  uint32_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace edict
