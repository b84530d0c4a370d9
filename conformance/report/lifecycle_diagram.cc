#include "report/lifecycle_diagram.h"
#include "report/file_reporters.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/lifecycle.h"

namespace conformance {
namespace {

constexpr double kBoxWidth = 170, kBoxHeight = 46, kLayerGap = 250, kRowGap = 120, kLeft = 90, kTop = 110;

struct Box {
  double x = 0, y = 0;  // centre
};

// States by layer: the longest distance from the initial state (self loops
// and cycles ignored after as many rounds as there are states).
std::map<std::string, int> Layers(const purchase::Lifecycle& lifecycle) {
  std::map<std::string, int> layer;
  for (const auto& s : lifecycle.states()) layer[s] = s == lifecycle.initial_state() ? 0 : -1;
  for (size_t round = 0; round < lifecycle.states().size(); ++round)
    for (const auto& t : lifecycle.transitions())
      if (t.from != t.to && layer[t.from] >= 0) layer[t.to] = std::max(layer[t.to], layer[t.from] + 1);
  int last = 0;
  for (const auto& [s, l] : layer) last = std::max(last, l);
  for (auto& [s, l] : layer)
    if (l < 0) l = last + 1;  // unreachable: drawn after the rest
  return layer;
}

}  // namespace

std::string LifecycleSvg(const purchase::Lifecycle& lifecycle, const std::string& title, const ObservedPath* path,
                         const std::string& id_prefix) {
  const auto layers = Layers(lifecycle);
  std::map<int, std::vector<std::string>> by_layer;
  for (const auto& s : lifecycle.states()) by_layer[layers.at(s)].push_back(s);
  size_t widest = 1;
  for (const auto& [l, states] : by_layer) widest = std::max(widest, states.size());
  const double height = kTop * 2 + (widest - 1) * kRowGap + kBoxHeight;
  const double middle = height / 2;
  std::map<std::string, Box> box;
  for (const auto& [l, states] : by_layer)
    for (size_t i = 0; i < states.size(); ++i)
      box[states[i]] = Box{kLeft + kBoxWidth / 2 + l * kLayerGap,
                           middle + (static_cast<double>(i) - (states.size() - 1) / 2.0) * kRowGap};
  const double width = kLeft + (by_layer.empty() ? 0 : by_layer.rbegin()->first) * kLayerGap + kBoxWidth + 60;

  // What the path did.
  std::set<std::string> visited;
  std::set<std::pair<std::string, std::string>> taken, skipped;
  if (path) {
    std::string last;
    for (const auto& s : path->states) {
      visited.insert(s);
      if (!last.empty() && s != last) {
        const bool direct = lifecycle.Allows(last, s);
        const bool forbidden = path->illegal && path->illegal->first == last && path->illegal->second == s;
        if (direct) taken.emplace(last, s);
        else if (!forbidden) skipped.emplace(last, s);
      }
      last = s;
    }
  }

  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
    << "\" height=\"" << height << "\" role=\"img\" class=\"lifecycle\">\n";
  o << "<title>" << XmlEscape(title) << "</title>\n";
  o << "<defs>"
       "<marker id=\"" << id_prefix << "arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#475569\"/></marker>"
       "<marker id=\"" << id_prefix << "arrow-taken\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"13\" markerHeight=\"13\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1d4ed8\"/></marker>"
       "<marker id=\"" << id_prefix << "arrow-illegal\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"13\" markerHeight=\"13\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#dc2626\"/></marker>"
       "</defs>\n";
  o << "<style>"
       ".state rect{fill:#f8fafc;stroke:#475569;stroke-width:1.5}.state text{font:600 14px sans-serif;fill:#0f172a}"
       ".state.terminal rect{stroke-width:3.5}.state.visited rect{fill:#dbeafe;stroke:#1d4ed8}"
       ".state.illegal-target rect{fill:#fee2e2;stroke:#dc2626;stroke-width:3}"
       ".edge{fill:none;stroke:#475569;stroke-width:1.5}.edge.taken{stroke:#1d4ed8;stroke-width:4}"
       ".edge.skipped{stroke:#1d4ed8;stroke-width:2.5;stroke-dasharray:3 4}"
       ".edge.illegal{stroke:#dc2626;stroke-width:3.5;stroke-dasharray:9 5}"
       ".label{font:12px sans-serif;fill:#334155}.label.taken{fill:#1d4ed8;font-weight:600}"
       ".label.illegal{fill:#dc2626;font-weight:700}.label-bg{fill:#ffffff;opacity:0.9}"
       "</style>\n";

  auto label = [&](double x, double y, const std::string& text, const std::string& cls) {
    const double w = 6.6 * text.size() + 8;
    o << "<rect class=\"label-bg\" x=\"" << x - w / 2 << "\" y=\"" << y - 10 << "\" width=\"" << w << "\" height=\"15\"/>"
      << "<text class=\"label " << cls << "\" x=\"" << x << "\" y=\"" << y + 1.5 << "\" text-anchor=\"middle\">"
      << XmlEscape(text) << "</text>\n";
  };
  // An edge from a's right (or bottom/top) to b's left, bowed when it would
  // cross a box in between; `bow` adds to that.
  auto edge = [&](const std::string& from, const std::string& to, const std::string& cls, const char* marker,
                  const std::string& text, double bow) {
    const Box a = box[from], b = box[to];
    double x1 = a.x + kBoxWidth / 2, y1 = a.y, x2 = b.x - kBoxWidth / 2, y2 = b.y;
    double cx = (x1 + x2) / 2, cy = (y1 + y2) / 2 + bow;
    if (b.x <= a.x) {
      // Backwards or within a layer: over the top, clear of every box (and
      // of the idempotent loops, drawn at the middle of a box's top).
      x1 = a.x - kBoxWidth / 2 + 18;
      y1 = a.y - kBoxHeight / 2;
      x2 = b.x + (b.x < a.x ? kBoxWidth / 2 - 18 : 0);
      y2 = b.y - kBoxHeight / 2;
      double top = std::min(y1, y2);
      for (const auto& [state, other] : box)
        if (other.x >= std::min(x1, x2) - kBoxWidth / 2 && other.x <= std::max(x1, x2) + kBoxWidth / 2)
          top = std::min(top, other.y - kBoxHeight / 2);
      cx = (x1 + x2) / 2;
      cy = top - 2 * 45;
    }
    for (const auto& [state, other] : box) {
      if (state == from || state == to || b.x <= a.x) continue;
      if (other.x > std::min(x1, x2) && other.x < std::max(x1, x2) && std::abs(cy - other.y) < kBoxHeight)
        cy += kBoxHeight * 1.6;
    }
    o << "<path class=\"edge " << cls << "\" data-from=\"" << XmlEscape(from) << "\" data-to=\"" << XmlEscape(to)
      << "\" d=\"M" << x1 << "," << y1 << " Q" << cx << "," << cy << " " << x2 << "," << y2 << "\" marker-end=\"url(#"
      << id_prefix << marker << ")\"/>\n";
    // The curve's midpoint (t = 1/2) carries the label.
    label(0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2, text, cls);
  };

  // The entry.
  const Box initial = box[lifecycle.initial_state()];
  const double ex = initial.x - kBoxWidth / 2 - 60;
  const bool entered = path && !path->states.empty();
  o << "<circle class=\"entry\" cx=\"" << ex << "\" cy=\"" << initial.y << "\" r=\"7\" fill=\"#0f172a\"/>\n";
  o << "<path class=\"edge entry" << (entered ? " taken" : "") << "\" data-from=\"\" data-to=\""
    << XmlEscape(lifecycle.initial_state()) << "\" d=\"M" << ex + 7 << "," << initial.y << " L" << initial.x - kBoxWidth / 2
    << "," << initial.y << "\" marker-end=\"url(#" << id_prefix << (entered ? "arrow-taken" : "arrow") << ")\"/>\n";
  label(ex + 30, initial.y - 14, lifecycle.entry_cause(), entered ? "taken" : "");

  for (const auto& t : lifecycle.transitions()) {
    if (t.from == t.to) continue;
    const bool used = taken.count({t.from, t.to}) > 0;
    edge(t.from, t.to, used ? "taken" : "", used ? "arrow-taken" : "arrow", t.cause, 0);
  }
  for (const auto& [from, to] : skipped) edge(from, to, "skipped", "arrow-taken", "not observed in between", 24);

  // Idempotent requests: a loop above the state.
  for (const auto& [state, cause] : lifecycle.idempotent()) {
    const Box b = box[state];
    const double x1 = b.x - 25, x2 = b.x + 25, y = b.y - kBoxHeight / 2;
    const bool used = path && std::adjacent_find(path->states.begin(), path->states.end(),
                                                 [&](const std::string& p, const std::string& q) {
                                                   return p == state && q == state;
                                                 }) != path->states.end();
    o << "<path class=\"edge loop" << (used ? " taken" : "") << "\" data-from=\"" << XmlEscape(state) << "\" data-to=\""
      << XmlEscape(state) << "\" d=\"M" << x1 << "," << y << " C" << x1 - 10 << "," << y - 55 << " " << x2 + 10 << ","
      << y - 55 << " " << x2 << "," << y << "\" marker-end=\"url(#" << id_prefix << (used ? "arrow-taken" : "arrow")
      << ")\"/>\n";
    label(b.x, y - 48, cause + " (idempotent)", used ? "taken" : "");
  }

  for (const auto& state : lifecycle.states()) {
    const Box b = box[state];
    std::string cls = "state";
    if (lifecycle.IsTerminal(state)) cls += " terminal";
    if (visited.count(state)) cls += " visited";
    if (path && path->illegal && path->illegal->second == state) cls += " illegal-target";
    o << "<g class=\"" << cls << "\" data-state=\"" << XmlEscape(state) << "\"><rect x=\"" << b.x - kBoxWidth / 2
      << "\" y=\"" << b.y - kBoxHeight / 2 << "\" width=\"" << kBoxWidth << "\" height=\"" << kBoxHeight
      << "\" rx=\"10\"/><text x=\"" << b.x << "\" y=\"" << b.y + 5 << "\" text-anchor=\"middle\">" << XmlEscape(state)
      << (lifecycle.IsTerminal(state) ? " (terminal)" : "") << "</text></g>\n";
  }
  // The forbidden change last, over everything else.
  if (path && path->illegal) edge(path->illegal->first, path->illegal->second, "illegal", "arrow-illegal", "✗ not allowed", 0);
  o << "</svg>\n";
  return o.str();
}

std::string LifecycleMermaid(const purchase::Lifecycle& lifecycle) {
  std::ostringstream o;
  o << "stateDiagram-v2\n";
  o << "    [*] --> " << lifecycle.initial_state() << ": " << lifecycle.entry_cause() << "\n";
  for (const auto& t : lifecycle.transitions()) o << "    " << t.from << " --> " << t.to << ": " << t.cause << "\n";
  for (const auto& s : lifecycle.states())
    if (lifecycle.IsTerminal(s)) o << "    " << s << " --> [*]\n";
  return o.str();
}

}  // namespace conformance
