// The `# source:` comment that says why a scenario's check is a rule of the
// contract (spec/README.md, "What the contract holds, and its source"), found
// from the check's line, so that a red shows the sentence it enforces beside
// its file:line (issue 20).
//
// The comment of a check is the `# source:` block nearest above it in its own
// step (the step's line or the comment lines right above it), else the one in
// the scenario's head (before `steps:`), as "source: ..."; "" when there
// is none. Continuation comment lines are joined, blanks collapsed. Files are read once and kept;
// thread-safe.
#pragma once

#include <string>

namespace conformance {

std::string SourceCommentFor(const std::string& file, int line);

}  // namespace conformance
