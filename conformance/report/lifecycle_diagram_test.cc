// The lifecycle drawing and the HTML report: drawn from the lifecycle the
// binary was built with, so a transition added to spec/lifecycle.yaml shows
// up without a code change.
#include "report/lifecycle_diagram.h"

#include <sstream>

#include <boost/test/unit_test.hpp>

#include "check/lifecycle_tracker.h"
#include "core/lifecycle.h"
#include "report/html_reporter.h"

namespace conformance {
namespace {

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

BOOST_AUTO_TEST_SUITE(LifecycleDiagramTest)

BOOST_AUTO_TEST_CASE(EveryStateAndTransitionOfTheSpecIsDrawn) {
  const purchase::Lifecycle& l = purchase::Lifecycle::Builtin();
  const std::string svg = LifecycleSvg(l, "t");
  for (const auto& s : l.states()) BOOST_TEST(Has(svg, "data-state=\"" + s + "\""), s);
  for (const auto& t : l.transitions())
    BOOST_TEST(Has(svg, "data-from=\"" + t.from + "\" data-to=\"" + t.to + "\""), t.from << " -> " << t.to);
  BOOST_TEST(Has(svg, "vendor_cancel (idempotent)"));
  BOOST_TEST(!Has(svg, "edge taken"));
}

BOOST_AUTO_TEST_CASE(ATransitionAddedToTheYamlIsDrawnWithoutACodeChange) {
  const purchase::Lifecycle l = purchase::Lifecycle::Parse(
      "states:\n  A: {initial: true, terminal: false}\n  B: {terminal: true}\nentry: {to: A, cause: make}\n"
      "transitions:\n  - {from: A, to: B, cause: finish}\n",
      "mini.yaml");
  const std::string svg = LifecycleSvg(l, "mini");
  BOOST_TEST(Has(svg, "data-from=\"A\" data-to=\"B\""));
  BOOST_TEST(Has(svg, ">finish<"));
  BOOST_TEST(LifecycleMermaid(l) == "stateDiagram-v2\n    [*] --> A: make\n    A --> B: finish\n    B --> [*]\n");
}

BOOST_AUTO_TEST_CASE(AnObservedPathIsHighlightedAndAForbiddenChangeMarked) {
  ObservedPath path{{"PROCESSING", "PROCESSING", "CANCELED", "COMPLETED"}, std::make_pair("CANCELED", "COMPLETED")};
  const std::string svg = LifecycleSvg(purchase::Lifecycle::Builtin(), "t", &path);
  BOOST_TEST(Has(svg, "class=\"edge taken\" data-from=\"PROCESSING\" data-to=\"CANCELED\""));
  BOOST_TEST(Has(svg, "class=\"edge illegal\" data-from=\"CANCELED\" data-to=\"COMPLETED\""));
  BOOST_TEST(Has(svg, "class=\"state visited illegal-target\" data-state=\"COMPLETED\""));
  BOOST_TEST(Has(svg, "class=\"state terminal visited\" data-state=\"CANCELED\""));
  BOOST_TEST(!Has(svg, "data-from=\"PROCESSING\" data-to=\"COMPLETED\" class"));
  BOOST_TEST(Has(svg, "class=\"edge \" data-from=\"PROCESSING\" data-to=\"COMPLETED\""));  // allowed, not taken
}

BOOST_AUTO_TEST_CASE(TheTrackerKeepsEveryOrdersPathAndItsForbiddenChange) {
  LifecycleTracker tracker(purchase::Lifecycle::Builtin());
  BOOST_TEST(!tracker.Observe("o1", "PROCESSING", true, "step 1"));
  BOOST_TEST(!tracker.Observe("o1", "CANCELED", false, "step 2"));
  BOOST_TEST(tracker.Observe("o1", "COMPLETED", false, "step 3").has_value());
  tracker.Forget();
  BOOST_TEST(!tracker.Observe("o2", "PROCESSING", true, "step 4"));
  const auto traces = tracker.Traces();
  BOOST_REQUIRE_EQUAL(traces.size(), 2u);
  BOOST_TEST(traces[0].order_id == "o1");
  BOOST_TEST((traces[0].states == std::vector<std::string>{"PROCESSING", "CANCELED", "COMPLETED"}));
  BOOST_REQUIRE(traces[0].illegal.has_value());
  BOOST_TEST(traces[0].illegal->first == "CANCELED");
  BOOST_TEST(!traces[1].illegal.has_value());
}

BOOST_AUTO_TEST_CASE(TheHtmlReportShowsTheFailedStepAndTheOrdersPath) {
  RunResult run;
  run.target = "http://t";
  ScenarioResult s;
  s.id = "scenarios/x/fails";
  s.outcome = Outcome::kFailed;
  StepResult step;
  step.name = "the <canceled> order";
  step.outcome = Outcome::kFailed;
  step.failures.push_back(Failure{SourceLocation{"x.yaml", 3, 4}, {}, "CANCELED is terminal"});
  Exchange e;
  e.method = "GET";
  e.url = "http://t/purchase/info?order_id=o1";
  e.status = 200;
  e.response_body = "{\"status\":\"COMPLETED\"}";
  step.exchanges.push_back(e);
  s.steps.push_back(step);
  s.orders.push_back(OrderTrace{"o1", {"PROCESSING", "CANCELED", "COMPLETED"}, {"1", "2", "3"},
                                std::make_pair("CANCELED", "COMPLETED")});
  run.scenarios.push_back(s);
  std::ostringstream html;
  HtmlReporter(html, purchase::Lifecycle::Builtin()).OnRunFinished(run);
  const std::string page = html.str();
  BOOST_TEST(Has(page, "<title>Conformance run: 1 failed, 0 passed</title>"));
  BOOST_TEST(Has(page, "data-step=\"the &lt;canceled&gt; order\""));  // escaped
  BOOST_TEST(Has(page, "x.yaml:3:4: error: CANCELED is terminal"));
  BOOST_TEST(Has(page, "{&quot;status&quot;:&quot;COMPLETED&quot;}"));
  BOOST_TEST(Has(page, "PROCESSING → CANCELED → COMPLETED"));
  BOOST_TEST(Has(page, "class=\"edge illegal\" data-from=\"CANCELED\" data-to=\"COMPLETED\""));
  BOOST_TEST(!Has(page, "<script"));
  BOOST_TEST(!Has(page, "src=\""));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
