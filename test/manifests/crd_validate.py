"""Validates objects against a CRD's openAPIV3Schema with python3-jsonschema.

Input (one JSON file, argv[1]):
  {"schema": <openAPIV3Schema>, "documents": [{"name": "...", "object": {...}}, ...]}
Output: one line per document, in order: "ok NAME" or "invalid NAME: WHY".
Exit 0 when every document was checked (valid or not), 2 on bad input,
3 when jsonschema is missing.

The schema is read the way kube-apiserver reads it, with one difference: an
object with "properties" gets "additionalProperties: false" (unless it has
x-kubernetes-preserve-unknown-fields), so that a misspelt field is an error
here instead of being dropped silently by the API server's pruning.
"""

import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/install-deps.sh)", file=sys.stderr)
    sys.exit(3)


def to_json_schema(node):
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-"):
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
        else:
            out[key] = to_json_schema(value)
    if "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields"):
        out.setdefault("additionalProperties", False)
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: crd_validate.py INPUT.json", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            data = json.load(f)
        schema = to_json_schema(data["schema"])
        documents = data["documents"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print("bad input: %s" % e, file=sys.stderr)
        return 2
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for doc in documents:
        errors = sorted(validator.iter_errors(doc["object"]), key=lambda e: list(e.absolute_path))
        if not errors:
            print("ok %s" % doc["name"])
            continue
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(root)"
        message = first.message.replace("\n", " ")
        print("invalid %s: %s: %s" % (doc["name"], where, message[:300]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
