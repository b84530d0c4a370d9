// Shards: a CI matrix of N machines runs the whole suite once, each machine
// `--shard K/N` of it. The split depends only on what is split (the
// scenarios' folders, the sequence numbers), never on time or the machine, so
// every machine computes the same one.
//
// Scenarios are split by folder: a folder's scenarios run on one shard, so
// that what a folder's scenarios have in common (their fixtures, their
// testsuite in the JUnit report) stays in one place, and the N JUnit reports
// together hold each testsuite exactly once. Folders are dealt, the largest
// first (by name among equals), to the shard with the fewest scenarios so far
// (the lowest K on a tie), which keeps shards within one folder's size of
// each other. Explore's sequences
// are dealt round robin: shard K runs sequences K-1, K-1+N, K-1+2N...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"

namespace conformance {

struct Shard {
  int index = 1;  // K, from 1
  int count = 1;  // N

  bool whole() const { return count == 1; }
  std::string ToString() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// Parses "K/N" (1 <= K <= N <= 1000); nullopt for anything else.
std::optional<Shard> ParseShard(std::string_view text);

// The scenarios of `shard`, in their order in `all`.
std::vector<Scenario> ScenariosOfShard(const std::vector<Scenario>& all, Shard shard);

// The folder a scenario's file is in ("scenarios/lifecycle"), its unit of sharding.
std::string ShardFolderOf(const Scenario& scenario);

}  // namespace conformance
