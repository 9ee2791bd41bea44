"""OpenAPI request checks shared by the carrier mocks (stdlib only; PyYAML
for a .yml/.yaml description).

The mocks (twilio_mock.py, vonage_mock.py) check each request against the
provider's own API description, so a driver that drifts from the real API
fails in the tests rather than in production. This module holds what they
share: reading the description and following its local $refs, the form body
of an operation, and checking a form (x-www-form-urlencoded) against it.
Each mock keeps its own answers: what a check finds is returned, and the
mock answers in its provider's error shape.
"""

import json
import re
import urllib.parse

FORM = "application/x-www-form-urlencoded"


class Spec:
    """An API description: its document, $ref resolution, form schemas."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            if path.endswith((".yml", ".yaml")):
                import yaml  # the caller says when PyYAML is missing
                self.doc = yaml.safe_load(f)
            else:
                self.doc = json.load(f)

    def resolve(self, node):
        """NODE with its local $refs ("#/a/b", JSON pointer escapes) followed."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or seen > 20:
                raise SystemExit("spec: unsupported $ref %s" % ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return node

    def path_params(self, item, op):
        """{name: schema} of the path parameters of OP (and of its path ITEM)."""
        params = {}
        for p in op.get("parameters", []) + item.get("parameters", []):
            p = self.resolve(p)
            if p.get("in") == "path":
                params[p["name"]] = self.resolve(p.get("schema", {}))
        return params

    def form(self, op, what):
        """(props, required) of OP's form body; WHAT names OP in the error."""
        body = op["requestBody"]["content"]
        if FORM not in body:
            raise SystemExit("spec: %s takes no form body" % what)
        schema = self.resolve(body[FORM]["schema"])
        props = {k: self.resolve(v) for k, v in schema["properties"].items()}
        return props, list(schema.get("required", []))


def check_value(name, value, schema, fullmatch=False):
    """None if VALUE (a form string) fits SCHEMA, else the reason.

    FULLMATCH: the pattern must match the whole value (Vonage writes its
    patterns so); otherwise it is searched for, as OpenAPI (ECMA) says.
    """
    t = schema.get("type", "string")
    if t == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            return "%s must be an integer" % name
        v = int(value)
        if "minimum" in schema and v < schema["minimum"]:
            return "%s is below %s" % (name, schema["minimum"])
        if "maximum" in schema and v > schema["maximum"]:
            return "%s is above %s" % (name, schema["maximum"])
    elif t == "number":
        try:
            float(value)
        except ValueError:
            return "%s must be a number" % name
    elif t == "boolean":
        if value.lower() not in ("true", "false"):
            return "%s must be true or false" % name
    if "enum" in schema and value not in [str(e) for e in schema["enum"]]:
        return "%s must be one of %s" % (name, ", ".join(map(str, schema["enum"])))
    if "minLength" in schema and len(value) < schema["minLength"]:
        return "%s is shorter than %d" % (name, schema["minLength"])
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return "%s is longer than %d" % (name, schema["maxLength"])
    if "pattern" in schema:
        match = re.fullmatch if fullmatch else re.search
        if not match(schema["pattern"], value):
            return "%s does not match %s" % (name, schema["pattern"])
    return None


def content_length(headers, limit):
    """The request's Content-Length: an int in [0, LIMIT], "missing" or "large"."""
    try:
        length = int(headers.get("Content-Length", ""))
    except ValueError:
        return "missing"
    if length < 0 or length > limit:
        return "large"
    return length


def content_type(headers):
    """The media type of the request, lower case, without parameters."""
    return headers.get("Content-Type", "").split(";")[0].strip().lower()


def parse_form(raw):
    """[(name, value)] of a form body; raises ValueError (UnicodeDecodeError
    included) when it is not strict UTF-8 x-www-form-urlencoded."""
    text = raw.decode("utf-8")
    return urllib.parse.parse_qsl(text, keep_blank_values=True,
                                  strict_parsing=bool(text),
                                  encoding="utf-8", errors="strict")


class FormError(Exception):
    """A form that does not fit the schema: KIND is "unknown" (a field the
    schema does not have), "twice" (a repeated field that is not an array),
    "missing" (a required field) or "value" (REASON from check_value);
    NAME is the field."""

    def __init__(self, kind, name, reason=None):
        super().__init__(reason or "%s %s" % (kind, name))
        self.kind, self.name, self.reason = kind, name, reason


def check_form(spec, pairs, props, required, fullmatch=False):
    """{name: [values]} of PAIRS checked against PROPS and REQUIRED, in the
    order the mocks always checked: unknown and repeated fields as they come,
    then the required ones, then each value. Raises FormError."""
    form = {}
    for k, v in pairs:
        if k not in props:
            raise FormError("unknown", k)
        if k in form and props[k].get("type") != "array":
            raise FormError("twice", k)
        form.setdefault(k, []).append(v)
    for k in required:
        if k not in form:
            raise FormError("missing", k)
    for k, vals in form.items():
        schema = props[k]
        item = spec.resolve(schema.get("items", {})) if schema.get("type") == "array" else schema
        for v in vals:
            why = check_value(k, v, item, fullmatch)
            if why:
                raise FormError("value", k, why)
    return form
