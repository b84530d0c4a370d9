// Helpers shared by the conformance tests: reading test data and the spec.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace conformance {

inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string TestData(const std::string& name) { return std::string(CONFORMANCE_TESTDATA) + "/" + name; }

}  // namespace conformance
