#include "scenario/source_comment.h"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

namespace conformance {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << text;
  return path;
}

BOOST_AUTO_TEST_SUITE(SourceCommentTest)

BOOST_AUTO_TEST_CASE(ACheckNamesEveryRuleOfItsCommentsAboveTheStepElseOfItsHead) {
  const std::string file = Write("rule_comment_test.yaml",
                                 "# rule: H-1\n"                        // 1
                                 "# rule: H-2, H-1\n"                   // 2
                                 "steps:\n"                             // 3
                                 "  # rule: A-1\n"                      // 4
                                 "  # source: seed 003, \"one\"\n"      // 5
                                 "  # rule: A-2, A-3\n"                 // 6
                                 "  # source: spec/x.md, \"two\"\n"     // 7
                                 "  - request: GET /a\n"                // 8
                                 "    expect: 200\n"                    // 9
                                 "  - {request: GET /b, expect: 404}\n"); // 10
  BOOST_TEST(RuleIdsFor(file, 9) == (std::vector<std::string>{"A-1", "A-2", "A-3"}));
  BOOST_TEST(SourceCommentFor(file, 9) == "source: seed 003, \"one\"; source: spec/x.md, \"two\"");
  BOOST_TEST(RuleIdsFor(file, 10) == (std::vector<std::string>{"H-1", "H-2"}));
  BOOST_TEST(RuleIdsIn(file).size() == 6u);
  BOOST_TEST(RuleIdsOfLine("  # rule: X-1,X-2 ,  X-3") == (std::vector<std::string>{"X-1", "X-2", "X-3"}));
}

BOOST_AUTO_TEST_CASE(ACheckShowsTheSourceCommentOfItsStepElseOfItsScenario) {
  const std::string file = Write("source_comment_test.yaml",
                                 "description: x\n"                                    // 1
                                 "# source: the head, \"all of it\"\n"                 // 2
                                 "steps:\n"                                            // 3
                                 "  # source: issue 2, \"A tampered URL → 403\"; and\n"  // 4
                                 "  #   its next line\n"                               // 5
                                 "  - request: GET /a\n"                               // 6
                                 "    expect:\n"                                       // 7
                                 "      status: 403\n"                                 // 8
                                 "  - {request: GET /b, expect: 404}\n"                // 9
                                 "  - request: GET /c\n"                               // 10
                                 "    # source: inline, \"in the step\"\n"             // 11
                                 "    expect: 410\n");                                 // 12
  BOOST_TEST(SourceCommentFor(file, 8) == "source: issue 2, \"A tampered URL → 403\"; and its next line");
  BOOST_TEST(SourceCommentFor(file, 6) == "source: issue 2, \"A tampered URL → 403\"; and its next line");
  BOOST_TEST(SourceCommentFor(file, 9) == "source: the head, \"all of it\"");
  BOOST_TEST(SourceCommentFor(file, 12) == "source: inline, \"in the step\"");
  BOOST_TEST(SourceCommentFor(file, 99) == "");
  const std::string include = Write("source_comment_include.yaml", "buy:\n  steps:\n    - request: GET /x\n");
  BOOST_TEST(SourceCommentFor(include, 3) == "");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
