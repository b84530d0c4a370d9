#include "scenario/source_comment.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <vector>

namespace conformance {
namespace {

using Lines = std::vector<std::string>;

std::shared_ptr<const Lines> LinesOf(const std::string& file) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Lines>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(file); it != cache.end()) return it->second;
  auto lines = std::make_shared<Lines>();
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);) lines->push_back(l);
  if (cache.size() < 4096) cache.emplace(file, lines);
  return lines;
}

size_t Indent(const std::string& l) { return l.find_first_not_of(" \t"); }
bool IsComment(const std::string& l) { return Indent(l) != std::string::npos && l[Indent(l)] == '#'; }
bool IsBlank(const std::string& l) { return Indent(l) == std::string::npos; }

bool StartsBlock(const std::string& l) {
  return l.find("# source:") != std::string::npos || l.find("# rule:") != std::string::npos;
}

// The block starting at lines[at] (a line with `marker`): its text and the
// comment lines that continue it.
std::string Block(const Lines& lines, size_t at, const std::string& marker) {
  std::string text = lines[at].substr(lines[at].find(marker) + 2);  // "source: ..."
  for (size_t j = at + 1; j < lines.size() && IsComment(lines[j]) && !StartsBlock(lines[j]); ++j)
    text += " " + lines[j].substr(Indent(lines[j]) + 1);
  std::string out;
  for (const char c : text) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The `marker` comment block of the check at file:line: the nearest in its
// step, else the scenario's head; "" when there is none.
// Every `marker` block of the run of comment (and blank) lines around
// lines[at], in order, joined with "; ": a check may carry two, one per
// source it follows.
std::string BlocksAround(const Lines& lines, size_t at, const std::string& marker) {
  size_t first = at, last = at;
  while (first > 0 && (IsComment(lines[first - 1]) || IsBlank(lines[first - 1]))) --first;
  while (last + 1 < lines.size() && (IsComment(lines[last + 1]) || IsBlank(lines[last + 1]))) ++last;
  std::string out;
  for (size_t i = first; i <= last; ++i)
    if (lines[i].find(marker) != std::string::npos) out += (out.empty() ? "" : "; ") + Block(lines, i, marker);
  return out;
}

// The `marker` comment blocks of the check at file:line: those nearest in its
// step, else the scenario's head; "" when there is none.
std::string CommentFor(const std::string& file, int line, const std::string& marker) {
  const auto lines_ptr = LinesOf(file);
  const Lines& lines = *lines_ptr;
  if (line < 1 || static_cast<size_t>(line) > lines.size()) return "";
  // The step: the nearest item line ("- ...") at or above the check.
  size_t step = static_cast<size_t>(line) - 1;
  const size_t check_indent = IsBlank(lines[step]) ? 0 : Indent(lines[step]);
  while (step > 0) {
    const std::string& l = lines[step];
    if (!IsBlank(l) && !IsComment(l) && l[Indent(l)] == '-' && Indent(l) <= check_indent) break;
    --step;
  }
  // Within the step, from the check up, then the comments right above it.
  for (size_t i = static_cast<size_t>(line) - 1; i + 1 > step; --i) {
    if (lines[i].find(marker) != std::string::npos) return BlocksAround(lines, i, marker);
    if (i == 0) break;
  }
  for (size_t i = step; i-- > 0 && (IsComment(lines[i]) || IsBlank(lines[i]));)
    if (lines[i].find(marker) != std::string::npos) return BlocksAround(lines, i, marker);
  // The scenario's head, before its `steps:` (an include file has none).
  size_t head_end = 0;
  while (head_end < lines.size() && lines[head_end].rfind("steps:", 0) != 0) ++head_end;
  if (head_end == lines.size()) return "";
  std::string out;
  for (size_t i = 0; i < head_end; ++i)
    if (lines[i].find(marker) != std::string::npos) out += (out.empty() ? "" : "; ") + Block(lines, i, marker);
  return out;
}

}  // namespace

std::string SourceCommentFor(const std::string& file, int line) { return CommentFor(file, line, "# source:"); }

std::vector<std::string> RuleIdsOfLine(const std::string& line) {
  std::vector<std::string> ids;
  const size_t at = line.find("rule:");
  if (at == std::string::npos) return ids;
  std::string id;
  for (const char c : line.substr(at + 5) + ",") {
    if (c == ',' || c == ' ') {
      if (!id.empty()) ids.push_back(id);
      id.clear();
    } else {
      id.push_back(c);
    }
  }
  return ids;
}

std::vector<std::string> RuleIdsFor(const std::string& file, int line) {
  // "rule: A, B; rule: C": every block's ids, each once.
  std::vector<std::string> ids;
  std::string blocks = CommentFor(file, line, "# rule:");
  size_t at = 0;
  while ((at = blocks.find("rule:", at)) != std::string::npos) {
    const size_t end = blocks.find("; rule:", at);
    for (auto& id : RuleIdsOfLine(blocks.substr(at, end == std::string::npos ? std::string::npos : end - at)))
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return ids;
}

std::vector<std::string> RuleIdsIn(const std::string& file) {
  std::vector<std::string> ids;
  const auto lines = LinesOf(file);
  for (size_t i = 0; i < lines->size(); ++i) {
    if ((*lines)[i].find("# rule:") == std::string::npos) continue;
    for (auto& id : RuleIdsOfLine((*lines)[i])) ids.push_back(std::move(id));
  }
  return ids;
}

namespace {

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  for (size_t start = 0; start <= text.size();) {
    const size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

// A key four spaces in ("    post:", "    Order:"): an operation under its
// path, or a component under its section.
bool IsKeyAtIndentFour(const std::string& l) {
  return l.size() > 4 && l.compare(0, 4, "    ") == 0 && l[4] != ' ' && l[4] != '#' && l.back() == ':';
}

// The rule ids of the `# rule:` lines in the block below line `key` (until
// the next line indented four or less), each once; `only_indent`, when set,
// keeps the lines at that indentation alone (an operation's own, not its
// responses').
std::vector<std::string> RuleIdsOfBlock(const std::vector<std::string>& lines, size_t key,
                                        std::optional<size_t> only_indent) {
  std::vector<std::string> ids;
  for (size_t j = key + 1; j < lines.size(); ++j) {
    const std::string& b = lines[j];
    const size_t indent = b.find_first_not_of(' ');
    if (indent != std::string::npos && indent <= 4 && b[indent] != '#') break;
    if (indent == std::string::npos || b.compare(indent, 7, "# rule:") != 0) continue;
    if (only_indent && indent != *only_indent) continue;
    for (auto& id : RuleIdsOfLine(b))
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace

std::vector<ComponentRules> RulesOfOperations(std::string_view yaml_text) {
  const std::vector<std::string> lines = SplitLines(yaml_text);
  std::vector<ComponentRules> out;
  bool in_paths = false;
  std::string path;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && l[0] != ' ' && l[0] != '#') in_paths = l.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (l.size() > 3 && l.compare(0, 3, "  /") == 0 && l.back() == ':') path = l.substr(2, l.size() - 3);
    if (!IsKeyAtIndentFour(l)) continue;
    out.push_back({"operations", l.substr(4, l.size() - 5) + " " + path, static_cast<int>(i) + 1,
                   RuleIdsOfBlock(lines, i, 6)});
  }
  return out;
}

std::vector<ComponentRules> RulesOfComponents(std::string_view yaml_text) {
  const std::vector<std::string> lines = SplitLines(yaml_text);
  std::vector<ComponentRules> out;
  bool in_components = false;
  std::string section;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && l[0] != ' ' && l[0] != '#') in_components = l.rfind("components:", 0) == 0;
    if (!in_components) continue;
    if (l.size() > 2 && l.compare(0, 2, "  ") == 0 && l[2] != ' ' && l[2] != '#') section = l.substr(2, l.find(':') - 2);
    if (section != "schemas" && section != "responses" && section != "parameters" && section != "headers") continue;
    if (!IsKeyAtIndentFour(l)) continue;
    out.push_back({section, l.substr(4, l.size() - 5), static_cast<int>(i) + 1, RuleIdsOfBlock(lines, i, std::nullopt)});
  }
  return out;
}

}  // namespace conformance
