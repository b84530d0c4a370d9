#include "explore/explore_report.h"

#include <algorithm>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "report/file_reporters.h"

namespace conformance::explore {

void WriteExploreJson(const ExploreReport& r, std::ostream& out) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  auto text = [&w](const std::string& s) {
    const std::string valid = SanitizeUtf8(s, false);
    w.String(valid.c_str(), static_cast<rapidjson::SizeType>(valid.size()));
  };
  w.StartObject();
  w.Key("api"); text(r.api);
  w.Key("target"); text(r.target);
  w.Key("seed"); w.Uint64(r.seed);
  w.Key("sequences"); w.Int(r.sequences);
  w.Key("commands"); w.Int64(r.commands);
  w.Key("duration_ms"); w.Int64(static_cast<int64_t>(r.seconds * 1000));
  w.Key("findings");
  w.StartArray();
  for (const auto& f : r.findings) {
    w.StartObject();
    w.Key("cause"); text(f.cause);
    w.Key("message"); text(f.message);
    w.Key("command"); text(f.command);
    w.Key("aspect"); text(f.aspect);
    w.Key("expected"); text(f.expected);
    w.Key("actual"); text(f.actual);
    w.Key("rules");
    w.StartArray();
    for (const auto& id : f.rules) text(id);
    w.EndArray();
    w.Key("sequence_seed"); w.Uint64(f.sequence_seed);
    w.Key("generated_length"); w.Uint64(f.generated_length);
    w.Key("shrunk_length"); w.Uint64(f.shrunk_length);
    w.Key("ms_to_find"); w.Int64(static_cast<int64_t>(f.seconds_to_find * 1000));
    w.Key("shrink_ms"); w.Int64(static_cast<int64_t>(f.shrink_seconds * 1000));
    w.Key("shrink_runs"); w.Int(f.shrink_runs);
    w.Key("flaky"); w.Bool(f.flaky);
    w.Key("occurrences"); w.Int(f.occurrences);
    w.Key("scenario"); text(f.scenario);
    w.Key("commands");
    w.StartArray();
    for (const auto& c : f.commands) text(c);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  if (r.races) {
    w.Key("races");
    w.StartObject();
    w.Key("cases"); w.Int(r.races->cases);
    w.Key("linearizable"); w.Int(r.races->linearizable);
    w.Key("not_linearizable"); w.Int(r.races->not_linearizable);
    w.Key("unknown"); w.Int(r.races->unknown);
    w.Key("reported");
    w.StartArray();
    for (const auto& race : r.races->reported) {
      w.StartObject();
      w.Key("pattern"); text(race.pattern);
      w.Key("verdict"); text(race.verdict);
      w.Key("explanation"); text(race.explanation);
      w.Key("nodes"); w.Int64(race.nodes);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  out << buffer.GetString() << "\n";
}

void WriteExploreJunit(const ExploreReport& r, std::ostream& out) {
  const std::string suite = r.api == "hl-connector" || r.api.empty() ? "explore" : "explore " + r.api;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"" << XmlEscape(suite)
      << "\" tests=\"" << std::max<size_t>(1, r.findings.size()) << "\" failures=\"" << r.findings.size()
      << "\" time=\"" << r.seconds << "\">\n";
  if (r.findings.empty())
    out << "    <testcase classname=\"" << XmlEscape(suite) << "\" name=\"" << r.sequences << " sequences, seed "
        << r.seed << "\"/>\n";
  for (const auto& f : r.findings) {
    std::string detail = "sequence seed " + std::to_string(f.sequence_seed) + "; scenario " + f.scenario;
    for (const auto& note : f.rule_notes) detail += "\n" + note;
    out << "    <testcase classname=\"" << XmlEscape(suite) << "\" name=\"" << XmlEscape(f.cause) << "\" time=\""
        << f.seconds_to_find << "\">\n      <failure message=\"" << XmlEscape(f.message) << "\">" << XmlEscape(detail)
        << "</failure>\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace conformance::explore
