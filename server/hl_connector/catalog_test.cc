// Tests of the fixture catalog: the shipped fixtures hold the ids the issue
// promises, a mistake in a fixture stops start-up with file:line:column, and a
// customer IP gets the region of the most specific CIDR block containing it.
#define BOOST_TEST_MODULE catalog_test
#include "hl_connector/catalog.h"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include "core/lifecycle.h"

namespace purchase {
namespace {

std::optional<std::string> FakeFile(const std::string& path) {
  if (path.rfind("missing", 0) == 0) return std::nullopt;
  return "bytes of " + path;
}

Catalog ParseText(const std::string& yaml) { return Catalog::Parse(yaml, "cat.yaml", FakeFile); }

// The message of the SpecError that parsing `yaml` throws, or "no error".
std::string ParseError(const std::string& yaml) {
  try {
    ParseText(yaml);
  } catch (const SpecError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a SpecError: ") + e.what();
  }
  return "no error";
}

const std::string kVendors =
    "vendors:\n"                                    // 1
    "  - {id: v1, access_token: t1}\n";             // 2
const std::string kOneAsset =
    "assets:\n"
    "  - {id: a1, file: a1.pdf}\n";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

BOOST_AUTO_TEST_SUITE(CatalogTest)

BOOST_AUTO_TEST_CASE(ShippedFixturesHoldThePromisedIds) {
  const std::string dir = PURCHASE_TEST_FIXTURES;
  const Catalog c = Catalog::Load(dir);
  BOOST_REQUIRE(c.VendorByToken("test-token-vendor-a"));
  BOOST_TEST(c.VendorByToken("test-token-vendor-a")->id == "vendor-a");
  BOOST_REQUIRE(c.VendorByToken("test-token-vendor-b"));
  BOOST_TEST(c.VendorByToken("test-token-vendor-b")->id == "vendor-b");
  BOOST_TEST(!c.VendorByToken("test-token-vendor-c"));
  BOOST_TEST(!c.VendorByToken(""));

  auto asset = [&](const char* id) -> const Asset& {
    auto index = c.AssetIndex(id);
    BOOST_REQUIRE_MESSAGE(index, "no asset " << id);
    return c.asset(*index);
  };
  BOOST_TEST(asset("asset-basic").fulfillment_delay == 5000);
  BOOST_TEST(!asset("asset-basic").fulfillment_fails);
  BOOST_TEST(asset("asset-basic").min_quantity == 1);
  BOOST_TEST(asset("asset-basic").allowed_regions.empty());
  BOOST_TEST(asset("asset-basic").blocked_regions.empty());
  BOOST_TEST(asset("asset-basic").content == ReadFile(dir + "/files/asset-basic.pdf"));
  BOOST_TEST(asset("asset-basic").content_type == "application/pdf");
  BOOST_TEST(asset("asset-slow").fulfillment_delay == 3600 * 1000);
  BOOST_TEST(asset("asset-fails").fulfillment_fails);
  BOOST_TEST(asset("asset-fails").fulfillment_delay == 5000);
  BOOST_TEST(asset("asset-fails").failure_reason == "Rights holder rejected the license");
  BOOST_TEST(!asset("asset-unavailable").available);
  BOOST_TEST(asset("asset-us-only").allowed_regions == std::vector<std::string>{"US"}, boost::test_tools::per_element());
  BOOST_TEST(asset("asset-blocked-de").blocked_regions == std::vector<std::string>{"DE"},
             boost::test_tools::per_element());
  BOOST_TEST(asset("asset-min-qty-5").min_quantity == 5);
  BOOST_TEST(!c.AssetIndex("asset-nope").has_value());

  BOOST_TEST(c.RegionOf("203.0.113.7").value_or("none") == "US");
  BOOST_TEST(c.RegionOf("198.51.100.200").value_or("none") == "DE");
  BOOST_TEST(c.RegionOf("192.0.2.10").value_or("none") == "none");
  BOOST_TEST(c.RegionOf("2001:db8::1").value_or("none") == "none");
}

BOOST_AUTO_TEST_CASE(MostSpecificCidrWins) {
  // Blocks listed in no helpful order: the longest prefix decides, not the position.
  const Catalog c = ParseText(kVendors +
                              "regions:\n"
                              "  - {cidr: 10.1.2.0/24, region: C}\n"
                              "  - {cidr: 10.0.0.0/8, region: A}\n"
                              "  - {cidr: 10.1.0.0/16, region: B}\n"
                              "  - {cidr: 0.0.0.0/0, region: WORLD}\n"
                              "  - {cidr: 10.1.2.128/25, region: D}\n"
                              "  - {cidr: 10.9.9.9/32, region: HOST}\n" +
                              kOneAsset);
  BOOST_TEST(c.RegionOf("10.1.2.3").value_or("none") == "C");
  BOOST_TEST(c.RegionOf("10.1.2.127").value_or("none") == "C");
  BOOST_TEST(c.RegionOf("10.1.2.128").value_or("none") == "D");
  BOOST_TEST(c.RegionOf("10.1.3.1").value_or("none") == "B");
  BOOST_TEST(c.RegionOf("10.2.0.1").value_or("none") == "A");
  BOOST_TEST(c.RegionOf("10.9.9.9").value_or("none") == "HOST");
  BOOST_TEST(c.RegionOf("10.9.9.8").value_or("none") == "A");
  BOOST_TEST(c.RegionOf("11.0.0.1").value_or("none") == "WORLD");
  BOOST_TEST(c.RegionOf("::1").value_or("none") == "none");  // IPv6 has no region
  BOOST_TEST(c.RegionOf("not an ip").value_or("none") == "none");
}

BOOST_AUTO_TEST_CASE(UnknownKeyNamesFileLineAndColumn) {
  // A misspelt key must stop start-up, not silently fall back to a default.
  BOOST_TEST(ParseError(kVendors +
                        "assets:\n"
                        "  - id: a1\n"
                        "    file: a1.pdf\n"
                        "    min_quantiy: 5\n") ==
             "cat.yaml:6:5: error: unknown key 'min_quantiy' (expected one of: id, title, available, min_quantity, "
             "allowed_regions, blocked_regions, fulfillment, file, content_type)");
  BOOST_TEST(ParseError(kVendors + kOneAsset + "region:\n  - {cidr: 10.0.0.0/8, region: A}\n") ==
             "cat.yaml:5:1: error: unknown key 'region' (expected one of: vendors, regions, assets)");
  BOOST_TEST(ParseError("vendors:\n  - {id: v1, access_token: t1, secret: x}\n" + kOneAsset) ==
             "cat.yaml:2:32: error: unknown key 'secret' (expected one of: id, name, access_token)");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: a1.pdf, fulfillment: {delay: 5}}\n") ==
             "cat.yaml:4:42: error: unknown key 'delay' (expected one of: delay_seconds, outcome, reason)");
}

BOOST_AUTO_TEST_CASE(MissingFilesNameTheFile) {
  try {
    Catalog::Load("/nonexistent-fixture-dir");
    BOOST_FAIL("a missing catalog was accepted");
  } catch (const SpecError& e) {
    BOOST_TEST(std::string(e.what()) == "/nonexistent-fixture-dir/catalog.yaml:1:1: error: cannot read the fixture catalog");
  }
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: missing.pdf}\n") ==
             "cat.yaml:4:20: error: cannot read asset file 'missing.pdf'");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: ../etc/passwd}\n") ==
             "cat.yaml:4:20: error: 'file' must be a path inside the fixture folder");
}

BOOST_AUTO_TEST_CASE(BadCidrNamesTheBlock) {
  auto error_for = [](const std::string& cidr) {
    return ParseError(kVendors + "regions:\n  - {cidr: " + cidr + ", region: X}\n" + kOneAsset);
  };
  // Line 4, column 12: the cidr value.
  for (const char* bad : {"203.0.113.0/33", "203.0.113.0", "203.0.113.0/", "203.0.113.0/x", "203.0.113/24",
                          "256.0.0.0/8", "203.0.113.0/24/1", "2001:db8::/32", "010.0.0.0/8"})
    BOOST_TEST(error_for(bad) == "cat.yaml:4:12: error: '" + std::string(bad) +
                                     "' is not an IPv4 CIDR block like 203.0.113.0/24",
               bad);
  BOOST_TEST(error_for("203.0.113.1/24") == "cat.yaml:4:12: error: '203.0.113.1/24' has host bits set");
}

BOOST_AUTO_TEST_CASE(DuplicateIdsNameTheSecondOne) {
  BOOST_TEST(ParseError("vendors:\n  - {id: v1, access_token: t1}\n  - {id: v1, access_token: t2}\n" + kOneAsset) ==
             "cat.yaml:3:10: error: vendor 'v1' is listed twice");
  BOOST_TEST(ParseError("vendors:\n  - {id: v1, access_token: t1}\n  - {id: v2, access_token: t1}\n" + kOneAsset) ==
             "cat.yaml:3:28: error: two vendors share the access token 't1'");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x}\n  - {id: a1, file: y}\n") ==
             "cat.yaml:5:10: error: asset 'a1' is listed twice");
}

BOOST_AUTO_TEST_CASE(BadValuesNameTheirPosition) {
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x, min_quantity: 0}\n") ==
             "cat.yaml:4:37: error: 'min_quantity' must be at least 1");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x, min_quantity: five}\n") ==
             "cat.yaml:4:37: error: 'min_quantity' must be a whole number");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x, available: maybe}\n") ==
             "cat.yaml:4:34: error: 'available' must be true or false");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x, fulfillment: {outcome: lost}}\n") ==
             "cat.yaml:4:46: error: 'outcome' must be 'complete' or 'fail', not 'lost'");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {id: a1, file: x, fulfillment: {delay_seconds: -1}}\n") ==
             "cat.yaml:4:52: error: 'delay_seconds' must be 0..31536000");
  BOOST_TEST(ParseError(kVendors + "assets:\n  - {file: x}\n") == "cat.yaml:4:5: error: missing key 'id'");
  BOOST_TEST(ParseError("vendors: []\n" + kOneAsset) == "cat.yaml:1:1: error: 'vendors' must be a non-empty list");
  BOOST_TEST(ParseError(kVendors + "assets: [\n").rfind("cat.yaml:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(AnEmptyCatalogNamesARealPosition) {
  // The message must still point into the file (1-based line and column).
  for (const std::string& yaml : {std::string(""), std::string("# nothing but a comment\n"), std::string("[]\n")}) {
    const std::string error = ParseError(yaml);
    BOOST_TEST(std::regex_search(error, std::regex("^cat\\.yaml:[1-9][0-9]*:[1-9][0-9]*: error: ")), error);
  }
}

BOOST_AUTO_TEST_CASE(AssetDefaultsAndFailureReason) {
  const Catalog c = ParseText(kVendors +
                              "assets:\n"
                              "  - {id: a1, file: files/a1.pdf}\n"
                              "  - {id: a2, file: x, fulfillment: {delay_seconds: 0.25, outcome: fail}}\n");
  const Asset& a1 = c.asset(*c.AssetIndex("a1"));
  BOOST_TEST(a1.available);
  BOOST_TEST(a1.min_quantity == 1);
  BOOST_TEST(a1.fulfillment_delay == 5000);
  BOOST_TEST(!a1.fulfillment_fails);
  BOOST_TEST(a1.title == "a1");
  BOOST_TEST(a1.content == "bytes of files/a1.pdf");
  BOOST_TEST(a1.content_type == "application/octet-stream");
  const Asset& a2 = c.asset(*c.AssetIndex("a2"));
  BOOST_TEST(a2.fulfillment_delay == 250);
  BOOST_TEST(a2.fulfillment_fails);
  BOOST_TEST(a2.failure_reason == "Fulfillment failed");
}

BOOST_AUTO_TEST_CASE(IpLiteralsAreStrict) {
  BOOST_TEST(ParseIpv4("203.0.113.7").value_or(0) == 0xcb007107u);
  BOOST_TEST(ParseIpv4("0.0.0.0").value_or(1) == 0u);
  BOOST_TEST(ParseIpv4("255.255.255.255").value_or(0) == 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3", " 1.2.3.4",
                          "1.2.3.4 ", "1.2.3.4/8", "a.b.c.d", "1.2.3.-4", "1234.1.1.1"})
    BOOST_TEST(!ParseIpv4(bad).has_value(), "'" << bad << "'");
  BOOST_TEST(IsIpLiteral("203.0.113.7"));
  BOOST_TEST(IsIpLiteral("::1"));
  BOOST_TEST(IsIpLiteral("2001:db8::1"));
  BOOST_TEST(IsIpLiteral("::ffff:203.0.113.7"));
  for (const char* bad : {"", "localhost", "203.0.113.7:80", "[::1]", "2001:db8::1%eth0", "2001:db8:::1", "1.2.3"})
    BOOST_TEST(!IsIpLiteral(bad), "'" << bad << "'");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace purchase
