// The fixture catalog: vendors and their access tokens, assets with their
// sale rules and fulfillment behaviour, and the CIDR table that maps customer
// IPs to regions. Loaded once from fixtures/catalog.yaml (LoadCatalog reads
// the files; everything else here is pure). Immutable afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace purchase {

struct Vendor {
  std::string id;
  std::string name;
  std::string access_token;
};

struct Asset {
  std::string id;
  std::string title;
  bool available = true;
  int64_t min_quantity = 1;
  std::vector<std::string> allowed_regions;  // empty: every region (and no region) is allowed
  std::vector<std::string> blocked_regions;
  Millis fulfillment_delay = 5000;
  bool fulfillment_fails = false;
  std::string failure_reason;
  std::string content_type = "application/octet-stream";
  std::string file_name;  // as written in the fixture, for the viewer page
  std::string content;    // the asset's bytes
};

struct RegionRange {
  uint32_t network = 0;
  uint32_t mask = 0;
  int prefix = 0;
  std::string region;
};

class Catalog {
 public:
  // Reads <dir>/catalog.yaml and the asset files it names (relative to dir).
  // Throws SpecError "<file>:<line>:<column>: error: ..." on any problem.
  static Catalog Load(const std::string& dir);
  // Parses catalog YAML text; asset files are read with `read_file`
  // (path relative to the fixture dir -> bytes, or nullopt if unreadable).
  static Catalog Parse(std::string_view yaml_text, std::string_view source,
                       const std::function<std::optional<std::string>(const std::string&)>& read_file);

  const Vendor* VendorByToken(std::string_view access_token) const;
  std::optional<uint16_t> AssetIndex(std::string_view asset_id) const;
  const Asset& asset(uint16_t index) const { return assets_[index]; }
  const Vendor& vendor(uint16_t index) const { return vendors_[index]; }
  uint16_t VendorIndex(const Vendor* v) const { return static_cast<uint16_t>(v - vendors_.data()); }
  const std::vector<Asset>& assets() const { return assets_; }
  const std::vector<Vendor>& vendors() const { return vendors_; }

  // The region of an IP literal: the most specific CIDR range containing it,
  // or nullopt (IPv6, or an address outside the table).
  std::optional<std::string> RegionOf(std::string_view ip) const;

 private:
  std::vector<Vendor> vendors_;
  std::vector<Asset> assets_;
  std::vector<RegionRange> regions_;
};

// Parses a dotted-quad IPv4 literal. Leading zeros and out-of-range octets are refused.
std::optional<uint32_t> ParseIpv4(std::string_view text);
// True if text is an IPv4 or IPv6 literal.
bool IsIpLiteral(std::string_view text);

}  // namespace purchase
