// Owns the text of every source file of a compilation and maps byte offsets to lines and columns.
// Columns are 1-based and count Unicode scalar values (LANGUAGE.md §10), which is also what
// ANTLR's charPositionInLine counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edict {

// Identifies a file within one SourceManager. Invalid when `index < 0`.
struct FileId {
  int32_t index = -1;
  bool valid() const { return index >= 0; }
  friend bool operator==(FileId a, FileId b) { return a.index == b.index; }
};

// A half-open byte range [begin, end) in one file.
struct SourceRange {
  FileId file;
  uint32_t begin = 0;
  uint32_t end = 0;
  bool valid() const { return file.valid(); }
  // The smallest range covering both (same file).
  static SourceRange Join(SourceRange a, SourceRange b) {
    if (!a.valid()) return b;
    if (!b.valid()) return a;
    return {a.file, a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
  }
};

struct LineCol {
  uint32_t line = 0;  // 1-based
  uint32_t col = 0;   // 1-based, in Unicode scalar values
};

class SourceManager {
 public:
  // Adds a file with the given display path (as the user wrote it) and contents. A UTF-8 byte-order
  // mark is kept in the text; lexers skip it.
  auto AddFile(std::string path, std::string contents) -> FileId;

  auto path(FileId id) const -> const std::string& { return files_[id.index].path; }
  auto text(FileId id) const -> std::string_view { return files_[id.index].text; }
  auto file_count() const -> int { return static_cast<int>(files_.size()); }

  auto GetLineCol(FileId id, uint32_t offset) const -> LineCol;
  // The text of 1-based line `line`, without its line terminator.
  auto GetLineText(FileId id, uint32_t line) const -> std::string_view;
  // Byte offset of the start of 1-based line `line`.
  auto GetLineStart(FileId id, uint32_t line) const -> uint32_t;
  // Byte offset of the Unicode scalar at 1-based (line, col), clamped to the line's end.
  auto GetOffset(FileId id, uint32_t line, uint32_t col) const -> uint32_t;

 private:
  struct File {
    std::string path;
    std::string text;
    std::vector<uint32_t> line_starts;
  };
  std::vector<File> files_;
};

// Returns the byte offset of the first invalid UTF-8 sequence in `text`, or nullopt if it is valid.
auto FindInvalidUtf8(std::string_view text) -> std::optional<uint32_t>;

// Counts the Unicode scalar values in a valid UTF-8 string.
auto CountCodePoints(std::string_view text) -> uint32_t;

}  // namespace edict
