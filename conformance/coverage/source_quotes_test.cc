// A check belongs to the contract only where a sentence says so (issue 20):
// every `# source: NAME, "..."` comment in spec/ and scenarios/ must quote its
// source as written: `issue 2` (the HL Connector's fixed decisions, copied
// into spec/sources/), `seed 00N` (../shared/seeds/, when it is beside the
// checkout), or a file of spec/ by its path (`spec/tabs/README.md`). A quote
// that is not there, reworded or remembered wrongly, fails here with its
// file and line, so a vendor who disputes a red can read the sentence behind
// it. Other sources (an RFC) are not checked.
#include <boost/test/unit_test.hpp>

#include "scenario/rule_ledger.h"
#include "scenario/source_comment.h"

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace conformance {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs of blanks and line ends as one space: a quote may wrap.
std::string Normalized(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (blank) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct Quote {
  std::string where;   // file:line of the comment
  size_t line = 0;     // 0-based line of the comment in its file
  std::string source;  // "issue 2", "seed 004", "spec/tabs/README.md"
  std::string text;
};

// Reads one double-quoted string at text[pos] (a '"'), where a `code span`
// may hold quotes of its own; returns false if it never closes.
bool ReadQuote(const std::string& text, size_t& pos, std::string* out) {
  ++pos;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '`') {
      const size_t end = text.find('`', pos + 1);
      if (end == std::string::npos) return false;
      out->append(text, pos, end - pos + 1);
      pos = end + 1;
    } else if (c == '"') {
      ++pos;
      return true;
    } else {
      out->push_back(c);
      ++pos;
    }
  }
  return false;
}

// The quotes of a comment, each with its source: those right after "NAME,"
// and those chained to them with ';' (a quote after other words is another
// source's, an RFC's say, and is not read).
std::vector<std::pair<std::string, std::string>> SourcedQuotes(const std::string& comment) {
  static const std::regex kName(R"((issue 2|seed 00[0-9]|spec/[A-Za-z0-9_./-]+\.(md|yaml)), )");
  std::vector<std::pair<std::string, std::string>> quotes;
  for (auto it = std::sregex_iterator(comment.begin(), comment.end(), kName); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    size_t pos = static_cast<size_t>(it->position() + it->length());
    for (;;) {
      while (pos < comment.size() && comment[pos] == ' ') ++pos;
      if (pos >= comment.size() || comment[pos] != '"') break;
      std::string quote;
      if (!ReadQuote(comment, pos, &quote)) break;
      quotes.emplace_back(name, quote);
      while (pos < comment.size() && comment[pos] == ' ') ++pos;
      if (pos < comment.size() && comment[pos] == ';') {
        ++pos;
        continue;
      }
      break;
    }
  }
  return quotes;
}

// Every `# source:` comment of a YAML file (its continuation lines joined),
// with its quotes.
std::vector<Quote> QuotesIn(const fs::path& file, const fs::path& root) {
  std::vector<Quote> out;
  std::istringstream lines(ReadFile(file));
  std::vector<std::string> all;
  for (std::string line; std::getline(lines, line);) all.push_back(line);
  for (size_t i = 0; i < all.size(); ++i) {
    const size_t hash = all[i].find("# source:");
    if (hash == std::string::npos) continue;
    std::string comment = all[i].substr(hash + 9);
    for (size_t j = i + 1; j < all.size(); ++j) {
      const size_t first = all[j].find_first_not_of(" \t");
      if (first == std::string::npos || all[j][first] != '#' || all[j].find("# source:") != std::string::npos) break;
      comment += " " + all[j].substr(first + 1);
    }
    for (const auto& [source, q] : SourcedQuotes(Normalized(comment)))
      out.push_back({fs::relative(file, root).string() + ":" + std::to_string(i + 1), i, source, q});
  }
  return out;
}

// The text of a named source, normalized; "" when it is not here (a seed
// document is beside the checkout, not in it).
std::string SourceText(const fs::path& root, const std::string& name) {
  if (name == "issue 2") return Normalized(ReadFile(root / "spec/sources/hl-connector-decisions.md"));
  if (name.rfind("seed ", 0) == 0) {
    const fs::path seeds = root / ".." / "shared" / "seeds";
    if (!fs::exists(seeds)) return "";
    for (const auto& entry : fs::directory_iterator(seeds))
      if (entry.path().filename().string().rfind(name.substr(5) + "_", 0) == 0) return Normalized(ReadFile(entry.path()));
    return "";
  }
  return fs::exists(root / name) ? Normalized(ReadFile(root / name)) : "";
}

// Whether `quote` is in `source`: its parts between "..." (words left out)
// each are, in order.
bool Quoted(const std::string& source, const std::string& quote) {
  size_t from = 0, start = 0;
  const std::string text = Normalized(quote);
  while (start <= text.size()) {
    size_t cut = text.find("...", start);
    const size_t cut_unicode = text.find("\xE2\x80\xA6", start);  // …
    size_t skip = 3;
    if (cut_unicode != std::string::npos && cut_unicode < cut) {
      cut = cut_unicode;
      skip = 3;
    }
    std::string part = text.substr(start, cut == std::string::npos ? std::string::npos : cut - start);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    if (!part.empty()) {
      const size_t found = source.find(part, from);
      if (found == std::string::npos) return false;
      from = found + part.size();
    }
    if (cut == std::string::npos) break;
    start = cut + skip;
  }
  return true;
}

BOOST_AUTO_TEST_SUITE(SourceQuotes)

BOOST_AUTO_TEST_CASE(EverySourceQuoteIsInItsSource) {
  const fs::path root = CONFORMANCE_SOURCE_DIR;
  std::map<std::string, std::string> sources;
  std::map<std::string, size_t> checked, absent;
  for (const char* dir : {"spec", "scenarios"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
      for (const Quote& q : QuotesIn(entry.path(), root)) {
        if (!sources.count(q.source)) sources[q.source] = SourceText(root, q.source);
        const std::string& text = sources[q.source];
        if (text.empty()) {
          // A seed document not beside this checkout; a spec file that is
          // not there is the comment's mistake.
          BOOST_TEST(q.source.rfind("seed ", 0) == 0, q.where << ": names " << q.source << ", which is not a file here");
          ++absent[q.source];
          continue;
        }
        ++checked[q.source];
        BOOST_TEST(Quoted(text, q.text),
                   q.where << ": quotes " << q.source << " with \"" << q.text << "\", which it does not say");
      }
    }
  }
  // The suite quotes issue 2 in dozens of places: finding none means the
  // comments changed form and this test no longer reads them.
  BOOST_TEST(checked["issue 2"] >= 50u, checked["issue 2"] << " quotes of issue 2 found");
  for (const auto& [source, n] : checked) BOOST_TEST_MESSAGE(n << " quotes of " << source << " checked");
  for (const auto& [source, n] : absent) BOOST_TEST_MESSAGE(n << " quotes of " << source << " not checked: not beside this checkout");
}

// The API whose ledger a file of spec/ or scenarios/ uses: a profile's
// folder, else the HL Connector's.
std::string ApiOf(const std::string& relative) {
  for (const char* api : {"imaging-catalog", "sheetmusicdirect", "tabs"})
    for (const char* dir : {"spec/", "scenarios/"})
      if (relative.rfind(std::string(dir) + api + "/", 0) == 0) return api;
  return "hl-connector";
}

std::vector<std::string> Lines(const fs::path& file) {
  std::istringstream in(ReadFile(file));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

BOOST_AUTO_TEST_CASE(EveryRuleQuotesItsSource) {
  const fs::path root = CONFORMANCE_SOURCE_DIR;
  std::map<std::string, std::string> sources;
  size_t rules = 0;
  for (const char* api : {"hl-connector", "imaging-catalog", "sheetmusicdirect", "tabs"}) {
    const std::string dir = std::string(api) == "hl-connector" ? "spec" : std::string("spec/") + api;
    const RuleLedger ledger = LedgerForApi(api, (root / dir).string());
    for (const Rule& rule : ledger.rules()) {
      ++rules;
      if (!sources.count(rule.source)) sources[rule.source] = SourceText(root, rule.source);
      const std::string& text = sources[rule.source];
      if (text.empty()) {
        BOOST_TEST(rule.FromSeed(), rule.where.ToString() << ": names " << rule.source << ", which is not a file here");
        continue;
      }
      BOOST_TEST(Quoted(text, rule.text),
                 rule.where.ToString() << ": rule " << rule.id << " quotes " << rule.source << " with \"" << rule.text
                                       << "\", which it does not say");
    }
  }
  BOOST_TEST(rules >= 200u, rules << " rules read: the ledgers changed form");
}

// A check names its rules with `# rule:`, and its `# source:` comment right
// below quotes them: each id is a rule of the file's API (or a shared one),
// and each quote is a part of a named rule's sentence, so the comment a
// reader sees and the ledger the runner prints cannot drift apart.
BOOST_AUTO_TEST_CASE(EveryCheckNamesRulesOfItsLedgerAndQuotesThem) {
  const fs::path root = CONFORMANCE_SOURCE_DIR;
  std::map<std::string, RuleLedger> ledgers;
  for (const char* api : {"hl-connector", "imaging-catalog", "sheetmusicdirect", "tabs"}) {
    const std::string dir = std::string(api) == "hl-connector" ? "spec" : std::string("spec/") + api;
    ledgers[api] = LedgerForApi(api, (root / dir).string());
  }
  size_t named = 0;
  std::set<std::string> named_ids;
  std::map<std::string, std::string> sources;
  for (const char* dir : {"spec", "scenarios"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
      const std::string relative = fs::relative(entry.path(), root).string();
      const std::string name = entry.path().filename().string();
      if (name == "rules.yaml" || name == "shared-rules.yaml") continue;  // the ledgers themselves
      const RuleLedger& ledger = ledgers[ApiOf(relative)];
      const std::vector<std::string> lines = Lines(entry.path());
      for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find("# rule:") == std::string::npos) continue;
        for (const std::string& id : RuleIdsOfLine(lines[i])) {
          ++named;
          named_ids.insert(id);
          BOOST_TEST(ledger.Find(id) != nullptr,
                     relative << ":" << i + 1 << ": rule " << id << " is not in the ledger of " << ApiOf(relative));
        }
      }
      for (const Quote& q : QuotesIn(entry.path(), root)) {
        const bool has_rule_line = q.line > 0 && lines[q.line - 1].find("# rule:") != std::string::npos;
        BOOST_TEST(has_rule_line, q.where << ": a `# source:` comment needs the `# rule:` line of its rules right above");
        if (!has_rule_line) continue;
        // A quote may run over two sentences: the named rules of its
        // source, in the source's order, must hold it.
        std::map<size_t, std::string> named_texts;
        if (!sources.count(q.source)) sources[q.source] = SourceText(root, q.source);
        const std::string& source_text = sources[q.source];
        for (const std::string& id : RuleIdsOfLine(lines[q.line - 1])) {
          const Rule* rule = ledger.Find(id);
          if (!rule || rule->source != q.source) continue;
          const std::string text = Normalized(rule->text);
          const size_t at = source_text.find(text.substr(0, std::min(text.find("..."), size_t{40})));
          named_texts.emplace(at == std::string::npos ? source_text.size() + named_texts.size() : at, text);
        }
        std::string joined;
        for (const auto& [at, text] : named_texts) joined += (joined.empty() ? "" : " ") + text;
        const bool found = !joined.empty() && Quoted(joined, q.text);
        BOOST_TEST(found, q.where << ": quotes " << q.source << " with \"" << q.text
                                  << "\", which no rule named on the line above says");
      }
    }
  }
  BOOST_TEST(named >= 400u, named << " rule ids named: the comments changed form");
  // A rule nothing names is a sentence of the contract no check enforces;
  // the shared ones may be checked by any API's suite. `unchecked:` says
  // why a rule cannot be judged from outside.
  for (const auto& [api, ledger] : ledgers)
    for (const Rule& rule : ledger.rules())
      BOOST_TEST((named_ids.count(rule.id) > 0 || !rule.unchecked.empty()),
                 rule.where.ToString() << ": rule " << rule.id << " is checked nowhere and says no reason");
}

BOOST_AUTO_TEST_CASE(AQuoteThatIsNotInTheSourceIsFound) {
  const std::string source = Normalized("A tampered URL → 403; an expired one, or one of a canceled order → 410.");
  BOOST_TEST(Quoted(source, "A tampered URL → 403"));
  BOOST_TEST(Quoted(source, "A tampered URL ... → 410"));
  BOOST_TEST(!Quoted(source, "A tampered URL → 404"));
  BOOST_TEST(!Quoted(source, "→ 410 ... A tampered URL"));  // parts in the source's order
  const auto quotes =
      SourcedQuotes(R"( issue 2, "one `"x"` two"; "three" (RFC 9110, "not this"); seed 004, "four")");
  BOOST_REQUIRE_EQUAL(quotes.size(), 3u);
  BOOST_TEST(quotes[0].second == "one `\"x\"` two");
  BOOST_TEST(quotes[1].second == "three");
  BOOST_TEST(quotes[2].first == "seed 004");
  BOOST_TEST(quotes[2].second == "four");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
