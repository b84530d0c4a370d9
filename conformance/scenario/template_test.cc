#include "scenario/template.h"

#include <boost/test/unit_test.hpp>

namespace conformance {
namespace {

TemplateValue String(const std::string& text) {
  TemplateValue v;
  v.kind = TemplateValue::Kind::kString;
  v.text = text;
  return v;
}

BOOST_AUTO_TEST_SUITE(TemplateTest)

BOOST_AUTO_TEST_CASE(WholeReferenceKeepsTheVariablesJsonType) {
  Variables vars;
  rapidjson::Document five;
  five.Parse("5");
  vars.SetJson("qty", five);
  rapidjson::Document out;
  std::string missing;
  BOOST_REQUIRE(vars.Render(String("${qty}"), out, out.GetAllocator(), &missing));
  BOOST_TEST(out.IsInt());
  BOOST_TEST(out.GetInt() == 5);
}

BOOST_AUTO_TEST_CASE(OnlyATextThatIsExactlyOneValidReferenceIsAWholeReference) {
  for (const char* text : {"${a}b", "${a}${b}", "${}", "${1a}", "${a b}", "${a}}", "${a", "x${a}", "$${a}", "${a-b}",
                           "${${a}}", "${a}x}", "{a}", "${a}\n"})
    BOOST_TEST(!WholeReference(text).has_value(), text);
  BOOST_TEST(*WholeReference("${a}") == "a");
  BOOST_TEST(*WholeReference("${_Order_id2}") == "_Order_id2");
}

BOOST_AUTO_TEST_CASE(AWholeReferenceInsideABodyTakesTheValueItself) {
  Variables vars;
  rapidjson::Document o;
  o.Parse(R"({"k":["v",1,{"n":null}],"s":"t"})");
  vars.SetJson("o", o);
  TemplateValue body;
  body.kind = TemplateValue::Kind::kObject;
  TemplateValue list;
  list.kind = TemplateValue::Kind::kArray;
  list.items = {String("${o}"), String("x${o}")};
  body.members = {{"a", String("${o}")}, {"b", list}};
  rapidjson::Document out;
  std::string missing;
  BOOST_REQUIRE(vars.Render(body, out, out.GetAllocator(), &missing));
  const std::string o_text = R"({"k":["v",1,{"n":null}],"s":"t"})";
  BOOST_TEST(ToJsonText(out) == R"({"a":)" + o_text + R"(,"b":[)" + o_text + R"(,"x{\"k\":[\"v\",1,{\"n\":null}],\"s\":\"t\"}"]})");
}

BOOST_AUTO_TEST_CASE(ReferenceInsideTextSplicesTheValueAsText) {
  Variables vars;
  vars.SetString("id", "ord_1");
  rapidjson::Document n;
  n.Parse("2");
  vars.SetJson("n", n);
  std::string missing;
  BOOST_TEST(*vars.Interpolate("/x?order_id=${id}&n=${n}", &missing) == "/x?order_id=ord_1&n=2");
}

BOOST_AUTO_TEST_CASE(AJsonStringSplicesItsCharactersAndAnyOtherValueItsJson) {
  Variables vars;
  rapidjson::Document s, o;
  s.Parse(R"("a \"q\" \u0000 \u00e9")");
  o.Parse(R"({"k":["v",1]})");
  vars.SetJson("s", s);
  vars.SetJson("o", o);
  vars.SetString("t", std::string("x\0\"y", 4));
  std::string missing;
  BOOST_TEST(*vars.Interpolate("${s}|${o}|${t}", &missing) ==
             std::string("a \"q\" \0 \xc3\xa9|{\"k\":[\"v\",1]}|x\0\"y", 29));
}

BOOST_AUTO_TEST_CASE(DoubleDollarIsALiteralReference) {
  Variables vars;
  std::string missing;
  BOOST_TEST(*vars.Interpolate("cost $${price}", &missing) == "cost ${price}");
  BOOST_TEST(ParseTemplate("$${x}").names.empty());
}

BOOST_AUTO_TEST_CASE(UnsetVariableIsReportedByName) {
  Variables vars;
  std::string missing;
  BOOST_TEST(!vars.Interpolate("a ${nope} b", &missing).has_value());
  BOOST_TEST(missing == "nope");
}

BOOST_AUTO_TEST_CASE(MalformedReferenceIsAnError) {
  BOOST_TEST(!ParseTemplate("x ${oops").error.empty());
  BOOST_TEST(!ParseTemplate("${9lives}").error.empty());
  BOOST_TEST(ParseTemplate("${ok_1}").error.empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace conformance
