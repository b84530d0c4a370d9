#include "scenario/template.h"

#include <cctype>
#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace conformance {
namespace {

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Walks `text`, calling on_text for literal runs and on_ref for references.
// Returns an error message for a malformed reference.
template <typename OnText, typename OnRef>
std::string Walk(std::string_view text, OnText on_text, OnRef on_ref) {
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      on_text(std::string_view("${"));
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") == 0) {
      const size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return "unterminated '${' (write '$${' for a literal '${')";
      const std::string_view name = text.substr(i + 2, close - i - 2);
      if (name.empty() || !IsNameStart(name[0]))
        return "bad variable reference '${" + std::string(name) + "}': names are letters, digits and '_'";
      for (char c : name)
        if (!IsNameChar(c))
          return "bad variable reference '${" + std::string(name) + "}': names are letters, digits and '_'";
      on_ref(std::string(name));
      i = close + 1;
      continue;
    }
    const size_t next = text.find('$', i + 1);
    const size_t end = next == std::string_view::npos ? text.size() : next;
    on_text(text.substr(i, end - i));
    i = end;
  }
  return {};
}

}  // namespace

TemplateRefs ParseTemplate(std::string_view text) {
  TemplateRefs refs;
  refs.error = Walk(
      text, [](std::string_view) {}, [&](std::string name) { refs.names.push_back(std::move(name)); });
  return refs;
}

// Checks in place what ParseTemplate would find (one valid name, closed by
// the last character): every string value of every request body asks.
std::optional<std::string> WholeReference(std::string_view text) {
  if (text.size() < 4 || text.compare(0, 2, "${") != 0 || text.back() != '}') return std::nullopt;
  const std::string_view name = text.substr(2, text.size() - 3);
  if (!IsNameStart(name[0])) return std::nullopt;
  for (char c : name)  // '}' is not a name character: the closing brace is the last one
    if (!IsNameChar(c)) return std::nullopt;
  return std::string(name);
}

std::string ToJsonText(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Both forms are kept so that interpolating a variable, which every request
// of a scenario does, need not parse its JSON text again.
void Variables::SetString(const std::string& name, std::string_view value) {
  rapidjson::Value v(rapidjson::StringRef(value.data(), static_cast<rapidjson::SizeType>(value.size())));
  values_[name] = Value{ToJsonText(v), std::string(value)};
}

void Variables::SetJson(const std::string& name, const rapidjson::Value& value) {
  std::string json = ToJsonText(value);
  std::string text = value.IsString() ? std::string(value.GetString(), value.GetStringLength()) : json;
  values_[name] = Value{std::move(json), std::move(text)};
}

std::optional<std::string> Variables::Interpolate(std::string_view text, std::string* missing) const {
  std::string out;
  out.reserve(text.size());  // a raw body can be large; most of it is literal
  bool ok = true;
  Walk(
      text, [&](std::string_view literal) { out.append(literal); },
      [&](const std::string& name) {
        auto it = values_.find(name);
        if (it == values_.end()) {
          if (ok && missing) *missing = name;
          ok = false;
          return;
        }
        out.append(it->second.text);
      });
  if (!ok) return std::nullopt;
  return out;
}

bool Variables::Render(const TemplateValue& value, rapidjson::Value& out,
                       rapidjson::Document::AllocatorType& allocator, std::string* missing) const {
  using Kind = TemplateValue::Kind;
  switch (value.kind) {
    case Kind::kNull: out.SetNull(); return true;
    case Kind::kBool: out.SetBool(value.boolean); return true;
    case Kind::kNumber: {
      const std::string& t = value.text;
      if (t.find_first_of(".eE") == std::string::npos) {
        errno = 0;
        const long long v = std::strtoll(t.c_str(), nullptr, 10);
        if (errno == 0) {
          out.SetInt64(v);
          return true;
        }
      }
      out.SetDouble(std::strtod(t.c_str(), nullptr));
      return true;
    }
    case Kind::kString: {
      if (auto name = WholeReference(value.text)) {
        auto it = values_.find(*name);
        if (it == values_.end()) {
          if (missing) *missing = *name;
          return false;
        }
        // Parsed with `allocator`, so the value can be taken over instead of copied.
        rapidjson::Document d(&allocator);
        d.Parse(it->second.json.c_str());
        out.Swap(d);
        return true;
      }
      auto text = Interpolate(value.text, missing);
      if (!text) return false;
      out.SetString(text->c_str(), static_cast<rapidjson::SizeType>(text->size()), allocator);
      return true;
    }
    case Kind::kArray:
      out.SetArray();
      for (const auto& item : value.items) {
        rapidjson::Value v;
        if (!Render(item, v, allocator, missing)) return false;
        out.PushBack(v, allocator);
      }
      return true;
    case Kind::kObject:
      out.SetObject();
      for (const auto& [key, member] : value.members) {
        rapidjson::Value v;
        if (!Render(member, v, allocator, missing)) return false;
        out.AddMember(rapidjson::Value(key.c_str(), allocator), v, allocator);
      }
      return true;
  }
  return false;
}

std::optional<std::string> SizedBodyText(const RequestSpec::SizedBody& sized, const std::string& times,
                                         std::string* error) {
  constexpr long long kMostBytes = 64ll << 20;
  long long n = 0;
  bool whole = !times.empty() && times.size() <= 12;
  for (const char c : times) whole = whole && c >= '0' && c <= '9';
  if (whole) n = std::stoll(times) + sized.plus;
  if (!whole || n < 0 || n * static_cast<long long>(sized.text.size()) > kMostBytes) {
    *error = "the body size '" + times + "' (+" + std::to_string(sized.plus) +
             ") is not a whole number of repeats up to 64 MiB: check the role's value in the target file";
    return std::nullopt;
  }
  std::string body;
  body.reserve(static_cast<size_t>(n) * sized.text.size());
  for (long long i = 0; i < n; ++i) body += sized.text;
  return body;
}

}  // namespace conformance
