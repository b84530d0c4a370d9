#include "report/file_reporters.h"

#include <cstdio>
#include <map>
#include <vector>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace conformance {

std::string SanitizeUtf8(std::string_view s, bool for_xml) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (for_xml && c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        out += kReplacement;
      else
        out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (c >= 0xF5) len = 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : SanitizeUtf8(text, /*for_xml=*/true)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string Seconds(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return buf;
}

std::string Area(const std::string& id) {
  const size_t slash = id.rfind('/');
  return slash == std::string::npos ? "." : id.substr(0, slash);
}

std::string Leaf(const std::string& id) {
  const size_t slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

std::string ClassName(const std::string& area) {
  std::string out = area;
  for (auto& c : out)
    if (c == '/') c = '.';
  return out;
}

std::string ExchangesText(const StepResult& step) {
  std::string out;
  for (const auto& e : step.exchanges) {
    out += "> " + e.method + " " + e.url + "\n";
    for (const auto& [n, v] : e.request_headers) out += "> " + n + ": " + v + "\n";
    if (!e.request_body.empty()) out += "> " + e.request_body + "\n";
    if (e.status == 0) {
      out += "< (no response: " + e.transport_error + ")\n";
      continue;
    }
    out += "< " + std::to_string(e.status) + "\n";
    for (const auto& [n, v] : e.response_headers) out += "< " + n + ": " + v + "\n";
    if (!e.response_body.empty()) out += "< " + e.response_body + "\n";
  }
  return out;
}

}  // namespace

void JunitReporter::OnRunFinished(const RunResult& run) {
  std::map<std::string, std::vector<const ScenarioResult*>> suites;
  for (const auto& s : run.scenarios) suites[Area(s.id)].push_back(&s);
  const std::string timestamp = FormatTimestamp(run.started_at);
  out_ << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out_ << "<testsuites name=\"conformance\" tests=\"" << run.scenarios.size() << "\" failures=\""
       << run.Count(Outcome::kFailed) << "\" errors=\"0\" skipped=\"" << run.Count(Outcome::kSkipped) << "\" time=\""
       << Seconds(run.duration_ms) << "\" timestamp=\"" << timestamp << "\">\n";
  for (const auto& [area, cases] : suites) {
    size_t failures = 0, skipped = 0;
    int64_t ms = 0;
    for (const auto* c : cases) {
      failures += c->outcome == Outcome::kFailed;
      skipped += c->outcome == Outcome::kSkipped;
      ms += c->duration_ms;
    }
    out_ << "  <testsuite name=\"" << XmlEscape(area) << "\" tests=\"" << cases.size() << "\" failures=\"" << failures
         << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\"" << Seconds(ms) << "\" timestamp=\"" << timestamp
         << "\">\n";
    for (const auto* c : cases) {
      out_ << "    <testcase classname=\"" << XmlEscape(ClassName(area)) << "\" name=\"" << XmlEscape(Leaf(c->id)) << "\" file=\""
           << XmlEscape(c->file) << "\" time=\"" << Seconds(c->duration_ms) << "\"";
      if (c->outcome == Outcome::kPassed) {
        std::string warnings;
        for (const auto& step : c->steps)
          for (const auto& f : step.warnings) {
            warnings += f.where.ToString() + ": warning: " + f.message + "\n";
            for (const auto& note : FailureNotes(f)) warnings += f.where.ToString() + ": note: " + note + "\n";
          }
        if (warnings.empty()) {
          out_ << "/>\n";
        } else {
          // A SHOULD rule's breach passes the case; CI viewers show system-out.
          out_ << ">\n      <system-out>" << XmlEscape(warnings) << "</system-out>\n    </testcase>\n";
        }
        continue;
      }
      out_ << ">\n";
      if (c->outcome == Outcome::kSkipped) {
        out_ << "      <skipped message=\"" << XmlEscape(c->skip_reason) << "\"/>\n";
      } else {
        std::string headline, text, exchanges;
        for (const auto& step : c->steps) {
          if (step.outcome != Outcome::kFailed) continue;
          for (const auto& f : step.failures) {
            if (headline.empty()) headline = f.message;
            text += f.where.ToString() + ": error: " + f.message + "\n";
            for (const auto& note : FailureNotes(f)) text += f.where.ToString() + ": note: " + note + "\n";
            for (const auto& from : f.included_from) text += from.ToString() + ": note: included from here\n";
          }
          exchanges += ExchangesText(step);
        }
        out_ << "      <failure message=\"" << XmlEscape(headline) << "\" type=\"conformance\">" << XmlEscape(text)
             << "</failure>\n";
        if (!exchanges.empty()) out_ << "      <system-out>" << XmlEscape(exchanges) << "</system-out>\n";
      }
      out_ << "    </testcase>\n";
    }
    out_ << "  </testsuite>\n";
  }
  out_ << "</testsuites>\n" << std::flush;
}

namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void String(JsonWriter& w, std::string_view s) {
  const std::string clean = SanitizeUtf8(s, false);
  w.String(clean.c_str(), static_cast<rapidjson::SizeType>(clean.size()));
}

void Location(JsonWriter& w, const SourceLocation& where) { String(w, where.ToString()); }

void Headers(JsonWriter& w, const HeaderList& headers) {
  w.StartArray();
  for (const auto& [n, v] : headers) {
    w.StartArray();
    String(w, n);
    String(w, v);
    w.EndArray();
  }
  w.EndArray();
}

// One failure (or warning) of a step: where, what, and the rules it names.
void WriteFailure(JsonWriter& w, const Failure& f) {
  w.StartObject();
  w.Key("location");
  Location(w, f.where);
  w.Key("message");
  String(w, f.message);
  if (!f.source.empty()) {
    w.Key("source");
    String(w, f.source);
  }
  if (!f.rules.empty()) {
    w.Key("rules");
    w.StartArray();
    for (const auto& rule : f.rules) {
      w.StartObject();
      w.Key("id");
      String(w, rule.id);
      if (!rule.level.empty()) {
        w.Key("level");
        String(w, rule.level);
        w.Key("source");
        String(w, rule.source);
        w.Key("text");
        String(w, rule.text);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  if (!f.included_from.empty()) {
    w.Key("included_from");
    w.StartArray();
    for (const auto& from : f.included_from) Location(w, from);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace

void JsonReporter::OnRunFinished(const RunResult& run) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("target");
  String(w, run.target);
  w.Key("started_at");
  String(w, FormatTimestamp(run.started_at));
  w.Key("duration_ms");
  w.Int64(run.duration_ms);
  w.Key("summary");
  w.StartObject();
  w.Key("total");
  w.Uint64(run.scenarios.size());
  w.Key("passed");
  w.Uint64(run.Count(Outcome::kPassed));
  w.Key("failed");
  w.Uint64(run.Count(Outcome::kFailed));
  w.Key("skipped");
  w.Uint64(run.Count(Outcome::kSkipped));
  w.EndObject();
  w.Key("scenarios");
  w.StartArray();
  for (const auto& s : run.scenarios) {
    w.StartObject();
    w.Key("id");
    String(w, s.id);
    w.Key("file");
    String(w, s.file);
    w.Key("description");
    String(w, s.description);
    w.Key("tags");
    w.StartArray();
    for (const auto& t : s.tags) String(w, t);
    w.EndArray();
    w.Key("outcome");
    w.String(OutcomeName(s.outcome));
    if (s.outcome == Outcome::kSkipped) {
      w.Key("skip_reason");
      String(w, s.skip_reason);
    }
    w.Key("duration_ms");
    w.Int64(s.duration_ms);
    w.Key("step_count");
    w.Uint64(s.step_count);
    w.Key("steps");
    w.StartArray();
    for (const auto& step : s.steps) {
      w.StartObject();
      w.Key("name");
      String(w, step.name);
      w.Key("location");
      Location(w, step.where);
      w.Key("outcome");
      w.String(OutcomeName(step.outcome));
      if (!step.warnings.empty()) {
        w.Key("warnings");
        w.StartArray();
        for (const auto& f : step.warnings) WriteFailure(w, f);
        w.EndArray();
      }
      if (step.outcome == Outcome::kFailed) {
        w.Key("failures");
        w.StartArray();
        for (const auto& f : step.failures) WriteFailure(w, f);
        w.EndArray();
        w.Key("exchanges");
        w.StartArray();
        for (const auto& e : step.exchanges) {
          w.StartObject();
          w.Key("method");
          String(w, e.method);
          w.Key("url");
          String(w, e.url);
          w.Key("request_headers");
          Headers(w, e.request_headers);
          w.Key("request_body");
          String(w, e.request_body);
          w.Key("status");
          w.Int(e.status);
          if (!e.transport_error.empty()) {
            w.Key("transport_error");
            String(w, e.transport_error);
          }
          w.Key("response_headers");
          Headers(w, e.response_headers);
          w.Key("response_body");
          String(w, e.response_body);
          w.Key("elapsed_ms");
          w.Int64(e.elapsed_ms);
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out_ << buffer.GetString() << "\n" << std::flush;
}

}  // namespace conformance
