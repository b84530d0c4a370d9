// Machine-readable reports, written when the run finishes: JUnit XML (one
// testsuite per folder, one testcase per scenario, failures with messages,
// skipped marked, exchanges of failed steps in system-out) and JSON (every
// scenario, step and failure; exchanges of failed steps).
//
// Both write to a stream given at construction; bytes that are not valid
// UTF-8 (a binary body) are replaced so the files always parse.
#pragma once

#include <ostream>

#include "report/listener.h"

namespace conformance {

class JunitReporter final : public RunListener {
 public:
  explicit JunitReporter(std::ostream& out) : out_(out) {}
  void OnRunFinished(const RunResult& run) override;

 private:
  std::ostream& out_;
};

class JsonReporter final : public RunListener {
 public:
  explicit JsonReporter(std::ostream& out) : out_(out) {}
  void OnRunFinished(const RunResult& run) override;

 private:
  std::ostream& out_;
};

// Replaces invalid UTF-8 sequences (and, for XML, control characters other
// than tab and newline) with U+FFFD.
std::string SanitizeUtf8(std::string_view text, bool for_xml);

// Text for XML, HTML or SVG, in content or in a quoted attribute: sanitized as
// for XML, then & < > " ' escaped. The one escaper of every report.
std::string XmlEscape(std::string_view text);

}  // namespace conformance
