// The route table every API's HTTP surface routes through (the HL
// Connector's HttpApi and each profile's host).
#define BOOST_TEST_MODULE route_table
#include <boost/test/unit_test.hpp>

#include "http/route_table.h"

using namespace purchase::http;

BOOST_AUTO_TEST_SUITE(RouteTableRules)

BOOST_AUTO_TEST_CASE(ABracedSegmentMatchesOneNonEmptySegmentAndIsCaptured) {
  RouteTable table;
  table.Add("GET", "/orders");
  const size_t one = table.Add("GET", "/orders/{order_id}/items/{item}");
  const RouteMatch m = table.Match("GET", "/orders/ord_1/items/2");
  BOOST_TEST((m.kind == RouteMatch::Kind::kFound));
  BOOST_TEST(m.index == one);
  BOOST_TEST(m.params.at("order_id") == "ord_1");
  BOOST_TEST(m.params.at("item") == "2");
  BOOST_TEST((table.Match("GET", "/orders//items/2").kind == RouteMatch::Kind::kNoSuchPath));
  BOOST_TEST((table.Match("GET", "/orders/ord_1/items").kind == RouteMatch::Kind::kNoSuchPath));
  BOOST_TEST((table.Match("GET", "/orders/").kind == RouteMatch::Kind::kNoSuchPath));
  BOOST_TEST((table.Match("GET", "orders").kind == RouteMatch::Kind::kNoSuchPath));
}

BOOST_AUTO_TEST_CASE(AWrongMethodListsEachMethodOfThePathOnceInTheOrderAdded) {
  RouteTable table;
  table.Add("POST", "/a/{x}");
  table.Add("DELETE", "/a/b");
  table.Add("POST", "/a/b");
  // A method whose name is inside another's is still listed on its own.
  table.Add("PUTS", "/a/b");
  table.Add("PUT", "/a/b");
  const RouteMatch m = table.Match("GET", "/a/b");
  BOOST_TEST((m.kind == RouteMatch::Kind::kMethodNotAllowed));
  BOOST_TEST(m.allow == "POST, DELETE, PUTS, PUT");
}

BOOST_AUTO_TEST_CASE(APatternAddedTwiceOrWithoutALeadingSlashIsRefused) {
  RouteTable table;
  table.Add("GET", "/a");
  BOOST_CHECK_THROW(table.Add("GET", "/a"), std::invalid_argument);
  BOOST_CHECK_THROW(table.Add("GET", "a"), std::invalid_argument);
  BOOST_CHECK_THROW(table.Add("GET", "/a//b"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
