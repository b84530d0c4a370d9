#include "catalog.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "core/lifecycle.h"
#include "core/yaml_document.h"

namespace purchase {
namespace {

class FixtureReader {
 public:
  explicit FixtureReader(std::string_view source) : source_(source) {}

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& message) const {
    throw SpecErrorAt(source_, node, message);
  }

  // Refuses keys the loader does not know: a typo in a fixture must not be
  // silently ignored (a misspelt "min_quantity" would change what tests see).
  void OnlyKeys(const YAML::Node& map, std::initializer_list<const char*> keys) const {
    if (!map.IsMap()) Fail(map, "expected a map");
    for (const auto& kv : map) {
      bool known = false;
      for (const char* k : keys) known = known || kv.first.Scalar() == k;
      if (!known) {
        std::string list;
        for (const char* k : keys) list += std::string(list.empty() ? "" : ", ") + k;
        Fail(kv.first, "unknown key '" + kv.first.Scalar() + "' (expected one of: " + list + ")");
      }
    }
  }

  std::string String(const YAML::Node& parent, const char* key, bool required = true,
                     std::string fallback = {}) const {
    const YAML::Node v = parent[key];
    if (!v) {
      if (required) Fail(parent, std::string("missing key '") + key + "'");
      return fallback;
    }
    if (!v.IsScalar() || v.Scalar().empty()) Fail(v, std::string("'") + key + "' must be a non-empty string");
    return v.Scalar();
  }

  template <class T>
  T Scalar(const YAML::Node& parent, const char* key, T fallback, const char* what) const {
    const YAML::Node v = parent[key];
    if (!v) return fallback;
    try {
      return v.as<T>();
    } catch (const YAML::Exception&) {
      Fail(v, std::string("'") + key + "' must be " + what);
    }
  }

  std::vector<std::string> StringList(const YAML::Node& parent, const char* key) const {
    std::vector<std::string> out;
    const YAML::Node v = parent[key];
    if (!v) return out;
    if (!v.IsSequence()) Fail(v, std::string("'") + key + "' must be a list of strings");
    for (const auto& item : v) {
      if (!item.IsScalar()) Fail(item, std::string("'") + key + "' must be a list of strings");
      out.push_back(item.Scalar());
    }
    return out;
  }

 private:
  std::string source_;
};

}  // namespace

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t value = 0;
  size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    size_t start = pos;
    unsigned octet = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3)
      octet = octet * 10 + (text[pos++] - '0');
    if (pos == start || octet > 255 || (pos - start > 1 && text[start] == '0')) return std::nullopt;
    value = value << 8 | octet;
  }
  if (pos != text.size()) return std::nullopt;
  return value;
}

bool IsIpLiteral(std::string_view text) {
  if (ParseIpv4(text)) return true;
  if (text.size() > 45) return false;
  unsigned char buf[16];
  return inet_pton(AF_INET6, std::string(text).c_str(), buf) == 1;
}

Catalog Catalog::Load(const std::string& dir) {
  const std::string path = dir + "/catalog.yaml";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SpecError(path + ":1:1: error: cannot read the fixture catalog");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path, [&](const std::string& rel) -> std::optional<std::string> {
    std::ifstream f(dir + "/" + rel, std::ios::binary);
    if (!f) return std::nullopt;
    std::stringstream bytes;
    bytes << f.rdbuf();
    return bytes.str();
  });
}

Catalog Catalog::Parse(std::string_view yaml_text, std::string_view source,
                       const std::function<std::optional<std::string>(const std::string&)>& read_file) {
  FixtureReader r(source);
  const YAML::Node root = LoadYamlDocument(yaml_text, source);
  if (!root.IsMap()) r.Fail(root, "the catalog must be a map with 'vendors', 'regions' and 'assets'");
  r.OnlyKeys(root, {"vendors", "regions", "assets"});
  Catalog c;

  const YAML::Node vendors = root["vendors"];
  if (!vendors || !vendors.IsSequence() || vendors.size() == 0) r.Fail(root, "'vendors' must be a non-empty list");
  std::set<std::string> seen_ids, seen_tokens;
  for (const auto& v : vendors) {
    r.OnlyKeys(v, {"id", "name", "access_token"});
    Vendor vendor{r.String(v, "id"), r.String(v, "name", false), r.String(v, "access_token")};
    if (!seen_ids.insert(vendor.id).second) r.Fail(v["id"], "vendor '" + vendor.id + "' is listed twice");
    if (!seen_tokens.insert(vendor.access_token).second)
      r.Fail(v["access_token"], "two vendors share the access token '" + vendor.access_token + "'");
    c.vendors_.push_back(std::move(vendor));
  }

  if (const YAML::Node regions = root["regions"]) {
    if (!regions.IsSequence()) r.Fail(regions, "'regions' must be a list of {cidr, region}");
    for (const auto& reg : regions) {
      r.OnlyKeys(reg, {"cidr", "region"});
      const std::string cidr = r.String(reg, "cidr");
      const auto slash = cidr.find('/');
      auto net = ParseIpv4(cidr.substr(0, slash));
      int prefix = -1;
      if (slash != std::string::npos) {
        try {
          size_t used = 0;
          prefix = std::stoi(cidr.substr(slash + 1), &used);
          if (used != cidr.size() - slash - 1) prefix = -1;
        } catch (const std::exception&) {
        }
      }
      if (!net || prefix < 0 || prefix > 32)
        r.Fail(reg["cidr"], "'" + cidr + "' is not an IPv4 CIDR block like 203.0.113.0/24");
      const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
      if ((*net & ~mask) != 0) r.Fail(reg["cidr"], "'" + cidr + "' has host bits set");
      c.regions_.push_back({*net, mask, prefix, r.String(reg, "region")});
    }
  }

  const YAML::Node assets = root["assets"];
  if (!assets || !assets.IsSequence() || assets.size() == 0) r.Fail(root, "'assets' must be a non-empty list");
  seen_ids.clear();
  for (const auto& a : assets) {
    r.OnlyKeys(a, {"id", "title", "available", "min_quantity", "allowed_regions", "blocked_regions",
                   "fulfillment", "file", "content_type"});
    Asset asset;
    asset.id = r.String(a, "id");
    if (!seen_ids.insert(asset.id).second) r.Fail(a["id"], "asset '" + asset.id + "' is listed twice");
    asset.title = r.String(a, "title", false, asset.id);
    asset.available = r.Scalar<bool>(a, "available", true, "true or false");
    asset.min_quantity = r.Scalar<int64_t>(a, "min_quantity", 1, "a whole number");
    if (asset.min_quantity < 1) r.Fail(a["min_quantity"], "'min_quantity' must be at least 1");
    asset.allowed_regions = r.StringList(a, "allowed_regions");
    asset.blocked_regions = r.StringList(a, "blocked_regions");
    if (const YAML::Node f = a["fulfillment"]) {
      r.OnlyKeys(f, {"delay_seconds", "outcome", "reason"});
      const double delay = r.Scalar<double>(f, "delay_seconds", 5, "a number of seconds");
      if (delay < 0 || delay > 365.0 * 86400) r.Fail(f["delay_seconds"], "'delay_seconds' must be 0..31536000");
      asset.fulfillment_delay = static_cast<Millis>(delay * 1000);
      const std::string outcome = r.String(f, "outcome", false, "complete");
      if (outcome != "complete" && outcome != "fail")
        r.Fail(f["outcome"], "'outcome' must be 'complete' or 'fail', not '" + outcome + "'");
      asset.fulfillment_fails = outcome == "fail";
      asset.failure_reason = r.String(f, "reason", false, asset.fulfillment_fails ? "Fulfillment failed" : "");
    }
    asset.file_name = r.String(a, "file");
    if (asset.file_name.find("..") != std::string::npos || asset.file_name.front() == '/')
      r.Fail(a["file"], "'file' must be a path inside the fixture folder");
    auto bytes = read_file(asset.file_name);
    if (!bytes) r.Fail(a["file"], "cannot read asset file '" + asset.file_name + "'");
    asset.content = std::move(*bytes);
    asset.content_type = r.String(a, "content_type", false, "application/octet-stream");
    c.assets_.push_back(std::move(asset));
  }
  if (c.assets_.size() > 65535 || c.vendors_.size() > 65535) r.Fail(root, "at most 65535 assets and vendors");
  return c;
}

const Vendor* Catalog::VendorByToken(std::string_view access_token) const {
  for (const auto& v : vendors_)
    if (v.access_token == access_token) return &v;
  return nullptr;
}

std::optional<uint16_t> Catalog::AssetIndex(std::string_view asset_id) const {
  for (size_t i = 0; i < assets_.size(); ++i)
    if (assets_[i].id == asset_id) return static_cast<uint16_t>(i);
  return std::nullopt;
}

std::optional<std::string> Catalog::RegionOf(std::string_view ip) const {
  auto addr = ParseIpv4(ip);
  if (!addr) return std::nullopt;
  const RegionRange* best = nullptr;
  for (const auto& r : regions_)
    if ((*addr & r.mask) == r.network && (!best || r.prefix > best->prefix)) best = &r;
  if (!best) return std::nullopt;
  return best->region;
}

}  // namespace purchase
