#include "report/html_reporter.h"

#include <array>
#include <cctype>
#include <map>
#include <sstream>

#include "report/file_reporters.h"  // XmlEscape
#include "report/lifecycle_diagram.h"

namespace conformance {
namespace {

std::string Folder(const ScenarioResult& s) {
  const size_t slash = s.id.rfind('/');
  return slash == std::string::npos ? "." : s.id.substr(0, slash);
}

std::string Anchor(const std::string& id) {
  std::string out = "s-";
  for (char c : id) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

constexpr const char* kStyle =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#0f172a}"
    "h1{font-size:1.5rem}h2{margin-top:2.2rem;border-bottom:1px solid #cbd5e1}"
    "table{border-collapse:collapse}td,th{padding:.25rem .8rem;border-bottom:1px solid #e2e8f0;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.n-failed{color:#b91c1c;font-weight:700}"
    ".badge{display:inline-block;border-radius:4px;padding:0 .4rem;font-weight:700;font-size:.8rem;color:#fff}"
    ".badge.failed{background:#dc2626}.badge.passed{background:#16a34a}.badge.skipped{background:#64748b}"
    "section.scenario{border:1px solid #e2e8f0;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}"
    "section.scenario.failed{border-color:#fca5a5;background:#fffbfb}"
    ".step.failed h4{color:#b91c1c;margin:.6rem 0 .2rem}.failure{font-family:ui-monospace,monospace;font-size:.85rem;"
    "white-space:pre-wrap}pre{background:#f1f5f9;padding:.5rem;overflow:auto;max-height:22rem;font-size:.8rem}"
    "figure.order{margin:.8rem 0}figcaption{font-size:.9rem;margin-bottom:.3rem}"
    ".illegal-note{color:#b91c1c;font-weight:700}svg.lifecycle{max-width:100%;height:auto}"
    "ul.scenarios{list-style:none;padding:0}ul.scenarios li{margin:.15rem 0}"
    ".failure .rule{color:#1e3a8a}.step.warned h4{color:#a16207;margin:.6rem 0 .2rem}";

void WriteExchange(std::ostream& o, const Exchange& e) {
  std::ostringstream request, response;
  request << e.method << " " << e.url << "\n";
  for (const auto& [n, v] : e.request_headers) request << n << ": " << v << "\n";
  if (!e.request_body.empty()) request << "\n" << e.request_body.substr(0, 4096);
  if (e.status == 0) {
    response << "(no response: " << e.transport_error << ")";
  } else {
    response << e.status << "\n";
    for (const auto& [n, v] : e.response_headers) response << n << ": " << v << "\n";
    response << "\n" << e.response_body.substr(0, 8192) << (e.response_body.size() > 8192 ? "\n..." : "");
  }
  o << "<details open class=\"exchange\"><summary>" << XmlEscape(e.method + " " + e.url) << " → "
    << (e.status ? std::to_string(e.status) : std::string("no response")) << "</summary>"
    << "<pre class=\"request\">" << XmlEscape(request.str()) << "</pre><pre class=\"response\">" << XmlEscape(response.str())
    << "</pre></details>\n";
}

void WriteOrders(std::ostream& o, const ScenarioResult& s, const purchase::Lifecycle& lifecycle, int* drawings) {
  for (const OrderTrace& t : s.orders) {
    ObservedPath path{t.states, t.illegal};
    std::string observed;
    std::string last;
    for (const auto& state : t.states) {
      if (state == last) continue;
      observed += (observed.empty() ? "" : " → ") + state;
      last = state;
    }
    o << "<figure class=\"order" << (t.illegal ? " illegal" : "") << "\" data-order=\"" << XmlEscape(t.order_id)
      << "\"><figcaption>order <code>" << XmlEscape(t.order_id) << "</code>: " << XmlEscape(observed);
    if (t.illegal)
      o << " <span class=\"illegal-note\">— " << XmlEscape(t.illegal->first) << " → " << XmlEscape(t.illegal->second)
        << " is not allowed by spec/lifecycle.yaml</span>";
    o << "</figcaption>\n" << LifecycleSvg(lifecycle, "order " + t.order_id + ": " + observed, &path,
                                        "d" + std::to_string(++*drawings) + "-") << "</figure>\n";
  }
}

void WriteScenario(std::ostream& o, const ScenarioResult& s, const purchase::Lifecycle& lifecycle, int* drawings) {
  const char* outcome = OutcomeName(s.outcome);
  o << "<section class=\"scenario " << outcome << "\" id=\"" << Anchor(s.id) << "\" data-scenario=\"" << XmlEscape(s.id)
    << "\">\n<h3><span class=\"badge " << outcome << "\">" << outcome << "</span> " << XmlEscape(s.id) << "</h3>\n";
  if (!s.description.empty()) o << "<p>" << XmlEscape(s.description) << "</p>\n";
  for (const auto& step : s.steps) {
    for (const auto& f : step.warnings) {
      o << "<div class=\"step warned\"><h4>warning (a SHOULD rule): " << XmlEscape(step.name) << "</h4>\n<div class=\"failure\">"
        << XmlEscape(f.where.ToString() + ": warning: " + f.message);
      for (const auto& note : FailureNotes(f)) o << "\n<span class=\"rule\">" << XmlEscape(note) << "</span>";
      o << "</div></div>\n";
    }
    if (step.outcome != Outcome::kFailed) continue;
    o << "<div class=\"step failed\" data-step=\"" << XmlEscape(step.name) << "\"><h4>failed step: " << XmlEscape(step.name)
      << "</h4>\n";
    for (const auto& f : step.failures) {
      o << "<div class=\"failure\">" << XmlEscape(f.where.ToString() + ": error: " + f.message);
      for (const auto& rule : f.rules) o << "\n<span class=\"rule\">" << XmlEscape(RuleNote(rule)) << "</span>";
      if (!f.source.empty()) o << "\n<span class=\"source\">" << XmlEscape("why this is a rule: " + f.source) << "</span>";
      for (const auto& from : f.included_from) o << "\n" << XmlEscape(from.ToString() + ": note: included from here");
      o << "</div>\n";
    }
    for (const auto& e : step.exchanges) WriteExchange(o, e);
    o << "</div>\n";
  }
  if (!s.orders.empty()) {
    o << "<details class=\"orders\"" << (s.outcome == Outcome::kFailed ? " open" : "") << "><summary>"
      << s.orders.size() << " order" << (s.orders.size() == 1 ? "" : "s") << " on the lifecycle</summary>\n";
    WriteOrders(o, s, lifecycle, drawings);
    o << "</details>\n";
  }
  o << "</section>\n";
}

}  // namespace

void HtmlReporter::OnRunFinished(const RunResult& run) {
  std::ostream& o = out_;
  int drawings = 0;  // keeps the ids of the drawings apart
  const size_t failed = run.Count(Outcome::kFailed), passed = run.Count(Outcome::kPassed),
               skipped = run.Count(Outcome::kSkipped);
  o << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Conformance run: " << failed
    << " failed, " << passed << " passed</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  o << "<h1>Conformance run against <code>" << XmlEscape(run.target) << "</code></h1>\n";
  o << "<p class=\"summary\">" << run.scenarios.size() << " scenarios: <span class=\"n-passed\">" << passed
    << " passed</span>, <span class=\"n-failed\">" << failed << " failed</span>, " << skipped << " skipped, in "
    << run.duration_ms << " ms; started " << FormatTimestamp(run.started_at) << ".</p>\n";
  std::map<std::string, std::array<size_t, 3>> folders;
  for (const auto& s : run.scenarios) ++folders[Folder(s)][static_cast<size_t>(s.outcome)];
  o << "<table class=\"folders\"><tr><th>folder</th><th>passed</th><th>failed</th><th>skipped</th></tr>\n";
  for (const auto& [folder, n] : folders)
    o << "<tr><td>" << XmlEscape(folder) << "</td><td>" << n[0] << "</td><td" << (n[1] ? " class=\"n-failed\"" : "") << ">"
      << n[1] << "</td><td>" << n[2] << "</td></tr>\n";
  o << "</table>\n";
  if (failed) {
    o << "<h2 id=\"failed\">Failed scenarios</h2>\n";
    for (const auto& s : run.scenarios)
      if (s.outcome == Outcome::kFailed) WriteScenario(o, s, lifecycle_, &drawings);
  }
  o << "<h2 id=\"all\">Every scenario</h2>\n<ul class=\"scenarios\">\n";
  for (const auto& s : run.scenarios) {
    const char* outcome = OutcomeName(s.outcome);
    o << "<li><span class=\"badge " << outcome << "\">" << outcome << "</span> ";
    if (s.outcome == Outcome::kFailed) o << "<a href=\"#" << Anchor(s.id) << "\">" << XmlEscape(s.id) << "</a>";
    else o << XmlEscape(s.id);
    if (s.outcome == Outcome::kSkipped) o << " — " << XmlEscape(s.skip_reason);
    o << "</li>\n";
  }
  o << "</ul>\n";
  bool any_passed_orders = false;
  for (const auto& s : run.scenarios) any_passed_orders = any_passed_orders || (s.outcome == Outcome::kPassed && !s.orders.empty());
  if (any_passed_orders) {
    o << "<h2 id=\"passed\">Passed scenarios and their orders</h2>\n";
    for (const auto& s : run.scenarios)
      if (s.outcome == Outcome::kPassed && !s.orders.empty()) WriteScenario(o, s, lifecycle_, &drawings);
  }
  o << "<h2 id=\"lifecycle\">The lifecycle (spec/lifecycle.yaml)</h2>\n" << LifecycleSvg(lifecycle_, "the order lifecycle");
  o << "</body></html>\n";
}

}  // namespace conformance
