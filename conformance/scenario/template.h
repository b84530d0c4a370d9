// ${variable} templates: parsing (for the loader's checks), the variable
// store of one running scenario, and rendering templates into text or JSON.
//
// Variables hold JSON values (as JSON text) so a captured number or object
// keeps its type when a body uses it. A Variables object belongs to one
// scenario run; it is not shared between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "scenario/scenario.h"

namespace conformance {

struct TemplateRefs {
  std::vector<std::string> names;  // in order of appearance
  std::string error;               // non-empty if a reference is malformed
};

// Lists the ${name} references in `text`. `$${` is a literal "${".
TemplateRefs ParseTemplate(std::string_view text);

// Returns the name if `text` is exactly one reference ("${order_id}").
std::optional<std::string> WholeReference(std::string_view text);

class Variables {
 public:
  // Stores a string value.
  void SetString(const std::string& name, std::string_view value);
  // Stores a JSON value.
  void SetJson(const std::string& name, const rapidjson::Value& value);
  bool Has(const std::string& name) const { return values_.count(name) != 0; }

  // Replaces every reference in `text` by the variable's text (a string's
  // characters, any other value's JSON). Returns nullopt and names the
  // variable in `missing` if one is not set.
  std::optional<std::string> Interpolate(std::string_view text, std::string* missing) const;

  // Renders a template value as JSON into `out`. Returns false and names the
  // variable in `missing` if one is not set.
  bool Render(const TemplateValue& value, rapidjson::Value& out,
              rapidjson::Document::AllocatorType& allocator, std::string* missing) const;

 private:
  struct Value {
    std::string json;  // the value as JSON text
    std::string text;  // what Interpolate writes: a string's characters, else `json`
  };
  std::map<std::string, Value> values_;  // by name
};

// Serializes a JSON value compactly.
std::string ToJsonText(const rapidjson::Value& value);

// The body of a sized step (`raw_body: {repeat, times: "${role}", plus}`)
// once `times` is interpolated; nullopt with *error when it is not a whole
// number of repeats up to 64 MiB (a role's value in a target file is input).
std::optional<std::string> SizedBodyText(const RequestSpec::SizedBody& sized, const std::string& times,
                                         std::string* error);

}  // namespace conformance
