// The order lifecycle drawn from spec/lifecycle.yaml (purchase::Lifecycle),
// never by hand: as a self-contained SVG (states left to right by their
// longest distance from the entry, every allowed transition an arrow labelled
// with its cause, idempotent requests as loops), optionally with one order's
// observed path highlighted and a forbidden change marked; or as a Mermaid
// stateDiagram for Markdown.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace purchase {
class Lifecycle;
}

namespace conformance {

struct ObservedPath {
  std::vector<std::string> states;  // as observed (repeats are ignored)
  std::optional<std::pair<std::string, std::string>> illegal;  // a change the lifecycle forbids
};

// Returns the SVG document (with `title` as its accessible title). Elements
// carry classes and data attributes a test can query: `g.state[data-state]`
// (`visited` when on the path, `illegal-target` for the state a forbidden
// change went to), `path.edge[data-from][data-to]` (`taken` when the path
// used it, `illegal` for the forbidden change, `skipped` for a change seen
// across states the observations did not show).
// `id_prefix` keeps the ids of several drawings in one page apart.
std::string LifecycleSvg(const purchase::Lifecycle& lifecycle, const std::string& title,
                         const ObservedPath* path = nullptr, const std::string& id_prefix = "lifecycle-");

// Returns a Mermaid stateDiagram-v2 of the lifecycle.
std::string LifecycleMermaid(const purchase::Lifecycle& lifecycle);

}  // namespace conformance
