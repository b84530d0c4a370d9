#include "check/scenario_paths.h"

#include <set>

namespace conformance {

std::string LiteralPath(const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  std::string out;
  for (size_t i = 0; i < path.size();) {
    if (path.compare(i, 2, "${") == 0) {
      const size_t close = path.find('}', i);
      out += "x";
      i = close == std::string::npos ? path.size() : close + 1;
    } else {
      out += path[i++];
    }
  }
  return out;
}

std::vector<Diagnostic> CheckScenarioPaths(const Scenario& scenario, const OpenApiSpec& spec) {
  std::vector<Diagnostic> out;
  std::set<std::string> reported;  // a shared step is reported once, not per include
  for (const Step& step : scenario.steps) {
    if (step.kind != Step::Kind::kRequest || !step.check_openapi) continue;
    const std::string& target = step.request.target;
    if (target.empty() || target[0] != '/') continue;
    const std::string path = LiteralPath(target);
    if (!spec.FindOperation(step.request.method, path).empty()) continue;
    // A method the path lacks, sent to see it refused: judged by the path's 405.
    if (step.expect.statuses == std::vector<int>{405} && !spec.FindPath(path).empty()) continue;
    if (!reported.insert(step.where.ToString()).second) continue;
    std::vector<std::string> templates = spec.PathTemplates();
    const std::string suggestion = SuggestClosest(path, templates);
    out.push_back(Diagnostic{
        step.where,
        spec.source() + " documents no operation " + step.request.method + " " + target.substr(0, target.find('?')) +
            (suggestion.empty() ? "" : "; did you mean " + suggestion + "?") +
            " (add `openapi: false` to the step if it is meant to be off the spec)",
        step.included_from});
  }
  return out;
}

}  // namespace conformance
