#include "coverage/rule_coverage.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "scenario/source_comment.h"

namespace conformance {
namespace {

bool IsReference(const Scenario& s) {
  return std::find(s.requires_caps.begin(), s.requires_caps.end(), kReferenceCapability) != s.requires_caps.end();
}

}  // namespace

std::vector<const RuleCoverageRow*> RuleCoverageReport::Unchecked() const {
  std::vector<const RuleCoverageRow*> out;
  for (const auto& row : rows)
    if (!row.shared && row.checked_by.empty() && row.rule->unchecked.empty()) out.push_back(&row);
  return out;
}

RuleCoverageReport AnalyzeRuleCoverage(const std::vector<Scenario>& scenarios, const RuleLedger& ledger,
                                       const std::map<std::string, std::string>& spec_files) {
  std::map<std::string, std::set<std::string>> checked_by;
  RuleCoverageReport report;
  auto name = [&](const std::string& id, const std::string& by, const std::string& where) {
    if (!ledger.Find(id)) {
      report.unknown_ids.push_back(where + ": " + id);
      return;
    }
    checked_by[id].insert(by);
  };
  std::set<std::string> files_read;
  for (const Scenario& s : scenarios) {
    // Every `# rule:` line of the scenario's file and of the files its steps
    // were included from (a sequence of _shared/ names its own rules).
    std::set<std::string> files = {s.file};
    for (const Step& step : s.steps) files.insert(step.where.file);
    for (const std::string& file : files) {
      const std::vector<std::string> ids = RuleIdsIn(file);
      for (const std::string& id : ids) name(id, s.id, file);
    }
    if (IsReference(s)) continue;
    for (const Step& step : s.steps) {
      if (step.kind != Step::Kind::kRequest) continue;
      if (RuleIdsFor(step.where.file, step.where.line).empty())
        report.checks_without_rule.push_back(step.where.ToString() + " " + step.name);
    }
  }
  for (const auto& [file, text] : spec_files) {
    std::istringstream in(text);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find("# rule:") == std::string::npos) continue;
      const std::string where = file + ":" + std::to_string(i + 1);
      for (const std::string& id : RuleIdsOfLine(lines[i])) name(id, where, where);
    }
    // Every component of an OpenAPI document (a schema, a response, a
    // parameter, a header) is a check the runner makes of every answer, so
    // it names its rules: a `# rule:` line in its block.
    for (const ComponentRules& c : RulesOfComponents(text))
      if (c.ids.empty())
        report.checks_without_rule.push_back(file + ":" + std::to_string(c.line) + " component " + c.name);
  }
  std::sort(report.checks_without_rule.begin(), report.checks_without_rule.end());
  report.checks_without_rule.erase(std::unique(report.checks_without_rule.begin(), report.checks_without_rule.end()),
                                   report.checks_without_rule.end());
  std::sort(report.unknown_ids.begin(), report.unknown_ids.end());
  report.unknown_ids.erase(std::unique(report.unknown_ids.begin(), report.unknown_ids.end()), report.unknown_ids.end());
  for (const Rule& rule : ledger.rules()) {
    RuleCoverageRow row;
    row.rule = &rule;
    row.shared = rule.where.file.find("shared-rules.yaml") != std::string::npos;
    if (auto it = checked_by.find(rule.id); it != checked_by.end())
      row.checked_by.assign(it->second.begin(), it->second.end());
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::string RuleCoverageTable(const RuleCoverageReport& report) {
  std::ostringstream out;
  size_t checked = 0, explained = 0, shared_unchecked = 0;
  for (const auto& row : report.rows) {
    const Rule& r = *row.rule;
    out << r.id << " (" << r.Level() << ", " << r.source << (r.FromSeed() ? ", seed layer" : "") << ")\n    ";
    if (!row.checked_by.empty()) {
      ++checked;
      for (size_t i = 0; i < row.checked_by.size(); ++i) out << (i ? ", " : "") << row.checked_by[i];
    } else if (!r.unchecked.empty()) {
      ++explained;
      out << "(no black-box check: " << r.unchecked << ")";
    } else if (row.shared) {
      ++shared_unchecked;
      out << "(a shared rule this suite does not check; another API's suite may)";
    } else {
      out << "UNCHECKED: nothing names this rule";
    }
    out << "\n";
  }
  const auto unchecked = report.Unchecked();
  out << "\n";
  for (const auto* row : unchecked) out << "unchecked: " << row->rule->where.ToString() << ": " << row->rule->id << "\n";
  for (const auto& c : report.checks_without_rule) out << "no rule: " << c << "\n";
  for (const auto& u : report.unknown_ids) out << "unknown rule: " << u << "\n";
  out << report.rows.size() << " rules: " << checked << " checked, " << explained
      << " with no black-box check (each says why), " << shared_unchecked << " shared ones left to other suites, "
      << unchecked.size() << " unchecked; " << report.checks_without_rule.size()
      << " contract-level checks name no rule\n";
  return out.str();
}

std::string RuleCoverageJson(const RuleCoverageReport& report) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](const std::string& s) { w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size())); };
  auto strings = [&](const char* key, const std::vector<std::string>& values) {
    w.Key(key);
    w.StartArray();
    for (const auto& v : values) text(v);
    w.EndArray();
  };
  w.StartObject();
  w.Key("rules");
  w.StartArray();
  for (const auto& row : report.rows) {
    const Rule& r = *row.rule;
    w.StartObject();
    w.Key("id"); text(r.id);
    w.Key("level"); w.String(r.Level());
    w.Key("source"); text(r.source);
    w.Key("layer"); w.String(r.FromSeed() ? "seed" : "decision");
    w.Key("text"); text(r.text);
    strings("checked_by", row.checked_by);
    if (!r.unchecked.empty()) {
      w.Key("unchecked");
      text(r.unchecked);
    }
    w.Key("shared"); w.Bool(row.shared);
    w.EndObject();
  }
  w.EndArray();
  strings("checks_without_rule", report.checks_without_rule);
  strings("unknown_ids", report.unknown_ids);
  w.Key("complete"); w.Bool(report.Complete());
  w.EndObject();
  return std::string(buffer.GetString()) + "\n";
}

}  // namespace conformance
