#include "exec/shard.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace conformance {

std::optional<Shard> ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Shard s;
  const std::string_view k = text.substr(0, slash), n = text.substr(slash + 1);
  if (std::from_chars(k.data(), k.data() + k.size(), s.index).ptr != k.data() + k.size() || k.empty()) return std::nullopt;
  if (std::from_chars(n.data(), n.data() + n.size(), s.count).ptr != n.data() + n.size() || n.empty()) return std::nullopt;
  if (s.count < 1 || s.count > 1000 || s.index < 1 || s.index > s.count) return std::nullopt;
  return s;
}

std::string ShardFolderOf(const Scenario& scenario) {
  const size_t slash = scenario.file.rfind('/');
  return slash == std::string::npos ? std::string(".") : scenario.file.substr(0, slash);
}

std::vector<Scenario> ScenariosOfShard(const std::vector<Scenario>& all, Shard shard) {
  if (shard.whole()) return all;
  std::map<std::string, size_t> size_of;  // folder -> scenarios
  for (const Scenario& s : all) ++size_of[ShardFolderOf(s)];
  // The largest folders first (by name among equals): the greedy deal then
  // keeps the shards close in size.
  std::vector<std::pair<std::string, size_t>> folders(size_of.begin(), size_of.end());
  std::stable_sort(folders.begin(), folders.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<size_t> load(static_cast<size_t>(shard.count), 0);
  std::map<std::string, int> shard_of;
  for (const auto& [folder, size] : folders) {
    const auto lightest = std::min_element(load.begin(), load.end());  // the first of equals: the lowest K
    *lightest += size;
    shard_of[folder] = static_cast<int>(lightest - load.begin()) + 1;
  }
  std::vector<Scenario> mine;
  for (const Scenario& s : all)
    if (shard_of[ShardFolderOf(s)] == shard.index) mine.push_back(s);
  return mine;
}

}  // namespace conformance
